"""Eye gaze in take time: MPS 3D gaze in the CPF and 2D gaze in the upright Aria RGB image (FORMAT §6.5).

``gaze()`` / ``gaze_2d()`` return the rows over a span of take time; ``gaze_2d_at()`` answers the
row shown on aligned frames (the file's ``frame_num`` when present, else the tutorial's 10 Hz rule
``frame k ↔ row (k + 1) // 3``), which the overlays draw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from egoexo_kit.release import EyeGaze2D, EyeGaze3D, read_eye_gaze, read_eye_gaze_2d
from egoexo_kit.sensors._source import SensorSource, TakeSensors, select_span, sensors_of, take_times
from egoexo_kit.timeline import FPS, gaze2d_row_for_frame, us_to_device_ns

__all__ = ["Gaze2DSamples", "GazeSamples", "gaze", "gaze_2d", "gaze_2d_at"]

GazeKind = Literal["general", "personalized"]
GAZE_2D_RATE_HZ = 10.0
"""Row rate of the 2D gaze files: without ``frame_num`` or timestamps, row ``r`` is at ``r / 10`` s."""


@dataclass(frozen=True, eq=False)
class GazeSamples:
    """3D eye-gaze rows (about 10 Hz) in the Central Pupil Frame (CPF), with device and take times."""

    device_ns: np.ndarray
    """(N,) int64 Aria device-clock nanoseconds (``tracking_timestamp_us * 1000``)."""
    t: np.ndarray
    """(N,) float64 seconds from take start; NaN outside the take window."""
    yaw_rads_cpf: np.ndarray
    """(N,) float64 yaw in the CPF, radians (vergence files: mean of the two eyes)."""
    pitch_rads_cpf: np.ndarray
    """(N,) float64 pitch in the CPF, radians."""
    depth_m: np.ndarray
    """(N,) float64 gaze depth, metres; NaN where the file has none."""

    def __post_init__(self) -> None:
        shapes = {
            a.shape for a in (self.device_ns, self.t, self.yaw_rads_cpf, self.pitch_rads_cpf, self.depth_m)
        }
        if len(shapes) != 1:
            raise ValueError(f"GazeSamples fields must share one (N,) shape, got {sorted(shapes)}")

    def __len__(self) -> int:
        return int(self.device_ns.shape[0])

    def __repr__(self) -> str:
        return f"GazeSamples(samples={len(self)})"

    @property
    def direction_cpf(self) -> np.ndarray:
        """(N, 3) float64 unit gaze direction in the CPF: ``(tan yaw, tan pitch, 1)`` normalized."""
        d = np.stack([np.tan(self.yaw_rads_cpf), np.tan(self.pitch_rads_cpf), np.ones(len(self))], axis=-1)
        return d / np.linalg.norm(d, axis=-1, keepdims=True)

    @property
    def points_cpf(self) -> np.ndarray:
        """(N, 3) float64 gaze point in the CPF at ``depth_m``, metres (NaN where the depth is unknown)."""
        return self.direction_cpf * self.depth_m[:, None]


@dataclass(frozen=True, eq=False)
class Gaze2DSamples:
    """2D eye-gaze points in the upright (MP4-rotated) Aria RGB image, origin at the top-left pixel centre."""

    px_rotated: np.ndarray
    """(N, 2) float64 ``(x, y)`` in the full-resolution upright MP4 RGB image; NaN where invalid."""
    t: np.ndarray
    """(N,) float64 seconds from take start of the row: from its device time, else ``frame_num / 30``,
    else ``row / 10``; NaN outside the take window."""
    row: np.ndarray
    """(N,) int64 0-based data row of the file; -1 where no row matched."""
    device_ns: np.ndarray | None
    """(N,) int64 Aria device-clock ns of the row, or None when the file has no timestamps."""
    is_valid: np.ndarray
    """(N,) bool: a row matched and its ``x``, ``y`` are finite."""

    def __post_init__(self) -> None:
        n = self.t.shape
        if self.px_rotated.shape != (*n, 2) or self.row.shape != n or self.is_valid.shape != n:
            raise ValueError(f"Gaze2DSamples fields disagree with (N,) = {n}")
        if self.device_ns is not None and self.device_ns.shape != n:
            raise ValueError(f"device_ns has shape {self.device_ns.shape}, expected {n}")

    def __len__(self) -> int:
        return int(self.t.shape[0])

    def __repr__(self) -> str:
        return f"Gaze2DSamples(samples={len(self)}, valid={int(self.is_valid.sum())})"


def _gaze_3d(s: TakeSensors, kind: GazeKind) -> EyeGaze3D:
    path = s.require_file(
        s.take.eye_gaze_path(kind=kind, dim=3), what=f"{kind} 3D eye gaze", part="take_eye_gaze"
    )
    return s.cached(f"gaze3d:{kind}", lambda: read_eye_gaze(path))


def _gaze_2d_file(s: TakeSensors, kind: GazeKind) -> EyeGaze2D:
    path = s.require_file(
        s.take.eye_gaze_path(kind=kind, dim=2), what=f"{kind} 2D eye gaze", part="take_eye_gaze"
    )
    return s.cached(f"gaze2d:{kind}", lambda: read_eye_gaze_2d(path))


def gaze(
    src: SensorSource, t0: float | None = None, t1: float | None = None, *, kind: GazeKind = "general"
) -> GazeSamples:
    """3D eye-gaze rows whose take time lies in ``[t0, t1)`` (every row when both are None).

    Args:
        src: A take or its :class:`TakeSensors`.
        t0: Start, seconds from take start (default 0 when ``t1`` is given).
        t1: Stop (excluded), seconds (default the take's duration when ``t0`` is given).
        kind: ``"general"`` or ``"personalized"`` (``eye_gaze/<kind>_eye_gaze.csv``).

    Raises:
        NotFoundError: The gaze file is not downloaded (part ``take_eye_gaze``).
        FormatError: The file is malformed.
        FrameIndexError: ``t0``/``t1`` outside the take window.
    """
    s = sensors_of(src)
    g = _gaze_3d(s, kind)
    ns = np.asarray(us_to_device_ns(g.tracking_timestamp_us), np.int64)
    t = take_times(s.timeline, ns)
    keep = select_span(s.timeline, t, t0=t0, t1=t1)
    return GazeSamples(
        device_ns=ns[keep],
        t=t[keep],
        yaw_rads_cpf=np.asarray(g.yaw_rads_cpf)[keep],
        pitch_rads_cpf=np.asarray(g.pitch_rads_cpf)[keep],
        depth_m=np.asarray(g.depth_m)[keep],
    )


def _rows_t(s: TakeSensors, g: EyeGaze2D) -> tuple[np.ndarray, np.ndarray | None]:
    """Take time of every 2D row and its device ns (None without timestamps)."""
    if g.tracking_timestamp_us is not None:
        ns = np.asarray(us_to_device_ns(g.tracking_timestamp_us), np.int64)
        return take_times(s.timeline, ns), ns
    if g.frame_num is not None:
        t = np.asarray(g.frame_num, np.float64) / s.timeline.fps
    else:
        t = np.arange(len(g.x), dtype=np.float64) / GAZE_2D_RATE_HZ
    t[(t < 0) | (t >= s.timeline.duration_s)] = np.nan
    return t, None


def _samples_2d(g: EyeGaze2D, rows: np.ndarray, *, t: np.ndarray, ns: np.ndarray | None) -> Gaze2DSamples:
    ok = (rows >= 0) & (rows < len(g.x))
    r = np.where(ok, rows, 0)
    px = (
        np.stack([np.asarray(g.x)[r], np.asarray(g.y)[r]], axis=-1)
        if len(g.x)
        else np.zeros((*rows.shape, 2))
    )
    valid = ok & np.isfinite(px).all(axis=-1)
    return Gaze2DSamples(
        px_rotated=np.where(valid[..., None], px, np.nan),
        t=t,
        row=np.where(ok, rows, -1).astype(np.int64),
        device_ns=None if ns is None else np.where(ok, ns[r] if len(ns) else 0, 0).astype(np.int64),
        is_valid=valid,
    )


def gaze_2d(
    src: SensorSource, t0: float | None = None, t1: float | None = None, *, kind: GazeKind = "general"
) -> Gaze2DSamples:
    """2D eye-gaze rows whose take time lies in ``[t0, t1)`` (every row when both are None).

    A row's take time comes from its ``tracking_timestamp_us`` through the timeline, else from its
    ``frame_num`` (``/ 30``), else from its position (10 Hz, ``row / 10``).

    Raises:
        NotFoundError: The 2D gaze file is not downloaded (part ``take_eye_gaze``).
        FormatError: The file is malformed.
        FrameIndexError: ``t0``/``t1`` outside the take window.
    """
    s = sensors_of(src)
    g = _gaze_2d_file(s, kind)
    t, ns = _rows_t(s, g)
    keep = select_span(s.timeline, t, t0=t0, t1=t1)
    return _samples_2d(g, keep.astype(np.int64), t=t[keep], ns=ns)


def gaze_2d_at(
    src: SensorSource,
    *,
    frame: npt.ArrayLike | None = None,
    t: npt.ArrayLike | None = None,
    kind: GazeKind = "general",
) -> Gaze2DSamples:
    """The 2D gaze point shown on aligned frames (or at take times), one entry per query.

    The row of frame ``k`` is the last row whose ``frame_num <= k`` when the file has that column, else
    ``(k + 1) // 3`` (FORMAT §6.5, the gaze tutorial's 10 Hz → 30 fps rule). A query with no row, or a
    row with empty ``x``/``y``, is invalid (``is_valid`` False, NaN point) rather than an error.

    Args:
        src: A take or its :class:`TakeSensors`.
        frame: Aligned frame indices (exactly one of ``frame`` and ``t``).
        t: Seconds from take start, mapped to frames by the timeline (``int(t * 30)``).
        kind: ``"general"`` or ``"personalized"``.

    Returns:
        :class:`Gaze2DSamples` with one entry per query (1-D; a scalar query gives length 1); ``t`` is
        the query frame's time.

    Raises:
        ValueError: Not exactly one of ``frame`` / ``t``.
        NotFoundError: The 2D gaze file is not downloaded.
    """
    if (frame is None) == (t is None):
        raise ValueError("gaze_2d_at() takes exactly one of frame= or t=")
    s = sensors_of(src)
    frames = np.atleast_1d(
        np.asarray(s.timeline.to_frame(t=t) if t is not None else frame, dtype=np.int64)
    ).ravel()
    g = _gaze_2d_file(s, kind)
    if g.frame_num is not None:
        rows = np.searchsorted(g.frame_num, frames, side="right").astype(np.int64) - 1
    else:
        rows = np.atleast_1d(gaze2d_row_for_frame(frames)).astype(np.int64)
    # Frame-indexed: no timeline needed (a take without timesync still draws its gaze).
    ns = None if g.tracking_timestamp_us is None else np.asarray(us_to_device_ns(g.tracking_timestamp_us))
    return _samples_2d(g, rows, t=frames / FPS, ns=ns)
