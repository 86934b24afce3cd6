"""Demonstration proficiency: point-localization mAP at 0.25 / 0.5 / 1.0 s (BENCHMARKS §11).

As the official ``ANETdetection`` with distance matching: per class and threshold ``k``, the
class's predictions are ranked by score (``argsort()[::-1]``, as the official code orders ties);
a prediction in a video without GT of that class is a false positive; otherwise its video's GT
points are walked nearest first, the first one farther than ``k`` ends the walk with a false
positive, matched points are skipped and the first free one is a true positive. AP is the
VOC-style interpolated area; mAP@k averages the classes present in the GT; ``map_avg`` averages the
thresholds. Values are fractions in [0, 1]. Predictions for videos the GT does not know are false
positives (as there), and counted in the breakdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import EvalResult, load_pair, nan_notes
from egoexo_kit.benchmarks.proficiency_demonstration.submission import (
    Points,
    read_demonstration_gt,
    read_demonstration_submission,
)

__all__ = ["THRESHOLDS", "distance_ap", "evaluate_proficiency_demonstration", "interpolated_ap"]

THRESHOLDS = (0.25, 0.5, 1.0)


def interpolated_ap(precision: np.ndarray, recall: np.ndarray) -> float:
    """Area under the precision envelope (precision made monotone from the right), VOC 2011 style."""
    mprec = np.r_[0.0, precision, 0.0]
    mrec = np.r_[0.0, recall, 1.0]
    mprec = np.maximum.accumulate(mprec[::-1])[::-1]
    idx = np.flatnonzero(mrec[1:] != mrec[:-1]) + 1
    return float(np.sum((mrec[idx] - mrec[idx - 1]) * mprec[idx]))


def distance_ap(gt: Points, pred: Points, thresholds: tuple[float, ...] = THRESHOLDS) -> np.ndarray:
    """AP per threshold for one class's GT and predicted points (both already filtered by class)."""
    ap = np.zeros(len(thresholds))
    if len(pred.times) == 0 or len(gt.times) == 0:
        return ap
    order = pred.score.argsort()[::-1]
    by_video: dict[int, np.ndarray] = {}
    for v in np.unique(gt.video):
        by_video[int(v)] = np.flatnonzero(gt.video == v)
    locked = np.zeros((len(thresholds), len(gt.times)), dtype=bool)
    tp = np.zeros((len(thresholds), len(order)))
    for rank, i in enumerate(order):
        cand = by_video.get(int(pred.video[i]))
        if cand is None:
            continue  # false positive at every threshold
        dist = np.abs(pred.times[i] - gt.times[cand])
        near = dist.argsort()
        for ti, k in enumerate(thresholds):
            for j in near:
                if dist[j] > k:
                    break
                if locked[ti, cand[j]]:
                    continue
                locked[ti, cand[j]] = True
                tp[ti, rank] = 1.0
                break
    tp_cum = np.cumsum(tp, axis=1)
    fp_cum = np.cumsum(1.0 - tp, axis=1)
    recall = tp_cum / len(gt.times)
    precision = tp_cum / (tp_cum + fp_cum)
    for ti in range(len(thresholds)):
        ap[ti] = interpolated_ap(precision[ti], recall[ti])
    return ap


def _select(p: Points, mask: np.ndarray) -> Points:
    return Points(p.video[mask], p.times[mask], p.label[mask], p.score[mask])


def evaluate_proficiency_demonstration(
    gt: str | Path | Any, pred: str | Path | Any, *, thresholds: tuple[float, ...] = THRESHOLDS
) -> EvalResult:
    """Score time-point predictions; raises ``InvalidSubmission`` listing every problem."""
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    truth, names, videos = read_demonstration_gt(gt_raw, path=gt_path)
    preds = read_demonstration_submission(pred_raw, names, path=pred_path)
    classes = sorted(int(c) for c in np.unique(truth.label))
    per_class = {
        c: distance_ap(_select(truth, truth.label == c), _select(preds, preds.label == c), thresholds)
        for c in classes
    }
    maps = np.mean([per_class[c] for c in classes], axis=0) if classes else np.full(len(thresholds), np.nan)
    metrics = {f"map_{float(k)}": float(m) for k, m in zip(thresholds, maps, strict=True)}
    metrics["map_avg"] = float(np.mean(maps))
    breakdown = {
        "videos": len(videos),
        "gt_points": len(truth.times),
        "predictions": len(preds.times),
        "predictions_in_unknown_videos": int((preds.video < 0).sum()),
        "ap_per_class": {
            ("good_execution" if c == 0 else "needs_improvement"): {
                str(float(k)): float(a) for k, a in zip(thresholds, per_class[c], strict=True)
            }
            for c in classes
        },
    }
    notes = nan_notes(
        metrics, f"the ground truth has no point ({len(videos)} videos, no good execution or tip)"
    )
    return EvalResult("proficiency-demonstration", metrics, breakdown, notes=tuple(notes))
