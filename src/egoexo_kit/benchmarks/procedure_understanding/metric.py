"""Procedure understanding: one calibrated AP per subtask (BENCHMARKS §9; hosted evaluator not public).

``optional`` and ``mistake`` are binary over segments; ``previous``, ``missing`` and ``future`` are
multi-label over keysteps, macro-averaged over keystep columns by default, as the reference cAP
implementation averages 2-D inputs. ``averaging`` makes this configurable (§13): ``"macro"``,
``"macro-present"`` (only keysteps with a positive) or ``"micro"`` (all entries pooled).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._cap import calibrated_ap, mean_calibrated_ap
from egoexo_kit.benchmarks._common import EvalResult, ScoreNote, load_pair, nan_notes
from egoexo_kit.benchmarks.procedure_understanding.submission import MULTI, SUBTASKS, read_procedure_file
from egoexo_kit.errors import SubmissionError

__all__ = ["AVERAGING", "evaluate_procedure_understanding"]

AVERAGING = ("macro", "macro-present", "micro")


def evaluate_procedure_understanding(
    gt: str | Path | Any, pred: str | Path | Any, *, averaging: str = "macro"
) -> EvalResult:
    """Score the five subtasks with cAP (fractions in [0, 1]); raises ``InvalidSubmission`` on problems."""
    if averaging not in AVERAGING:
        raise SubmissionError(f"averaging must be one of {AVERAGING}, got {averaging!r}")
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    order, truth = read_procedure_file(gt_raw, binary=True, path=gt_path)
    k = truth["previous"].shape[1]
    _, scores = read_procedure_file(pred_raw, order=order, num_keysteps=k, binary=False, path=pred_path)
    metrics, breakdown = {}, {"segments": len(order), "keysteps": k, "averaging": averaging}
    for name in SUBTASKS:
        y, s = truth[name], scores[name]
        if name not in MULTI:
            metrics[f"cap_{name}"] = calibrated_ap(y, s)
            breakdown[name] = {"positives": int(y.sum())}
        elif averaging == "micro":
            metrics[f"cap_{name}"] = calibrated_ap(y.ravel(), s.ravel())
            breakdown[name] = {"positives": int(y.sum())}
        else:
            value, per = mean_calibrated_ap(y, s, skip_without_positives=averaging == "macro-present")
            metrics[f"cap_{name}"] = value
            breakdown[name] = {
                "positives": int(y.sum()),
                "keysteps_without_positives": int((y.sum(axis=0) == 0).sum()),
                "per_keystep": [float(v) for v in np.asarray(per)],
            }
    notes = _notes(metrics, truth, segments=len(order), averaging=averaging)
    return EvalResult("procedure-understanding", metrics, breakdown, notes=tuple(notes))


def _notes(
    metrics: dict[str, float], truth: dict[str, np.ndarray], *, segments: int, averaging: str
) -> list[ScoreNote]:
    """Why a cAP is NaN: no segment, no keystep column, or (macro-present) no keystep with a positive."""
    if not segments:
        return nan_notes(metrics, "the ground truth has no segment")
    if not truth["previous"].shape[1]:
        return nan_notes(metrics, "the ground truth has no keystep column")
    if averaging != "macro-present":
        return []
    names = [f"cap_{n}" for n in MULTI if not truth[n].any()]
    return nan_notes(
        metrics,
        "no keystep has a positive in the ground truth: use --averaging macro or micro",
        names=names,
        option="--averaging",
    )
