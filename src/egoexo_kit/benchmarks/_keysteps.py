"""Keystep sequences shared by the energy-efficient and procedure-understanding builders and baselines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from egoexo_kit.annotations import keystep_label_map

if TYPE_CHECKING:
    from egoexo_kit.annotations import KeystepSegment
    from egoexo_kit.facade import Release

__all__ = ["keystep_vocabulary", "step_rank"]


def keystep_vocabulary(release: Release) -> list[int]:
    """Every leaf ``step_unique_id`` of the release's keystep taxonomies, sorted (one fixed label space)."""
    return list(keystep_label_map(release).step_ids)


def step_rank(seg: KeystepSegment) -> int:
    """A segment's step node id in its scenario taxonomy: the canonical order the builders assume."""
    return int(seg.step_id if seg.step_id is not None else seg.step_unique_id or 0)
