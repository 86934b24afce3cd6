"""Demonstrator proficiency: top-1 accuracy, overall and per scenario (BENCHMARKS §10).

Labels format: plain top-1 over the GT list, a missing video counts as wrong. Logits format (the
official local script): ``top1_ego`` = argmax of the ego logits, ``top1_exo`` = argmax of the mean
softmax of the 4 exo views, ``top1_combined`` = argmax of the mean of all 5 softmaxes; ``top1``
is then the combined (ego + exos late fusion) accuracy. Accuracies are fractions in [0, 1].
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import EvalResult, load_pair, nan_notes
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import (
    DemonstratorGT,
    read_demonstrator_gt,
    read_demonstrator_submission,
)

__all__ = ["evaluate_proficiency_demonstrator", "softmax"]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Softmax over the last axis (max-shifted, so large logits do not overflow)."""
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _accuracies(gt: DemonstratorGT, pred: np.ndarray) -> tuple[float, dict[str, float]]:
    hit = pred == gt.labels
    scen = np.asarray(gt.scenarios)
    per = {s: float(hit[scen == s].mean()) for s in sorted(set(gt.scenarios))}
    return (float(hit.mean()) if len(hit) else float("nan")), per


def evaluate_proficiency_demonstrator(gt: str | Path | Any, pred: str | Path | Any) -> EvalResult:
    """Score skill-level predictions (labels or logits); raises ``InvalidSubmission`` on problems."""
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    truth = read_demonstrator_gt(gt_raw, path=gt_path)
    sub = read_demonstrator_submission(pred_raw, truth, path=pred_path)
    if sub.labels is not None:
        top1, per = _accuracies(truth, sub.labels)
        return EvalResult(
            task="proficiency-demonstrator",
            metrics={"top1": top1},
            breakdown={"videos": len(truth.videos), "missing": int((sub.labels < 0).sum()), "scenarios": per},
            notes=tuple(nan_notes({"top1": top1}, _NO_VIDEO)),
        )
    ego_p = softmax(sub.ego)  # type: ignore[arg-type]
    exo_p = softmax(sub.exo).mean(axis=1)  # type: ignore[arg-type]
    combined = np.concatenate([ego_p[:, None], softmax(sub.exo)], axis=1).mean(axis=1)  # type: ignore[arg-type]
    results = {
        "ego": _accuracies(truth, sub.ego.argmax(axis=1)),  # type: ignore[union-attr]
        "exo": _accuracies(truth, exo_p.argmax(axis=1)),
        "combined": _accuracies(truth, combined.argmax(axis=1)),
    }
    metrics = {"top1": results["combined"][0]} | {f"top1_{k}": v[0] for k, v in results.items()}
    breakdown = {"videos": len(truth.videos), "scenarios": {k: v[1] for k, v in results.items()}}
    notes = tuple(nan_notes(metrics, _NO_VIDEO))
    return EvalResult("proficiency-demonstrator", metrics, breakdown, notes=notes)


_NO_VIDEO = "the ground truth has no video"
