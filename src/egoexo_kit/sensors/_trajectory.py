"""Aria device trajectory in take time: MPS closed/open loop (FORMAT §6.1, §6.2) and online calibration.

``trajectory()`` gives the samples (numpy) with device and take times; ``pose_at()`` interpolates
``T_world_device`` at take times (slerp in rotation, linear in translation, as
:func:`egoexo_kit.geometry.transforms.interpolate_poses` does for the cameras); ``calibration_at()``
picks the ``online_calibration.jsonl`` record for an instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.geometry.transforms import interpolate_poses, pose_from_quat_t
from egoexo_kit.release import read_closed_loop_trajectory, read_online_calibration, read_open_loop_trajectory
from egoexo_kit.sensors._source import CLOCK_STREAM, SensorSource, select_span, sensors_of, take_times
from egoexo_kit.timeline import Match, lookup, us_to_device_ns

__all__ = [
    "POSE_TOLERANCE_S",
    "CalibrationRecord",
    "Poses",
    "Trajectory",
    "calibration_at",
    "pose_at",
    "trajectory",
]

TrajectoryKind = Literal["closed_loop", "open_loop"]


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Aria device poses, one per MPS trajectory row (about 1 kHz), sorted by device time.

    Rows with a repeated ``tracking_timestamp_us`` keep the first one (interpolation needs increasing times).
    """

    kind: TrajectoryKind
    """``"closed_loop"``: ``T_world_device`` in the MPS world; ``"open_loop"``: in the drifting odometry
    frame (``T_odometry_device``, FORMAT §6.2), stored in the same field."""
    device_ns: np.ndarray
    """(N,) int64 Aria device-clock nanoseconds (``tracking_timestamp_us * 1000``)."""
    t: np.ndarray
    """(N,) float64 seconds from take start; NaN for samples outside the take window."""
    T_world_device: np.ndarray
    """(N, 4, 4) float64 device → world (or → odometry for ``open_loop``), metres."""
    q_world_device: np.ndarray
    """(N, 4) float64 rotation of ``T_world_device`` as in the file, ``x, y, z, w`` (unit up to rounding)."""
    quality_score: np.ndarray
    """(N,) float64 MPS tracking quality, 0..1."""

    def __post_init__(self) -> None:
        n = self.device_ns.shape
        if (
            self.t.shape != n
            or self.T_world_device.shape != (*n, 4, 4)
            or self.q_world_device.shape != (*n, 4)
            or self.quality_score.shape != n
        ):
            raise ValueError(
                f"Trajectory fields disagree: device_ns {n}, t {self.t.shape}, "
                f"T_world_device {self.T_world_device.shape}, quality_score {self.quality_score.shape}"
            )

    def __len__(self) -> int:
        return int(self.device_ns.shape[0])

    def __repr__(self) -> str:
        return f"Trajectory(kind={self.kind!r}, samples={len(self)})"

    @property
    def positions(self) -> np.ndarray:
        """(N, 3) float64 device position (translation of ``T_world_device``), metres."""
        return self.T_world_device[:, :3, 3]

    def linear_speed(self) -> np.ndarray:
        """(N - 1,) float64 m/s between consecutive samples: distance over device-time difference."""
        dt = np.diff(self.device_ns).astype(np.float64) * 1e-9
        return np.linalg.norm(np.diff(self.positions, axis=0), axis=1) / dt

    def angular_speed(self) -> np.ndarray:
        """(N - 1,) float64 rad/s between consecutive samples: rotation angle over device-time difference.

        The angle is ``2 arccos |q_i · q_{i+1}|`` of the file's quaternions, normalized (sign-independent).
        """
        dt = np.diff(self.device_ns).astype(np.float64) * 1e-9
        q = self.q_world_device / np.linalg.norm(self.q_world_device, axis=1, keepdims=True)
        dots = np.abs(np.einsum("ij,ij->i", q[1:], q[:-1])).clip(0.0, 1.0)
        return 2.0 * np.arccos(dots) / dt


@dataclass(frozen=True, eq=False)
class Poses:
    """``T_world_device`` interpolated at query times; arrays have the query's shape."""

    t: np.ndarray
    """float64 seconds from take start (the query)."""
    device_ns: np.ndarray
    """int64 Aria device-clock nanoseconds of the query (through the take's timeline)."""
    T_world_device: np.ndarray
    """float64 ``(*shape, 4, 4)``: device → MPS world, metres."""
    nearest_dt_ns: np.ndarray
    """int64 ``device_ns`` minus the nearest trajectory sample's time (a gap in the trajectory shows here)."""
    is_valid: np.ndarray
    """bool: a trajectory sample lies within ``tolerance_s`` of the query (``tolerance_s=None``: the query
    lies inside the trajectory's span). False flags a pose clamped to the first or last sample, or
    interpolated across a gap in the trajectory."""

    def __post_init__(self) -> None:
        s = self.t.shape
        if {self.device_ns.shape, self.nearest_dt_ns.shape, self.is_valid.shape} != {s} or (
            self.T_world_device.shape != (*s, 4, 4)
        ):
            raise ValueError(f"Poses fields disagree with the query shape {s}")

    def __repr__(self) -> str:
        return f"Poses(shape={self.t.shape}, valid={int(np.sum(self.is_valid))}/{self.t.size})"


def _load(src: SensorSource, kind: TrajectoryKind) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(device_ns, T, q, quality)`` sorted by time, duplicate times dropped (cached per take)."""
    if kind not in ("closed_loop", "open_loop"):
        raise ValueError(f"invalid trajectory kind {kind!r}; supported values are 'closed_loop', 'open_loop'")
    s = sensors_of(src)

    def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if kind == "closed_loop":
            path = s.require_file(
                s.take.closed_loop_trajectory_path, what="closed_loop_trajectory.csv", part="take_trajectory"
            )
            traj = read_closed_loop_trajectory(path)
            q, p = traj.q_world_device, traj.t_world_device
        else:
            path = s.require_file(
                s.take.open_loop_trajectory_path, what="open_loop_trajectory.csv", part="take_trajectory"
            )
            traj = read_open_loop_trajectory(path)
            q, p = traj.q_odometry_device, traj.t_odometry_device
        ns = np.asarray(us_to_device_ns(traj.tracking_timestamp_us), np.int64)
        if ns.size == 0:
            raise FormatError(f"{path.name} has no rows", path=path)
        order = np.argsort(ns, kind="stable")
        ns, keep = np.unique(ns[order], return_index=True)
        rows = order[keep]
        q = np.asarray(q, np.float64)[rows]
        return ns, pose_from_quat_t(q, p[rows]), q, np.asarray(traj.quality_score, np.float64)[rows]

    return s.cached(f"trajectory:{kind}", load)


def trajectory(
    src: SensorSource,
    t0: float | None = None,
    t1: float | None = None,
    *,
    kind: TrajectoryKind = "closed_loop",
) -> Trajectory:
    """The device trajectory samples whose take time lies in ``[t0, t1)`` (every row when both are None).

    Args:
        src: A take or its :class:`TakeSensors`.
        t0: Start, seconds from take start (default 0 when ``t1`` is given).
        t1: Stop (excluded), seconds from take start (default the take's duration when ``t0`` is given).
        kind: ``"closed_loop"`` (MPS world) or ``"open_loop"`` (odometry frame).

    Raises:
        NotFoundError: The trajectory file is not downloaded (part ``take_trajectory``).
        FormatError: The file is malformed or empty.
        FrameIndexError: ``t0``/``t1`` outside the take window.
    """
    s = sensors_of(src)
    ns, T, q, quality = _load(s, kind)
    t = take_times(s.timeline, ns)
    keep = select_span(s.timeline, t, t0=t0, t1=t1)
    return Trajectory(
        kind=kind,
        device_ns=ns[keep],
        t=t[keep],
        T_world_device=T[keep],
        q_world_device=q[keep],
        quality_score=quality[keep],
    )


POSE_TOLERANCE_S = 0.005
"""Default ``tolerance_s`` of :func:`pose_at`: 5 ms, five samples of the 1 kHz trajectory (the slack
:class:`~egoexo_kit.geometry.TakeCameras` allows before refusing an Aria pose)."""


def pose_at(src: SensorSource, t: npt.ArrayLike, *, tolerance_s: float | None = POSE_TOLERANCE_S) -> Poses:
    """Aria ``T_world_device`` at seconds from take start, interpolated in the closed-loop trajectory.

    ``t`` goes to the device clock through the take's timeline (frames whose timesync cell is empty
    answer with the timeline's filled time, with its :class:`~egoexo_kit.errors.EgoExoKitWarning`), then
    the pose is slerped/lerped between the two bracketing trajectory samples. Outside the trajectory's
    span the first/last pose is returned; ``is_valid`` flags queries with no sample within ``tolerance_s``.

    Args:
        src: A take or its :class:`TakeSensors`.
        t: Seconds from take start, scalar or array, inside ``[0, duration_s)``.
        tolerance_s: Largest distance to the nearest trajectory sample for a valid pose, seconds
            (default 5 ms); ``None``: valid anywhere inside the trajectory's span.

    Raises:
        FrameIndexError: A time outside the take window.
        NotFoundError: No closed-loop trajectory file.
    """
    s = sensors_of(src)
    times = np.asarray(t, dtype=np.float64)
    q = np.asarray(s.timeline.to_device_ns(t=times, stream=CLOCK_STREAM), np.int64).reshape(times.shape)
    ns, T, _, _ = _load(s, "closed_loop")
    poses = interpolate_poses(q.ravel(), ns, T).reshape(*times.shape, 4, 4)
    dt = lookup(ns, q, match="nearest").dt_ns
    if tolerance_s is None:
        valid = (q >= ns[0]) & (q <= ns[-1])
    else:
        valid = lookup(ns, q, match="nearest", tolerance_s=tolerance_s).is_valid
    return Poses(t=times, device_ns=q, T_world_device=poses, nearest_dt_ns=dt, is_valid=valid)


@dataclass(frozen=True, eq=False)
class CalibrationRecord:
    """One ``online_calibration.jsonl`` record matched to an instant (projectaria JSON layout, FORMAT §5)."""

    record: dict[str, Any]
    """The raw JSON object: ``CameraCalibrations[]``, ``ImuCalibrations[]``, timestamps."""
    device_ns: int
    """Device-clock ns of the record (``tracking_timestamp_us * 1000``)."""
    dt_ns: int
    """Query device ns minus ``device_ns``."""
    line: int
    """1-based line of the record in the file."""


def calibration_at(
    src: SensorSource, t: float, *, match: Match = "nearest", tolerance_s: float | None = None
) -> CalibrationRecord:
    """The online-calibration record for seconds-from-take-start ``t`` (FORMAT §6.2).

    Args:
        src: A take or its :class:`TakeSensors`.
        t: Seconds from take start.
        match: ``"nearest"``, ``"before"`` or ``"after"`` record.
        tolerance_s: Largest accepted distance to the record, seconds (``None``: any).

    Raises:
        NotFoundError: No ``online_calibration.jsonl``, or no record under ``match``/``tolerance_s``.
    """
    s = sensors_of(src)
    path = s.require_file(
        s.take.online_calibration_path, what="online_calibration.jsonl", part="take_trajectory"
    )
    oc = s.cached("online_calibration", lambda: read_online_calibration(path))
    ns = np.asarray(us_to_device_ns(oc.tracking_timestamp_us), np.int64)
    order = np.argsort(ns, kind="stable")
    q = int(s.timeline.to_device_ns(t=t, stream=CLOCK_STREAM))
    hit = lookup(ns[order], np.int64(q), match=match, tolerance_s=tolerance_s)
    if not bool(hit.is_valid):
        raise NotFoundError(
            f"no online calibration record {match} device ns {q} (t = {t} s) within tolerance_s="
            f"{tolerance_s}; records span device ns [{ns.min()}, {ns.max()}]",
            path=path,
        )
    i = int(order[int(hit.index)])
    return CalibrationRecord(
        record=oc.records[i], device_ns=int(ns[i]), dt_ns=int(hit.dt_ns), line=int(oc.lines[i])
    )
