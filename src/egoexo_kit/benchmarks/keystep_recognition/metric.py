"""Keystep recognition top-1 accuracy over the GT segments (BENCHMARKS §7).

No official code is public: ``top1 = #correct / #GT segments``, a segment without a prediction
counts as wrong (the recommended resolution, §13). Reported as a fraction in [0, 1].
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from egoexo_kit.benchmarks._common import EvalResult, load_pair, nan_notes, safe_ratio
from egoexo_kit.benchmarks.keystep_recognition.submission import (
    NUM_CLASSES,
    read_keystep_gt,
    read_keystep_submission,
)

__all__ = ["evaluate_keystep_recognition"]


def evaluate_keystep_recognition(
    gt: str | Path | Any, pred: str | Path | Any, *, num_classes: int = NUM_CLASSES
) -> EvalResult:
    """Score keystep labels; raises ``InvalidSubmission`` listing every problem.

    Args:
        gt: ``keystep_segment_{split}.json`` or ``{ego_segment_name: label_id}``.
        pred: ``{ego_segment_name: label_id}`` or a list of labels in GT order.
        num_classes: size of the label set (278 in the release).
    """
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    labels = read_keystep_gt(gt_raw, num_classes=num_classes, path=gt_path)
    preds = read_keystep_submission(pred_raw, labels, num_classes=num_classes, path=pred_path)
    correct = sum(preds.get(name) == lab for name, lab in labels.items())
    metrics = {"top1": safe_ratio(correct, len(labels))}
    return EvalResult(
        task="keystep-recognition",
        metrics=metrics,
        breakdown={"segments": len(labels), "correct": correct, "missing": len(labels) - len(preds)},
        notes=tuple(nan_notes(metrics, "the ground truth has no segment")),
    )
