"""Synthetic Aria MPS files and take audio: round trips through the release readers vs the ground truth."""

from __future__ import annotations

import dataclasses
import json
import wave
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from egoexo_kit.geometry import (
    invert_pose,
    look_at,
    make_pose,
    quat_to_matrix,
    sensor_to_mp4_px,
    transform_points,
)
from egoexo_kit.geometry.calibration import aria_factory_camera, aria_recorded_camera
from egoexo_kit.release._mps import (
    read_closed_loop_trajectory,
    read_eye_gaze,
    read_eye_gaze_2d,
    read_online_calibration,
    read_open_loop_trajectory,
    read_semidense_observations,
    read_semidense_points,
)
from egoexo_kit.synth.capture import DeviceClock
from egoexo_kit.synth.capture._rig import make_aria_rig
from egoexo_kit.synth.sensors._audio import MIC_POSITIONS, RATE, narration_words
from egoexo_kit.synth.sensors._sensors import (
    CAMERA_SERIALS,
    AriaMotion,
    chirp,
    combined_yaw,
    gaze_angles_cpf,
    gaze_point_cpf,
    write_audio,
    write_eye_gaze,
    write_point_cloud,
    write_trajectory,
    write_transcription,
)

CLOCK = DeviceClock(name="aria01_214-1", rate=30.0, start=0.2, drift=2e-5, ns_origin=7_000_123_456_789)
SPAN = (1.0, 3.0)
TAKE_START = 0.9
TARGET = np.array([0.2, -0.1, 0.9])
RADIUS, OMEGA, BOB = 1.4, 0.4, 0.03
RGB_SIZE = 128
GRAPH = "ea7288b8-b6a0-012d-8156-257aba6bd796"
SESSION = "9123c598-cbed-4083-997a-e42195bde05f"


def _eye(t: np.ndarray) -> np.ndarray:
    return np.stack([RADIUS * np.cos(OMEGA * t), RADIUS * np.sin(OMEGA * t), 1.6 + BOB * np.sin(3 * t)], -1)


def _eye_velocity(t: np.ndarray) -> np.ndarray:
    w = OMEGA * RADIUS
    return np.stack([-w * np.sin(OMEGA * t), w * np.cos(OMEGA * t), 3 * BOB * np.cos(3 * t)], -1)


def _gaze_target(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    return TARGET + 0.1 * np.stack([np.sin(1.3 * t), np.cos(0.7 * t), 0.5 * np.sin(t)], -1)


MOTION = AriaMotion(
    clock=CLOCK,
    T_world_device=lambda t: look_at(_eye(np.asarray(t, dtype=np.float64)), TARGET),
    gaze_target=_gaze_target,
)
RIG = make_aria_rig(
    "aria01", rgb_size=RGB_SIZE, slam_size=(96, 72), et_size=(64, 24), rng=np.random.default_rng(3)
)
POINTS = np.random.default_rng(4).uniform([-2.0, -2.0, 0.0], [2.0, 2.0, 2.5], size=(400, 3))


def _write_all(root: Path, *, span: tuple[float, float] = SPAN, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    write_trajectory(
        root / "trajectory", motion=MOTION, span=span, rig=RIG, graph_uid=GRAPH, session_uid=SESSION, rng=rng
    )
    write_point_cloud(
        root / "trajectory", points_world=POINTS, graph_uid=GRAPH, motion=MOTION, span=span, rig=RIG, rng=rng
    )
    write_eye_gaze(
        root / "eye_gaze",
        motion=MOTION,
        span=span,
        rig=RIG,
        rgb_mp4_size=RGB_SIZE,
        take_start=TAKE_START,
        rng=rng,
    )
    seconds = span[1] - span[0]
    events = [(0.3, "grasp"), (0.9, "impact")]
    narration = [(1.2, "Now I turn it.")]
    write_audio(root / "audio" / "aria01.wav", seconds=seconds, events=events, narration=narration, seed=seed)
    write_transcription(
        root / "audio" / "aria01_transcriptions.json", narration=narration, seconds=seconds, seed=seed
    )


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sensors")
    _write_all(root)
    return root


def _times(us: np.ndarray) -> np.ndarray:
    return CLOCK.device_ns_to_time(np.asarray(us, dtype=np.int64) * 1000)


def _same_rotation(q_file: np.ndarray, R: np.ndarray, atol: float) -> None:
    """Compare x,y,z,w quaternions with rotation matrices, up to the quaternion sign."""
    q = Rotation.from_matrix(R).as_quat()
    sign = np.sign(np.sum(q * q_file, axis=1))[:, None]
    np.testing.assert_allclose(q_file, sign * q, atol=atol)


# ---------------------------------------------------------------------------------------------
# Trajectories


def test_closed_loop_rows_cover_the_span_at_1khz(release: Path) -> None:
    traj = read_closed_loop_trajectory(release / "trajectory" / "closed_loop_trajectory.csv")
    us = traj.tracking_timestamp_us
    ns0, ns1 = CLOCK.time_to_device_ns(np.array(SPAN))
    assert us[0] * 1000 <= ns0 < (us[0] + 1000) * 1000
    assert (us[-1] - 1000) * 1000 < ns1 <= us[-1] * 1000
    assert np.all(np.diff(us) == 1000) and np.all(us % 1000 == 0)
    assert abs(len(traj) - (SPAN[1] - SPAN[0]) * 1000) <= 2
    assert set(traj.graph_uid) == {GRAPH}
    assert np.all(traj.utc_timestamp_ns > 1_600_000_000 * 10**9)
    np.testing.assert_array_equal(np.diff(traj.utc_timestamp_ns), 1_000_000)
    np.testing.assert_array_equal(traj.gravity_world, np.tile([0.0, 0.0, -9.81], (len(traj), 1)))
    np.testing.assert_array_equal(traj.quality_score, 1.0)
    header = (
        (release / "trajectory" / "closed_loop_trajectory.csv").read_text(encoding="utf-8").split("\n")[:2]
    )
    assert header[0].split(",")[:4] == [
        "graph_uid",
        "tracking_timestamp_us",
        "utc_timestamp_ns",
        "tx_world_device",
    ]
    assert len(header[0].split(",")) == 20
    cells = header[1].split(",")
    assert all(len(c.split(".")[1]) == 6 for c in cells[3:6]) and all(
        len(c.split(".")[1]) == 9 for c in cells[6:10]
    )


def test_closed_loop_poses_match_the_motion(release: Path) -> None:
    traj = read_closed_loop_trajectory(release / "trajectory" / "closed_loop_trajectory.csv")
    T = MOTION.T_world_device(_times(traj.tracking_timestamp_us))
    np.testing.assert_allclose(np.linalg.norm(traj.q_world_device, axis=1), 1.0, atol=1e-8)
    np.testing.assert_allclose(traj.t_world_device, T[:, :3, 3], atol=1e-6)
    _same_rotation(traj.q_world_device, T[:, :3, :3], atol=1e-8)
    # quaternions are sign-continuous (no flips between neighbouring rows)
    assert np.all(np.sum(traj.q_world_device[1:] * traj.q_world_device[:-1], axis=1) > 0)


def test_closed_loop_velocities_are_finite_differences(release: Path) -> None:
    traj = read_closed_loop_trajectory(release / "trajectory" / "closed_loop_trajectory.csv")
    s = traj.tracking_timestamp_us / 1e6
    R = quat_to_matrix(traj.q_world_device)
    v_world = np.einsum("nij,nj->ni", R, traj.device_linear_velocity_device)
    np.testing.assert_allclose(v_world, np.gradient(traj.t_world_device, s, axis=0), atol=1e-3)
    np.testing.assert_allclose(v_world, _eye_velocity(_times(traj.tracking_timestamp_us)), atol=1e-3)
    rot = Rotation.from_quat(traj.q_world_device)
    n = len(traj)
    a, b = np.maximum(np.arange(n) - 1, 0), np.minimum(np.arange(n) + 1, n - 1)
    w_fd = (rot[a].inv() * rot[b]).as_rotvec() / (s[b] - s[a])[:, None]
    np.testing.assert_allclose(traj.angular_velocity_device, w_fd, atol=1e-5)
    assert np.abs(traj.angular_velocity_device).max() > 0.1  # the head does turn


def test_open_loop_drifts_about_one_percent(release: Path) -> None:
    closed = read_closed_loop_trajectory(release / "trajectory" / "closed_loop_trajectory.csv")
    odo = read_open_loop_trajectory(release / "trajectory" / "open_loop_trajectory.csv")
    np.testing.assert_array_equal(odo.tracking_timestamp_us, closed.tracking_timestamp_us)
    np.testing.assert_array_equal(odo.utc_timestamp_ns, closed.utc_timestamp_ns)
    assert set(odo.session_uid) == {SESSION}
    np.testing.assert_allclose(np.linalg.norm(odo.q_odometry_device, axis=1), 1.0, atol=1e-8)
    np.testing.assert_allclose(odo.t_odometry_device[0], 0.0, atol=1e-6)
    np.testing.assert_allclose(odo.gravity_odometry, np.tile([0.0, 0.0, -9.81], (len(odo), 1)), atol=1e-6)
    T_od = np.zeros((len(odo), 4, 4))
    T_od[:, :3, :3], T_od[:, :3, 3], T_od[:, 3, 3] = (
        quat_to_matrix(odo.q_odometry_device),
        odo.t_odometry_device,
        1,
    )
    T_wd = np.zeros_like(T_od)
    T_wd[:, :3, :3], T_wd[:, :3, 3], T_wd[:, 3, 3] = (
        quat_to_matrix(closed.q_world_device),
        closed.t_world_device,
        1,
    )
    T_ow = T_od @ invert_pose(T_wd)
    np.testing.assert_allclose(T_ow[:, 2, 2], 1.0, atol=1e-6)  # the drift keeps gravity
    path = np.sum(np.linalg.norm(np.diff(closed.t_world_device, axis=0), axis=1))
    shift = np.linalg.norm(
        T_ow[-1, :3, 3] - T_ow[0, :3, 3] + (T_ow[-1, :3, :3] - T_ow[0, :3, :3]) @ closed.t_world_device[-1]
    )
    assert 0.002 * path < shift < 0.03 * path
    s = odo.tracking_timestamp_us / 1e6
    np.testing.assert_allclose(
        odo.device_linear_velocity_odometry, np.gradient(odo.t_odometry_device, s, axis=0), atol=1e-3
    )
    rot = Rotation.from_quat(odo.q_odometry_device)
    n = len(odo)
    a, b = np.maximum(np.arange(n) - 1, 0), np.minimum(np.arange(n) + 1, n - 1)
    w_fd = (rot[a].inv() * rot[b]).as_rotvec() / (s[b] - s[a])[:, None]
    np.testing.assert_allclose(odo.angular_velocity_device, w_fd, atol=1e-5)
    # the slow yaw drift adds well under 0.01 rad/s to the true head rate
    np.testing.assert_allclose(odo.angular_velocity_device, closed.angular_velocity_device, atol=1e-2)


def test_online_calibration_holds_the_rig(release: Path) -> None:
    calib = read_online_calibration(release / "trajectory" / "online_calibration.jsonl")
    closed = read_closed_loop_trajectory(release / "trajectory" / "closed_loop_trajectory.csv")
    np.testing.assert_array_equal(calib.tracking_timestamp_us, closed.tracking_timestamp_us[::1000])
    np.testing.assert_array_equal(calib.utc_timestamp_ns, closed.utc_timestamp_ns[::1000])
    record = calib.records[0]
    assert list(record) == [
        "utc_timestamp_ns",
        "tracking_timestamp_us",
        "ImuCalibrations",
        "CameraCalibrations",
    ]
    assert [imu["Label"] for imu in record["ImuCalibrations"]] == ["imu-left", "imu-right"]
    cams = {c["Label"]: c for c in record["CameraCalibrations"]}
    assert set(cams) == {"camera-rgb", "camera-slam-left", "camera-slam-right"}
    for stream in ("rgb", "slam-left", "slam-right"):
        camera, T_device_camera = RIG.cameras[stream]
        c = cams[f"camera-{stream}"]
        assert c["SerialNumber"] == CAMERA_SERIALS[stream]
        assert c["Projection"]["Name"] == "FisheyeRadTanThinPrism"
        # stored at projectaria's calibration size (RGB 2880², SLAM 640x480); read back at the rig's size
        label = f"camera-{stream}"
        np.testing.assert_allclose(c["Projection"]["Params"], aria_factory_camera(camera, label).params)
        back = aria_recorded_camera(label, c["Projection"]["Params"], (camera.width, camera.height))
        np.testing.assert_allclose(back.params, camera.params, rtol=0, atol=1e-9)
        w, xyz = c["T_Device_Camera"]["UnitQuaternion"]
        np.testing.assert_allclose(quat_to_matrix([*xyz, w]), T_device_camera[:3, :3], atol=1e-12)
        np.testing.assert_allclose(c["T_Device_Camera"]["Translation"], T_device_camera[:3, 3], atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Point cloud


def test_point_cloud_points_are_noisy_truth(release: Path) -> None:
    pts = read_semidense_points(release / "trajectory" / "semidense_points.csv.gz")
    np.testing.assert_array_equal(pts.uid, np.arange(len(POINTS)))
    assert set(pts.graph_uid) == {GRAPH}
    err = np.linalg.norm(pts.points_world - POINTS, axis=1)
    assert np.all(err <= 3 * pts.dist_std + 1e-5)
    good = (pts.inv_dist_std <= 0.005) & (pts.dist_std <= 0.01)
    assert 0.7 < good.mean() < 1.0


def test_point_observations_reproject_exactly(release: Path) -> None:
    pts = read_semidense_points(release / "trajectory" / "semidense_points.csv.gz")
    obs = read_semidense_observations(release / "trajectory" / "semidense_observations.csv.gz")
    frames = np.unique(obs.frame_tracking_timestamp_us)
    assert 8 <= len(frames) <= 10
    ns = frames * 1000
    assert np.all((ns >= CLOCK.time_to_device_ns(SPAN[0])) & (ns <= CLOCK.time_to_device_ns(SPAN[1])))
    assert set(obs.camera_serial) == {CAMERA_SERIALS["slam-left"], CAMERA_SERIALS["slam-right"]}
    T_wd = MOTION.T_world_device(_times(obs.frame_tracking_timestamp_us))
    for stream in ("slam-left", "slam-right"):
        camera, T_device_camera = RIG.cameras[stream]
        rows = obs.camera_serial == CAMERA_SERIALS[stream]
        p_cam = transform_points(
            invert_pose(T_wd[rows] @ T_device_camera), pts.points_world[obs.uid[rows]][:, None]
        )
        px, ok = camera.project(p_cam)
        assert np.all(ok)
        np.testing.assert_allclose(px[:, 0], np.stack([obs.u[rows], obs.v[rows]], 1), atol=1e-4)
        # and nothing visible was left out (first frame)
        first = obs.frame_tracking_timestamp_us == frames[0]
        T0 = invert_pose(MOTION.T_world_device(_times(frames[:1]))[0] @ T_device_camera)
        _, vis = camera.project(transform_points(T0, pts.points_world))
        assert vis.sum() == np.sum(first & rows)


# ---------------------------------------------------------------------------------------------
# Eye gaze


@settings(max_examples=50, deadline=None)
@given(
    x=st.floats(-2.0, 2.0), y=st.floats(-2.0, 2.0), z=st.floats(0.05, 5.0),
)  # fmt: skip
def test_gaze_angles_invert_like_projectaria(x: float, y: float, z: float) -> None:
    p = np.array([[x, y, z]])
    left, right, pitch, depth = gaze_angles_cpf(p)
    np.testing.assert_allclose(gaze_point_cpf(combined_yaw(left, right), pitch, depth), p, atol=1e-9)
    # projectaria's getGazeIntersectionPoint (IPD 0.063) recovers the point from the eye yaws alone
    tl, tr = np.tan(left[0]), np.tan(right[0])
    zi = 0.063 / (tr - tl)
    np.testing.assert_allclose(
        [0.0315 * (tl + tr) / (tr - tl), zi * np.tan(pitch[0]), zi], p[0], rtol=1e-6, atol=1e-9
    )


@pytest.mark.parametrize(
    ("target_device", "signs"),
    [((-0.3, 0.01, 1.0), (1, 1, 0)), ((0.0, -0.3, 1.0), (-1, 1, 1)), ((0.0, 0.01, 0.6), (-1, 1, 0))],
)
def test_gaze_signs_follow_projectaria_cpf(tmp_path: Path, target_device: tuple, signs: tuple) -> None:
    """CPF is x left, y up, z forward (projectaria 3d_coordinate_frame_convention): left/up is positive."""
    # The rig's device frame is x right, y down, z forward (head axes), so a projectaria CPF is that frame
    # turned 180° about z; the device sits at the world origin and the target is given in device axes.
    rig = dataclasses.replace(RIG, T_device_cpf=make_pose(np.diag([-1.0, -1.0, 1.0]), [0.0, 0.01, -0.02]))
    target = np.array(target_device)
    still = AriaMotion(
        clock=CLOCK,
        T_world_device=lambda t: np.broadcast_to(np.eye(4), (len(t), 4, 4)).copy(),
        gaze_target=lambda t: np.broadcast_to(target, (len(t), 3)).copy(),
    )
    write_eye_gaze(
        tmp_path, motion=still, span=SPAN, rig=rig, rgb_mp4_size=RGB_SIZE, take_start=0.0,
        rng=np.random.default_rng(0), noise=False,
    )  # fmt: skip
    gaze = read_eye_gaze(tmp_path / "general_eye_gaze.csv")
    left_sign, right_sign, pitch_sign = signs
    assert np.all(np.sign(gaze.left_yaw_rads_cpf) == left_sign)
    assert np.all(np.sign(gaze.right_yaw_rads_cpf) == right_sign)
    assert np.all(np.sign(np.round(gaze.pitch_rads_cpf, 9)) == pitch_sign)
    assert np.all(gaze.left_yaw_rads_cpf < gaze.right_yaw_rads_cpf)  # the eyes converge


def _gaze_files(tmp_path: Path, *, noise: bool, mp4: int = RGB_SIZE) -> Path:
    write_eye_gaze(
        tmp_path, motion=MOTION, span=SPAN, rig=RIG, rgb_mp4_size=mp4, take_start=TAKE_START,
        rng=np.random.default_rng(5), noise=noise,
    )  # fmt: skip
    return tmp_path


def test_gaze_3d_hits_the_target(tmp_path: Path) -> None:
    folder = _gaze_files(tmp_path, noise=False)
    text = (folder / "general_eye_gaze.csv").read_text(encoding="utf-8")
    assert text.split("\n")[0] == (
        "tracking_timestamp_us,left_yaw_rads_cpf,right_yaw_rads_cpf,pitch_rads_cpf,depth_m,"
        "left_yaw_low_rads_cpf,right_yaw_low_rads_cpf,pitch_low_rads_cpf,left_yaw_high_rads_cpf,"
        "right_yaw_high_rads_cpf,pitch_high_rads_cpf,tx_left_eye_cpf,ty_left_eye_cpf,tz_left_eye_cpf,"
        "tx_right_eye_cpf,ty_right_eye_cpf,tz_right_eye_cpf,session_uid"
    )
    gaze = read_eye_gaze(folder / "general_eye_gaze.csv")
    assert gaze.schema == "vergence"
    assert abs(len(gaze) - 10 * (SPAN[1] - SPAN[0])) <= 1
    assert np.all(np.abs(np.diff(gaze.tracking_timestamp_us) - 100_000) <= 1)
    np.testing.assert_array_equal(gaze.t_left_eye_cpf, np.tile([0.0315, 0, 0], (len(gaze), 1)))
    np.testing.assert_array_equal(gaze.t_right_eye_cpf, np.tile([-0.0315, 0, 0], (len(gaze), 1)))
    assert len(set(gaze.session_uid)) == 1
    t = _times(gaze.tracking_timestamp_us)
    T_world_cpf = MOTION.T_world_device(t) @ RIG.T_device_cpf
    yaw = combined_yaw(gaze.left_yaw_rads_cpf, gaze.right_yaw_rads_cpf)
    p_cpf = gaze_point_cpf(yaw, gaze.pitch_rads_cpf, gaze.depth_m)
    p_world = transform_points(T_world_cpf, p_cpf[:, None])[:, 0]
    assert np.linalg.norm(p_world - _gaze_target(t), axis=1).max() < 0.01
    # the reader's mean-of-eyes yaw is close to projectaria's combined yaw
    np.testing.assert_allclose(gaze.yaw_rads_cpf, yaw, atol=np.deg2rad(0.2))


def test_gaze_3d_noise_and_bounds(tmp_path: Path) -> None:
    gaze = read_eye_gaze(_gaze_files(tmp_path, noise=True) / "general_eye_gaze.csv")
    t = _times(gaze.tracking_timestamp_us)
    target_cpf = transform_points(
        invert_pose(MOTION.T_world_device(t) @ RIG.T_device_cpf), _gaze_target(t)[:, None]
    )
    p_cpf = gaze_point_cpf(
        combined_yaw(gaze.left_yaw_rads_cpf, gaze.right_yaw_rads_cpf), gaze.pitch_rads_cpf, 1.0
    )
    cos = np.sum(p_cpf * target_cpf[:, 0], axis=1) / np.linalg.norm(target_cpf[:, 0], axis=1)
    angle = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    assert 0.05 < np.median(angle) < 1.5 and angle.max() < 3.0
    for lo, mid, hi in (
        (gaze.left_yaw_low_rads_cpf, gaze.left_yaw_rads_cpf, gaze.left_yaw_high_rads_cpf),
        (gaze.right_yaw_low_rads_cpf, gaze.right_yaw_rads_cpf, gaze.right_yaw_high_rads_cpf),
        (gaze.pitch_low_rads_cpf, gaze.pitch_rads_cpf, gaze.pitch_high_rads_cpf),
    ):
        width = np.degrees(hi - mid)
        assert np.all((width > 1.99) & (width < 4.01))
        np.testing.assert_allclose(mid - lo, hi - mid, atol=1e-8)


@pytest.mark.parametrize("mp4", [RGB_SIZE, 2 * RGB_SIZE])
def test_gaze_2d_is_the_target_in_the_upright_rgb_image(tmp_path: Path, mp4: int) -> None:
    folder = _gaze_files(tmp_path, noise=False, mp4=mp4)
    assert (
        (folder / "general_eye_gaze_2d.csv")
        .read_text(encoding="utf-8")
        .startswith("tracking_timestamp_us,frame_num,x,y\n")
    )
    g2 = read_eye_gaze_2d(folder / "general_eye_gaze_2d.csv")
    g3 = read_eye_gaze(folder / "general_eye_gaze.csv")
    assert len(g2) == len(g3) > 0
    t = _times(g2.tracking_timestamp_us)
    np.testing.assert_array_equal(g2.frame_num, np.rint((t - TAKE_START) * 30))
    assert np.all(np.diff(g2.frame_num) == 3)
    assert np.all((g2.px_rotated >= -0.5) & (g2.px_rotated <= mp4 - 0.5))
    camera, T_device_rgb = RIG.cameras["rgb"]
    camera = camera.scaled(width=mp4, height=mp4)
    T_rgb_world = invert_pose(MOTION.T_world_device(t) @ T_device_rgb)
    px, ok = camera.project(transform_points(T_rgb_world, _gaze_target(t)[:, None]))
    assert np.all(ok)
    np.testing.assert_allclose(g2.px_rotated, sensor_to_mp4_px(px[:, 0], sensor_size=(mp4, mp4)), atol=1e-4)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary == {"GazeInference": {"status": "SUCCESS", "message": ""}, "version": "1.2.3"}


# ---------------------------------------------------------------------------------------------
# Audio and transcription


def _read_wav(path: Path) -> tuple[wave._wave_params, np.ndarray]:
    with wave.open(str(path), "rb") as wav:
        params = wav.getparams()
        data = np.frombuffer(wav.readframes(params.nframes), dtype="<i2").reshape(-1, params.nchannels)
    return params, data.astype(np.float64) / 32768


def test_chirp_sweeps_1_to_4_khz() -> None:
    c = chirp()
    assert c.shape == (round(0.3 * RATE),) and np.abs(c).max() <= 1.0
    crossings = np.flatnonzero(np.diff(np.signbit(c)))
    rate_hz = 1 / (2 * np.diff(crossings) / RATE)  # half periods
    assert abs(np.median(rate_hz[:20]) - 1000) < 60 and abs(np.median(rate_hz[-20:]) - 4000) < 200


def test_wav_layout_and_event_peaks(tmp_path: Path) -> None:
    events = [(0.5, "grasp"), (1.2, "impact"), (2.0, "release"), (2.4, "thud"), (3.0, "chirp")]
    path = tmp_path / "a.wav"
    write_audio(path, seconds=4.5, events=events, narration=[(3.6, "one two three")], seed=1)
    params, x = _read_wav(path)
    assert (params.nchannels, params.framerate, params.sampwidth) == (7, 48_000, 2)
    assert params.nframes == round(4.5 * RATE) == x.shape[0]
    energy = (x**2).sum(axis=1).reshape(-1, 48).sum(axis=1)  # 1 ms frames
    noise = np.median(energy)
    for t, kind in events:
        lo = round(t * 1000) - 50
        window = energy[lo : lo + 150]
        if kind == "chirp":
            onset = lo + np.argmax(window > 100 * noise)
            assert abs(onset / 1000 - t) <= 0.005
        else:
            assert abs((lo + np.argmax(window) + 0.5) / 1000 - t) <= 0.005, kind
    words = x[round(3.6 * RATE) : round(4.35 * RATE)]
    rms = np.sqrt((words**2).mean(axis=0))
    assert rms[5:].min() > 1.3 * rms[3:5].max()  # lower rim (near the mouth) louder than the temples
    assert MIC_POSITIONS.shape == (7, 3)


def test_transcription_follows_the_narration(tmp_path: Path) -> None:
    narration = [(2.0, "Then I close the lid."), (0.513, "Now I take the wheel off."), (4.8, "Too late now")]
    path = tmp_path / "t.json"
    write_transcription(path, narration=narration, seconds=5.0, seed=2)
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "text": ')
    out = json.loads(text)
    assert out["language"] == "en"
    assert out["text"] == " Now I take the wheel off. Then I close the lid."  # the last line does not fit
    segs = out["segments"]
    assert [s["id"] for s in segs] == [0, 1]
    for seg, (t0, line) in zip(segs, sorted(narration)[:2], strict=True):
        assert list(seg) == [
            "id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob", "compression_ratio",
            "no_speech_prob", "words",
        ]  # fmt: skip
        assert seg["text"] == " " + line
        assert [w["word"] for w in seg["words"]] == [" " + w for w in line.split()]
        end = t0 + 0.25 * len(line.split())
        for w in seg["words"]:
            assert t0 - 1e-9 <= w["start"] < w["end"] <= end + 1e-9
            assert 0 < w["probability"] <= 1
        assert seg["start"] == seg["words"][0]["start"] and seg["end"] == seg["words"][-1]["end"]
    assert narration_words(narration, seconds=5.0)[2] == []


# ---------------------------------------------------------------------------------------------
# Determinism, speed, errors


def test_same_seed_gives_identical_bytes(tmp_path: Path, release: Path) -> None:
    _write_all(tmp_path)
    files = sorted(p.relative_to(release) for p in release.rglob("*") if p.is_file())
    assert len(files) == 10
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()) == files
    for rel in files:
        assert (tmp_path / rel).read_bytes() == (release / rel).read_bytes(), rel


def test_bad_inputs_are_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="span must be"):
        write_trajectory(
            tmp_path, motion=MOTION, span=(2.0, 1.0), rig=RIG, graph_uid=GRAPH, session_uid=SESSION, rng=rng
        )
    with pytest.raises(ValueError, match=r"points_world must be a finite \(P, 3\)"):
        bad = np.zeros((4, 2))
        write_point_cloud(
            tmp_path, points_world=bad, graph_uid=GRAPH, motion=MOTION, span=SPAN, rig=RIG, rng=rng
        )
    with pytest.raises(ValueError, match="rgb_mp4_size"):
        write_eye_gaze(tmp_path, motion=MOTION, span=SPAN, rig=RIG, rgb_mp4_size=0, take_start=0.0, rng=rng)
    with pytest.raises(ValueError, match="seconds must be positive"):
        write_audio(tmp_path / "a.wav", seconds=0.0, events=[], narration=[], seed=0)
    assert not list(tmp_path.iterdir())
