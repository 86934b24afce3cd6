"""Correspondence metrics per direction, as the relation evaluators compute them (BENCHMARKS §5).

Per query frame whose target view was annotated: visibility = (GT mask present, confidence > 0.5),
scored with balanced accuracy pooled over all takes. Where the GT mask is present: IoU, boundary F
("contour accuracy", on the unregistered masks) and location error (bbox-centre distance over the
fixed ``sqrt(480² + 480²)``), micro-averaged. GT masks are resized to long side 480 (nearest).
Masks are read as rectangles of their RLE runs and only each pair's crop window is painted, in
chunks of same-size frames, so memory and time scale with the objects, not the frames.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._parallel import pool_map
from egoexo_kit.benchmarks._common import (
    EvalResult,
    Problems,
    ScoreNote,
    balanced_accuracy,
    load_pair,
    nan_notes,
)
from egoexo_kit.benchmarks._maskmetrics import (
    box_bounds,
    centres_from_bounds,
    crop_scores,
    crop_scores_boxes,
    nopad_size,
    rle_boxes,
)
from egoexo_kit.benchmarks.correspondence.submission import (
    DIRECTIONS,
    CorrFrame,
    read_corr_gt,
    read_corr_submission,
)
from egoexo_kit.errors import FormatError
from egoexo_kit.vocab import pointer

__all__ = ["CONF_THRESH", "evaluate_correspondence", "score_mask_pairs"]

CONF_THRESH = 0.5
EVAL_SIZE = 480
CHUNK = 256  # frames whose crops are scored together
BLOCK = 4096  # frames per parallel job
PARALLEL_FRAMES = 20_000  # from this many visible frames on, blocks run in worker processes


def score_mask_pairs(
    gt: np.ndarray,
    pred: np.ndarray,
    *,
    transposed: bool = False,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """IoU, contour accuracy and location error of ``(N, H, W)`` GT/pred pairs at evaluation size.

    ``transposed=True`` takes ``(N, W, H)`` stacks (as :func:`decode_rles` returns them): IoU and
    the boundary F are symmetric under transposition; only the bounding boxes are swapped back.
    ``bounds``: precomputed :func:`box_bounds` of both stacks (gt, gt empty, pred, pred empty).
    """
    shape = gt.shape[1:][::-1] if transposed else gt.shape[1:]
    bounds = bounds if bounds is not None else (*box_bounds(gt), *box_bounds(pred))
    ious, fs = crop_scores(gt, pred, bounds=bounds)
    return {
        "iou": ious,
        "contour_accuracy": fs,
        "location_error": _location_errors(bounds, shape=shape, transposed=transposed),
    }


def _location_errors(
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], *, shape: tuple[int, int], transposed: bool
) -> np.ndarray:
    """Bbox-centre distances over the fixed 480·√2, from both stacks' bounds (image ``shape`` H, W)."""
    bg, eg, bp, ep = bounds
    if transposed:
        bg, bp = bg[:, [2, 3, 0, 1]], bp[:, [2, 3, 0, 1]]
    c_gt = centres_from_bounds(bg, eg, shape=shape, pad=shape[0])
    c_pred = centres_from_bounds(bp, ep, shape=shape, pad=shape[0])
    dist = np.sqrt(((c_gt - c_pred) ** 2).sum(axis=1))
    return dist / np.sqrt(EVAL_SIZE**2 + EVAL_SIZE**2)


def _score_block(
    job: tuple[list[dict], list[dict], tuple[int, int]],
) -> tuple[list[np.ndarray], list[int], list[int]]:
    """Per-chunk metric sums ``[iou, contour, location]`` of one block of frames of one GT size.

    Also returns the block indices of the predicted and of the GT RLEs that do not decode (it
    stops at the first chunk with a bad GT one). Masks are read as run rectangles: only each
    pair's crop window is ever painted.
    """
    gt_rles, pred_rles, (h, w) = job
    eh, ew = nopad_size(h, w)
    sums, bad = [], []
    for start in range(0, len(gt_rles), CHUNK):
        gt = rle_boxes(gt_rles[start : start + CHUNK], height=h, width=w, out_size=(eh, ew))
        if gt.bad:
            return sums, bad, [start + j for j in gt.bad]
        pred = rle_boxes(pred_rles[start : start + CHUNK], height=eh, width=ew)
        bad.extend(start + j for j in pred.bad)
        ious, fs = crop_scores_boxes(gt, pred)
        bounds = (gt.bounds, gt.empty, pred.bounds, pred.empty)
        le = _location_errors(bounds, shape=(eh, ew), transposed=True)
        sums.append(np.array([ious.sum(), fs.sum(), le.sum()]))
    return sums, bad, []


def _score_direction(
    frames: list[CorrFrame],
    preds: list[tuple[dict, float] | None],
    *,
    probs: Problems,
    direction: str,
    workers: int,
) -> dict[str, Any]:
    vis_gt, vis_pred = [], []
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (fr, p) in enumerate(zip(frames, preds, strict=True)):
        if not fr.evaluated or p is None:
            continue
        vis_gt.append(fr.gt_rle is not None)
        vis_pred.append(p[1] > CONF_THRESH)
        if fr.gt_rle is not None:
            groups[fr.gt_size].append(i)  # type: ignore[index]
    blocks = [(size, idx[s : s + BLOCK]) for size, idx in groups.items() for s in range(0, len(idx), BLOCK)]
    jobs = [([frames[i].gt_rle for i in part], [preds[i][0] for i in part], size) for size, part in blocks]  # type: ignore[index]
    count = sum(len(part) for _, part in blocks)
    results = pool_map(_score_block, jobs, workers=workers if count >= PARALLEL_FRAMES else 1)
    totals = np.zeros(3)
    for (_, part), (sums, bad, gt_bad) in zip(blocks, results, strict=True):
        if gt_bad:  # the evaluator's own input is broken: name the frame
            fr = frames[part[gt_bad[0]]]
            raise FormatError(f"GT RLE of object {fr.obj}, pair {fr.pair}, frame {fr.frame} does not decode")
        for chunk_sums in sums:  # the serial order of the additions, whatever the workers
            totals += chunk_sums
        for j in bad:
            fr = frames[part[j]]
            probs.add(
                pointer(direction, "results", fr.take, "masks", fr.obj, fr.pair, fr.frame, "pred_mask"),
                "RLE counts do not decode to exactly height x width pixels",
            )
    names = ("iou", "contour_accuracy", "location_error")
    out: dict[str, Any] = {
        k: (float(v) / count if count else math.nan) for k, v in zip(names, totals, strict=True)
    }
    out["visibility_balanced_accuracy"] = balanced_accuracy(np.array(vis_gt), np.array(vis_pred))
    out["frames"] = len(vis_gt)
    out["visible_frames"] = count
    return out


def evaluate_correspondence(
    gt: str | Path | Any,
    pred: str | Path | Any,
    *,
    directions: tuple[str, ...] | None = None,
    workers: int | None = None,
) -> EvalResult:
    """Score a correspondence submission in both directions; raises ``InvalidSubmission`` on problems.

    Args:
        gt: the evaluator's GT file (or parsed JSON).
        pred: the merged EvalAI-style submission (or parsed JSON).
        directions: which of ``ego-exo`` / ``exo-ego`` to score; default: those the submission has
            (at least one is required).
        workers: processes for large test sets (from ``PARALLEL_FRAMES`` visible frames on);
            default: every CPU. The values do not depend on it.
    """
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    frames, objects = read_corr_gt(gt_raw, path=gt_path)
    if directions is None:
        present = tuple(d for d in DIRECTIONS if isinstance(pred_raw, dict) and d in pred_raw)
        directions = present or DIRECTIONS
    preds = read_corr_submission(pred_raw, frames, gt_objects=objects, directions=directions, path=pred_path)
    probs = Problems(pred_path)
    n_workers = workers if workers is not None else max(1, os.cpu_count() or 1)
    per_dir = {
        d: _score_direction(frames[d], preds[d], probs=probs, direction=d, workers=n_workers)
        for d in directions
    }
    probs.raise_if_any()
    metrics = {
        f"{d}/{k}": float(v[k])
        for d, v in per_dir.items()
        for k in ("iou", "location_error", "contour_accuracy", "visibility_balanced_accuracy")
    }
    notes = [n for d, v in per_dir.items() for n in _notes(metrics, d, v, queries=len(frames[d]))]
    return EvalResult("correspondence", metrics, per_dir, notes=tuple(notes))


def _notes(metrics: dict[str, float], d: str, counts: dict[str, Any], *, queries: int) -> list[ScoreNote]:
    """Why direction ``d`` has NaN metrics: no query frame, none annotated, or no visible GT mask."""
    if not queries:
        return nan_notes(
            metrics,
            f"the ground truth has no {d} query frame (no object with an ego and an exo camera)",
            names=[m for m in metrics if m.startswith(f"{d}/")],
        )
    if not counts["frames"]:
        return nan_notes(
            metrics,
            f"none of the {queries} {d} query frames is in its target view's annotated_frames",
            names=[m for m in metrics if m.startswith(f"{d}/")],
        )
    return nan_notes(
        metrics,
        f"no target frame has a GT mask ({counts['frames']} {d} frames scored for visibility only)",
        names=[f"{d}/{k}" for k in ("iou", "location_error", "contour_accuracy")],
    )
