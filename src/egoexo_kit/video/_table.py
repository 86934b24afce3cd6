"""The PTS table: every frame's presentation timestamp in display order, and which frames are keyframes.

Shared by the packet scan (:mod:`._meta`) and the MP4 sample-table reader (:mod:`._mp4`), which must
produce identical tables for the same stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PtsTable"]


@dataclass(frozen=True)
class PtsTable:
    """Presentation timestamps of every frame, in display order, and which frames are keyframes."""

    pts: np.ndarray
    """``(N,)`` int64, strictly increasing, in ``time_base`` units."""
    keyframes: np.ndarray
    """``(K,)`` int64 display indices of keyframes (sorted)."""
    last_duration: int
    """Display duration of the last frame in ``time_base`` units (for the end of the time range)."""
