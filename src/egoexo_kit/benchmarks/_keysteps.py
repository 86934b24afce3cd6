"""Keystep sequences shared by the energy-efficient and procedure-understanding builders and baselines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from egoexo_kit.benchmarks._source import annotations_of

if TYPE_CHECKING:
    from egoexo_kit.annotations import KeystepSegment
    from egoexo_kit.facade import Release

__all__ = ["keystep_vocabulary", "step_rank"]


def keystep_vocabulary(release: Release) -> list[int]:
    """Every leaf ``step_unique_id`` of the release's keystep taxonomies, sorted (one fixed label space)."""
    ids = {
        n.unique_id
        for tax in annotations_of(release).taxonomies.values()
        for n in tax.nodes.values()
        if n.unique_id is not None
    }
    return sorted(ids)


def step_rank(seg: KeystepSegment) -> int:
    """A segment's step node id in its scenario taxonomy: the canonical order the builders assume."""
    return int(seg.step_id if seg.step_id is not None else seg.step_unique_id or 0)
