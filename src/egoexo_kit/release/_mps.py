"""File-level readers for timesync.csv, the MPS outputs and the exo calibration (parse only, no maths).

Each reader returns a small frozen dataclass of numpy arrays, one row per CSV row, with the file's
``path``; ``len(obj)`` is the row count. Columns are addressed by name, never by position, and
extra columns are tolerated (FORMAT §6: the projectaria readers ignore them). Arrays are
read-only; copy before modifying. Quaternions keep the file's ``x, y, z, w`` order. Units: metres,
radians, device-clock microseconds (``*_us``) or nanoseconds (``*_ns``).

The CSV readers share one declarative path (``_csv._read_fields``): a tuple of field specs says
which columns make which attribute (one column, or several stacked into ``(N, k)``) and its type.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.release._csv import (
    _check_exists,
    _f,
    _Field,
    _frozen,
    _i,
    _open_binary,
    _read_fields,
    _Rows,
    _s,
    _text_lines,
    _v,
    read_csv,
)
from egoexo_kit.release._json import parse_json
from egoexo_kit.release._timesync import Timesync, read_timesync

__all__ = [
    "ClosedLoopTrajectory",
    "EyeGaze2D",
    "EyeGaze3D",
    "GoProCalibs",
    "OnlineCalibration",
    "OpenLoopTrajectory",
    "SemidenseObservations",
    "SemidensePoints",
    "Timesync",
    "read_closed_loop_trajectory",
    "read_eye_gaze",
    "read_eye_gaze_2d",
    "read_gopro_calibs",
    "read_online_calibration",
    "read_open_loop_trajectory",
    "read_semidense_observations",
    "read_semidense_points",
    "read_timesync",
]


# ---------------------------------------------------------------------------------------------
# Trajectories (FORMAT §6.1, §6.2)

_CLOSED_LOOP = (
    _s("graph_uid"),
    _i("tracking_timestamp_us"),
    _i("utc_timestamp_ns"),
    _v("t_world_device", "t{}_world_device"),
    _v("q_world_device", "q{}_world_device", "xyzw"),
    _v("device_linear_velocity_device", "device_linear_velocity_{}_device"),
    _v("angular_velocity_device", "angular_velocity_{}_device"),
    _v("gravity_world", "gravity_{}_world"),
    _f("quality_score"),
)

_OPEN_LOOP = (
    _i("tracking_timestamp_us"),
    _i("utc_timestamp_ns"),
    _s("session_uid"),
    _v("t_odometry_device", "t{}_odometry_device"),
    _v("q_odometry_device", "q{}_odometry_device", "xyzw"),
    _v("device_linear_velocity_odometry", "device_linear_velocity_{}_odometry"),
    _v("angular_velocity_device", "angular_velocity_{}_device"),
    _v("gravity_odometry", "gravity_{}_odometry"),
    _f("quality_score"),
)


@dataclass(frozen=True, eq=False, repr=False)
class ClosedLoopTrajectory(_Rows):
    """``closed_loop_trajectory.csv``: the Aria device pose in the MPS world, about 1 kHz."""

    path: Path
    """The CSV file."""
    graph_uid: np.ndarray
    """(N,) str: id of the world frame each pose is expressed in."""
    tracking_timestamp_us: np.ndarray
    """(N,) int64: Aria device clock, microseconds."""
    utc_timestamp_ns: np.ndarray
    """(N,) int64: wall clock, nanoseconds, or -1 when unknown."""
    t_world_device: np.ndarray
    """(N, 3) float64: translation of ``T_world_device``, metres."""
    q_world_device: np.ndarray
    """(N, 4) float64: unit quaternion of ``T_world_device`` in ``x, y, z, w`` order (as in the file)."""
    device_linear_velocity_device: np.ndarray
    """(N, 3) float64: linear velocity in the device frame, m/s."""
    angular_velocity_device: np.ndarray
    """(N, 3) float64: angular velocity in the device frame, rad/s."""
    gravity_world: np.ndarray
    """(N, 3) float64: gravity in the world frame, m/s² (``0, 0, -9.81`` for MPS)."""
    quality_score: np.ndarray
    """(N,) float64: tracking quality, 0..1."""
    extra: dict[str, np.ndarray]
    """Any other columns by name, e.g. the newer ``geo_available`` and ``*_ecef_device`` columns."""


@dataclass(frozen=True, eq=False, repr=False)
class OpenLoopTrajectory(_Rows):
    """``open_loop_trajectory.csv``: odometry-frame device pose (drifts; not the closed-loop world)."""

    path: Path
    """The CSV file."""
    tracking_timestamp_us: np.ndarray
    """(N,) int64: Aria device clock, microseconds."""
    utc_timestamp_ns: np.ndarray
    """(N,) int64: wall clock, nanoseconds, or -1 when unknown."""
    session_uid: np.ndarray
    """(N,) str: odometry session; poses of different sessions are not comparable."""
    t_odometry_device: np.ndarray
    """(N, 3) float64: translation of ``T_odometry_device``, metres."""
    q_odometry_device: np.ndarray
    """(N, 4) float64: unit quaternion of ``T_odometry_device``, ``x, y, z, w`` order."""
    device_linear_velocity_odometry: np.ndarray
    """(N, 3) float64: linear velocity in the odometry frame, m/s."""
    angular_velocity_device: np.ndarray
    """(N, 3) float64: angular velocity in the device frame, rad/s."""
    gravity_odometry: np.ndarray
    """(N, 3) float64: gravity in the odometry frame, m/s²."""
    quality_score: np.ndarray
    """(N,) float64: tracking quality, 0..1."""
    extra: dict[str, np.ndarray]
    """Any other columns by name."""


def read_closed_loop_trajectory(path: str | Path) -> ClosedLoopTrajectory:
    """Read ``closed_loop_trajectory.csv`` (FORMAT §6.1), the 20-column or the ECEF-extended form.

    Raises:
        FormatError: A required column is missing, a cell is malformed or an integer cell is
            empty; the error names the line and column.
    """
    table, values = _read_fields(path, _CLOSED_LOOP, extra=True)
    return ClosedLoopTrajectory(path=table.path, **values)


def read_open_loop_trajectory(path: str | Path) -> OpenLoopTrajectory:
    """Read ``open_loop_trajectory.csv`` (FORMAT §6.2).

    Raises:
        FormatError: A required column is missing or a cell is malformed (with line and column).
    """
    table, values = _read_fields(path, _OPEN_LOOP, extra=True)
    return OpenLoopTrajectory(path=table.path, **values)


# ---------------------------------------------------------------------------------------------
# gopro_calibs.csv (FORMAT §6.3)

_GOPRO = (
    _s("cam_uid"),
    _s("graph_uid"),
    _v("t_world_cam", "t{}_world_cam"),
    _v("q_world_cam", "q{}_world_cam", "xyzw"),
    _i("image_width"),
    _i("image_height"),
    _s("intrinsics_type"),
    _Field("intrinsics", tuple(f"intrinsics_{k}" for k in range(8))),
    _i("start_frame_idx"),
    _i("end_frame_idx"),
    _i("quality", optional=True),
)


@dataclass(frozen=True, eq=False, repr=False)
class GoProCalibs(_Rows):
    """``gopro_calibs.csv``: per exo camera, KB3 intrinsics and the ``T_world_cam`` extrinsics.

    Rows are parsed as they are: rows whose ``intrinsics_type`` is not ``KANNALABRANDTK3`` are kept
    (the validator flags them).
    """

    _rows_field: ClassVar[str] = "cam_uid"

    path: Path
    """The CSV file."""
    cam_uid: np.ndarray
    """(N,) str: camera id, equal to ``cam_id`` in ``takes.json`` (``cam01``, ``gp01`` …)."""
    graph_uid: np.ndarray
    """(N,) str: the MPS world the extrinsics are expressed in."""
    t_world_cam: np.ndarray
    """(N, 3) float64: camera centre in the world (translation of ``T_world_cam``), metres."""
    q_world_cam: np.ndarray
    """(N, 4) float64: rotation of ``T_world_cam`` (camera → world), ``x, y, z, w`` order."""
    image_width: np.ndarray
    """(N,) int64: width in pixels the intrinsics are valid for (raw, distorted image)."""
    image_height: np.ndarray
    """(N,) int64: height in pixels the intrinsics are valid for."""
    intrinsics_type: np.ndarray
    """(N,) str: camera model name; ``KANNALABRANDTK3`` in valid files."""
    intrinsics: np.ndarray
    """(N, 8) float64: ``fx, fy, cx, cy, k0, k1, k2, k3`` (OpenCV fisheye), raw image pixels."""
    start_frame_idx: np.ndarray
    """(N,) int64: first frame the pose applies to; -1 means the whole video."""
    end_frame_idx: np.ndarray
    """(N,) int64: last frame the pose applies to; -1 means the whole video."""
    quality: np.ndarray
    """(N,) int64: 1 good, 0 bad (not localized), -1 unknown; all -1 when the column is absent."""
    quality_present: bool
    """False when the file has no ``quality`` column (some releases lack it; DESIGN §8)."""

    def indices(self, cam_uid: str) -> np.ndarray:
        """Return the row indices of ``cam_uid`` (several when the pose changes over frame ranges)."""
        return np.flatnonzero(self.cam_uid == cam_uid)

    def row(self, cam_uid: str) -> dict[str, Any]:
        """Return the first row of ``cam_uid`` as ``{field: value}`` (use :meth:`indices` for all rows).

        Raises:
            NotFoundError: No row has this ``cam_uid``.
        """
        rows = self.indices(cam_uid)
        if not len(rows):
            raise NotFoundError(
                f"no camera {cam_uid!r} in gopro_calibs; cameras: {', '.join(dict.fromkeys(self.cam_uid))}",
                path=self.path,
            )
        names = [spec.attr for spec in _GOPRO]
        return {name: getattr(self, name)[rows[0]] for name in names}


def read_gopro_calibs(path: str | Path) -> GoProCalibs:
    """Read ``gopro_calibs.csv`` (FORMAT §6.3) by column name; a missing ``quality`` column gives -1.

    Raises:
        FormatError: A required column is missing or a cell is malformed (with line and column).
    """
    table, values = _read_fields(path, _GOPRO)
    present = values["quality"] is not None
    if not present:
        values["quality"] = _frozen(np.full(len(table), -1, dtype=np.int64))
    return GoProCalibs(path=table.path, quality_present=present, **values)


# ---------------------------------------------------------------------------------------------
# Eye gaze (FORMAT §6.5)

_GAZE_COMMON = (
    _i("tracking_timestamp_us"),
    _f("pitch_rads_cpf"),
    _f("pitch_low_rads_cpf"),
    _f("pitch_high_rads_cpf"),
    _s("session_uid", optional=True),
)
_GAZE_LEGACY = (
    *_GAZE_COMMON,
    _f("yaw_rads_cpf"),
    _f("yaw_low_rads_cpf"),
    _f("yaw_high_rads_cpf"),
    _f("depth_m", optional=True),
)
_GAZE_VERGENCE = (
    *_GAZE_COMMON,
    _f("depth_m"),
    *(_f(f"{side}_yaw{b}_rads_cpf") for b in ("", "_low", "_high") for side in ("left", "right")),
    _v("t_left_eye_cpf", "t{}_left_eye_cpf"),
    _v("t_right_eye_cpf", "t{}_right_eye_cpf"),
)


@dataclass(frozen=True, eq=False, repr=False)
class EyeGaze3D(_Rows):
    """A 3D eye-gaze CSV (``general_eye_gaze.csv`` …) in the Central Pupil Frame (CPF).

    Two MPS schemas exist: ``"vergence"`` (March 2024, per-eye yaw) and ``"legacy"`` (one yaw).
    ``yaw_rads_cpf`` and its bounds are present for both; for the vergence schema they are the
    mean of the left and right values, so callers can use one name.
    """

    path: Path
    """The CSV file."""
    schema: Literal["vergence", "legacy"]
    """Which MPS schema the file uses (vergence: it has ``left_yaw_rads_cpf``)."""
    tracking_timestamp_us: np.ndarray
    """(N,) int64: Aria device clock, microseconds."""
    yaw_rads_cpf: np.ndarray
    """(N,) float64: gaze yaw in CPF, radians (vergence: mean of left and right)."""
    pitch_rads_cpf: np.ndarray
    """(N,) float64: gaze pitch in CPF, radians."""
    yaw_low_rads_cpf: np.ndarray
    """(N,) float64: lower uncertainty bound of the yaw (vergence: mean of left and right)."""
    pitch_low_rads_cpf: np.ndarray
    """(N,) float64: lower uncertainty bound of the pitch."""
    yaw_high_rads_cpf: np.ndarray
    """(N,) float64: upper uncertainty bound of the yaw (vergence: mean of left and right)."""
    pitch_high_rads_cpf: np.ndarray
    """(N,) float64: upper uncertainty bound of the pitch."""
    depth_m: np.ndarray
    """(N,) float64: gaze depth in metres; NaN where empty (or for a legacy file without it)."""
    session_uid: np.ndarray | None = None
    """(N,) str, or None when the file has no ``session_uid`` column."""
    left_yaw_rads_cpf: np.ndarray | None = None
    """(N,) float64: left-eye yaw (vergence only)."""
    right_yaw_rads_cpf: np.ndarray | None = None
    """(N,) float64: right-eye yaw (vergence only)."""
    left_yaw_low_rads_cpf: np.ndarray | None = None
    """(N,) float64: left-eye yaw lower bound (vergence only)."""
    right_yaw_low_rads_cpf: np.ndarray | None = None
    """(N,) float64: right-eye yaw lower bound (vergence only)."""
    left_yaw_high_rads_cpf: np.ndarray | None = None
    """(N,) float64: left-eye yaw upper bound (vergence only)."""
    right_yaw_high_rads_cpf: np.ndarray | None = None
    """(N,) float64: right-eye yaw upper bound (vergence only)."""
    t_left_eye_cpf: np.ndarray | None = None
    """(N, 3) float64: left eye position in CPF, metres (vergence only)."""
    t_right_eye_cpf: np.ndarray | None = None
    """(N, 3) float64: right eye position in CPF, metres (vergence only)."""


def read_eye_gaze(path: str | Path) -> EyeGaze3D:
    """Read a 3D eye-gaze CSV, detecting the schema like projectaria does (FORMAT §6.5).

    Vergence (schema B) when the header has ``left_yaw_rads_cpf``, else legacy (schema A).

    Raises:
        FormatError: A column of the detected schema is missing or a cell is malformed.
    """
    header = read_csv(path)
    if "left_yaw_rads_cpf" in header:
        table, values = _read_fields(path, _GAZE_VERGENCE)
        for bound in ("", "_low", "_high"):
            mean = (values[f"left_yaw{bound}_rads_cpf"] + values[f"right_yaw{bound}_rads_cpf"]) / 2
            values[f"yaw{bound}_rads_cpf"] = _frozen(mean)
        return EyeGaze3D(path=table.path, schema="vergence", **values)
    table, values = _read_fields(path, _GAZE_LEGACY)
    if values["depth_m"] is None:
        values["depth_m"] = _frozen(np.full(len(table), np.nan))
    return EyeGaze3D(path=table.path, schema="legacy", **values)


@dataclass(frozen=True, eq=False, repr=False)
class EyeGaze2D(_Rows):
    """A 2D eye-gaze CSV (``general_eye_gaze_2d.csv`` …), about 10 Hz.

    Coordinates are pixels in the upright (MP4-rotated) Aria RGB image, 1408×1408, origin at the
    top-left pixel centre (FORMAT §6.5): draw them on MP4 frames without rotating.
    """

    _rows_field: ClassVar[str] = "x"

    path: Path
    """The CSV file."""
    x: np.ndarray
    """(N,) float64: column in the upright (MP4-rotated) RGB image, pixels; NaN where empty."""
    y: np.ndarray
    """(N,) float64: row in the upright (MP4-rotated) RGB image, pixels; NaN where empty."""
    tracking_timestamp_us: np.ndarray | None = None
    """(N,) int64 Aria device clock in microseconds, or None when the column is absent."""
    frame_num: np.ndarray | None = None
    """(N,) int64 30 fps frame index, or None when absent (then frame ``k`` ↔ row ``(k + 1) // 3``)."""

    @property
    def px_rotated(self) -> np.ndarray:
        """(N, 2) float64 ``(x, y)`` in the upright (MP4-rotated) RGB image."""
        return np.stack([self.x, self.y], axis=1)


_GAZE_2D = (_f("x"), _f("y"), _i("tracking_timestamp_us", optional=True), _i("frame_num", optional=True))


def read_eye_gaze_2d(path: str | Path) -> EyeGaze2D:
    """Read a 2D eye-gaze CSV: ``x``, ``y`` required; ``tracking_timestamp_us``, ``frame_num`` optional.

    Raises:
        FormatError: ``x`` or ``y`` is missing or a cell is malformed (with line and column).
    """
    table, values = _read_fields(path, _GAZE_2D)
    return EyeGaze2D(path=table.path, **values)


# ---------------------------------------------------------------------------------------------
# Semidense point cloud (FORMAT §6.4)

_POINTS = (
    _i("uid"),
    _s("graph_uid"),
    _v("points_world", "p{}_world"),
    _f("inv_dist_std"),
    _f("dist_std"),
)
_OBSERVATIONS = (
    _i("uid"),
    _i("frame_tracking_timestamp_us"),
    _s("camera_serial"),
    _f("u"),
    _f("v"),
)


@dataclass(frozen=True, eq=False, repr=False)
class SemidensePoints(_Rows):
    """``semidense_points.csv.gz`` (or dev-era ``global_points.csv.gz``): 3D points in the MPS world.

    Suggested quality filter: ``inv_dist_std <= 0.005`` and ``dist_std <= 0.01`` (FORMAT §6.4).
    """

    _rows_field: ClassVar[str] = "uid"

    path: Path
    """The CSV file."""
    uid: np.ndarray
    """(N,) int64: point id, shared with the observations file."""
    graph_uid: np.ndarray
    """(N,) str: the world frame of the point (same as the trajectory's)."""
    points_world: np.ndarray
    """(N, 3) float64: position in the world, metres."""
    inv_dist_std: np.ndarray
    """(N,) float64: standard deviation of the inverse distance, 1/m."""
    dist_std: np.ndarray
    """(N,) float64: standard deviation of the distance, metres."""


@dataclass(frozen=True, eq=False, repr=False)
class SemidenseObservations(_Rows):
    """``semidense_observations.csv.gz``: which SLAM image saw which point, and where."""

    _rows_field: ClassVar[str] = "uid"

    path: Path
    """The CSV file."""
    uid: np.ndarray
    """(N,) int64: point id (see :class:`SemidensePoints`)."""
    frame_tracking_timestamp_us: np.ndarray
    """(N,) int64: device-clock time of the observing frame, microseconds."""
    camera_serial: np.ndarray
    """(N,) str: serial number of the observing SLAM camera."""
    u: np.ndarray
    """(N,) float64: x pixel in that camera's raw (distorted, unrotated) fisheye image."""
    v: np.ndarray
    """(N,) float64: y pixel in that camera's raw (distorted, unrotated) fisheye image."""


def read_semidense_points(path: str | Path) -> SemidensePoints:
    """Read a semidense point file: ``semidense_points.csv.gz``, ``global_points.csv.gz`` or a plain .csv.

    Raises:
        FormatError: A required column is missing or a cell is malformed (with line and column).
    """
    table, values = _read_fields(path, _POINTS)
    return SemidensePoints(path=table.path, **values)


def read_semidense_observations(path: str | Path) -> SemidenseObservations:
    """Read ``semidense_observations.csv.gz`` (or a plain .csv).

    Raises:
        FormatError: A required column is missing or a cell is malformed (with line and column).
    """
    table, values = _read_fields(path, _OBSERVATIONS)
    return SemidenseObservations(path=table.path, **values)


# ---------------------------------------------------------------------------------------------
# online_calibration.jsonl (FORMAT §6.2)

_INT64 = 2**63 - 1
_CALIB_KEYS = {
    "utc_timestamp_ns": int,
    "tracking_timestamp_us": int,
    "ImuCalibrations": list,
    "CameraCalibrations": list,
}


@dataclass(frozen=True, eq=False, repr=False)
class OnlineCalibration(_Rows):
    """``online_calibration.jsonl``: per-time device calibration estimated by MPS, one record a line.

    The records keep projectaria's calibration JSON layout (``CameraCalibrations[]``,
    ``ImuCalibrations[]``); note its ``[w, [x, y, z]]`` quaternion layout (FORMAT §5).
    """

    path: Path
    """The JSONL file."""
    utc_timestamp_ns: np.ndarray
    """(N,) int64: wall clock of each record, nanoseconds."""
    tracking_timestamp_us: np.ndarray
    """(N,) int64: Aria device clock of each record, microseconds."""
    records: list[dict[str, Any]]
    """The N raw JSON objects, in file order."""
    lines: np.ndarray
    """(N,) int64: 1-based file line of each record (blank lines are skipped)."""


def _calibration_record(text: str, *, path: Path, line: int) -> dict[str, Any]:
    """Parse and check one JSONL line."""
    record = parse_json(text, path=path, line=line)
    if not isinstance(record, dict):
        raise FormatError(f"expected a JSON object, got {type(record).__name__}", path=path, line=line)
    for key, kind in _CALIB_KEYS.items():
        value = record.get(key)
        if (
            not isinstance(value, kind)
            or isinstance(value, bool)
            or (kind is int and not _INT64 >= value >= -_INT64 - 1)
        ):
            got = "nothing" if key not in record else type(value).__name__
            raise FormatError(
                f"{key} must be a JSON {'integer' if kind is int else 'array'}, got {got}",
                path=path,
                line=line,
                pointer=f"/{key}",
            )
    return record


def read_online_calibration(path: str | Path) -> OnlineCalibration:
    """Read ``online_calibration.jsonl`` (FORMAT §6.2); blank lines are skipped.

    Raises:
        FormatError: The file is missing or empty, a line is not a JSON object, or a record lacks
            an integer timestamp or a calibration array; the error names the line.
    """
    path = Path(path)
    _check_exists(path)
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    line = 0
    try:
        with _open_binary(path) as f:
            for line, text in enumerate(_text_lines(f), start=1):
                if text.strip():
                    records.append(_calibration_record(text, path=path, line=line))
                    lines.append(line)
    except (UnicodeDecodeError, EOFError, zlib.error, OSError) as e:
        raise FormatError(f"unreadable data ({type(e).__name__}: {e})", path=path, line=line + 1) from e
    if not records:
        raise FormatError("no calibration records (the file is empty)", path=path, line=1)
    return OnlineCalibration(
        path=path,
        utc_timestamp_ns=_frozen(np.array([r["utc_timestamp_ns"] for r in records], dtype=np.int64)),
        tracking_timestamp_us=_frozen(
            np.array([r["tracking_timestamp_us"] for r in records], dtype=np.int64)
        ),
        records=records,
        lines=_frozen(np.array(lines, dtype=np.int64)),
    )
