"""Demonstrator-proficiency baselines (BENCHMARKS §10).

``scenario-majority``: the most frequent train label of the take's scenario (the scenario is known
from the take's metadata, not from the excluded narrations), falling back to the global majority.
Trivial: ``majority`` (the global train majority) and ``random`` (seeded uniform labels).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import check_method
from egoexo_kit.benchmarks.proficiency_demonstrator.gt import build_demonstrator_gt
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import LABELS

if TYPE_CHECKING:
    from egoexo_kit.release import Release

__all__ = ["DEMONSTRATOR_BASELINES", "demonstrator_baseline"]

DEMONSTRATOR_BASELINES = ("scenario-majority", "majority", "random")


def demonstrator_baseline(
    release: Release,
    *,
    split: str = "val",
    method: str = "scenario-majority",
    train_split: str = "train",
    seed: int = 0,
) -> dict[str, Any]:
    """``{"videos": [...], "predictions": [label]}`` (the 2025 format) for ``split``'s rated takes."""
    check_method("demonstrator", method, DEMONSTRATOR_BASELINES)
    train = build_demonstrator_gt(release, split=train_split)
    overall = Counter(train["gt_annotations"])
    per: dict[str, Counter] = defaultdict(Counter)
    for lab, sc in zip(train["gt_annotations"], train["scenario_names"], strict=True):
        per[sc][lab] += 1
    gt = build_demonstrator_gt(release, split=split)
    rng = np.random.default_rng(seed)
    top = overall.most_common(1)[0][0] if overall else 0
    preds = []
    for sc in gt["scenario_names"]:
        if method == "random":
            preds.append(int(rng.integers(len(LABELS))))
        elif method == "scenario-majority" and per.get(sc):
            preds.append(per[sc].most_common(1)[0][0])
        else:
            preds.append(top)
    return {"videos": gt["videos"], "predictions": [LABELS[p] for p in preds]}
