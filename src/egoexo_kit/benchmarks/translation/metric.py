"""Translation metrics (BENCHMARKS §6): (a) ego track prediction, (b) ego clip generation (SSIM, PSNR).

(a) Existence is scored over every GT file with balanced accuracy (a missing prediction = "not
exists"); GT frames with an empty mask count only there. For the others, both masks are padded
by 256 and cropped to a common box centred on each mask's own bbox centre (box = the larger bbox);
*registered* IoU and boundary F are computed on these crops and the location error is the centre
distance over ``sqrt(256² + 256²)``. A missing prediction scores IoU 0, F 0, LE 1. Plain means.
(b) SSIM (7×7 uniform window, sample covariance, data range 255, mean over RGB) and PSNR against
the 256×256 GT; a missing prediction scores 0 for both. DISTS, LPIPS and CLIP need model weights
and are not computed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from egoexo_kit.benchmarks._common import EvalResult, Problems, ScoreNote, balanced_accuracy, nan_notes
from egoexo_kit.benchmarks._maskmetrics import bbox_centres, boundary_f
from egoexo_kit.benchmarks.translation.submission import IMG_SIZE, list_pairs, load_image, load_mask
from egoexo_kit.extras import require

__all__ = ["evaluate_translation", "psnr", "registered_scores", "ssim"]


def registered_scores(gt: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Registered IoU, registered boundary F and location error of one ``(H, W)`` GT/pred pair."""
    h = gt.shape[0]
    g = np.pad(gt, h)
    p = np.pad(pred, h)
    (cg, cp) = bbox_centres(np.stack([g, p]), pad=0)
    sizes = []
    for m in (g, p):
        ys, xs = np.nonzero(m)
        sizes.append((xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) if len(xs) else (0, 0))
    bw, bh = max(sizes[0][0], sizes[1][0]), max(sizes[0][1], sizes[1][1])
    crops = [
        m[c[1] - bh // 2 : c[1] + bh // 2 + 1, c[0] - bw // 2 : c[0] + bw // 2 + 1]
        for m, c in ((g, cg), (p, cp))
    ]
    inter = np.count_nonzero(crops[0] & crops[1])
    union = np.count_nonzero(crops[0] | crops[1])
    riou = 1.0 if union == 0 else inter / union
    rf = float(boundary_f(crops[0][None], crops[1][None])[0])
    le = float(np.hypot(*(cg - cp))) / math.hypot(*IMG_SIZE)
    return float(riou), rf, le


def ssim(a: np.ndarray, b: np.ndarray, *, win_size: int = 7, data_range: float = 255.0) -> float:
    """Mean SSIM of two ``(H, W, C)`` images, channels averaged (scikit-image's default uniform SSIM)."""
    ndimage = require("scipy.ndimage", extra="eval", what="the translation benchmark's SSIM")
    uniform_filter = ndimage.uniform_filter

    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    pad = (win_size - 1) // 2
    cov_norm = win_size**2 / (win_size**2 - 1)
    out = []
    for ch in range(a.shape[2]):
        x = a[..., ch].astype(np.float64)
        y = b[..., ch].astype(np.float64)
        ux, uy = uniform_filter(x, win_size), uniform_filter(y, win_size)
        uxx, uyy, uxy = (
            uniform_filter(x * x, win_size),
            uniform_filter(y * y, win_size),
            uniform_filter(x * y, win_size),
        )
        vx, vy, vxy = cov_norm * (uxx - ux * ux), cov_norm * (uyy - uy * uy), cov_norm * (uxy - ux * uy)
        s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
        out.append(s[pad:-pad, pad:-pad].mean(dtype=np.float64))
    return float(np.mean(out))


def psnr(a: np.ndarray, b: np.ndarray, *, data_range: float = 255.0) -> float:
    """Peak signal-to-noise ratio in dB (``inf`` for identical images)."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    with np.errstate(divide="ignore"):
        return float(10 * np.log10(data_range**2 / mse))


def evaluate_translation(gt_dir: str | Path, pred_dir: str | Path, *, clip: bool = False) -> EvalResult:
    """Score translation results: mask tracks by default, generated clips with ``clip=True``.

    Args:
        gt_dir: the ``ground-truths`` folder of PNGs.
        pred_dir: the ``predictions`` folder with the same file names.
        clip: evaluate subtask (b), RGB clip generation (SSIM, PSNR), instead of (a).
    """
    pairs, extra = list_pairs(gt_dir, pred_dir)
    gt_probs, probs = Problems(str(gt_dir), kind="ground truth"), Problems(str(pred_dir))
    missing = sum(p.pred is None for p in pairs)
    breakdown = {"files": len(pairs), "missing_predictions": missing, "extra_predictions": len(extra)}
    if clip:
        ss, ps = [], []
        for pair in pairs:
            g = load_image(pair.gt, gt_probs)
            p = load_image(pair.pred, probs) if pair.pred is not None else None
            if g is None or (p is None and pair.pred is not None):
                continue
            ss.append(ssim(g, p) if p is not None else 0.0)
            ps.append(psnr(g, p) if p is not None else 0.0)
        gt_probs.raise_if_any()
        probs.raise_if_any()
        mean = (lambda v: float(np.mean(v))) if ss else (lambda _v: math.nan)
        metrics = {"ssim": mean(ss), "psnr": mean(ps)}
        notes = nan_notes(metrics, _NO_GT)
        exact = sum(math.isinf(v) for v in ps)
        if exact:  # a perfect prediction: infinite PSNR as in scikit-image, said in words (JSON has no inf)
            notes.append(
                ScoreNote(("psnr",), f"{exact} prediction(s) equal their GT exactly: PSNR is infinite")
            )
        return EvalResult("translation", metrics, breakdown, notes=tuple(notes))
    vis_gt, vis_pred, scores = [], [], []
    for pair in pairs:
        g = load_mask(pair.gt, gt_probs)
        p = load_mask(pair.pred, probs) if pair.pred is not None else None
        if g is None or (p is None and pair.pred is not None):
            continue
        vis_gt.append(bool(g.any()))
        vis_pred.append(bool(p is not None and p.any()))
        if g.any():
            scores.append(registered_scores(g, p) if p is not None else (0.0, 0.0, 1.0))
    gt_probs.raise_if_any()
    probs.raise_if_any()
    arr = np.asarray(scores, dtype=np.float64).reshape(-1, 3)
    mean = (lambda i: float(arr[:, i].mean())) if len(arr) else (lambda _i: math.nan)
    metrics = {
        "iou": mean(0),
        "location_error": mean(2),
        "contour_accuracy": mean(1),
        "visibility_balanced_accuracy": balanced_accuracy(np.array(vis_gt), np.array(vis_pred)),
    }
    breakdown["visible_frames"] = len(arr)
    empty = f"every GT mask is empty ({len(pairs)} files scored for existence only)"
    notes = nan_notes(metrics, _NO_GT if not pairs else empty)
    return EvalResult("translation", metrics, breakdown, notes=tuple(notes))


_NO_GT = "the ground-truth folder has no .png file"
