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

import datetime
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit.geometry import invert_pose, transform_points
from egoexo_kit.synth.capture import TakeTruth, ViewTruth
from egoexo_kit.synth.plan import TakePlan
from egoexo_kit.vocab import frame_of

if TYPE_CHECKING:
    from egoexo_kit.synth.annotations._ann_keystep import AnnotatedSegment
    from egoexo_kit.synth.annotations._ann_text import Commentary

__all__ = [
    "LABELLED_SPLITS",
    "SPLITS",
    "TakeAnnotationParts",
    "annotate_take",
    "annotator_meta",
    "best_exo_view",
    "export_time",
    "frame_at",
    "new_uid",
    "object_centre_world",
    "palm_world",
    "pick",
    "project_world",
    "pronouns",
    "take_rng",
    "video_paths",
    "write_annotation_files",
    "write_annotations",
]

SPLITS = ("train", "val", "test")
LABELLED_SPLITS = ("train", "val")
"""Splits whose ground truth is released (FORMAT §1.1)."""
_EXPORT_BASE = 1711281600
"""2024-03-24 12:00:00 UTC: the synthetic exports happen within a month after it."""
_RESPONSE_BASE = 1687000000
"""Mid-June 2023: annotators' responses are time-stamped within 240 days after it (before the export)."""
_PALM = np.array([0, 5, 9, 13, 17])
"""Wrist and finger bases of one hand (indices among its 21 joints): their mean is the palm."""


def take_rng(seed: int, plan: TakePlan | None, family: str) -> np.random.Generator:
    """The generator of one annotation family for one take (``plan=None``: release-wide).

    Seeded by ``(seed, plan.seed, crc32(family))`` so that families never share random streams and
    adding a family changes nothing else.
    """
    return np.random.default_rng([seed, 0 if plan is None else plan.seed, zlib.crc32(family.encode())])


def new_uid(rng: np.random.Generator) -> str:
    """A UUID4 string drawn from ``rng``."""
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """One of ``options`` (template phrasing variety)."""
    return options[int(rng.integers(len(options)))]


def annotator_meta(rng: np.random.Generator, *, ids_as_str: bool) -> dict[str, Any]:
    """``annotation_meta`` / ``annotation_metadata``: uid, annotator, response time, job, response.

    Keystep writes the ids as integers, relations as strings (FORMAT §7.2, §7.6).
    """
    ids = [int(rng.integers(10**15, 10**16)) for _ in range(3)]
    conv = str if ids_as_str else int
    return {
        "annotation_uid": new_uid(rng),
        "annotator_id": conv(ids[0]),
        "response_time": _RESPONSE_BASE + int(rng.integers(0, 240 * 86400)),
        "job_id": conv(ids[1]),
        "response_id": conv(ids[2]),
    }


def export_time(seed: int) -> datetime.datetime:
    """The (UTC) export time of the release's annotation files, fixed by the seed."""
    offset = int(take_rng(seed, None, "export").integers(0, 30 * 86400))
    return datetime.datetime.fromtimestamp(_EXPORT_BASE + offset, tz=datetime.UTC)


def video_paths(truth: TakeTruth) -> dict[str, str]:
    """``video_paths`` of proficiency items: ``ego`` and ``exo1``… relative to the release root."""
    base = f"takes/{truth.plan.take_name}/frame_aligned_videos"
    out = {"ego": f"{base}/{truth.capture.aria_id}_214-1.mp4"}
    out |= {f"exo{i + 1}": f"{base}/{v.cam_id}.mp4" for i, v in enumerate(truth.exo_views)}
    return out


def pronouns(truth: TakeTruth) -> tuple[str, str, str]:
    """(subject, object, possessive) pronouns of the participant, fixed per participant."""
    return ("he", "him", "his") if truth.capture.participant_uid % 2 else ("she", "her", "her")


def frame_at(truth: TakeTruth, t: float) -> int:
    """Aligned frame showing ``t`` seconds from take start (:func:`~egoexo_kit.vocab.frame_of`), in the take.

    The same rule the readers apply to the written times, so the ground truth sampled here is the one
    shown in the frame a reader maps the annotation to.
    """
    return int(np.clip(frame_of(t), 0, truth.n_frames - 1))


def palm_world(truth: TakeTruth, frame: int, side: int) -> np.ndarray:
    """(3,) palm centre of the right (``side=0``) or left hand at an aligned frame, world metres."""
    return truth.hands_world[frame, 21 * side + _PALM].mean(axis=0)


def object_centre_world(truth: TakeTruth, name: str, frame: int) -> np.ndarray | None:
    """(3,) centre of object ``name`` at an aligned frame, world metres; None if it is no object."""
    if name not in truth.objects_world:
        return None
    T = truth.objects_world[name][frame]
    return T[:3, 3] + 0.5 * truth.plan.task.object(name).size_m[2] * T[:3, 2]


def project_world(view: ViewTruth, frame: int, point_world: np.ndarray) -> tuple[np.ndarray, bool]:
    """A world point in a view at an aligned frame.

    Returns:
        ``px_raw`` (2,): pixel in the view's camera image (sensor orientation: for exo views the MP4
        image, for the Aria the unrotated sensor image); and whether it is in front and inside.
    """
    px, ok = view.camera.project(transform_points(invert_pose(view.T_world_cam[frame]), point_world[None]))
    return px[0], bool(ok[0])


def best_exo_view(
    truth: TakeTruth, frame: int, point_world: np.ndarray
) -> tuple[ViewTruth, np.ndarray] | None:
    """The exo view showing a world point nearest its image centre, with its pixel (exo MP4 image).

    Returns:
        ``(view, px)`` or None when no exo camera sees the point.
    """
    best: tuple[float, ViewTruth, np.ndarray] | None = None
    for view in truth.exo_views:
        px, ok = project_world(view, frame, point_world)
        half = np.array([view.camera.width - 1, view.camera.height - 1]) / 2
        dist = float(np.hypot(*(px - half) / half)) if ok else np.inf
        if ok and (best is None or dist < best[0]):
            best = (dist, view, px)
    return None if best is None else (best[1], best[2])


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
