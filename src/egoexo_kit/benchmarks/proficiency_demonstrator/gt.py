"""Demonstrator-proficiency GT from a release (BENCHMARKS §10): the official local script's GT layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egoexo_kit.benchmarks._source import annotations_of, split_takes
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import LABELS

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["build_demonstrator_gt"]


def build_demonstrator_gt(release: Release, *, split: str = "val") -> dict[str, Any]:
    """``{"videos": [take_name], "gt_annotations": [0..3], "scenario_names": [str]}`` for ``split``."""
    ann = annotations_of(release)
    videos, labels, scenarios = [], [], []
    for take in split_takes(release, split):
        item = ann.proficiency_demonstrator(take.uid)
        if item is None or item.proficiency_score not in LABELS:
            continue
        videos.append(take.name)
        labels.append(LABELS.index(item.proficiency_score))
        scenarios.append(item.scenario_name or take.scenario or "")
    return {"videos": videos, "gt_annotations": labels, "scenario_names": scenarios}
