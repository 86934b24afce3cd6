"""Skeleton-level clean-up of a 3D pose track: temporal outliers, gap filling, bone lengths, smoothing.

All functions take ``(F, J, 3)`` tracks over consecutive frames (NaN = unknown) and loop over joints,
bones or iterations only, never over frames.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from egoexo_kit.extras import require

__all__ = ["bone_lengths", "fill_gaps", "fit_bone_lengths", "smooth", "temporal_outliers"]


def fill_gaps(points: np.ndarray) -> np.ndarray:
    """Linear interpolation over time of NaN entries of an ``(F, J, 3)`` track (held flat at the ends).

    A joint never seen in the track stays NaN.
    """
    out = points.copy()
    t = np.arange(points.shape[0])
    for j in range(points.shape[1]):
        known = np.isfinite(points[:, j]).all(-1)
        if known.any() and not known.all():
            for c in range(3):
                out[:, j, c] = np.interp(t, t[known], points[known, j, c])
    return out


def temporal_outliers(points: np.ndarray, *, window: int = 7, threshold_m: float = 0.08) -> np.ndarray:
    """``(F, J)`` True where a joint is too far from its running median over time.

    Gross triangulation errors (a wrong view set, a swapped left/right) jump away from their neighbours
    in time; a median over ``window`` frames ignores them. "Too far" is ``threshold_m``, or four robust
    standard deviations (1.4826 × median distance) of that joint's track when its noise is larger.
    """
    filled = fill_gaps(points)
    if points.shape[0] < 3:
        return np.zeros(points.shape[:2], dtype=bool)
    size = min(window, points.shape[0] - (1 - points.shape[0] % 2))
    ndimage = require("scipy.ndimage", extra="build", what="the pose pipeline (triangulate, build)")
    med = ndimage.median_filter(np.nan_to_num(filled), size=(max(size, 1), 1, 1), mode="nearest")
    dist = np.linalg.norm(filled - med, axis=-1)
    with warnings.catch_warnings():  # a joint never seen has an all-NaN column: its limit stays NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = 4.0 * 1.4826 * np.nanmedian(np.where(np.isfinite(points).all(-1), dist, np.nan), axis=0)
    limit = np.fmax(threshold_m, spread)
    return np.isfinite(points).all(-1) & (dist > limit)


def bone_lengths(points: np.ndarray, bones: Sequence[tuple[int, int]]) -> np.ndarray:
    """Median length over frames of each bone ``(a, b)`` of an ``(F, J, 3)`` track; NaN if never seen."""
    idx = np.asarray(bones, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        lengths = np.linalg.norm(points[:, idx[:, 1]] - points[:, idx[:, 0]], axis=-1)
    out = np.full(len(idx), np.nan)
    seen = np.isfinite(lengths).any(axis=0)
    out[seen] = np.nanmedian(lengths[:, seen], axis=0)
    return out


def fit_bone_lengths(
    points: np.ndarray,
    bones: Sequence[tuple[int, int]],
    *,
    lengths: np.ndarray | None = None,
    iterations: int = 20,
) -> np.ndarray:
    """Move joints so every bone has its (median) length, changing the pose as little as possible.

    Iterative constraint projection: each bone's two ends move symmetrically along the bone until its
    length is right; sweeping over the bones repeatedly converges to a skeleton whose bones all have
    the target length, close to the input in the least-squares sense.

    Args:
        points: ``(F, J, 3)`` track, metres.
        bones: Joint index pairs.
        lengths: Target length per bone; default :func:`bone_lengths` of ``points``.
        iterations: Sweeps over all bones.

    Returns:
        The adjusted ``(F, J, 3)`` track (NaN joints stay NaN).
    """
    idx = np.asarray(bones, dtype=np.int64)
    target = bone_lengths(points, bones) if lengths is None else np.asarray(lengths, dtype=np.float64)
    out = points.copy()
    for _ in range(iterations):
        for (a, b), length in zip(idx, target, strict=True):
            if not np.isfinite(length):
                continue
            d = out[:, b] - out[:, a]
            cur = np.linalg.norm(d, axis=-1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                corr = np.where(cur > 1e-9, 0.5 * (cur - length) / cur, 0.0) * d
            corr = np.nan_to_num(corr)
            out[:, a] += corr
            out[:, b] -= corr
    return out


def smooth(points: np.ndarray, *, window: int = 9, order: int = 2) -> np.ndarray:
    """Savitzky–Golay smoothing over time of an ``(F, J, 3)`` track (unchanged if shorter than the window)."""
    n = points.shape[0]
    win = min(window, n if n % 2 else n - 1)
    if win <= order:
        return points.copy()
    finite = np.isfinite(points).all(axis=(0, 2))
    out = points.copy()
    signal = require("scipy.signal", extra="build", what="the pose pipeline (triangulate, build)")
    out[:, finite] = signal.savgol_filter(points[:, finite], win, order, axis=0, mode="interp")
    return out
