"""Hand-pose MPJPE and PA-MPJPE in mm, one value per hand instance, then the plain mean (BENCHMARKS §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import EvalResult, ScoreNote, load_pair, nan_notes
from egoexo_kit.benchmarks.hand_pose.submission import HANDS, HandSet, read_hand_gt, read_hand_submission
from egoexo_kit.vocab import pointer

__all__ = ["evaluate_hand_pose", "hand_mpjpe", "hand_pa_mpjpe", "procrustes_align"]


def _masked_mean(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    return (values * valid).sum(axis=-1) / valid.sum(axis=-1)


def hand_mpjpe(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-hand mean joint distance over valid joints, ``(N, J, 3)`` → ``(N,)`` in the input unit."""
    err = np.linalg.norm(np.where(valid[..., None], pred - gt, 0.0), axis=-1)
    return _masked_mean(err, valid)


def _spread(centred: np.ndarray) -> np.ndarray:
    """Frobenius norm of each centred set, ``(N, 1, 1)``; 1 where the set is one point (no spread)."""
    norm = np.sqrt((centred**2).sum(axis=(1, 2), keepdims=True))
    return np.where(norm > 0, norm, 1.0)


def procrustes_align(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Similarity-align each hand's prediction to its GT using only the valid joints (batched).

    Centre both sets, scale each to unit Frobenius norm, SVD of ``X0ᵀ Y0``, fix a reflection by
    flipping the last singular vector and value, scale ``a = Σs · |X0| / |Y0|``, translate by the
    means. Invalid joints are carried along by the same transform.

    A degenerate set (all valid joints at one point, e.g. an all-zero prediction, or a single
    valid joint) has no spread to normalize: its norm is taken as 1, so the fit is the limit of
    the definition: a collapsed prediction aligns to the GT centroid (scale 0) and is scored by
    the GT's spread, never a NaN or a failed SVD (the official script stops on it).
    """
    w = valid[..., None].astype(np.float64)
    n = w.sum(axis=1, keepdims=True)
    x_safe = np.where(valid[..., None], gt, 0.0)
    y_safe = np.where(valid[..., None], pred, 0.0)
    mu_x = x_safe.sum(axis=1, keepdims=True) / n
    mu_y = y_safe.sum(axis=1, keepdims=True) / n
    x0 = (x_safe - mu_x) * w
    y0 = (y_safe - mu_y) * w
    norm_x = _spread(x0)
    norm_y = _spread(y0)
    x0 = x0 / norm_x
    y0 = y0 / norm_y
    h = np.matmul(x0.transpose(0, 2, 1), y0)
    u, s, vt = np.linalg.svd(h)
    v = vt.transpose(0, 2, 1)
    r = np.matmul(v, u.transpose(0, 2, 1))
    sign = np.sign(np.linalg.det(r))
    v[:, :, -1] *= sign[:, None]
    s[:, -1] *= sign
    r = np.matmul(v, u.transpose(0, 2, 1))
    a = s.sum(axis=1)[:, None, None] * norm_x / norm_y
    t = mu_x - a * np.matmul(mu_y, r)
    return a * np.matmul(pred, r) + t


def hand_pa_mpjpe(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Per-hand MPJPE after :func:`procrustes_align` on the valid joints."""
    return hand_mpjpe(procrustes_align(pred, gt, valid), gt, valid)


def evaluate_hand_pose(gt: str | Path | Any, pred: str | Path | Any, *, offset: bool = False) -> EvalResult:
    """Score a hand-pose submission; raises ``InvalidSubmission`` listing every problem.

    Args:
        gt: evaluation GT file (or parsed JSON).
        pred: submission file (or parsed JSON).
        offset: add the GT wrist to every prediction first (the official ``--offset``; for
            wrist-relative predictions).
    """
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    hands = read_hand_gt(gt_raw, path=gt_path)
    p = read_hand_submission(pred_raw, hands, path=pred_path) * 1000.0
    g = hands.joints * 1000.0
    if offset:
        p = p + g[:, :1]
    # a hand without a valid joint has no error (NaN, as in the official script; a note says where)
    scored = hands.valid.any(axis=1)
    pe, pa = np.full(len(scored), np.nan), np.full(len(scored), np.nan)
    pe[scored] = hand_mpjpe(p[scored], g[scored], hands.valid[scored])
    pa[scored] = hand_pa_mpjpe(p[scored], g[scored], hands.valid[scored])
    side = np.array([k[2] for k in hands.keys])
    breakdown: dict[str, Any] = {
        "hands": len(hands.keys),
        "offset": offset,
        "per_hand": {
            h: {
                "mpjpe_mm": float(pe[side == h].mean()) if (side == h).any() else float("nan"),
                "pa_mpjpe_mm": float(pa[side == h].mean()) if (side == h).any() else float("nan"),
                "hands": int((side == h).sum()),
            }
            for h in HANDS
        },
    }
    mean = (lambda x: float(x.mean())) if len(pe) else (lambda _x: float("nan"))
    metrics = {"mpjpe_mm": mean(pe), "pa_mpjpe_mm": mean(pa)}
    return EvalResult("hand-pose", metrics, breakdown, notes=tuple(_notes(metrics, hands)))


def _notes(metrics: dict[str, float], hands: HandSet) -> list[ScoreNote]:
    """Why the means are NaN: no GT hand at all, or a hand without one valid joint (0 / 0)."""
    if not hands.keys:
        return nan_notes(metrics, "the ground truth has no hand to evaluate (every *_hand_3d is empty)")
    empty = np.flatnonzero(~hands.valid.any(axis=1))
    if not len(empty):
        return []
    uid, frame, hand = hands.keys[empty[0]]
    where = pointer(uid, frame, f"{hand}_hand_valid_3d")
    return nan_notes(metrics, f"{len(empty)} GT hand(s) have no valid joint (error NaN), first at {where}")
