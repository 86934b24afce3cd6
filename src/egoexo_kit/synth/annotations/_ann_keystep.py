"""Keystep annotations (FORMAT §7.2), the keystep benchmark (§7.3) and the procedure placeholder (§7.4).

Segments come from the realised plan of each procedural take (``Performance.segments``). Annotators
are imprecise: every boundary moves by 0.1–0.3 s either way, then segments are clipped to the take
and made non-overlapping (a start never precedes the previous end). The same jittered segments feed
``keystep_*.json`` and the benchmark clips, so the two agree.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egoexo_kit._io import write_json, write_text
from egoexo_kit.synth.annotations._ann_common import LABELLED_SPLITS, annotator_meta, export_time, take_rng
from egoexo_kit.synth.capture import TakeTruth
from egoexo_kit.synth.plan import FPS, PlannedStep, TakePlan, TaxonomyTask

if TYPE_CHECKING:
    from egoexo_kit.synth.annotations._annotations import TakeAnnotationParts

__all__ = ["AnnotatedSegment", "annotated_segments", "has_keysteps", "write_keystep"]

BOUNDARY_JITTER_S = (0.1, 0.3)
"""Range of the annotators' boundary error, seconds (either sign)."""
MIN_SEGMENT_S = 0.1
"""Shortest annotated segment, seconds."""
BENCHMARK_DESCRIPTION = "EgoExo4D Fine-grained Keystep Recognition"


@dataclass(frozen=True)
class AnnotatedSegment:
    """One keystep as an annotator marked it: times in seconds from take start (5 decimals)."""

    start_time: float
    end_time: float
    step: PlannedStep
    """The performed step it marks (true times, mistake flag)."""


def annotated_segments(truth: TakeTruth, *, seed: int) -> list[AnnotatedSegment]:
    """The jittered, non-overlapping keystep segments of a procedural take, sorted by start time."""
    rng = take_rng(seed, truth.plan, "keystep-boundaries")
    duration = truth.n_frames / FPS
    out: list[AnnotatedSegment] = []
    prev_end = 0.0
    for ps in sorted(truth.perf.segments, key=lambda s: s.start_sec):
        d_start, d_end = rng.choice([-1.0, 1.0], size=2) * rng.uniform(*BOUNDARY_JITTER_S, size=2)
        start = round(max(prev_end, min(duration, ps.start_sec + d_start)), 5)
        end = round(min(duration, ps.end_sec + d_end), 5)
        if end - start < MIN_SEGMENT_S:  # a short step squeezed by the jitter: keep its true end
            end = round(min(duration, max(ps.end_sec, start + MIN_SEGMENT_S)), 5)
        if end - start < MIN_SEGMENT_S:
            continue
        out.append(AnnotatedSegment(start, end, ps))
        prev_end = end
    return out


def has_keysteps(plan: TakePlan) -> bool:
    """Whether a take gets keystep annotations: procedural and in the keystep benchmark."""
    return plan.task.procedural and "keystep" in plan.benchmarks


def write_keystep(ann: Path, *, takes: list[TakeAnnotationParts], seed: int) -> None:
    """Write ``keystep_{train,val}.json``, ``keystep_benchmark/`` and ``procedure_understanding_*``.

    Args:
        ann: the ``annotations`` folder.
        takes: every annotated take, sorted by split then name; only procedural ones are used.
        seed: the release seed.
    """
    procedural = [t for t in takes if has_keysteps(t.plan)]
    segments = {t.plan.take_uid: t.segments for t in procedural}
    tasks = sorted({t.plan.task.task_id: t.plan.task for t in procedural}.values(), key=lambda k: k.task_id)
    taxonomy = {task.name: task.taxonomy() for task in tasks}
    vocabulary = dict(sorted(((k, v) for task in tasks for k, v in task.vocabulary().items()), key=_int_key))
    for split in LABELLED_SPLITS:
        annotations = {
            t.plan.take_uid: _keystep_entry(t.plan, segments[t.plan.take_uid], seed=seed)
            for t in procedural
            if t.plan.split == split
        }
        write_json(
            ann / f"keystep_{split}.json",
            {"annotations": annotations, "taxonomy": taxonomy, "vocabulary": vocabulary},
        )
    _write_benchmark(ann / "keystep_benchmark", truths=procedural, segments=segments, seed=seed)
    _write_procedure_placeholder(ann, truths=procedural, segments=segments)


def _int_key(item: tuple[str, Any]) -> int:
    return int(item[0])


def _keystep_entry(plan: TakePlan, segments: tuple[AnnotatedSegment, ...], *, seed: int) -> dict[str, Any]:
    """One take of ``keystep_*.json`` (FORMAT §7.2)."""
    return {
        "take_uid": plan.take_uid,
        "take_name": plan.take_name,
        "scenario": plan.task.name,
        "annotation_meta": annotator_meta(take_rng(seed, plan, "keystep-meta"), ids_as_str=False),
        "segments": [
            {
                "start_time": s.start_time,
                "end_time": s.end_time,
                "step_id": s.step.node_id,
                "step_name": s.step.name,
                "step_description": s.step.step.description,
                "is_essential": s.step.essential,
                "step_unique_id": s.step.unique_id,
            }
            for s in segments
        ],
    }


def _clip_names(take: TakeAnnotationParts, seg: AnnotatedSegment) -> list[str]:
    """Benchmark clip names, ego first: ``<split>/<take>/start<s>_end<e>_<cam>.mp4`` (FORMAT §7.3)."""
    stem = f"{take.plan.split}/{take.plan.take_name}/start{seg.start_time}_end{seg.end_time}"
    return [f"{stem}_{cam}.mp4" for cam in take.cams]


def _write_benchmark(
    folder: Path,
    *,
    truths: list[TakeAnnotationParts],
    segments: dict[str, tuple[AnnotatedSegment, ...]],
    seed: int,
) -> None:
    """``keystep_segment_{train,val,test_unannotated}.json`` and ``label_mapping.csv``.

    Label ids ``0..K-1`` cover the leaves seen in train and val, ordered by ``step_unique_id``; test
    segments carry no label fields (FORMAT §11 U9).
    """
    labelled = [t for t in truths if t.plan.split in LABELLED_SPLITS]
    seen: dict[int, tuple[str, TaxonomyTask]] = {}
    for t in labelled:
        for s in segments[t.plan.take_uid]:
            seen[s.step.unique_id] = (s.step.name, t.plan.task)
    label_of = {uid: k for k, uid in enumerate(sorted(seen))}
    date = export_time(seed).strftime("%m/%d/%Y")
    for split, name in (("train", "train"), ("val", "val"), ("test", "test_unannotated")):
        items = []
        for t in truths:
            if t.plan.split != split:
                continue
            for s in segments[t.plan.take_uid]:
                clips = _clip_names(t, s)
                item: dict[str, Any] = {
                    "segment_name_list": clips,
                    "ego_segment_name": clips[0],
                    "take_uid": t.plan.take_uid,
                    "take_name": t.plan.take_name,
                    "start_time": s.start_time,
                    "end_time": s.end_time,
                }
                if split != "test":
                    item |= {
                        "step_unique_id": s.step.unique_id,
                        "label_id": label_of[s.step.unique_id],
                        "step_name": s.step.name,
                    }
                items.append(item)
        write_json(
            folder / f"keystep_segment_{name}.json",
            {"date": date, "description": BENCHMARK_DESCRIPTION, "splits": split, "segments": items},
        )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["label_id", "step_unique_id", "step_name", "scenario_name"])
    for uid, label in label_of.items():
        step_name, task = seen[uid]
        writer.writerow([label, uid, step_name, task.scenario_name.lower()])
    write_text(folder / "label_mapping.csv", buf.getvalue())


def _write_procedure_placeholder(
    ann: Path, *, truths: list[TakeAnnotationParts], segments: dict[str, tuple[AnnotatedSegment, ...]]
) -> None:
    """``procedure_understanding_{train,val,test_unannotated}.json``: a marked placeholder (FORMAT §7.4).

    The real schema is unknown; these files carry the performed keystep order and the ordering
    mistakes (steps done too early) so that readers have something well-defined to load.
    """
    note = (
        "Synthetic placeholder: the schema of the real procedure-understanding file is unknown "
        "(FORMAT §7.4). keystep_sequence lists step_unique_id in performed order; mistakes lists the "
        "steps performed out of the canonical order."
    )
    for split, name in (("train", "train"), ("val", "val"), ("test", "test_unannotated")):
        annotations = {}
        for t in truths:
            if t.plan.split != split:
                continue
            entry: dict[str, Any] = {"take_name": t.plan.take_name, "task_id": t.plan.task.task_id}
            if split != "test":
                segs = segments[t.plan.take_uid]
                entry["keystep_sequence"] = [s.step.unique_id for s in segs]
                entry["mistakes"] = [
                    {
                        "step_unique_id": s.step.unique_id,
                        "type": "order",
                        "start_time": s.start_time,
                        "end_time": s.end_time,
                    }
                    for s in segs
                    if s.step.mistake
                ]
            annotations[t.plan.take_uid] = entry
        write_json(
            ann / f"procedure_understanding_{name}.json",
            {"synthetic_placeholder": True, "note": note, "annotations": annotations},
        )
