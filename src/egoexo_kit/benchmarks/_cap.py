"""Calibrated average precision (cAP, arXiv 1604.06506) with the reference implementation's semantics.

Scores are ranked descending with tied scores grouped into one threshold (scikit-learn's step AP).
With ``w = #neg / #pos`` the calibrated precision is ``w·TP / (w·TP + FP)`` and
``AP = Σ (R_n − R_{n−1}) · P_n``. A column without positives or without negatives falls back to
ordinary precision; without positives the recall is 1 at every threshold, so its AP is the
precision at the highest threshold (0). Multi-column inputs are macro-averaged over columns.
An empty column has no AP: NaN (the caller says why).
"""

from __future__ import annotations

import numpy as np

__all__ = ["average_precision", "calibrated_ap", "mean_calibrated_ap"]


def average_precision(y_true: np.ndarray, y_score: np.ndarray, *, calibrated: bool = True) -> float:
    """(Calibrated) uninterpolated AP of one binary column."""
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_score = np.asarray(y_score, dtype=np.float64).ravel()
    if y_true.size == 0:
        return float("nan")
    order = np.argsort(y_score, kind="mergesort")[::-1]
    s, t = y_score[order], y_true[order]
    thr = np.r_[np.flatnonzero(np.diff(s)), t.size - 1]
    tps = np.cumsum(t)[thr]
    fps = 1 + thr - tps
    n_pos = t.sum()
    n_neg = t.size - n_pos
    w = n_neg / n_pos if (calibrated and n_neg > 0 and n_pos > 0) else 1.0
    den = w * tps + fps
    precision = np.divide(w * tps, den, out=np.zeros_like(tps), where=den != 0)
    recall = np.ones_like(tps) if tps[-1] == 0 else tps / tps[-1]
    # reversed so recall decreases, with the (P=1, R=0) end point appended
    precision = np.r_[precision[::-1], 1.0]
    recall = np.r_[recall[::-1], 0.0]
    return float(-np.sum(np.diff(recall) * precision[:-1]))


def calibrated_ap(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Calibrated AP of one binary target."""
    return average_precision(y_true, y_score, calibrated=True)


def mean_calibrated_ap(
    y_true: np.ndarray, y_score: np.ndarray, *, skip_without_positives: bool = False
) -> tuple[float, np.ndarray]:
    """Macro cAP over the columns of ``(N, K)`` arrays, and the per-column values.

    Args:
        y_true: binary targets.
        y_score: scores, higher = more likely positive.
        skip_without_positives: leave out columns with no positive (the reference averages over
            every column, where such a column scores 0).
    """
    y_true = np.asarray(y_true, dtype=np.float64)
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.ndim == 1:
        y_true, y_score = y_true[:, None], y_score[:, None]
    per = np.array([calibrated_ap(y_true[:, k], y_score[:, k]) for k in range(y_true.shape[1])])
    use = y_true.sum(axis=0) > 0 if skip_without_positives else np.ones(len(per), dtype=bool)
    return (float(per[use].mean()) if use.any() else float("nan")), per
