"""Demonstrator-proficiency baselines (BENCHMARKS §10).

``linear``: multinomial logistic regression on one vector per take: head-motion statistics from the
Aria trajectory (speed, turning, vertical range; an allowed input), the scenario (one-hot, from the
take's metadata) and, with ``features=<name>``, the take's mean pre-extracted feature row of the ego
view and of the exo views. It falls back to
``scenario-majority`` when the train split has a single label.
``scenario-majority``: the most frequent train label of the take's scenario (the scenario is known
from the take's metadata, not from the excluded narrations), falling back to the global majority.
Trivial: ``majority`` (the global train majority) and ``random`` (seeded uniform labels).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import check_method, feature_mean, linear_classifier, motion_stats
from egoexo_kit.benchmarks.proficiency_demonstrator.gt import build_demonstrator_gt
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import LABELS

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["DEMONSTRATOR_BASELINES", "demonstrator_baseline", "take_vectors"]

DEMONSTRATOR_BASELINES = ("linear", "scenario-majority", "majority", "random")


def take_vectors(release: Release, names: list[str], *, features: str | None = None) -> np.ndarray:
    """``(N, D)`` vectors of the takes named ``names``: motion stats [+ ego and exo feature means]."""
    rows = []
    for name in names:
        take = release.take(name)
        parts = [motion_stats(take)]
        if features is not None:
            parts += [feature_mean(take, features, views="ego"), feature_mean(take, features, views="exo")]
        rows.append(np.concatenate(parts))
    return np.asarray(rows, dtype=np.float64).reshape(len(names), -1)


def demonstrator_baseline(
    release: Release,
    *,
    split: str = "val",
    method: str = "linear",
    train_split: str = "train",
    features: str | None = None,
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
    if method == "linear" and len(overall) > 1 and gt["videos"]:
        known = sorted(per)

        def inputs(part: dict[str, Any]) -> np.ndarray:
            onehot = np.array([[sc == k for k in known] for sc in part["scenario_names"]], dtype=np.float64)
            vecs = take_vectors(release, part["videos"], features=features)
            return np.concatenate([vecs, onehot.reshape(len(vecs), len(known))], axis=1)

        model = linear_classifier(c=1.0).fit(inputs(train), train["gt_annotations"])
        preds = model.predict(inputs(gt)).tolist()
        return {"videos": gt["videos"], "predictions": [LABELS[int(p)] for p in preds]}
    preds = []
    for sc in gt["scenario_names"]:
        if method == "random":
            preds.append(int(rng.integers(len(LABELS))))
        elif method in ("linear", "scenario-majority") and per.get(sc):
            preds.append(per[sc].most_common(1)[0][0])
        else:
            preds.append(top)
    return {"videos": gt["videos"], "predictions": [LABELS[p] for p in preds]}
