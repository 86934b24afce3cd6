"""Energy-efficient keystep recognition: per-frame mean calibrated AP and the power tier (BENCHMARKS §8).

No official code exists. ``mcap`` pools every 5 fps frame of every take, scores each keystep
class with cAP (one-vs-rest) and averages over the classes that have at least one positive frame
(assumption: a class absent from the GT has no defined AP; ``all_classes=True`` averages over
every score column as the reference cAP code does for 2-D input). An entry belongs to a tier only
if its average power is within the tier's budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._cap import mean_calibrated_ap
from egoexo_kit.benchmarks._common import EvalResult, load_pair, nan_notes
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import TIERS, EnergyModel, tier_of
from egoexo_kit.benchmarks.energy_efficient_keystep.submission import read_energy_gt, read_energy_submission

__all__ = ["evaluate_energy_efficient_keystep"]


def evaluate_energy_efficient_keystep(
    gt: str | Path | Any,
    pred: str | Path | Any,
    *,
    model: EnergyModel | None = None,
    all_classes: bool = False,
) -> EvalResult:
    """Score per-frame keystep scores (mcAP as a fraction) and report the average power and tier."""
    model = model or EnergyModel()
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    labels = read_energy_gt(gt_raw, path=gt_path)
    scores, power = read_energy_submission(pred_raw, labels, model=model, path=pred_path)
    y = np.concatenate([labels[t] for t in labels]) if labels else np.zeros(0, dtype=np.int64)
    s = np.concatenate([scores[t] for t in labels]) if labels else np.zeros((0, 0))
    onehot = np.zeros(s.shape, dtype=np.float64)
    onehot[np.arange(len(y)), y] = 1.0
    mcap, per = mean_calibrated_ap(onehot, s, skip_without_positives=not all_classes)
    metrics = {"mcap": mcap, "mean_power_mw": power}
    return EvalResult(
        task="energy-efficient-keystep",
        metrics=metrics,
        notes=tuple(nan_notes(metrics, f"the ground truth has no frame ({len(labels)} takes)")),
        breakdown={
            "frames": len(y),
            "classes": s.shape[1],
            "classes_with_positives": int((onehot.sum(axis=0) > 0).sum()),
            "tier": tier_of(power),
            "budgets_mw": dict(TIERS),
        },
    )
