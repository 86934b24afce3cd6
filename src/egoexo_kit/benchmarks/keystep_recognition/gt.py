"""Keystep-recognition GT from a release (BENCHMARKS §7): the split's labelled benchmark clips."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egoexo_kit.benchmarks._source import annotations_of, split_takes

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["build_keystep_gt"]


def build_keystep_gt(release: Release, *, split: str = "val") -> dict[str, Any]:
    """``{"segments": [...]}`` (the ``keystep_segment_<split>.json`` layout): labelled clips of ``split``."""
    ann = annotations_of(release)
    segments = [
        {
            "ego_segment_name": s.ego_segment_name,
            "segment_name_list": list(s.segment_names),
            "take_uid": s.take_uid,
            "take_name": s.take_name,
            "start_time": s.start_s,
            "end_time": s.end_s,
            "step_unique_id": s.step_unique_id,
            "label_id": s.label_id,
            "step_name": s.step_name,
        }
        for take in split_takes(release, split)
        for s in ann.keystep_benchmark(take.uid)
        if s.label_id is not None and s.ego_segment_name
    ]
    return {"segments": segments}
