"""Synthetic Aria MPS outputs: trajectories, online calibration, semidense points and eye gaze.

The writers sample one ground truth, :class:`AriaMotion` (the headset pose and the world point looked at
as functions of the common time axis), and write the files a real take carries (FORMAT §6):

- ``closed_loop_trajectory.csv`` / ``open_loop_trajectory.csv`` / ``online_calibration.jsonl``
  (:func:`write_trajectory`, FORMAT §6.1, §6.2);
- ``semidense_points.csv.gz`` / ``semidense_observations.csv.gz`` (:func:`write_point_cloud`, §6.4);
- ``eye_gaze/general_eye_gaze.csv`` (vergence schema B), ``general_eye_gaze_2d.csv`` and
  ``summary.json`` (:func:`write_eye_gaze`, §6.5).

Time bases: every ``*_us`` column is the Aria device clock in microseconds (``device_ns // 1000``,
:class:`~egoexo_kit.synth.capture._clocks.DeviceClock` of the RGB stream); a row's pose, gaze and velocity are
those of the common time ``clock.device_ns_to_time(us * 1000)``, so a reader that maps the written
timestamp back gets the exact ground truth. Rates and derivatives are per second of the device clock.

Eye gaze follows ``facebookresearch/projectaria_tools: core/mps/EyeGazeReader.h``: in the Central Pupil
Frame a gaze point ``(X, Y, Z)`` has ``yaw = atan(X / Z)``, ``pitch = atan(Y / Z)``, ``depth = |(X, Y, Z)|``
(``getEyeGazePointAtDepth`` inverts this), the left eye sits at ``x = +IPD / 2`` and the right eye at
``x = -IPD / 2`` with ``IPD = 0.063 m`` (``getGazeVectors``), and a per-eye yaw is the yaw of the ray
from that eye to the point (``getGazeIntersectionPoint``). The writers take ``T_device_cpf`` from the
rig as it is. The audio writers live in :mod:`._audio` and are re-exported here.

Every file is written atomically (DESIGN §6), and the same inputs and generator state give
byte-identical files (gzip with ``mtime=0``, no wall-clock values).
"""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import atomic_path, write_json, write_text
from egoexo_kit.geometry import invert_pose, make_pose, matrix_to_quat, sensor_to_mp4_px, transform_points
from egoexo_kit.geometry.calibration import aria_factory_camera
from egoexo_kit.synth.capture import AriaRig, DeviceClock
from egoexo_kit.synth.sensors._audio import chirp, write_audio, write_transcription
from egoexo_kit.vocab import FPS

__all__ = [
    "CAMERA_LABELS",
    "CAMERA_SERIALS",
    "EYE_HALF_IPD_M",
    "AriaMotion",
    "chirp",
    "combined_yaw",
    "gaze_angles_cpf",
    "gaze_point_cpf",
    "write_audio",
    "write_eye_gaze",
    "write_point_cloud",
    "write_trajectory",
    "write_transcription",
]

CAMERA_LABELS = {"rgb": "camera-rgb", "slam-left": "camera-slam-left", "slam-right": "camera-slam-right"}
"""Rig stream -> calibration ``Label`` (FORMAT §5)."""
CAMERA_SERIALS = {
    "rgb": "0450577b730e1608ed4e000000000000",
    "slam-left": "1WM103600M1292",
    "slam-right": "1WM103600N1281",
}
"""Rig stream -> camera ``SerialNumber`` (calibration JSON and ``camera_serial`` of the observations)."""
EYE_HALF_IPD_M = 0.0315
"""Half of projectaria's fixed ``IPD_meters = 0.063``: the eyes sit at ``x = ±0.0315`` m in CPF."""
GRAVITY_WORLD = np.array([0.0, 0.0, -9.81])
"""Gravity in the MPS world, m/s² (FORMAT §6.1: z up)."""
ALIGNED_FPS = float(FPS)
"""Frame rate of the frame-aligned videos (``frame_num`` of the 2D gaze)."""
TRAJECTORY_STEP_US = 1000
"""Row spacing of both trajectories: 1 kHz on the device clock."""
GAZE_RATE_HZ = 10.0
"""Eye-gaze rows per second (one per third RGB frame)."""
OBSERVED_FRAMES = 10
"""SLAM frames whose point observations are written."""
GAZE_NOISE_RAD = np.deg2rad(0.5)
"""Standard deviation of the yaw and pitch noise."""
MIN_GAZE_Z_M = 0.05
"""Gaze targets closer than this to the CPF's x-y plane (or behind it) give no gaze row."""
UTC_BASE_NS = 1_686_700_000_000_000_000
"""Around 2023-06-14 in Unix nanoseconds: the UTC clock of the synthetic recordings starts near it."""

_CLOSED_HEADER = [
    "graph_uid", "tracking_timestamp_us", "utc_timestamp_ns",
    "tx_world_device", "ty_world_device", "tz_world_device",
    "qx_world_device", "qy_world_device", "qz_world_device", "qw_world_device",
    "device_linear_velocity_x_device", "device_linear_velocity_y_device", "device_linear_velocity_z_device",
    "angular_velocity_x_device", "angular_velocity_y_device", "angular_velocity_z_device",
    "gravity_x_world", "gravity_y_world", "gravity_z_world", "quality_score",
]  # fmt: skip
_OPEN_HEADER = [
    "tracking_timestamp_us", "utc_timestamp_ns", "session_uid",
    *(f"{a}_odometry_device" for a in ("tx", "ty", "tz", "qx", "qy", "qz", "qw")),
    *(f"device_linear_velocity_{a}_odometry" for a in "xyz"),
    *(f"angular_velocity_{a}_device" for a in "xyz"),
    *(f"gravity_{a}_odometry" for a in "xyz"),
    "quality_score",
]  # fmt: skip
_GAZE_HEADER = [
    "tracking_timestamp_us", "left_yaw_rads_cpf", "right_yaw_rads_cpf", "pitch_rads_cpf", "depth_m",
    "left_yaw_low_rads_cpf", "right_yaw_low_rads_cpf", "pitch_low_rads_cpf",
    "left_yaw_high_rads_cpf", "right_yaw_high_rads_cpf", "pitch_high_rads_cpf",
    "tx_left_eye_cpf", "ty_left_eye_cpf", "tz_left_eye_cpf", "tx_right_eye_cpf", "ty_right_eye_cpf",
    "tz_right_eye_cpf", "session_uid",
]  # fmt: skip


@dataclass(frozen=True)
class AriaMotion:
    """What the synthetic world says about the headset during a span of common time."""

    clock: DeviceClock
    """The Aria RGB stream clock: common time (s) <-> device-clock nanoseconds."""
    T_world_device: Callable[[np.ndarray], np.ndarray]
    """``(M,)`` common times (s) -> ``(M, 4, 4)`` poses of the device in the MPS world (metres)."""
    gaze_target: Callable[[np.ndarray], np.ndarray]
    """``(M,)`` common times (s) -> ``(M, 3)`` finite world point (metres) the wearer looks at."""


# ---------------------------------------------------------------------------------------------
# Shared helpers


def _csv_text(header: Sequence[str], columns: Sequence[tuple[str, Any]], rows: int) -> str:
    """CSV text from ``(printf format, values)`` columns: an ``(rows,)`` array or one scalar for all rows."""
    table = np.empty((rows, len(columns)), dtype=object)
    for j, (_, values) in enumerate(columns):
        table[:, j] = values
    line = ",".join(fmt for fmt, _ in columns) + "\n"
    return ",".join(header) + "\n" + (line * rows) % tuple(table.ravel().tolist())


def _clean(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round to the printed precision, turning ``-0.0`` into ``0.0`` so no cell reads ``-0.000000``."""
    return np.round(values, decimals) + 0.0


def _uuid4(rng: np.random.Generator) -> str:
    """A UUID4 string drawn from ``rng`` (deterministic)."""
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def _check_span(span: tuple[float, float]) -> tuple[float, float]:
    t0, t1 = (float(v) for v in span)
    if not (np.isfinite(t0) and np.isfinite(t1) and t1 > t0):
        raise ValueError(f"span must be (start, end) common times in seconds with end > start; got {span}")
    return t0, t1


def _poses(motion: AriaMotion, t: np.ndarray) -> np.ndarray:
    """``motion.T_world_device(t)``, checked to be ``(M, 4, 4)`` and finite."""
    T = np.asarray(motion.T_world_device(t), dtype=np.float64)
    if T.shape != (t.shape[0], 4, 4) or not np.all(np.isfinite(T)):
        raise ValueError(
            f"T_world_device must return finite poses of shape {(t.shape[0], 4, 4)}; got {T.shape}"
        )
    return T


def _frame_indices(clock: DeviceClock, span: tuple[float, float]) -> np.ndarray:
    """Indices of the clock's frames captured inside ``span`` (common seconds), increasing."""
    scale = clock.rate * (1 + clock.drift)
    first = int(np.ceil((span[0] - clock.start) * scale - 1e-9))
    last = int(np.floor((span[1] - clock.start) * scale + 1e-9))
    return np.arange(first, last + 1, dtype=np.int64)


def _frame_us(clock: DeviceClock, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Device microseconds of frames ``k`` and the common times (s) those microseconds stand for."""
    us = clock.device_ns(k) // 1000
    return us, clock.device_ns_to_time(us * 1000)


def _rotation_log(R: np.ndarray) -> np.ndarray:
    """Rotation vectors (axis * angle, radians) of ``(..., 3, 3)`` rotations with angles below ~π."""
    cos = np.clip((np.trace(R, axis1=-2, axis2=-1) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    vee = (
        np.stack([R[..., 2, 1] - R[..., 1, 2], R[..., 0, 2] - R[..., 2, 0], R[..., 1, 0] - R[..., 0, 1]], -1)
        / 2
    )
    sin = np.sin(angle)
    scale = np.where(sin > 1e-12, angle / np.where(sin > 1e-12, sin, 1.0), 1.0)
    return vee * scale[..., None]


def _velocities(T_ref_device: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite-difference velocities of a pose track (central inside, one-sided at the two ends).

    Returns:
        Linear velocity of the device origin in the reference frame (m/s) and angular velocity in the
        device frame (rad/s, ``R_ref_device^T dR/dt = [w]x``), both ``(N, 3)``, per second of ``seconds``.
    """
    n = seconds.shape[0]
    i = np.arange(n)
    a, b = np.maximum(i - 1, 0), np.minimum(i + 1, n - 1)
    dt = (seconds[b] - seconds[a])[:, None]
    v_ref = (T_ref_device[b, :3, 3] - T_ref_device[a, :3, 3]) / dt
    dR = np.swapaxes(T_ref_device[a, :3, :3], -1, -2) @ T_ref_device[b, :3, :3]
    return v_ref, _rotation_log(dR) / dt


def _continuous_quats(R: np.ndarray) -> np.ndarray:
    """``x, y, z, w`` quaternions of ``(N, 3, 3)`` rotations, first with ``w >= 0``, then sign-continuous."""
    q = matrix_to_quat(R)
    flips = np.ones(q.shape[0])
    flips[1:] = np.where(np.sum(q[1:] * q[:-1], axis=-1) < 0, -1.0, 1.0)
    return q * np.cumprod(flips)[:, None]


def _rot_z(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    z, o = np.zeros_like(angle), np.ones_like(angle)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


# ---------------------------------------------------------------------------------------------
# Trajectories and online calibration (FORMAT §6.1, §6.2)


def _tracking_grid(clock: DeviceClock, span: tuple[float, float]) -> np.ndarray:
    """Device microseconds on the whole-millisecond grid from just before to just after ``span``."""
    ns0, ns1 = (int(v) for v in clock.time_to_device_ns(np.array(span)))
    first = (ns0 // 1_000_000) * TRAJECTORY_STEP_US
    last = -((-ns1) // 1_000_000) * TRAJECTORY_STEP_US
    return np.arange(first, last + 1, TRAJECTORY_STEP_US, dtype=np.int64)


def _odometry_poses(T_world_device: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``T_odometry_device``: the closed-loop poses seen from an odometry frame that drifts ~1 % of the path.

    The odometry frame starts at the first device position with a random heading (gravity-aligned, as
    MPS odometry is), then slides by 1 % of the distance travelled in a random horizontal direction
    and turns about gravity by a random 0.2–0.6 °/m of path.
    """
    p = T_world_device[:, :3, 3]
    path = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
    heading = rng.uniform(-np.pi, np.pi)
    slide = rng.uniform(-np.pi, np.pi)
    turn = np.deg2rad(rng.uniform(0.2, 0.6)) * rng.choice([-1.0, 1.0])
    drift_t = 0.01 * path[:, None] * np.array([np.cos(slide), np.sin(slide), 0.0])
    T_world_odometry = make_pose(_rot_z(heading + turn * path), p[0] + drift_t)
    return invert_pose(T_world_odometry) @ T_world_device


def _se3_json(T: np.ndarray) -> dict[str, Any]:
    """Calibration-JSON pose: ``{"Translation": [x, y, z], "UnitQuaternion": [w, [x, y, z]]}`` (FORMAT §5)."""
    q = matrix_to_quat(T[:3, :3])
    return {"Translation": T[:3, 3].tolist(), "UnitQuaternion": [float(q[3]), q[:3].tolist()]}


def _imu_calibrations(rng: np.random.Generator) -> list[dict[str, Any]]:
    """Two IMUs with identity rectification and small constant biases, in projectaria's JSON layout."""
    out = []
    for label, x in (("imu-left", -0.06), ("imu-right", 0.06)):
        sensors = {}
        for part, bias in (("Accelerometer", 0.05), ("Gyroscope", 0.002)):
            sensors[part] = {
                "Bias": {"Name": "Constant", "Offset": rng.normal(0.0, bias, 3).round(6).tolist()},
                "Model": {"Name": "Linear", "RectificationMatrix": np.eye(3).tolist()},
            }
        out.append(
            {
                "Label": label,
                **sensors,
                "SerialNumber": "",
                "T_Device_Imu": _se3_json(make_pose(np.eye(3), [x, -0.01, -0.05])),
            }
        )
    return out


def _calibration_json(rig: AriaRig, rng: np.random.Generator) -> tuple[list[Any], list[Any]]:
    """``(ImuCalibrations, CameraCalibrations)`` of the rig (params at projectaria's sizes)."""
    cams = []
    for stream in ("slam-left", "slam-right", "rgb"):
        camera, T_device_camera = rig.cameras[stream]
        cams.append({
            "Label": CAMERA_LABELS[stream],
            "SerialNumber": CAMERA_SERIALS[stream],
            # stored as projectaria stores it: at the full sensor resolution (RGB 2880², SLAM 640x480)
            "Projection": {
                "Name": "FisheyeRadTanThinPrism",
                "Params": aria_factory_camera(camera, CAMERA_LABELS[stream]).params.tolist(),
            },
            "T_Device_Camera": _se3_json(T_device_camera),
        })  # fmt: skip
    return _imu_calibrations(rng), cams


def write_trajectory(
    folder: Path,
    *,
    motion: AriaMotion,
    span: tuple[float, float],
    rig: AriaRig,
    graph_uid: str,
    session_uid: str,
    rng: np.random.Generator,
) -> None:
    """Write ``closed_loop_trajectory.csv``, ``open_loop_trajectory.csv`` and ``online_calibration.jsonl``.

    Rows are 1 kHz on the device clock: ``tracking_timestamp_us`` runs over whole milliseconds from
    the last one at or before ``span[0]`` to the first one at or after ``span[1]`` (so the file covers
    the span; ``motion`` is queried up to 1 ms outside it). ``utc_timestamp_ns`` is the device time plus
    one random epoch offset (June 2023). Closed loop: ``T_world_device`` at each row's common time,
    ``%.6f`` metres, ``%.9f`` quaternions (``x, y, z, w``, sign-continuous), velocities by finite
    differences of the row poses (linear in the device frame, m/s; angular in the device frame,
    rad/s), gravity ``0, 0, -9.81``, quality 1. Open loop: the same poses in an odometry frame that
    drifts about 1 % of the distance travelled, with ``session_uid``; linear velocity in the odometry
    frame. Online calibration: one record per second (every 1000th row) with the rig's cameras
    (``FisheyeRadTanThinPrism``, 15 params for the sensor image) and two IMUs.

    Args:
        folder: Output folder (``trajectory/``), created if missing.
        motion: The headset's ground truth.
        span: ``(start, end)`` common times in seconds, ``end > start``.
        rig: The headset's cameras and their ``T_device_camera``.
        graph_uid: World-frame id written on every closed-loop row.
        session_uid: Odometry session id of the open-loop rows.
        rng: Source of the UTC offset, the odometry drift and the IMU biases.

    Raises:
        ValueError: If ``span`` is empty or ``T_world_device`` returns bad poses.
    """
    span = _check_span(span)
    folder = Path(folder)
    us = _tracking_grid(motion.clock, span)
    n = us.shape[0]
    T_wd = _poses(motion, motion.clock.device_ns_to_time(us * 1000))
    seconds = (us - us[0]) / 1e6
    utc = us * 1000 + (UTC_BASE_NS + int(rng.integers(0, 30 * 86_400 * 10**9)) - int(us[0]) * 1000)
    R_wd = T_wd[:, :3, :3]
    v_world, w_device = _velocities(T_wd, seconds)
    v_device = np.einsum("nji,nj->ni", R_wd, v_world)
    q = _continuous_quats(R_wd)
    f6, f9 = "%.6f", "%.9f"
    cols: list[tuple[str, Any]] = [("%s", graph_uid), ("%d", us), ("%d", utc)]
    cols += [(f6, c) for c in _clean(T_wd[:, :3, 3], 6).T] + [(f9, c) for c in _clean(q, 9).T]
    cols += [(f6, c) for c in _clean(np.concatenate([v_device, w_device], axis=1), 6).T]
    cols += [("%s", "0.000000"), ("%s", "0.000000"), ("%s", "-9.810000"), ("%s", "1.0")]
    write_text(folder / "closed_loop_trajectory.csv", _csv_text(_CLOSED_HEADER, cols, n))

    T_od = _odometry_poses(T_wd, rng)
    v_odo, w_odo = _velocities(T_od, seconds)
    g_odo = (T_od[:, :3, :3] @ np.swapaxes(R_wd, -1, -2)) @ GRAVITY_WORLD
    cols = [("%d", us), ("%d", utc), ("%s", session_uid)]
    cols += [(f6, c) for c in _clean(T_od[:, :3, 3], 6).T]
    cols += [(f9, c) for c in _clean(_continuous_quats(T_od[:, :3, :3]), 9).T]
    cols += [(f6, c) for c in _clean(np.concatenate([v_odo, w_odo, g_odo], axis=1), 6).T]
    cols += [("%s", "1.0")]
    write_text(folder / "open_loop_trajectory.csv", _csv_text(_OPEN_HEADER, cols, n))

    imus, cams = _calibration_json(rig, rng)
    lines = [
        json.dumps({"utc_timestamp_ns": int(u), "tracking_timestamp_us": int(t), "ImuCalibrations": imus,
                    "CameraCalibrations": cams}, separators=(",", ":"))
        for u, t in zip(utc[::1000], us[::1000], strict=True)
    ]  # fmt: skip
    write_text(folder / "online_calibration.jsonl", "\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# Semidense point cloud (FORMAT §6.4)


def _write_gzip(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))


def write_point_cloud(
    folder: Path,
    *,
    points_world: np.ndarray,
    graph_uid: str,
    motion: AriaMotion,
    span: tuple[float, float],
    rig: AriaRig,
    rng: np.random.Generator,
) -> None:
    """Write ``semidense_points.csv.gz`` and ``semidense_observations.csv.gz`` (gzip ``mtime=0``).

    Points: ``uid`` 0..P-1, the true points moved along their viewing ray (from the mean device
    position) by a noise of standard deviation ``dist_std``, ``%.6f`` metres. ``dist_std`` is
    log-normal around 4 mm (about 90 % at or below 1 cm) and ``inv_dist_std = dist_std / d²`` for the
    distance ``d`` to the device, so most points pass the quality filter of FORMAT §6.4.
    Observations: for 10 RGB-clock frames evenly spread over ``span`` (SLAM frames share the device
    clock), every written point that projects inside a SLAM image, as ``(u, v)`` pixels (``%.6f``) in
    that camera's raw sensor image; ``camera_serial`` from :data:`CAMERA_SERIALS`. Rows are ordered
    by frame, camera (left, right), then uid. The pose of a row is ``T_world_device`` at the common time
    of ``frame_tracking_timestamp_us``, so the observations reproject exactly.

    Args:
        folder: Output folder (``trajectory/``), created if missing.
        points_world: ``(P, 3)`` true world points, metres.
        graph_uid: World-frame id written on every point.
        motion: The headset's ground truth.
        span: ``(start, end)`` common times in seconds.
        rig: Its ``slam-left`` / ``slam-right`` cameras (sensor orientation).
        rng: Source of the uncertainties and the position noise.

    Raises:
        ValueError: If ``points_world`` is not a finite ``(P, 3)`` array or ``span`` is empty.
    """
    span = _check_span(span)
    pts = np.asarray(points_world, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or not np.all(np.isfinite(pts)):
        raise ValueError(f"points_world must be a finite (P, 3) array; got shape {pts.shape}")
    folder = Path(folder)
    clock = motion.clock
    k_all = _frame_indices(clock, span)
    if k_all.shape[0] == 0:
        raise ValueError(f"span {span} holds no frame of clock {clock.name!r}")
    k = np.unique(k_all[np.rint(np.linspace(0, k_all.shape[0] - 1, OBSERVED_FRAMES)).astype(np.int64)])
    frame_us, frame_t = _frame_us(clock, k)
    T_wd = _poses(motion, frame_t)
    centre = T_wd[:, :3, 3].mean(axis=0)
    offset = pts - centre
    dist = np.maximum(np.linalg.norm(offset, axis=1), 1e-6)
    dist_std = np.exp(rng.normal(np.log(0.004), 0.7, pts.shape[0]))
    inv_dist_std = dist_std / np.maximum(dist, 0.3) ** 2
    noise = np.clip(rng.standard_normal(pts.shape[0]), -3, 3) * dist_std
    written = _clean(pts + offset / dist[:, None] * noise[:, None], 6)
    uid = np.arange(pts.shape[0], dtype=np.int64)
    cols: list[tuple[str, Any]] = [("%d", uid), ("%s", graph_uid)]
    cols += [("%.6f", c) for c in written.T]
    cols += [("%.6f", _clean(inv_dist_std, 6)), ("%.6f", _clean(dist_std, 6))]
    header = ["uid", "graph_uid", "px_world", "py_world", "pz_world", "inv_dist_std", "dist_std"]
    _write_gzip(folder / "semidense_points.csv.gz", _csv_text(header, cols, pts.shape[0]))

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # (frame, stream, uid, px)
    for s, stream in enumerate(("slam-left", "slam-right")):
        camera, T_device_camera = rig.cameras[stream]
        T_camera_world = invert_pose(T_wd @ T_device_camera)  # (F, 4, 4)
        px, ok = camera.project(transform_points(T_camera_world, written))  # (F, P, 2), (F, P)
        f_idx, p_idx = np.nonzero(ok)
        parts.append((f_idx, np.full(f_idx.shape, s), p_idx, px[f_idx, p_idx]))
    f_idx, s_idx, p_idx, px = (np.concatenate(v) for v in zip(*parts, strict=True))
    order = np.lexsort((p_idx, s_idx, f_idx))
    f_idx, s_idx, p_idx, px = f_idx[order], s_idx[order], p_idx[order], px[order]
    serials = np.array([CAMERA_SERIALS["slam-left"], CAMERA_SERIALS["slam-right"]], dtype=object)
    cols = [("%d", uid[p_idx]), ("%d", frame_us[f_idx]), ("%s", serials[s_idx])]
    cols += [("%.6f", c) for c in _clean(px, 6).T]
    header = ["uid", "frame_tracking_timestamp_us", "camera_serial", "u", "v"]
    _write_gzip(folder / "semidense_observations.csv.gz", _csv_text(header, cols, p_idx.shape[0]))


# ---------------------------------------------------------------------------------------------
# Eye gaze (FORMAT §6.5)


def gaze_angles_cpf(points_cpf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vergence gaze angles of CPF points: the inverse of :func:`gaze_point_cpf` and :func:`combined_yaw`.

    Args:
        points_cpf: ``(..., 3)`` gaze points in the Central Pupil Frame, metres, with ``z > 0``.

    Returns:
        ``(left_yaw, right_yaw, pitch, depth)``, each ``(...)``: per-eye yaws of the rays from the eyes
        at ``x = +0.0315`` (left) and ``x = -0.0315`` (right) to the point, ``atan((X ∓ 0.0315) / Z)``;
        ``pitch = atan(Y / Z)`` (radians); ``depth = |p|`` (metres, from the CPF origin).
    """
    p = np.asarray(points_cpf, dtype=np.float64)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    left = np.arctan((x - EYE_HALF_IPD_M) / z)
    right = np.arctan((x + EYE_HALF_IPD_M) / z)
    return left, right, np.arctan(y / z), np.linalg.norm(p, axis=-1)


def combined_yaw(left_yaw: np.ndarray, right_yaw: np.ndarray) -> np.ndarray:
    """Yaw (radians, CPF) of the intersection of the two eye rays, as projectaria's reader computes it.

    ``computeDepthAndCombinedGazeDirection`` takes ``atan(X / Z)`` of ``getGazeIntersectionPoint``, where
    ``X / Z = (tan(left) + tan(right)) / 2``; this closed form also holds for parallel rays.
    """
    return np.arctan((np.tan(left_yaw) + np.tan(right_yaw)) / 2.0)


def gaze_point_cpf(yaw: np.ndarray, pitch: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """``getEyeGazePointAtDepth``: ``depth * normalize(tan(yaw), tan(pitch), 1)``.

    Args:
        yaw: Combined gaze yaw in CPF, radians (:func:`combined_yaw` for a vergence file).
        pitch: Gaze pitch in CPF, radians.
        depth: Distance from the CPF origin, metres; all three broadcast.

    Returns:
        ``(..., 3)`` gaze points in the CPF, metres.
    """
    d = np.stack(np.broadcast_arrays(np.tan(yaw), np.tan(pitch), np.ones_like(np.asarray(yaw, float))), -1)
    return d / np.linalg.norm(d, axis=-1, keepdims=True) * np.asarray(depth, dtype=np.float64)[..., None]


def write_eye_gaze(
    folder: Path,
    *,
    motion: AriaMotion,
    span: tuple[float, float],
    rig: AriaRig,
    rgb_mp4_size: int,
    take_start: float,
    rng: np.random.Generator,
    noise: bool = True,
) -> None:
    """Write ``general_eye_gaze.csv`` (schema B), ``general_eye_gaze_2d.csv`` and ``summary.json``.

    Rows are 10 Hz: every third RGB frame inside ``span``, ``tracking_timestamp_us = device_ns // 1000``.
    3D: the gaze target in the CPF (``T_world_device @ rig.T_device_cpf``) gives ``pitch``, ``depth``
    and the per-eye yaws (:func:`gaze_angles_cpf`); with ``noise`` the combined yaw and the pitch get
    0.5° Gaussian noise (depth kept) before the per-eye yaws are derived, so the file stays
    self-consistent. Bounds are ±2–4° per row; eye positions ``(±0.0315, 0, 0)``; one random
    ``session_uid``. Rows whose target is not at least 5 cm in front of the CPF are left out.
    2D: the (noisy) 3D gaze point projected into the RGB camera scaled to ``rgb_mp4_size`` pixels, then
    rotated to the upright MP4 image (``x, y`` pixels, ``%.6f``); ``frame_num = round((t - take_start)
    * 30)`` for the row's common time ``t``; rows that do not project into the image, or fall before
    ``take_start``, are left out.

    Args:
        folder: Output folder (``eye_gaze/``), created if missing.
        motion: The headset's ground truth and the gaze target.
        span: ``(start, end)`` common times in seconds.
        rig: ``T_device_cpf`` and the ``rgb`` camera (sensor orientation).
        rgb_mp4_size: Width = height of the Aria RGB MP4 in pixels.
        take_start: Common time (s) of frame 0 of the frame-aligned videos.
        rng: Source of the session id, the noise and the bounds.
        noise: False writes the exact geometry (the target itself), for tests.

    Raises:
        ValueError: If ``span`` is empty, ``rgb_mp4_size`` is not positive or the target is not finite.
    """
    span = _check_span(span)
    if rgb_mp4_size <= 0:
        raise ValueError(f"rgb_mp4_size must be a positive pixel count; got {rgb_mp4_size}")
    folder = Path(folder)
    clock = motion.clock
    k = _frame_indices(clock, span)
    k = k[k % max(1, round(clock.rate / GAZE_RATE_HZ)) == 0]
    us, t = _frame_us(clock, k)
    T_world_cpf = _poses(motion, t) @ rig.T_device_cpf
    target = np.asarray(motion.gaze_target(t), dtype=np.float64)
    if target.shape != (t.shape[0], 3) or not np.all(np.isfinite(target)):
        raise ValueError(
            f"gaze_target must return finite points of shape {(t.shape[0], 3)}; got {target.shape}"
        )
    p_cpf = transform_points(invert_pose(T_world_cpf), target[:, None, :])[:, 0]
    keep = p_cpf[:, 2] > MIN_GAZE_Z_M
    session = _uuid4(rng)
    yaw = np.arctan2(p_cpf[:, 0], p_cpf[:, 2])
    pitch = np.arctan2(p_cpf[:, 1], p_cpf[:, 2])
    depth = np.linalg.norm(p_cpf, axis=1)
    if noise:
        yaw = yaw + rng.normal(0.0, GAZE_NOISE_RAD, yaw.shape)
        pitch = pitch + rng.normal(0.0, GAZE_NOISE_RAD, pitch.shape)
    gaze_cpf = gaze_point_cpf(yaw, pitch, depth)[keep]
    left, right, pitch, depth = gaze_angles_cpf(gaze_cpf)
    w_yaw, w_pitch = (np.deg2rad(rng.uniform(2.0, 4.0, t.shape[0]))[keep] for _ in range(2))
    f9 = "%.9f"
    angles = [left, right, pitch]
    cols: list[tuple[str, Any]] = [("%d", us[keep])]
    cols += [(f9, _clean(a, 9)) for a in angles] + [("%.6f", _clean(depth, 6))]
    cols += [(f9, _clean(a - w, 9)) for a, w in zip(angles, (w_yaw, w_yaw, w_pitch), strict=True)]
    cols += [(f9, _clean(a + w, 9)) for a, w in zip(angles, (w_yaw, w_yaw, w_pitch), strict=True)]
    cols += [("%s", v) for v in ("0.0315", "0.0", "0.0", "-0.0315", "0.0", "0.0")] + [("%s", session)]
    write_text(folder / "general_eye_gaze.csv", _csv_text(_GAZE_HEADER, cols, int(keep.sum())))

    camera, T_device_rgb = rig.cameras["rgb"]
    if (camera.width, camera.height) != (rgb_mp4_size, rgb_mp4_size):
        camera = camera.scaled(width=rgb_mp4_size, height=rgb_mp4_size)
    px_raw, ok = camera.project(transform_points(invert_pose(T_device_rgb) @ rig.T_device_cpf, gaze_cpf))
    px = sensor_to_mp4_px(px_raw, sensor_size=(camera.width, camera.height))
    frame_num = np.rint((t[keep] - take_start) * ALIGNED_FPS).astype(np.int64)
    ok2d = ok & (frame_num >= 0)
    cols = [("%d", us[keep][ok2d]), ("%d", frame_num[ok2d])]
    cols += [("%.6f", c) for c in _clean(px[ok2d], 6).T]
    header = ["tracking_timestamp_us", "frame_num", "x", "y"]
    write_text(folder / "general_eye_gaze_2d.csv", _csv_text(header, cols, int(ok2d.sum())))
    write_json(
        folder / "summary.json", {"GazeInference": {"status": "SUCCESS", "message": ""}, "version": "1.2.3"}
    )
