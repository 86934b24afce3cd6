"""Demonstration-proficiency GT from a release (BENCHMARKS §11): the release file's layout, per take."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egoexo_kit.benchmarks._source import annotations_of, split_takes

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["build_demonstration_gt"]

_KEYS = {"good_execution": "good_executions", "tip": "tips_for_improvement"}


def build_demonstration_gt(release: Release, *, split: str = "val") -> dict[str, Any]:
    """``{"annotations": [{take_uid, take_name, good_executions: [{video_time}], tips_for_improvement}]}``."""
    ann = annotations_of(release)
    items = []
    for take in split_takes(release, split):
        item = ann.proficiency_demonstration(take.uid)
        if item is None:
            continue
        entry: dict[str, Any] = {
            "take_uid": take.uid,
            "take_name": take.name,
            **{k: [] for k in _KEYS.values()},
        }
        for m in item.moments:
            if m.kind in _KEYS:
                entry[_KEYS[m.kind]].append(
                    {"video_time": m.t_s, "list": list(m.labels), "expert_uid": m.expert_uid}
                )
        items.append(entry)
    return {"annotations": items}
