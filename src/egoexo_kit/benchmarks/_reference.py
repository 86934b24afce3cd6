"""Straightforward per-item versions of the metrics, written from the documented definitions.

They are the slow, obvious implementations: tests cross-check the vectorized metrics against them
and ``benchmarks/bench_metrics.py`` times both. Nothing in the evaluation path calls them.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from egoexo_kit.benchmarks._maskmetrics import disk

__all__ = ["hand_scores_one", "mask_scores_one", "proficiency_one"]


def hand_scores_one(pred: np.ndarray, gt: np.ndarray, valid: np.ndarray) -> tuple[float, float]:
    """MPJPE and PA-MPJPE of one hand on its valid joints (textbook similarity Procrustes)."""
    p, g = pred[valid], gt[valid]
    mpjpe = float(np.linalg.norm(p - g, axis=1).mean())
    mu_x, mu_y = g.mean(0), p.mean(0)
    x0, y0 = g - mu_x, p - mu_y
    nx, ny = np.linalg.norm(x0), np.linalg.norm(y0)
    x0, y0 = x0 / nx, y0 / ny
    u, s, vt = np.linalg.svd(x0.T @ y0)
    v = vt.T
    r = v @ u.T
    if np.linalg.det(r) < 0:
        v[:, -1] *= -1
        s[-1] *= -1
        r = v @ u.T
    a = s.sum() * nx / ny
    aligned = a * p @ r + (mu_x - a * mu_y @ r)
    return mpjpe, float(np.linalg.norm(aligned - g, axis=1).mean())


def _bmap(seg: np.ndarray) -> np.ndarray:
    e = np.zeros_like(seg)
    s = np.zeros_like(seg)
    se = np.zeros_like(seg)
    e[:, :-1] = seg[:, 1:]
    s[:-1, :] = seg[1:, :]
    se[:-1, :-1] = seg[1:, 1:]
    b = seg ^ e | seg ^ s | seg ^ se
    b[-1, :] = seg[-1, :] ^ e[-1, :]
    b[:, -1] = seg[:, -1] ^ s[:, -1]
    b[-1, -1] = 0
    return b


def _f_measure(pred: np.ndarray, gt: np.ndarray) -> float:
    bound = math.ceil(0.008 * np.linalg.norm(pred.shape))
    fg_b, gt_b = _bmap(pred), _bmap(gt)
    fg_dil = cv2.dilate(fg_b.astype(np.uint8), disk(bound))
    gt_dil = cv2.dilate(gt_b.astype(np.uint8), disk(bound))
    n_fg, n_gt = fg_b.sum(), gt_b.sum()
    if n_fg == 0 and n_gt > 0:
        p, r = 1.0, 0.0
    elif n_fg > 0 and n_gt == 0:
        p, r = 0.0, 1.0
    elif n_fg == 0 and n_gt == 0:
        p, r = 1.0, 1.0
    else:
        p, r = (fg_b * gt_dil).sum() / n_fg, (gt_b * fg_dil).sum() / n_gt
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _centre(mask: np.ndarray) -> tuple[int, int]:
    if not mask.any():
        h, w = mask.shape
        return h // 2, w // 2
    ys, xs = np.where(mask)
    return (int(xs.min() + xs.max()) // 2, int(ys.min() + ys.max()) // 2)


def mask_scores_one(gt_full: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """IoU, boundary F and location error of one correspondence frame (GT at its original size)."""
    h, w = gt_full.shape
    ratio = 1.0 / (h if h > w else w) * 480
    gt = cv2.resize(
        gt_full.astype(np.uint8), (int(w * ratio), int(h * ratio)), interpolation=cv2.INTER_NEAREST
    )
    gt, pred = gt.astype(bool), pred.astype(bool)
    inter, union = (gt & pred).sum(), (gt | pred).sum()
    iou = 1.0 if union == 0 else inter / (union + 1e-7)
    pad = gt.shape[0]
    cg, cp = _centre(np.pad(gt, pad)), _centre(np.pad(pred, pad))
    le = math.hypot(cg[0] - cp[0], cg[1] - cp[1]) / math.sqrt(480**2 + 480**2)
    return float(iou), _f_measure(pred, gt), le


def proficiency_one(ego: np.ndarray, exo: np.ndarray) -> tuple[int, int, int]:
    """Ego, exo-mean-softmax and combined predictions of one take from its logits."""

    def sm(x: np.ndarray) -> np.ndarray:
        z = np.exp(x - x.max())
        return z / z.sum()

    exo_p = [sm(x) for x in exo]
    combined = (sm(ego) + sum(exo_p)) / (1 + len(exo_p))
    return int(np.argmax(ego)), int(np.argmax(sum(exo_p) / len(exo_p))), int(np.argmax(combined))
