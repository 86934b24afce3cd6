"""The catalog's tables: their Arrow schemas and, per source file, the rows it contributes.

One extractor per family turns a parsed file (through the family loaders, so there is one parser)
into columns. Times are seconds from take start (``start_s``/``end_s`` or ``t_s``) with the aligned
frame next to them (:func:`egoexo_kit.vocab.frame_of`, FORMAT §3.3). The columns are documented in
docs/design.md.

Irregular but usable data (issue 16) is catalogued, not refused: a ``takes.json`` record that does not
parse is left out and an empty EgoPose frame skipped, each with a located row in ``catalog_notes``;
every file also lists the takes it names in ``take_refs``, so the catalog can list annotations of
takes missing from ``takes.json`` (redacted) whatever file changed last (``catalog_warnings``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from egoexo_kit.annotations._common import EMPTY_POSE_FRAME, as_float
from egoexo_kit.annotations._files import AnnotationFile
from egoexo_kit.annotations.atomic import read_atomic_descriptions
from egoexo_kit.annotations.commentary import read_commentary_folder, read_expert_commentary
from egoexo_kit.annotations.keystep import read_keystep, read_keystep_benchmark, read_procedure
from egoexo_kit.annotations.narration import read_transcription
from egoexo_kit.annotations.pose import read_camera_pose, summarize_keypoints
from egoexo_kit.annotations.proficiency import read_proficiency_demonstration, read_proficiency_demonstrator
from egoexo_kit.annotations.relations import read_relations
from egoexo_kit.errors import FormatError
from egoexo_kit.release import Splits, TakeRecord, load_json, parse_record, records_from
from egoexo_kit.timeline import FPS
from egoexo_kit.vocab import frame_of, pointer

__all__ = ["SCHEMAS", "Rows", "extract"]

Rows = dict[str, list[dict[str, Any]] | dict[str, list[Any]]]
"""Table name → rows (a list of dicts) or columns (a dict of lists)."""

STR, F64, I64, BOOL = pa.string(), pa.float64(), pa.int64(), pa.bool_()


def _schema(*cols: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(cols))


_PROFICIENCY = (
    ("take_uid", STR),
    ("split", STR),
    ("task_id", I64),
    ("task_name", STR),
    ("scenario_name", STR),
    ("university_id", STR),
    ("participant_id", STR),
)
"""Columns both proficiency tables share."""

SCHEMAS: dict[str, pa.Schema] = {
    "takes": _schema(
        ("take_uid", STR),
        ("take_name", STR),
        ("scenario", STR),
        ("task_id", I64),
        ("task_name", STR),
        ("parent_task_id", I64),
        ("university", STR),
        ("capture_name", STR),
        ("participant_uid", I64),
        ("duration_s", F64),
        ("n_frames", I64),
        ("is_narrated", BOOL),
        ("best_exo", STR),
        ("task_start_s", F64),
        ("task_end_s", F64),
    ),
    "views": _schema(
        ("take_uid", STR),
        ("cam_id", STR),
        ("stream_id", STR),
        ("readable_stream_id", STR),
        ("kind", STR),
        ("is_best_exo", BOOL),
        ("relative_path", STR),
    ),
    "splits": _schema(("take_uid", STR), ("split", STR), ("benchmarks", pa.list_(STR))),
    "take_benchmarks": _schema(("take_uid", STR), ("benchmark", STR)),
    "keysteps": _schema(
        ("take_uid", STR),
        ("take_name", STR),
        ("split", STR),
        ("scenario", STR),
        ("start_s", F64),
        ("end_s", F64),
        ("duration_s", F64),
        ("start_frame", I64),
        ("end_frame", I64),
        ("step_id", I64),
        ("step_unique_id", I64),
        ("step_name", STR),
        ("step_description", STR),
        ("is_essential", BOOL),
        ("parent_id", I64),
        ("parent_name", STR),
    ),
    "keystep_taxonomy": _schema(
        ("scenario", STR),
        ("id", I64),
        ("name", STR),
        ("parent_id", I64),
        ("parent_name", STR),
        ("is_leafnode", BOOL),
        ("unique_id", I64),
        ("split", STR),
    ),
    "keystep_benchmark": _schema(
        ("take_uid", STR),
        ("split", STR),
        ("start_s", F64),
        ("end_s", F64),
        ("step_unique_id", I64),
        ("label_id", I64),
        ("step_name", STR),
        ("ego_segment_name", STR),
    ),
    "atomic_descriptions": _schema(
        ("take_uid", STR),
        ("split", STR),
        ("annotation_uid", STR),
        ("annotator_id", STR),
        ("rejected", BOOL),
        ("t_s", F64),
        ("frame", I64),
        ("text", STR),
        ("subject", STR),
        ("ego_visible", BOOL),
        ("best_exo", STR),
        ("unsure", BOOL),
    ),
    "expert_commentary": _schema(
        ("take_uid", STR),
        ("take_name", STR),
        ("split", STR),
        ("expert_uid", STR),
        ("recording", STR),
        ("audio_path", STR),
        ("t_s", F64),
        ("end_s", F64),
        ("frame", I64),
        ("duration_s", F64),
        ("text", STR),
        ("error", BOOL),
    ),
    "expert_ratings": _schema(
        ("take_name", STR), ("expert_uid", STR), ("rating", I64), ("why", STR), ("n_comments", I64)
    ),
    "narrations": _schema(
        ("take_uid", STR),
        ("source", STR),
        ("segment_id", I64),
        ("start_s", F64),
        ("end_s", F64),
        ("start_frame", I64),
        ("end_frame", I64),
        ("text", STR),
        ("language", STR),
    ),
    "proficiency_demonstrator": _schema(*_PROFICIENCY, ("proficiency_score", STR)),
    "proficiency_demonstration": _schema(*_PROFICIENCY, ("n_good_executions", I64), ("n_tips", I64)),
    "proficiency_moments": _schema(
        ("take_uid", STR), ("kind", STR), ("t_s", F64), ("frame", I64), ("labels", STR), ("expert_uid", STR)
    ),
    "pose_frames": _schema(
        ("take_uid", STR),
        ("split", STR),
        ("part", STR),
        ("source", STR),
        ("frame", I64),
        ("t_s", F64),
        ("n_joints_3d", I64),
        ("n_cameras_2d", I64),
        ("cameras", STR),
    ),
    "camera_pose": _schema(
        ("take_uid", STR), ("split", STR), ("camera", STR), ("per_frame", BOOL), ("n_frames", I64)
    ),
    "procedure_understanding": _schema(
        ("take_uid", STR),
        ("split", STR),
        ("member", STR),
        ("position", I64),
        ("step_unique_id", I64),
        ("label", STR),
        ("start_s", F64),
        ("end_s", F64),
        ("start_frame", I64),
        ("end_frame", I64),
    ),
    "mask_frames": _schema(
        ("take_uid", STR),
        ("split", STR),
        ("object_name", STR),
        ("camera", STR),
        ("cam_id", STR),
        ("is_ego", BOOL),
        ("frame", I64),
        ("t_s", F64),
        ("visible", BOOL),
        ("width", I64),
        ("height", I64),
    ),
    "take_refs": _schema(("path", STR), ("pointer", STR), ("take_uid", STR)),
    "catalog_notes": _schema(("path", STR), ("pointer", STR), ("message", STR)),
}


def _takes(path: Path) -> Rows:
    takes, views = [], []
    skipped: list[FormatError] = []  # lenient as open_release: an odd record is left out, noted
    for _, r in records_from(load_json(path), TakeRecord, path=path, errors=skipped):
        n = None
        if r.timesync_start_idx is not None and r.timesync_end_idx is not None:
            n = r.timesync_end_idx - r.timesync_start_idx - 1
        takes.append(
            {
                "take_uid": r.take_uid,
                "take_name": r.take_name,
                "scenario": r.scenario,
                "task_id": r.task_id,
                "task_name": r.task_name,
                "parent_task_id": r.parent_id,
                "university": r.university_name,
                "capture_name": r.capture_name,
                "participant_uid": r.participant_uid,
                "duration_s": r.duration_sec if r.duration_sec is not None else (n + 1) / FPS if n else None,
                "n_frames": n,
                "is_narrated": r.is_narrated,
                "best_exo": r.best_exo,
                "task_start_s": r.task_start_sec,
                "task_end_s": r.task_end_sec,
            }
        )
        ego = {c.cam_id for c in (r.capture.cameras if r.capture else []) if c.is_ego}
        for cam, streams in r.frame_aligned_videos.items():
            if cam in ("collage", "best_exo"):
                continue
            for key, e in streams.items():
                is_ego = cam in ego or cam.lower().startswith("aria")
                views.append(
                    {
                        "take_uid": r.take_uid,
                        "cam_id": cam,
                        "stream_id": e.stream_id if e else None,
                        "readable_stream_id": key,
                        "kind": "ego" if is_ego else "exo",
                        "is_best_exo": cam == r.best_exo,
                        "relative_path": e.relative_path if e else None,
                    }
                )
    notes = [{"path": path.name, "pointer": e.where, "message": e.message} for e in skipped]
    return {"takes": takes, "views": views, "catalog_notes": notes}


def _splits(path: Path) -> Rows:
    sp = parse_record(Splits, load_json(path), path=path)
    uids = set(sp.take_uid_to_split) | {u for us in sp.split_to_take_uids.values() for u in us}
    rows = [
        {"take_uid": u, "split": sp.split_of(u), "benchmarks": list(sp.take_uid_to_benchmark.get(u, []))}
        for u in sorted(uids | set(sp.take_uid_to_benchmark))
    ]
    bench = [{"take_uid": u, "benchmark": b} for u, bs in sp.take_uid_to_benchmark.items() for b in bs]
    return {"splits": rows, "take_benchmarks": bench}


def _keystep(path: Path) -> Rows:
    k = read_keystep(path)
    segs = [s for ss in k.segments.values() for s in ss]
    starts, ends = frame_of([s.start_s for s in segs]), frame_of([s.end_s for s in segs])
    rows = [
        {
            "take_uid": s.take_uid,
            "take_name": s.take_name,
            "split": s.split,
            "scenario": s.scenario,
            "start_s": s.start_s,
            "end_s": s.end_s,
            "duration_s": s.end_s - s.start_s,
            "start_frame": int(a),
            "end_frame": int(b),
            "step_id": s.step_id,
            "step_unique_id": s.step_unique_id,
            "step_name": s.step_name,
            "step_description": s.step_description,
            "is_essential": s.is_essential,
            "parent_id": s.parent_id,
            "parent_name": s.parent_name,
        }
        for s, a, b in zip(segs, np.atleast_1d(starts), np.atleast_1d(ends), strict=True)
    ]
    tax = [
        {
            "scenario": n.scenario,
            "id": n.id,
            "name": n.name,
            "parent_id": n.parent_id,
            "parent_name": n.parent_name,
            "is_leafnode": n.is_leafnode,
            "unique_id": n.unique_id,
            "split": k.split,
        }
        for t in k.taxonomies.values()
        for n in t.nodes.values()
    ]
    return {"keysteps": rows, "keystep_taxonomy": tax}


def _keystep_benchmark(path: Path) -> Rows:
    return {
        "keystep_benchmark": [
            {
                "take_uid": s.take_uid,
                "split": s.split,
                "start_s": s.start_s,
                "end_s": s.end_s,
                "step_unique_id": s.step_unique_id,
                "label_id": s.label_id,
                "step_name": s.step_name,
                "ego_segment_name": s.ego_segment_name,
            }
            for s in read_keystep_benchmark(path)
        ]
    }


def _columns(records: list[Any], names: tuple[str, ...], **computed: list[Any]) -> dict[str, list[Any]]:
    """Columns straight from record attributes (no per-row dict: the large tables stay lean)."""
    return {n: computed[n] if n in computed else [getattr(r, n) for r in records] for n in names}


def _atomic(path: Path) -> Rows:
    descs = [d for ds in read_atomic_descriptions(path).values() for d in ds]
    t = [d.t_s for d in descs]
    return {
        "atomic_descriptions": _columns(
            descs, tuple(SCHEMAS["atomic_descriptions"].names), frame=np.atleast_1d(frame_of(t)).tolist()
        )
    }


def _comment_columns(comments: list[Any], root: Path) -> dict[str, list[Any]]:
    return _columns(
        comments,
        tuple(SCHEMAS["expert_commentary"].names),
        audio_path=[c.audio_path.relative_to(root).as_posix() if c.audio_path else None for c in comments],
        end_s=[c.t_s + (c.duration_s or 0.0) for c in comments],
        frame=np.atleast_1d(frame_of([c.t_s for c in comments])).tolist(),
    )


def _commentary(path: Path, root: Path) -> Rows:
    return {
        "expert_commentary": _comment_columns(
            [c for cs in read_expert_commentary(path).values() for c in cs], root
        )
    }


def _commentary_folder(path: Path) -> Rows:
    rating, comments = read_commentary_folder(path.parent)
    return {
        "expert_ratings": [
            {
                "take_name": rating.take_name,
                "expert_uid": rating.expert_uid,
                "rating": rating.rating,
                "why": rating.why,
                "n_comments": len(comments),
            }
        ]
    }


def _narration(path: Path, take_uid: str | None) -> Rows:
    return {
        "narrations": [
            {
                "take_uid": n.take_uid,
                "source": n.source,
                "segment_id": n.segment_id,
                "start_s": n.start_s,
                "end_s": n.end_s,
                "start_frame": n.start_frame,
                "end_frame": n.end_frame,
                "text": n.text,
                "language": n.language,
            }
            for n in read_transcription(path, take_uid=take_uid)
        ]
    }


def _proficiency_common(r: Any) -> dict[str, Any]:
    return {
        "take_uid": r.take_uid,
        "split": r.split,
        "task_id": r.task_id,
        "task_name": r.task_name,
        "scenario_name": r.scenario_name,
        "university_id": r.university_id,
        "participant_id": r.participant_id,
    }


def _demonstrator(path: Path) -> Rows:
    return {
        "proficiency_demonstrator": [
            _proficiency_common(r) | {"proficiency_score": r.proficiency_score}
            for r in read_proficiency_demonstrator(path)
        ]
    }


def _demonstration(path: Path) -> Rows:
    items = read_proficiency_demonstration(path)
    rows = [
        _proficiency_common(r)
        | {
            "n_good_executions": sum(m.kind == "good_execution" for m in r.moments),
            "n_tips": sum(m.kind == "tip" for m in r.moments),
        }
        for r in items
    ]
    moments = [
        {
            "take_uid": m.take_uid,
            "kind": m.kind,
            "t_s": m.t_s,
            "frame": m.frame,
            "labels": "; ".join(m.labels),
            "expert_uid": m.expert_uid,
        }
        for r in items
        for m in r.moments
    ]
    return {"proficiency_demonstration": rows, "proficiency_moments": moments}


def _relations(path: Path, split: str | None) -> Rows:
    rows = []
    for uid, rel in read_relations(path).items():
        for obj, cams in rel.tracks.items():
            for cam, track in cams.items():
                size = next(iter(track.frames.values()), None)
                for f in track.annotated_frames:
                    m = track.frames.get(f)
                    rows.append(
                        {
                            "take_uid": uid,
                            "split": split,
                            "object_name": obj,
                            "camera": cam,
                            "cam_id": track.cam_id,
                            "is_ego": track.is_ego,
                            "frame": f,
                            "t_s": f / FPS,
                            "visible": m is not None,
                            "width": (m or size).width if (m or size) else None,
                            "height": (m or size).height if (m or size) else None,
                        }
                    )
    return {"mask_frames": rows}


def _procedure_row(item: Any, *, path: Path, at: str) -> dict[str, Any] | None:
    """One list item of a procedure entry as a row (None: an item of another shape).

    The item is a bare ``step_unique_id`` or an object with optional ``step_unique_id``,
    ``type``/``label`` and ``start_time``/``end_time``.
    """
    if isinstance(item, int) and not isinstance(item, bool):
        return {"step_unique_id": item}
    if not isinstance(item, dict):
        return None
    uid = item.get("step_unique_id")
    label = item.get("type", item.get("label"))
    times = {
        key: None if item.get(src) is None else as_float(item[src], path=path, pointer=f"{at}/{src}")
        for key, src in (("start_s", "start_time"), ("end_s", "end_time"))
    }
    return {
        "step_unique_id": uid if isinstance(uid, int) and not isinstance(uid, bool) else None,
        "label": None if label is None else str(label),
        **times,
        "start_frame": None if times["start_s"] is None else int(frame_of(times["start_s"])),
        "end_frame": None if times["end_s"] is None else int(frame_of(times["end_s"])),
    }


def _procedure(path: Path, split: str | None) -> Rows:
    """``procedure_understanding_*.json`` (schema unknown, FORMAT §7.4): a row per item of list members.

    Each list member of a take's entry gives its items in order (the synthetic placeholder:
    ``keystep_sequence`` ids, timed ``mistakes``).
    """
    rows = []
    for uid, entry in read_procedure(path).items():
        if not isinstance(entry, dict):
            continue
        for member, items in entry.items():
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                row = _procedure_row(item, path=path, at=pointer("annotations", uid, member, i))
                if row is not None:
                    rows.append({"take_uid": uid, "split": split, "member": member, "position": i, **row})
    return {"procedure_understanding": rows}


def _pose(f: AnnotationFile) -> Rows:
    p = summarize_keypoints(f.path)
    return {
        "pose_frames": [
            {
                "take_uid": f.path.stem,
                "split": f.split,
                "part": f.part,
                "source": f.source,
                "frame": frame,
                "t_s": frame / FPS,
                "n_joints_3d": n3,
                "n_cameras_2d": len(cams),
                "cameras": ",".join(cams),
            }
            for frame, n3, cams in zip(p.frames.tolist(), p.n_joints_3d.tolist(), p.cameras, strict=True)
        ],
        "catalog_notes": [
            {"path": f.rel, "pointer": pointer(key), "message": EMPTY_POSE_FRAME} for key in p.skipped_keys
        ],
    }


def _camera_pose(f: AnnotationFile) -> Rows:
    cp = read_camera_pose(f.path, split=f.split)
    return {
        "camera_pose": [
            {
                "take_uid": cp.take_uid,
                "split": f.split,
                "camera": cam,
                "per_frame": e.T_camera_world is None,
                "n_frames": len(e.per_frame),
            }
            for cam, e in cp.cameras.items()
        ]
    }


_LISTED = {
    "keystep_benchmark": ("keystep_benchmark", "segments"),
    "proficiency_demonstrator": ("proficiency_demonstrator", "annotations"),
    "proficiency_demonstration": ("proficiency_demonstration", "annotations"),
}
"""Families whose file is a list of items, each one row of this table: family → (table, list member)."""
_NOT_REFS = frozenset({"takes", "views", "splits", "take_benchmarks", "catalog_notes"})
"""Tables whose take uids are not references from an annotation to a take."""


def _uids(rows: list[dict[str, Any]] | dict[str, list[Any]]) -> list[Any]:
    if isinstance(rows, dict):
        return list(rows.get("take_uid", []))
    return [r.get("take_uid") for r in rows]


def _take_refs(f: AnnotationFile, rows: Rows) -> list[dict[str, Any]]:
    """Every take a file names, located: ``/annotations/<uid>``, an item's ``take_uid`` or the file name."""
    if f.family in ("takes", "splits", "narration", "expert_commentary_folder"):
        return []
    if f.family in ("pose", "camera_pose"):
        return [{"path": f.rel, "pointer": "", "take_uid": f.path.stem}]
    if f.family in _LISTED:
        table, member = _LISTED[f.family]
        uids = _uids(rows.get(table, []))
        return [
            {"path": f.rel, "pointer": pointer(member, j, "take_uid"), "take_uid": u}
            for j, u in enumerate(uids)
        ]
    seen = dict.fromkeys(u for t, r in rows.items() if t not in _NOT_REFS for u in _uids(r) if u is not None)
    return [{"path": f.rel, "pointer": pointer("annotations", u), "take_uid": u} for u in seen]


def extract(f: AnnotationFile, *, root: Path, take_uid_of_dir: Callable[[str], str | None]) -> Rows:
    """The rows one source file contributes to the catalog (empty for families without a table).

    Besides its family's tables: ``take_refs`` (the takes it names) and ``catalog_notes`` (what was
    left out of it, located).

    Args:
        f: the file (``takes.json`` comes as family ``takes``).
        root: the release root (audio paths are stored relative to it).
        take_uid_of_dir: take uid of a take folder name (for ``takes/<name>/audio`` transcriptions).
    """
    rows = _extract(f, root=root, take_uid_of_dir=take_uid_of_dir)
    refs = _take_refs(f, rows)
    return {**rows, "take_refs": refs} if refs else rows


def _extract(f: AnnotationFile, *, root: Path, take_uid_of_dir: Callable[[str], str | None]) -> Rows:
    fam = f.family
    simple: dict[str, Callable[[Path], Rows]] = {
        "takes": _takes,
        "splits": _splits,
        "keystep": _keystep,
        "keystep_benchmark": _keystep_benchmark,
        "atomic_descriptions": _atomic,
        "expert_commentary_folder": _commentary_folder,
        "proficiency_demonstrator": _demonstrator,
        "proficiency_demonstration": _demonstration,
    }
    if fam in simple:
        return simple[fam](f.path)
    if fam == "expert_commentary":
        return _commentary(f.path, root)
    if fam == "narration":
        return _narration(f.path, take_uid_of_dir(f.path.parent.parent.name))
    if fam == "relations":
        return _relations(f.path, f.split)
    if fam == "procedure_understanding":
        return _procedure(f.path, f.split)
    if fam == "pose":
        return _pose(f)
    if fam == "camera_pose":
        return _camera_pose(f)
    return {}
