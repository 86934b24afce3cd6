"""Tests for the timesync, MPS and exo-calibration file readers (egoexo_kit.release._mps)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.release._mps import (
    ClosedLoopTrajectory,
    EyeGaze2D,
    EyeGaze3D,
    GoProCalibs,
    OnlineCalibration,
    OpenLoopTrajectory,
    SemidenseObservations,
    SemidensePoints,
    Timesync,
    read_closed_loop_trajectory,
    read_eye_gaze,
    read_eye_gaze_2d,
    read_gopro_calibs,
    read_online_calibration,
    read_open_loop_trajectory,
    read_semidense_observations,
    read_semidense_points,
    read_timesync,
)


def write(path: Path, text: str) -> Path:
    """Write ``text`` to ``path``, gzipped when the name ends in .gz."""
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


# Verbatim from FORMAT.md §6.1, §6.3, §6.4.
CLOSED_HEADER = (
    "graph_uid,tracking_timestamp_us,utc_timestamp_ns,tx_world_device,ty_world_device,tz_world_device,"
    "qx_world_device,qy_world_device,qz_world_device,qw_world_device,device_linear_velocity_x_device,"
    "device_linear_velocity_y_device,device_linear_velocity_z_device,angular_velocity_x_device,"
    "angular_velocity_y_device,angular_velocity_z_device,gravity_x_world,gravity_y_world,gravity_z_world,"
    "quality_score"
)
CLOSED_ROW = (
    "ea7288b8-b6a0-012d-8156-257aba6bd796,149202610,1686767222002923694,0.000292,-0.006405,0.000467,"
    "0.500638545,0.496952726,-0.477400195,0.523916109,0.038913,-0.322935,0.242351,-0.054750,0.052271,"
    "-0.064212,0.000000,0.000000,-9.810000,0.5"
)
ECEF = (
    "geo_available,tx_ecef_device,ty_ecef_device,tz_ecef_device,"
    "qx_ecef_device,qy_ecef_device,qz_ecef_device,qw_ecef_device"
)
GOPRO_HEADER = (
    "cam_uid,graph_uid,tx_world_cam,ty_world_cam,tz_world_cam,qx_world_cam,qy_world_cam,qz_world_cam,"
    "qw_world_cam,image_width,image_height,intrinsics_type,intrinsics_0,intrinsics_1,intrinsics_2,"
    "intrinsics_3,intrinsics_4,intrinsics_5,intrinsics_6,intrinsics_7,start_frame_idx,end_frame_idx,quality"
)
GOPRO_ROW = (
    "cam01,40084458-f219-16ca-0c3c-8bd94ee06e6c,1.691723,0.545741,-0.116511,-0.437056,-0.661141,0.501553,"
    "0.346871,3840,2160,KANNALABRANDTK3,1761.275757,1761.275757,1920.000000,1080.000000,0.036902,0.057131,"
    "-0.057154,0.018458,-1,-1,1"
)
POINTS_HEADER = "uid,graph_uid,px_world,py_world,pz_world,inv_dist_std,dist_std"
POINTS_ROW = "25,ea7288b8-b6a0-012d-8156-257aba6bd796,-2.009920,-1.545991,-1.272240,0.007649,0.061433"
GAZE_A_HEADER = (
    "tracking_timestamp_us,yaw_rads_cpf,pitch_rads_cpf,yaw_low_rads_cpf,pitch_low_rads_cpf,"
    "yaw_high_rads_cpf,pitch_high_rads_cpf,depth_m,session_uid"
)
GAZE_B_HEADER = (
    "tracking_timestamp_us,left_yaw_rads_cpf,right_yaw_rads_cpf,pitch_rads_cpf,depth_m,left_yaw_low_rads_cpf,"
    "right_yaw_low_rads_cpf,pitch_low_rads_cpf,left_yaw_high_rads_cpf,right_yaw_high_rads_cpf,"
    "pitch_high_rads_cpf,tx_left_eye_cpf,ty_left_eye_cpf,tz_left_eye_cpf,tx_right_eye_cpf,ty_right_eye_cpf,"
    "tz_right_eye_cpf,session_uid"
)
# FORMAT §6.5 example row, with the abridged values filled in.
GAZE_B_ROW = (
    "148502622,0.8015,0.7736,-0.0205,1.5981,0.70,0.67,-0.12,0.90,0.87,0.08,"
    "0.0315,0.0,0.0,-0.0315,0.0,0.0,9123c598-cbed-4083-997a-e42195bde05f"
)
BIG = 2**53 + 7  # not representable as float64


# ---------------------------------------------------------------------------------------------
# Closed- and open-loop trajectories


def test_closed_loop_sample_row(tmp_path):
    t = read_closed_loop_trajectory(
        write(tmp_path / "closed_loop_trajectory.csv", f"{CLOSED_HEADER}\n{CLOSED_ROW}\n")
    )
    assert isinstance(t, ClosedLoopTrajectory)
    assert len(t) == 1
    assert t.graph_uid.tolist() == ["ea7288b8-b6a0-012d-8156-257aba6bd796"]
    assert t.tracking_timestamp_us.dtype == np.int64 and t.tracking_timestamp_us.tolist() == [149202610]
    assert t.utc_timestamp_ns.tolist() == [1686767222002923694]  # > 2**53, exact
    np.testing.assert_array_equal(t.t_world_device, [[0.000292, -0.006405, 0.000467]])
    np.testing.assert_array_equal(t.q_world_device, [[0.500638545, 0.496952726, -0.477400195, 0.523916109]])
    np.testing.assert_array_equal(t.device_linear_velocity_device, [[0.038913, -0.322935, 0.242351]])
    np.testing.assert_array_equal(t.angular_velocity_device, [[-0.054750, 0.052271, -0.064212]])
    np.testing.assert_array_equal(t.gravity_world, [[0.0, 0.0, -9.81]])
    assert t.quality_score.tolist() == [0.5]
    assert t.extra == {}
    assert t.path == tmp_path / "closed_loop_trajectory.csv"
    assert repr(t).endswith("rows=1)")
    with pytest.raises(ValueError, match="read-only"):
        t.t_world_device[0, 0] = 1.0


def test_closed_loop_ecef_columns_reordered_utc_minus_one(tmp_path):
    # Extra ECEF columns (FORMAT §6.1), columns in another order, utc -1, two rows.
    names = CLOSED_HEADER.split(",") + ECEF.split(",")
    row1 = CLOSED_ROW.split(",") + ["1", "10.5", "20.5", "30.5", "0", "0", "0", "1"]
    row2 = list(row1)
    row2[1], row2[2] = "149203610", "-1"
    order = list(reversed(range(len(names))))
    text = "\n".join(",".join(r[i] for i in order) for r in (names, row1, row2)) + "\n"
    t = read_closed_loop_trajectory(write(tmp_path / "t.csv", text))
    assert len(t) == 2
    assert t.utc_timestamp_ns.tolist() == [1686767222002923694, -1]
    assert t.q_world_device[1, 3] == 0.523916109
    assert set(t.extra) == set(ECEF.split(","))
    assert t.extra["tx_ecef_device"].tolist() == [10.5, 10.5]
    assert t.extra["geo_available"].tolist() == [1.0, 1.0]


def test_closed_loop_missing_column(tmp_path):
    header = CLOSED_HEADER.replace(",quality_score", "")
    row = CLOSED_ROW.rsplit(",", 1)[0]
    with pytest.raises(
        FormatError, match=r"missing required column\(s\) 'quality_score'; found: graph_uid"
    ) as err:
        read_closed_loop_trajectory(write(tmp_path / "t.csv", f"{header}\n{row}\n"))
    assert err.value.line == 1


def test_closed_loop_empty_timestamp_is_located(tmp_path):
    bad = CLOSED_ROW.replace(",149202610,", ",,")
    p = write(tmp_path / "t.csv", f"{CLOSED_HEADER}\n{CLOSED_ROW}\n\n{bad}\n")
    with pytest.raises(
        FormatError, match=r"column 'tracking_timestamp_us': empty cell, an integer is required"
    ) as err:
        read_closed_loop_trajectory(p)
    assert (err.value.line, err.value.column) == (4, 2)


def test_closed_loop_non_number_is_located(tmp_path):
    bad = CLOSED_ROW.replace(",0.000292,", ",zero,")
    p = write(tmp_path / "t.csv", f"{CLOSED_HEADER}\n{CLOSED_ROW}\n{bad}\n")
    with pytest.raises(FormatError, match=r"column 'tx_world_device': 'zero' is not a number") as err:
        read_closed_loop_trajectory(p)
    assert (err.value.line, err.value.column) == (3, 4)


def test_open_loop(tmp_path):
    header = (
        "tracking_timestamp_us,utc_timestamp_ns,session_uid,tx_odometry_device,ty_odometry_device,"
        "tz_odometry_device,qx_odometry_device,qy_odometry_device,qz_odometry_device,qw_odometry_device,"
        "device_linear_velocity_x_odometry,device_linear_velocity_y_odometry,device_linear_velocity_z_odometry,"
        "angular_velocity_x_device,angular_velocity_y_device,angular_velocity_z_device,gravity_x_odometry,"
        "gravity_y_odometry,gravity_z_odometry,quality_score"
    )
    row = "149202610,-1,sess-1,1,2,3,0,0,0,1,0.1,0.2,0.3,0.4,0.5,0.6,0,0,-9.81,1"
    t = read_open_loop_trajectory(write(tmp_path / "open_loop_trajectory.csv", f"{header}\n{row}\n{row}\n"))
    assert isinstance(t, OpenLoopTrajectory)
    assert len(t) == 2
    assert t.session_uid.tolist() == ["sess-1", "sess-1"]
    np.testing.assert_array_equal(t.t_odometry_device[0], [1, 2, 3])
    np.testing.assert_array_equal(t.q_odometry_device[0], [0, 0, 0, 1])
    np.testing.assert_array_equal(t.device_linear_velocity_odometry[0], [0.1, 0.2, 0.3])
    np.testing.assert_array_equal(t.gravity_odometry[1], [0, 0, -9.81])
    with pytest.raises(FormatError, match="missing required column.*'session_uid'") as err:
        read_open_loop_trajectory(write(tmp_path / "bad.csv", header.replace("session_uid", "sess") + "\n"))
    assert err.value.line == 1


# ---------------------------------------------------------------------------------------------
# gopro_calibs.csv


def test_gopro_example_row(tmp_path):
    c = read_gopro_calibs(write(tmp_path / "gopro_calibs.csv", f"{GOPRO_HEADER}\n{GOPRO_ROW}\n"))
    assert isinstance(c, GoProCalibs)
    assert len(c) == 1
    assert c.cam_uid.tolist() == ["cam01"]
    assert c.graph_uid.tolist() == ["40084458-f219-16ca-0c3c-8bd94ee06e6c"]
    np.testing.assert_array_equal(c.t_world_cam, [[1.691723, 0.545741, -0.116511]])
    np.testing.assert_array_equal(c.q_world_cam, [[-0.437056, -0.661141, 0.501553, 0.346871]])
    assert c.image_width.dtype == np.int64 and c.image_width.tolist() == [3840]
    assert c.image_height.tolist() == [2160]
    assert c.intrinsics_type.tolist() == ["KANNALABRANDTK3"]
    np.testing.assert_array_equal(
        c.intrinsics, [[1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458]]
    )
    assert c.start_frame_idx.tolist() == [-1] and c.end_frame_idx.tolist() == [-1]
    assert c.quality.tolist() == [1] and c.quality_present
    row = c.row("cam01")
    assert row["image_width"] == 3840 and row["intrinsics"][0] == 1761.275757 and row["quality"] == 1


def test_gopro_without_quality_and_non_kb3_rows(tmp_path):
    header = GOPRO_HEADER.replace(",quality", "")
    row1 = GOPRO_ROW.rsplit(",", 1)[0]
    row2 = row1.replace("cam01", "gp02").replace("KANNALABRANDTK3", "PINHOLE")
    c = read_gopro_calibs(write(tmp_path / "gopro_calibs.csv", f"{header}\n{row1}\n{row2}\n"))
    assert not c.quality_present
    assert c.quality.tolist() == [-1, -1]
    assert c.intrinsics_type.tolist() == ["KANNALABRANDTK3", "PINHOLE"]  # parsed, not rejected
    assert c.indices("gp02").tolist() == [1]
    assert c.row("gp02")["cam_uid"] == "gp02"
    with pytest.raises(NotFoundError, match=r"no camera 'cam09' in gopro_calibs; cameras: cam01, gp02"):
        c.row("cam09")


def test_gopro_bad_int_cell(tmp_path):
    bad = GOPRO_ROW.replace(",3840,", ",3840.5,")
    with pytest.raises(FormatError, match=r"column 'image_width': '3840.5' is not an integer") as err:
        read_gopro_calibs(write(tmp_path / "g.csv", f"{GOPRO_HEADER}\n{GOPRO_ROW}\n{bad}\n"))
    assert (err.value.line, err.value.column) == (3, 10)


# ---------------------------------------------------------------------------------------------
# Semidense points and observations


@pytest.mark.parametrize("name", ["semidense_points.csv.gz", "global_points.csv.gz", "semidense_points.csv"])
def test_semidense_sample_row(tmp_path, name):
    pts = read_semidense_points(write(tmp_path / name, f"{POINTS_HEADER}\n{POINTS_ROW}\n"))
    assert isinstance(pts, SemidensePoints)
    assert len(pts) == 1
    assert pts.uid.dtype == np.int64 and pts.uid.tolist() == [25]
    assert pts.graph_uid.tolist() == ["ea7288b8-b6a0-012d-8156-257aba6bd796"]
    np.testing.assert_array_equal(pts.points_world, [[-2.009920, -1.545991, -1.272240]])
    assert pts.inv_dist_std.tolist() == [0.007649]
    assert pts.dist_std.tolist() == [0.061433]


def test_semidense_observations(tmp_path):
    text = "uid,frame_tracking_timestamp_us,camera_serial,u,v\n25,149202610,0072510f1b1f0110,320.5,240.25\n"
    obs = read_semidense_observations(write(tmp_path / "semidense_observations.csv.gz", text))
    assert isinstance(obs, SemidenseObservations)
    assert len(obs) == 1
    assert obs.camera_serial.tolist() == ["0072510f1b1f0110"]
    assert obs.frame_tracking_timestamp_us.tolist() == [149202610]
    assert (obs.u[0], obs.v[0]) == (320.5, 240.25)


def test_semidense_bad_uid(tmp_path):
    p = write(tmp_path / "semidense_points.csv.gz", f"{POINTS_HEADER}\n{POINTS_ROW}\nx{POINTS_ROW}\n")
    with pytest.raises(FormatError, match=r"column 'uid': 'x25' is not an integer") as err:
        read_semidense_points(p)
    assert (err.value.line, err.value.column) == (3, 1)


# ---------------------------------------------------------------------------------------------
# Eye gaze


def test_eye_gaze_schema_a(tmp_path):
    rows = "148502622,0.1,-0.2,0.05,-0.25,0.15,-0.15,,sess\n148602622,0.3,0.0,0.2,-0.1,0.4,0.1,1.25,sess\n"
    g = read_eye_gaze(write(tmp_path / "general_eye_gaze.csv", f"{GAZE_A_HEADER}\n{rows}"))
    assert isinstance(g, EyeGaze3D)
    assert g.schema == "legacy"
    assert len(g) == 2
    assert g.tracking_timestamp_us.tolist() == [148502622, 148602622]
    assert g.yaw_rads_cpf.tolist() == [0.1, 0.3]
    assert g.pitch_low_rads_cpf.tolist() == [-0.25, -0.1]
    assert np.isnan(g.depth_m[0]) and g.depth_m[1] == 1.25  # empty cell -> NaN
    assert g.session_uid.tolist() == ["sess", "sess"]
    assert g.left_yaw_rads_cpf is None and g.t_left_eye_cpf is None


def test_eye_gaze_schema_a_without_depth_column(tmp_path):
    header = GAZE_A_HEADER.replace(",depth_m,session_uid", "")
    g = read_eye_gaze(write(tmp_path / "g.csv", f"{header}\n1,0.1,0.2,0.0,0.1,0.2,0.3\n"))
    assert g.schema == "legacy" and np.isnan(g.depth_m).all() and g.session_uid is None


def test_eye_gaze_schema_b(tmp_path):
    g = read_eye_gaze(write(tmp_path / "general_eye_gaze.csv", f"{GAZE_B_HEADER}\n{GAZE_B_ROW}\n"))
    assert g.schema == "vergence"
    assert g.tracking_timestamp_us.tolist() == [148502622]
    assert (g.left_yaw_rads_cpf[0], g.right_yaw_rads_cpf[0]) == (0.8015, 0.7736)
    assert g.yaw_rads_cpf[0] == pytest.approx((0.8015 + 0.7736) / 2)
    assert g.yaw_low_rads_cpf[0] == pytest.approx(0.685)
    assert g.yaw_high_rads_cpf[0] == pytest.approx(0.885)
    assert g.pitch_rads_cpf[0] == -0.0205
    assert g.depth_m[0] == 1.5981
    np.testing.assert_array_equal(g.t_left_eye_cpf, [[0.0315, 0.0, 0.0]])
    np.testing.assert_array_equal(g.t_right_eye_cpf, [[-0.0315, 0.0, 0.0]])
    assert g.session_uid.tolist() == ["9123c598-cbed-4083-997a-e42195bde05f"]


def test_eye_gaze_schema_b_missing_column(tmp_path):
    header = GAZE_B_HEADER.replace("right_yaw_rads_cpf,", "")
    with pytest.raises(FormatError, match=r"missing required column\(s\) 'right_yaw_rads_cpf'") as err:
        read_eye_gaze(write(tmp_path / "g.csv", header + "\n"))
    assert err.value.line == 1


def test_eye_gaze_2d(tmp_path):
    g = read_eye_gaze_2d(write(tmp_path / "general_eye_gaze_2d.csv", "x,y\n700.5,600.25\n,\n"))
    assert isinstance(g, EyeGaze2D)
    assert len(g) == 2
    assert g.tracking_timestamp_us is None and g.frame_num is None
    assert g.x[0] == 700.5 and np.isnan(g.y[1])
    np.testing.assert_array_equal(g.px_rotated[0], [700.5, 600.25])
    text = "tracking_timestamp_us,frame_num,x,y\n148502622,0,1.0,2.0\n148602622,3,3.0,4.0\n"
    g = read_eye_gaze_2d(write(tmp_path / "g2.csv", text))
    assert g.frame_num.tolist() == [0, 3] and g.tracking_timestamp_us.tolist() == [148502622, 148602622]


def test_eye_gaze_2d_missing_y(tmp_path):
    with pytest.raises(FormatError, match=r"missing required column\(s\) 'y'; found: frame_num, x") as err:
        read_eye_gaze_2d(write(tmp_path / "g.csv", "frame_num,x\n0,1\n"))
    assert err.value.line == 1


# ---------------------------------------------------------------------------------------------
# timesync.csv

TIMESYNC_COLUMNS = [
    "cam01_global_time",
    "cam01_pts",
    "cam01_frame_number",
    "gp02_global_time",
    "gp02_pts",
    "gp02_frame_number",
    "aria01_214-1_global_time",
    "aria01_214-1_capture_timestamp_ns",
    "aria01_214-1_frame_number",
    "aria01_1201-1_global_time",
    "aria01_1201-1_capture_timestamp_ns",
    "aria01_1201-1_frame_number",
]
TIMESYNC_ROWS = [
    ["", "", "", "12.001", "1001", "720", "12.011", str(BIG), "0", "12.012", "1152023000000", "0"],
    ["12.033", "24024", "721", "12.034", "2002", "721", "12.044", str(BIG + 33333333), "1", "", "", ""],
    ["12.066", "25025", "722", "", "", "", "", "", "", "12.078", "1152089666666", "2"],
]


def timesync_text(order: list[int]) -> str:
    rows = [TIMESYNC_COLUMNS, *TIMESYNC_ROWS]
    return "".join(",".join(r[i] for i in order) + "\n" for r in rows)


def test_timesync_devices_and_values(tmp_path):
    ts = read_timesync(write(tmp_path / "timesync.csv", timesync_text(list(range(12)))))
    assert isinstance(ts, Timesync)
    assert ts.devices == ["cam01", "gp02", "aria01_214-1", "aria01_1201-1"]
    assert len(ts) == 3
    gt = ts.global_time("cam01")
    assert gt.dtype == np.float64 and np.isnan(gt[0]) and gt[1:].tolist() == [12.033, 12.066]
    ns = ts.capture_timestamp_ns("aria01_214-1")
    assert isinstance(ns, np.ma.MaskedArray) and ns.dtype == np.int64
    assert ns.mask.tolist() == [False, False, True]
    assert [int(v) for v in ns.compressed()] == [BIG, BIG + 33333333]  # exact above 2**53
    assert ts.frame_number("cam01").tolist() == [None, 721, 722]
    assert ts.pts("cam01").compressed().tolist() == [24024, 25025]
    fn = ts.frame_number("aria01_1201-1")
    assert fn.tolist() == [0, None, 2]
    assert ts.table["aria01_1201-1_capture_timestamp_ns"].compressed().tolist() == [
        1152023000000,
        1152089666666,
    ]


def test_timesync_missing_device_and_column(tmp_path):
    ts = read_timesync(write(tmp_path / "timesync.csv", timesync_text(list(range(12)))))
    with pytest.raises(NotFoundError, match=r"no device 'aria01_211-1' in timesync; devices: cam01, gp02"):
        ts.global_time("aria01_211-1")  # 211-1 columns may be absent (FORMAT §3.1)
    with pytest.raises(NotFoundError, match=r"device 'cam01' has no cam01_capture_timestamp_ns column"):
        ts.capture_timestamp_ns("cam01")


def test_timesync_no_device_columns(tmp_path):
    with pytest.raises(FormatError, match=r"no device columns \(names ending in _global_time") as err:
        read_timesync(write(tmp_path / "timesync.csv", "a,b\n1,2\n"))
    assert err.value.line == 1


def test_timesync_bad_cell_reported_on_access(tmp_path):
    text = timesync_text(list(range(12))).replace("24024", "24x24")
    ts = read_timesync(write(tmp_path / "timesync.csv", text))
    assert ts.devices[0] == "cam01"  # the header alone is fine
    with pytest.raises(FormatError, match=r"column 'cam01_pts': '24x24' is not an integer") as err:
        ts.global_time("cam01")
    assert (err.value.line, err.value.column) == (3, 2)


def test_timesync_pandas_float_ints(tmp_path):
    # pandas writes int columns with gaps as floats; values stay exact.
    text = f"cam01_global_time,cam01_frame_number,aria01_214-1_capture_timestamp_ns\n1.0,720.0,{BIG}.0\n,,\n"
    ts = read_timesync(write(tmp_path / "timesync.csv", text))
    assert ts.frame_number("cam01").tolist() == [720, None]
    assert int(ts.capture_timestamp_ns("aria01_214-1")[0]) == BIG


@settings(max_examples=30, deadline=None)
@given(order=st.permutations(list(range(12))))
def test_timesync_column_order_independent(tmp_path_factory, order):
    base = read_timesync(write(tmp_path_factory.mktemp("a") / "timesync.csv", timesync_text(list(range(12)))))
    ts = read_timesync(write(tmp_path_factory.mktemp("b") / "timesync.csv", timesync_text(order)))
    assert sorted(ts.devices) == sorted(base.devices)
    for dev in base.devices:
        np.testing.assert_array_equal(ts.global_time(dev), base.global_time(dev))
        a, b = ts.frame_number(dev), base.frame_number(dev)
        assert np.ma.getmaskarray(a).tolist() == np.ma.getmaskarray(b).tolist()
        assert (
            np.ma.getdata(a)[~np.ma.getmaskarray(a)].tolist()
            == np.ma.getdata(b)[~np.ma.getmaskarray(b)].tolist()
        )


# ---------------------------------------------------------------------------------------------
# online_calibration.jsonl


def calib_record(t_us: int) -> dict:
    return {
        "utc_timestamp_ns": 1686767222002923694 + t_us,
        "tracking_timestamp_us": t_us,
        "ImuCalibrations": [{"Label": "imu-left"}],
        "CameraCalibrations": [{"Label": "camera-rgb"}],
    }


def test_online_calibration(tmp_path):
    text = json.dumps(calib_record(1)) + "\n\n" + json.dumps(calib_record(2)) + "\n"
    c = read_online_calibration(write(tmp_path / "online_calibration.jsonl", text))
    assert isinstance(c, OnlineCalibration)
    assert len(c) == 2
    assert c.tracking_timestamp_us.tolist() == [1, 2]
    assert c.utc_timestamp_ns.tolist() == [1686767222002923695, 1686767222002923696]
    assert c.records[1]["CameraCalibrations"][0]["Label"] == "camera-rgb"
    assert c.lines.tolist() == [1, 3]


def test_online_calibration_malformed_line(tmp_path):
    text = json.dumps(calib_record(1)) + "\n\n{not json\n"
    with pytest.raises(FormatError, match="invalid JSON") as err:
        read_online_calibration(write(tmp_path / "c.jsonl", text))
    assert err.value.line == 3


@pytest.mark.parametrize(
    ("record", "message", "pointer"),
    [
        (
            {"tracking_timestamp_us": 1},
            "utc_timestamp_ns must be a JSON integer, got nothing",
            "/utc_timestamp_ns",
        ),
        (
            {**calib_record(1), "tracking_timestamp_us": "1"},
            "must be a JSON integer, got str",
            "/tracking_timestamp_us",
        ),
        (
            {**calib_record(1), "ImuCalibrations": None},
            "ImuCalibrations must be a JSON array",
            "/ImuCalibrations",
        ),
        ([1, 2], "expected a JSON object, got list", None),
    ],
)
def test_online_calibration_bad_record(tmp_path, record, message, pointer):
    text = json.dumps(calib_record(1)) + "\n" + json.dumps(record) + "\n"
    with pytest.raises(FormatError, match=message) as err:
        read_online_calibration(write(tmp_path / "c.jsonl", text))
    assert (err.value.line, err.value.pointer) == (2, pointer)


def test_online_calibration_empty_and_missing(tmp_path):
    with pytest.raises(FormatError, match="no calibration records") as err:
        read_online_calibration(write(tmp_path / "c.jsonl", "\n\n"))
    assert err.value.line == 1
    with pytest.raises(FormatError, match="file does not exist"):
        read_online_calibration(tmp_path / "nope.jsonl")


def test_online_calibration_bad_utf8_line(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_bytes(json.dumps(calib_record(1)).encode() + b"\n\xff\n")
    with pytest.raises(FormatError, match="UnicodeDecodeError") as err:
        read_online_calibration(p)
    assert err.value.line == 2


def test_missing_file_is_format_error(tmp_path):
    with pytest.raises(FormatError, match="file does not exist"):
        read_closed_loop_trajectory(tmp_path / "closed_loop_trajectory.csv")
