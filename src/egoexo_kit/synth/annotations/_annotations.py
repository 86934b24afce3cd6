"""Annotation files of a synthetic release (FORMAT §7), derived from each take's ground truth.

:func:`write_annotations` writes ``annotations/`` for the takes whose :class:`TakeTruth` is given:
``splits.json`` (every take of the release), keystep and its benchmark, the procedure-understanding
placeholder, relations, atomic descriptions, expert commentary (both forms), proficiency and EgoPose.
The families live in sibling modules (``_ann_keystep``, ``_ann_relations``, ``_ann_text``,
``_ann_pose``); the helpers they share (seeded generators, annotator metadata, video paths, pronouns,
the export date) live here.

Everything is derived from the truth (so it agrees with the videos) plus human-style imperfection
(imprecise boundaries, noisy clicks, varied phrasing) drawn from generators seeded by
``(rng_seed, take seed, family)``: the same input gives byte-identical files, whatever the order of
``truths``. Test-split ground truth is withheld as FORMAT §1.1 says: test takes get only
``splits.json``, the keystep-benchmark test segments, the procedure placeholder without labels,
``relations_test.json`` without masks, and ``ego_pose/test/camera_pose``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egoexo_kit._io import write_json
from egoexo_kit.synth.annotations._ann_common import (
    LABELLED_SPLITS,
    SPLITS,
    video_paths,
)
from egoexo_kit.synth.capture import TakeTruth
from egoexo_kit.synth.plan import TakePlan

if TYPE_CHECKING:
    from egoexo_kit.synth.annotations._ann_keystep import AnnotatedSegment
    from egoexo_kit.synth.annotations._ann_text import Commentary


__all__ = ["TakeAnnotationParts", "annotate_take", "write_annotation_files", "write_annotations"]


@dataclass(frozen=True)
class TakeAnnotationParts:
    """What one take contributes to the release-wide annotation files.

    :func:`annotate_take` makes it (in the process that holds the take's truth, writing the take's own
    files on the way); :func:`write_annotation_files` gathers many into the shared files.
    """

    plan: TakePlan
    cams: tuple[str, ...]
    """Cameras of the keystep-benchmark clips: the Aria RGB (``aria01_214-1``) then the exo ids."""
    segments: tuple[AnnotatedSegment, ...]
    """Keystep segments (empty unless procedural and in the keystep benchmark)."""
    relations: dict[str, Any] | None
    """Entry of ``relations_<split>.json``; None without masks."""
    atomic: list[dict[str, Any]] | None
    """Entry of ``atomic_descriptions_<split>.json``; None for test takes."""
    commentary: tuple[Commentary, ...]
    """The experts' commentaries (empty for test takes)."""
    proficiency: dict[str, Any]
    """Fields common to both proficiency files."""


def annotate_take(ann: Path, truth: TakeTruth, *, seed: int, fast_audio: bool = False) -> TakeAnnotationParts:
    """Write a take's own annotation files (EgoPose, commentary folders) and return its share of the rest.

    Args:
        ann: the ``annotations`` folder.
        truth: the take's ground truth.
        seed: the release seed; with the take seed it fixes every random choice.
        fast_audio: encode the commentary recordings quickly (annotation-scale releases).
    """
    from egoexo_kit.synth.annotations import _ann_keystep, _ann_pose, _ann_relations, _ann_text

    plan = truth.plan
    labelled = plan.split in LABELLED_SPLITS
    _ann_pose.write_take_pose(ann, truth, seed=seed)
    commentary = (
        _ann_text.write_take_commentary(ann, truth, seed=seed, fast_audio=fast_audio) if labelled else []
    )
    segments = _ann_keystep.annotated_segments(truth, seed=seed) if _ann_keystep.has_keysteps(plan) else []
    return TakeAnnotationParts(
        plan=plan,
        cams=(f"{truth.capture.aria_id}_214-1", *(v.cam_id for v in truth.exo_views)),
        segments=tuple(segments),
        relations=_ann_relations.take_relations(truth, seed=seed),
        atomic=_ann_text.atomic_descriptions(truth, seed=seed) if labelled else None,
        commentary=tuple(commentary),
        proficiency=_proficiency_item(truth),
    )


def write_annotation_files(
    ann: Path, *, takes: list[TakeAnnotationParts], all_takes: list[TakePlan], seed: int
) -> None:
    """Write the release-wide annotation files (splits, keystep, relations, atomic, commentary, proficiency).

    Args:
        ann: the ``annotations`` folder.
        takes: the annotated takes (in any order).
        all_takes: every take of the release, for ``splits.json``.
        seed: the release seed.
    """
    from egoexo_kit.synth.annotations import _ann_keystep, _ann_relations, _ann_text

    order = {s: i for i, s in enumerate(SPLITS)}
    takes = sorted(takes, key=lambda t: (order[t.plan.split], t.plan.take_name))
    _write_splits(ann, all_takes)
    _ann_keystep.write_keystep(ann, takes=takes, seed=seed)
    _ann_relations.write_relations(ann, takes=takes)
    _ann_text.write_atomic_descriptions(ann, takes=takes)
    _ann_text.write_expert_commentary(ann, takes=takes, seed=seed)
    _write_proficiency(ann, takes=takes)


def write_annotations(
    root: Path, *, truths: list[TakeTruth], all_takes: list[TakePlan], rng_seed: int
) -> None:
    """Write every annotation family of the release under ``root/annotations/`` (FORMAT §7).

    Args:
        root: the release root.
        truths: the takes with ground truth; only these get annotations (in any order).
        all_takes: every take of the release, for ``splits.json``.
        rng_seed: the release seed; with the take seeds it fixes every random choice.
    """
    ann = Path(root) / "annotations"
    takes = [annotate_take(ann, t, seed=rng_seed) for t in truths]
    write_annotation_files(ann, takes=takes, all_takes=all_takes, seed=rng_seed)


def _write_splits(ann: Path, all_takes: list[TakePlan]) -> None:
    """``splits.json``: all three keys, lowercase splits (FORMAT §7.1)."""
    write_json(
        ann / "splits.json",
        {
            "split_to_take_uids": {s: [t.take_uid for t in all_takes if t.split == s] for s in SPLITS},
            "take_uid_to_split": {t.take_uid: t.split for t in all_takes},
            "take_uid_to_benchmark": {t.take_uid: list(t.benchmarks) for t in all_takes},
        },
    )


def _write_proficiency(ann: Path, *, takes: list[TakeAnnotationParts]) -> None:
    """``proficiency_demonstrator_*`` and ``proficiency_demonstration_*`` for train and val (FORMAT §7.5).

    Demonstration items list the experts' praise (``good_executions``) and tips
    (``tips_for_improvement``) of the take's expert commentary, so the two families agree.
    """
    for split in LABELLED_SPLITS:
        mine = [t for t in takes if t.plan.split == split]
        demonstrator = [
            t.proficiency | {"proficiency_score": t.plan.proficiency}
            for t in mine
            if "proficiency_demonstrator" in t.plan.benchmarks
        ]
        demonstration = []
        for t in mine:
            if "proficiency_demonstration" not in t.plan.benchmarks:
                continue
            kinds: dict[str, list[dict[str, Any]]] = {"praise": [], "tip": []}
            for expert in t.commentary:
                for c in expert.comments:
                    kinds[c.kind].append(
                        {
                            "video_time": c.video_time,
                            "list": list(c.labels),
                            "expert_uid": expert.expert_uid,
                            "video_name": t.plan.take_name,
                        }
                    )
            for items in kinds.values():
                items.sort(key=lambda x: (x["video_time"], x["expert_uid"]))
            demonstration.append(
                t.proficiency | {"good_executions": kinds["praise"], "tips_for_improvement": kinds["tip"]}
            )
        write_json(ann / f"proficiency_demonstrator_{split}.json", {"annotations": demonstrator})
        write_json(ann / f"proficiency_demonstration_{split}.json", {"annotations": demonstration})


def _proficiency_item(truth: TakeTruth) -> dict[str, Any]:
    """Fields common to both proficiency files (FORMAT §7.5)."""
    plan, cap = truth.plan, truth.capture
    return {
        "take_uid": plan.take_uid,
        "task_id": plan.task.task_id,
        "task_name": plan.task.name,
        "scenario_name": plan.task.scenario_name,
        "university_id": f"ego4d-{cap.university}",
        "origin_participant_id": str(cap.participant_uid),
        "video_paths": video_paths(truth),
    }
