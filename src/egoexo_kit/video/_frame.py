"""Decoded frames with their timing: small result dataclasses that check their shapes (STYLE §2).

``Frame`` unpacks like a tuple (``data, index, pts_s, duration_s = frame``) and both print shapes, not
pixels.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egoexo_kit.errors import FrameIndexError

__all__ = ["Frame", "FrameBatch", "key_indices", "normalize_indices"]


@dataclass(frozen=True, repr=False)
class Frame:
    """One decoded picture and when it is displayed, in the video's own clock."""

    data: np.ndarray
    """``(H, W, 3)`` uint8 RGB, ``(H, W)`` gray, or ``(H * 3 // 2, W)`` yuv420p planes."""
    index: int
    """Display index in the video (0-based)."""
    pts_s: float
    """Presentation time in seconds (``pts * time_base``)."""
    duration_s: float
    """How long the frame is displayed, in seconds (until the next frame's pts)."""

    def __post_init__(self) -> None:
        if self.data.dtype != np.uint8 or self.data.ndim not in (2, 3):
            raise ValueError(
                f"frame data must be a 2-D or 3-D uint8 array, got {self.data.dtype} {self.data.shape}"
            )
        if self.duration_s < 0:
            raise ValueError(f"frame duration must be >= 0, got {self.duration_s}")

    def __iter__(self) -> Iterator[object]:
        yield from (self.data, self.index, self.pts_s, self.duration_s)

    def __repr__(self) -> str:
        return (
            f"Frame(index={self.index}, pts_s={self.pts_s:.6f}, duration_s={self.duration_s:.6f}, "
            f"data={tuple(self.data.shape)} {self.data.dtype})"
        )


@dataclass(frozen=True, repr=False)
class FrameBatch:
    """Several decoded pictures with their indices and times; ``batch[k]`` is a :class:`Frame`."""

    data: np.ndarray
    """``(T, ...)`` uint8, one picture per row."""
    indices: np.ndarray
    """``(T,)`` int64 display indices."""
    pts_s: np.ndarray
    """``(T,)`` float64 presentation times in seconds."""
    duration_s: np.ndarray
    """``(T,)`` float64 display durations in seconds."""

    def __post_init__(self) -> None:
        if self.data.dtype != np.uint8 or self.data.ndim not in (3, 4):
            raise ValueError(
                f"batch data must be a 3-D or 4-D uint8 array, got {self.data.dtype} {self.data.shape}"
            )
        n = len(self.data)
        for name in ("indices", "pts_s", "duration_s"):
            shape = getattr(self, name).shape
            if shape != (n,):
                raise ValueError(f"{name} must have shape ({n},) like data's first axis, got {shape}")

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, k: int) -> Frame:
        return Frame(
            data=self.data[k],
            index=int(self.indices[k]),
            pts_s=float(self.pts_s[k]),
            duration_s=float(self.duration_s[k]),
        )

    def __iter__(self) -> Iterator[Frame]:
        return (self[k] for k in range(len(self)))

    def __repr__(self) -> str:
        return f"FrameBatch({len(self)} frames, data={tuple(self.data.shape)} {self.data.dtype})"


def normalize_indices(indices: Sequence[int], n: int, *, path: Path) -> np.ndarray:
    """Frame indices as int64 in ``[0, n)``, negative ones counted from the end.

    Raises:
        TypeError: not a 1-D sequence of ints.
        FrameIndexError: an index outside ``[-n, n)`` (the message names the bound).
    """
    arr = np.asarray(indices)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype.kind not in "iu" or arr.ndim != 1:
        raise TypeError(
            f"frame indices must be a 1-D sequence of ints, got dtype {arr.dtype}, shape {arr.shape}"
        )
    arr = arr.astype(np.int64)
    bad = (arr < -n) | (arr >= n)
    if np.any(bad):
        i = int(arr[bad][0])
        raise FrameIndexError(
            f"frame index {i} is out of range for a video of {n} frames (valid: -{n}..{n - 1})",
            path=path,
            frame=i,
        )
    return np.where(arr < 0, arr + n, arr)


def key_indices(key: int | slice, n: int) -> tuple[list[int], bool]:
    """The frame indices ``reader[key]`` asks for, and whether ``key`` names one frame (not a slice).

    Raises:
        TypeError: the key is neither an integer nor a slice (a bool counts as neither).
    """
    if isinstance(key, slice):
        return list(range(*key.indices(n))), False
    if isinstance(key, bool):
        raise TypeError("frame index must be an int or a slice, got bool")
    try:
        return [operator.index(key)], True
    except TypeError:
        raise TypeError(f"frame index must be an int or a slice, got {type(key).__name__}") from None
