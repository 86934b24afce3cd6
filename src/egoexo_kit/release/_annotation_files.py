"""Names of the annotation files (FORMAT §7): which family a top-level file holds, and its split."""

from __future__ import annotations

__all__ = ["ANNOTATION_FAMILIES", "annotation_family", "annotation_split"]

ANNOTATION_FAMILIES = (
    "keystep",
    "relations",
    "atomic_descriptions",
    "expert_commentary",
    "proficiency_demonstrator",
    "proficiency_demonstration",
    "procedure_understanding",
)
"""Families of the top-level ``annotations/<family>_<split>.json`` files."""


def annotation_family(name: str) -> str | None:
    """Family of a top-level ``annotations/*.json`` file name (``keystep_train.json`` → ``keystep``)."""
    for fam in ANNOTATION_FAMILIES:
        if name.startswith(fam + "_"):
            return fam
    return None


def annotation_split(name: str) -> str | None:
    """Split of a ``<family>_<split>.json`` name: ``train``, ``val`` or ``test`` (``test_unannotated``)."""
    fam = annotation_family(name)
    if fam is None or not name.endswith(".json"):
        return None
    split = name[len(fam) + 1 : -len(".json")]
    return "test" if split.startswith("test") else split
