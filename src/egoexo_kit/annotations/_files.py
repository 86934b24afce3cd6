"""Where each annotation family lives in a release (FORMAT §7), found by walking ``annotations/``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from egoexo_kit.release import annotation_family, annotation_split

__all__ = ["AnnotationFile", "discover"]


@dataclass(frozen=True, slots=True)
class AnnotationFile:
    """One annotation file and what it holds."""

    path: Path
    rel: str
    """Path relative to the release root (POSIX)."""
    family: str
    """``keystep``, ``keystep_benchmark``, ``procedure_understanding``, ``atomic_descriptions``,
    ``expert_commentary``, ``expert_commentary_folder`` (form 2 ``data.json``), ``relations``,
    ``proficiency_demonstrator``, ``proficiency_demonstration``, ``pose`` (keypoints),
    ``camera_pose``, ``splits``, ``narration`` (take audio transcription)."""
    split: str | None = None
    part: str | None = None
    """``body`` or ``hand`` for ``pose`` files."""
    source: str | None = None
    """``annotation`` or ``automatic`` for ``pose`` files."""


def discover(root: str | Path) -> list[AnnotationFile]:
    """Every annotation file of a release, sorted by path (take audio transcriptions included)."""
    root = Path(root)
    ann = root / "annotations"
    out: list[AnnotationFile] = []

    def add(path: Path, family: str, **kw: str | None) -> None:
        out.append(AnnotationFile(path, path.relative_to(root).as_posix(), family, **kw))

    if ann.is_dir():
        for path in sorted(ann.glob("*.json")):
            if path.name == "splits.json":
                add(path, "splits")
            elif (fam := annotation_family(path.name)) is not None:
                add(path, fam, split=annotation_split(path.name))
        for path in sorted((ann / "keystep_benchmark").glob("keystep_segment_*.json")):
            split = path.stem.removeprefix("keystep_segment_")
            add(path, "keystep_benchmark", split="test" if split.startswith("test") else split)
        for path in sorted((ann / "expert_commentary").glob("*/*/data.json")):
            add(path, "expert_commentary_folder")
        pose = ann / "ego_pose"
        for path in sorted(pose.glob("*/*/*/*.json")):
            split, part, source = path.relative_to(pose).parts[:3]
            if part in ("body", "hand") and source in ("annotation", "automatic"):
                add(path, "pose", split=split, part=part, source=source)
        for path in sorted(pose.glob("*/camera_pose/*.json")):
            add(path, "camera_pose", split=path.relative_to(pose).parts[0])
    for top in (root / "takes", root / "takes" / "takes"):  # FORMAT §1.5: the doubled download bug
        for path in sorted(top.glob("*/audio/*_transcriptions.json")):
            add(path, "narration")
    return out
