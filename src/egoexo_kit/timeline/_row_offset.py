"""Which ``timesync.csv`` row is aligned frame 0: measured, not assumed (FORMAT §3.2, §11 C1).

The official sources disagree: the docs and tutorials map frame ``i`` to row ``start + 1 + i``
(``EGO4D/Ego-Exo4D-docs: docs/data/takes.md``, ``docs/tutorials/gaze.md``), the pipeline that made the
EgoPose ground truth slices ``all_timesync_df.iloc[start : end - 1]`` and indexes it by frame, i.e.
row ``start + i``, under "TODO: confirm that this is correct?" (``facebookresearch/Ego4d:
ego4d/internal/human_pose/main.py``; it takes the trajectory sample nearest to the row's
``capture_timestamp_ns``, which the interpolation here matches to within half a millisecond).
A take that has both a trajectory and a released ``camera_pose`` file settles it: for each candidate
offset ``k``, the RGB camera centre from the trajectory at the device time of row ``start + k + i``
is compared with the camera centre of the released per-frame extrinsics of frame ``i``; the right
offset gives the smallest distance.

Camera centres (not full poses) are compared, so the result does not depend on how the camera axes
of the EgoPose extrinsics are turned (sensor or upright orientation). Only frames where the released
camera moves (:data:`MIN_STEP_M` per frame) tell offsets apart; a still camera gives every offset the
same error, so such frames are left out (all frames are used if the camera never moves).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from egoexo_kit.release import Timesync
from egoexo_kit.timeline._clock import DEFAULT_ROW_OFFSET

__all__ = ["ROW_OFFSET_CANDIDATES", "RowOffsetCheck", "camera_centers", "compare_row_offsets"]

ROW_OFFSET_CANDIDATES = (-1, 0, 1, 2)
"""Offsets tried: ``+1`` (docs), ``0`` (EgoPose pipeline) and one row beyond each."""

MIN_STEP_M = 0.001
"""Smallest per-frame camera motion (metres, central difference) for a frame to count as evidence."""

DECISIVE_RATIO = 2.0
"""The best offset is decisive when the runner-up's median error is at least this many times larger."""


@dataclass(frozen=True)
class RowOffsetCheck:
    """Evidence for the row of frame 0: per candidate offset, the median camera-centre distance."""

    best: int | None
    """The offset with the smallest median error (frame ``i`` ↔ row ``start + best + i``); None: no data."""
    errors_m: dict[int, float] = field(default_factory=dict)
    """Candidate offset → median distance (metres) between trajectory and ``camera_pose`` camera centres."""
    frames: dict[int, int] = field(default_factory=dict)
    """Candidate offset → number of (moving-camera) frames compared."""
    reason: str = ""
    """Why there is no evidence (no ``camera_pose`` file, no trajectory …), empty when there is."""
    default: int = DEFAULT_ROW_OFFSET
    """The offset used when nothing overrides it (FORMAT §3.2)."""

    @property
    def decisive(self) -> bool:
        """The best offset's error is well below every other candidate's (:data:`DECISIVE_RATIO`)."""
        if self.best is None or len(self.errors_m) < 2:
            return False
        others = [e for k, e in self.errors_m.items() if k != self.best]
        return min(others) >= DECISIVE_RATIO * self.errors_m[self.best] and min(others) > 0

    @property
    def message(self) -> str:
        """One line: the verdict and the per-offset median errors."""
        if self.best is None:
            return f"row offset not measured ({self.reason}); using {self.default:+d}"
        per = ", ".join(
            f"{k:+d}: {self.errors_m[k] * 1000:.1f} mm ({self.frames[k]} frames)"
            for k in sorted(self.errors_m)
        )
        verdict = "decisive" if self.decisive else "not decisive"
        return f"frame i = timesync row start{self.best:+d}+i ({verdict}); median camera-centre error {per}"

    def to_json(self) -> dict[str, Any]:
        """JSON-able summary (``info --take --json``)."""
        return {
            "best": self.best,
            "decisive": self.decisive,
            "default": self.default,
            "median_error_m": {str(k): v for k, v in sorted(self.errors_m.items())},
            "frames": {str(k): v for k, v in sorted(self.frames.items())},
            "reason": self.reason,
            "message": self.message,
        }


def camera_centers(T_cam_world: np.ndarray) -> np.ndarray:
    """``(M, 3)`` world positions of cameras given ``(M, 3, 4)`` (or 4×4) world → camera ``[R|t]``."""
    R, t = T_cam_world[:, :3, :3], T_cam_world[:, :3, 3]
    return -np.einsum("mji,mj->mi", R, t)


def _moving(frames: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Frames whose camera centre moves at least :data:`MIN_STEP_M` per frame (central difference)."""
    if frames.size < 3:
        return np.zeros(frames.size, bool)
    speed = np.zeros(frames.size)
    dt = (frames[2:] - frames[:-2]).astype(np.float64)
    speed[1:-1] = np.linalg.norm(c[2:] - c[:-2], axis=1) / dt
    return speed >= MIN_STEP_M


def compare_row_offsets(
    timesync: Timesync,
    start_idx: int,
    end_idx: int,
    *,
    stream: str,
    centers: Mapping[int, np.ndarray],
    center_at: Callable[[np.ndarray], np.ndarray],
    candidates: tuple[int, ...] = ROW_OFFSET_CANDIDATES,
) -> RowOffsetCheck:
    """Compare released per-frame camera centres with the trajectory at each candidate row offset.

    Args:
        timesync: The capture's table.
        start_idx: ``timesync_start_idx``.
        end_idx: ``timesync_end_idx``.
        stream: Full device key of the Aria RGB stream (``aria01_214-1``).
        centers: Aligned frame → ``(3,)`` released camera centre (world metres).
        center_at: Device ns ``(M,)`` → ``(M, 3)`` camera centre from the trajectory, NaN where the
            trajectory does not cover the time.
        candidates: Offsets to try.

    Returns:
        The check; ``best`` is None when no candidate had a frame to compare.
    """
    n = end_idx - start_idx - 1
    col = timesync.capture_timestamp_ns(stream)
    valid = ~np.ma.getmaskarray(col)
    data = np.asarray(np.ma.getdata(col), dtype=np.int64)
    f = np.array(sorted(k for k in centers if 0 <= k < n), dtype=np.int64)
    want = np.array([centers[int(k)] for k in f], dtype=np.float64).reshape(-1, 3)
    moving = _moving(f, want)
    if moving.any():
        f, want = f[moving], want[moving]
    errors: dict[int, float] = {}
    counts: dict[int, int] = {}
    for k in candidates:
        rows = start_idx + k + f
        ok = (rows >= 0) & (rows < len(timesync))
        ok[ok] &= valid[rows[ok]]
        if not ok.any():
            continue
        dist = np.linalg.norm(center_at(data[rows[ok]]) - want[ok], axis=1)
        dist = dist[np.isfinite(dist)]
        if dist.size:
            errors[k], counts[k] = float(np.median(dist)), int(dist.size)
    if not errors:
        why = "no frame of camera_pose has a trajectory pose at any candidate row"
        return RowOffsetCheck(None, reason=why)
    best = min(errors, key=lambda k: (errors[k], abs(k - DEFAULT_ROW_OFFSET)))
    return RowOffsetCheck(best, errors, counts)
