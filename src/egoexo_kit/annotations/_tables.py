"""The catalog's tables: their Arrow schemas and, per source file, the rows it contributes.

One extractor per family turns a parsed file (through the family loaders, so there is one parser)
into columns. Times are seconds from take start (``start_s``/``end_s`` or ``t_s``) with the aligned
frame next to them (``frame_at``, FORMAT §3.3). The columns are documented in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from egoexo_kit.annotations._common import frame_at
from egoexo_kit.annotations._files import AnnotationFile
from egoexo_kit.annotations.atomic import read_atomic_descriptions
from egoexo_kit.annotations.commentary import read_commentary_folder, read_expert_commentary
from egoexo_kit.annotations.keystep import read_keystep, read_keystep_benchmark
from egoexo_kit.annotations.narration import read_transcription
from egoexo_kit.annotations.pose import read_camera_pose, read_keypoints
from egoexo_kit.annotations.proficiency import read_proficiency_demonstration, read_proficiency_demonstrator
from egoexo_kit.annotations.relations import read_relations
from egoexo_kit.release import Splits, TakeRecord
from egoexo_kit.release._json import load_json, parse_record, records_from
from egoexo_kit.timeline import FPS

__all__ = ["SCHEMAS", "Rows", "extract"]

Rows = dict[str, list[dict[str, Any]]]
"""Table name → rows."""

S, F, I, B = pa.string(), pa.float64(), pa.int64(), pa.bool_()


def _schema(*cols: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(cols))


SCHEMAS: dict[str, pa.Schema] = {
    "takes": _schema(
        ("take_uid", S), ("take_name", S), ("scenario", S), ("task_id", I), ("task_name", S),
        ("parent_task_id", I), ("university", S), ("capture_name", S), ("participant_uid", I),
        ("duration_s", F), ("n_frames", I), ("is_narrated", B), ("best_exo", S),
        ("task_start_s", F), ("task_end_s", F),
    ),
    "views": _schema(
        ("take_uid", S), ("cam_id", S), ("stream_id", S), ("readable_stream_id", S), ("kind", S),
        ("is_best_exo", B), ("relative_path", S),
    ),
    "splits": _schema(("take_uid", S), ("split", S), ("benchmarks", pa.list_(S))),
    "take_benchmarks": _schema(("take_uid", S), ("benchmark", S)),
    "keysteps": _schema(
        ("take_uid", S), ("take_name", S), ("split", S), ("scenario", S), ("start_s", F), ("end_s", F),
        ("duration_s", F), ("start_frame", I), ("end_frame", I), ("step_id", I), ("step_unique_id", I),
        ("step_name", S), ("step_description", S), ("is_essential", B), ("parent_id", I), ("parent_name", S),
    ),
    "keystep_taxonomy": _schema(
        ("scenario", S), ("id", I), ("name", S), ("parent_id", I), ("parent_name", S), ("is_leafnode", B),
        ("unique_id", I), ("split", S),
    ),
    "keystep_benchmark": _schema(
        ("take_uid", S), ("split", S), ("start_s", F), ("end_s", F), ("step_unique_id", I), ("label_id", I),
        ("step_name", S), ("ego_segment_name", S),
    ),
    "atomic_descriptions": _schema(
        ("take_uid", S), ("split", S), ("annotation_uid", S), ("annotator_id", S), ("rejected", B),
        ("t_s", F), ("frame", I), ("text", S), ("subject", S), ("ego_visible", B), ("best_exo", S),
        ("unsure", B),
    ),
    "expert_commentary": _schema(
        ("take_uid", S), ("take_name", S), ("split", S), ("expert_uid", S), ("recording", S),
        ("audio_path", S), ("t_s", F), ("end_s", F), ("frame", I), ("duration_s", F), ("text", S),
        ("error", B),
    ),
    "expert_ratings": _schema(
        ("take_name", S), ("expert_uid", S), ("rating", I), ("why", S), ("n_comments", I)
    ),
    "narrations": _schema(
        ("take_uid", S), ("source", S), ("segment_id", I), ("start_s", F), ("end_s", F), ("start_frame", I),
        ("end_frame", I), ("text", S), ("language", S),
    ),
    "proficiency_demonstrator": _schema(
        ("take_uid", S), ("split", S), ("task_id", I), ("task_name", S), ("scenario_name", S),
        ("university_id", S), ("participant_id", S), ("proficiency_score", S),
    ),
    "proficiency_demonstration": _schema(
        ("take_uid", S), ("split", S), ("task_id", I), ("task_name", S), ("scenario_name", S),
        ("university_id", S), ("participant_id", S), ("n_good_executions", I), ("n_tips", I),
    ),
    "proficiency_moments": _schema(
        ("take_uid", S), ("kind", S), ("t_s", F), ("frame", I), ("labels", S), ("expert_uid", S)
    ),
    "pose_frames": _schema(
        ("take_uid", S), ("split", S), ("part", S), ("source", S), ("frame", I), ("t_s", F),
        ("n_joints_3d", I), ("n_cameras_2d", I), ("cameras", S),
    ),
    "camera_pose": _schema(
        ("take_uid", S), ("split", S), ("camera", S), ("per_frame", B), ("n_frames", I)
    ),
    "mask_frames": _schema(
        ("take_uid", S), ("split", S), ("object_name", S), ("camera", S), ("cam_id", S), ("is_ego", B),
        ("frame", I), ("t_s", F), ("visible", B), ("width", I), ("height", I),
    ),
}  # fmt: skip


def _takes(path: Path) -> Rows:
    takes, views = [], []
    for _, r in records_from(load_json(path), TakeRecord, path=path):
        n = None
        if r.timesync_start_idx is not None and r.timesync_end_idx is not None:
            n = r.timesync_end_idx - r.timesync_start_idx - 1
        takes.append({
            "take_uid": r.take_uid, "take_name": r.take_name, "scenario": r.scenario, "task_id": r.task_id,
            "task_name": r.task_name, "parent_task_id": r.parent_id, "university": r.university_name,
            "capture_name": r.capture_name, "participant_uid": r.participant_uid,
            "duration_s": r.duration_sec if r.duration_sec is not None else (n + 1) / FPS if n else None,
            "n_frames": n, "is_narrated": r.is_narrated, "best_exo": r.best_exo,
            "task_start_s": r.task_start_sec, "task_end_s": r.task_end_sec,
        })  # fmt: skip
        ego = {c.cam_id for c in (r.capture.cameras if r.capture else []) if c.is_ego}
        for cam, streams in r.frame_aligned_videos.items():
            if cam in ("collage", "best_exo"):
                continue
            for key, e in streams.items():
                is_ego = cam in ego or cam.lower().startswith("aria")
                views.append({
                    "take_uid": r.take_uid, "cam_id": cam, "stream_id": e.stream_id if e else None,
                    "readable_stream_id": key, "kind": "ego" if is_ego else "exo",
                    "is_best_exo": cam == r.best_exo, "relative_path": e.relative_path if e else None,
                })  # fmt: skip
    return {"takes": takes, "views": views}


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
    starts, ends = frame_at([s.start_s for s in segs]), frame_at([s.end_s for s in segs])
    rows = [
        {
            "take_uid": s.take_uid, "take_name": s.take_name, "split": s.split, "scenario": s.scenario,
            "start_s": s.start_s, "end_s": s.end_s, "duration_s": s.end_s - s.start_s,
            "start_frame": int(a), "end_frame": int(b), "step_id": s.step_id,
            "step_unique_id": s.step_unique_id, "step_name": s.step_name,
            "step_description": s.step_description, "is_essential": s.is_essential,
            "parent_id": s.parent_id, "parent_name": s.parent_name,
        }
        for s, a, b in zip(segs, np.atleast_1d(starts), np.atleast_1d(ends), strict=True)
    ]  # fmt: skip
    tax = [
        {"scenario": n.scenario, "id": n.id, "name": n.name, "parent_id": n.parent_id,
         "parent_name": n.parent_name, "is_leafnode": n.is_leafnode, "unique_id": n.unique_id, "split": k.split}
        for t in k.taxonomies.values() for n in t.nodes.values()
    ]  # fmt: skip
    return {"keysteps": rows, "keystep_taxonomy": tax}


def _keystep_benchmark(path: Path) -> Rows:
    return {
        "keystep_benchmark": [
            {"take_uid": s.take_uid, "split": s.split, "start_s": s.start_s, "end_s": s.end_s,
             "step_unique_id": s.step_unique_id, "label_id": s.label_id, "step_name": s.step_name,
             "ego_segment_name": s.ego_segment_name}
            for s in read_keystep_benchmark(path)
        ]
    }  # fmt: skip


def _atomic(path: Path) -> Rows:
    descs = [d for ds in read_atomic_descriptions(path).values() for d in ds]
    frames = np.atleast_1d(frame_at([d.t_s for d in descs]))
    return {
        "atomic_descriptions": [
            {"take_uid": d.take_uid, "split": d.split, "annotation_uid": d.annotation_uid,
             "annotator_id": d.annotator_id, "rejected": d.rejected, "t_s": d.t_s, "frame": int(f),
             "text": d.text, "subject": d.subject, "ego_visible": d.ego_visible, "best_exo": d.best_exo,
             "unsure": d.unsure}
            for d, f in zip(descs, frames, strict=True)
        ]
    }  # fmt: skip


def _comment_rows(comments: list, root: Path) -> list[dict[str, Any]]:
    return [
        {"take_uid": c.take_uid, "take_name": c.take_name, "split": c.split, "expert_uid": c.expert_uid,
         "recording": c.recording,
         "audio_path": c.audio_path.relative_to(root).as_posix() if c.audio_path else None,
         "t_s": c.t_s, "end_s": c.t_s + (c.duration_s or 0.0), "frame": int(frame_at(c.t_s)),
         "duration_s": c.duration_s, "text": c.text, "error": c.error}
        for c in comments
    ]  # fmt: skip


def _commentary(path: Path, root: Path) -> Rows:
    return {"expert_commentary": _comment_rows([c for cs in read_expert_commentary(path).values() for c in cs], root)}


def _commentary_folder(path: Path) -> Rows:
    rating, comments = read_commentary_folder(path.parent)
    return {
        "expert_ratings": [
            {"take_name": rating.take_name, "expert_uid": rating.expert_uid, "rating": rating.rating,
             "why": rating.why, "n_comments": len(comments)}
        ]
    }  # fmt: skip


def _narration(path: Path, take_uid: str | None) -> Rows:
    return {
        "narrations": [
            {"take_uid": n.take_uid, "source": n.source, "segment_id": n.segment_id, "start_s": n.start_s,
             "end_s": n.end_s, "start_frame": n.start_frame, "end_frame": n.end_frame, "text": n.text,
             "language": n.language}
            for n in read_transcription(path, take_uid=take_uid)
        ]
    }  # fmt: skip


def _proficiency_common(r: Any) -> dict[str, Any]:
    return {"take_uid": r.take_uid, "split": r.split, "task_id": r.task_id, "task_name": r.task_name,
            "scenario_name": r.scenario_name, "university_id": r.university_id, "participant_id": r.participant_id}  # fmt: skip


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
        {"take_uid": m.take_uid, "kind": m.kind, "t_s": m.t_s, "frame": m.frame, "labels": "; ".join(m.labels),
         "expert_uid": m.expert_uid}
        for r in items for m in r.moments
    ]  # fmt: skip
    return {"proficiency_demonstration": rows, "proficiency_moments": moments}


def _relations(path: Path, split: str | None) -> Rows:
    rows = []
    for uid, rel in read_relations(path).items():
        for obj, cams in rel.tracks.items():
            for cam, track in cams.items():
                size = next(iter(track.frames.values()), None)
                for f in track.annotated_frames:
                    m = track.frames.get(f)
                    rows.append({
                        "take_uid": uid, "split": split, "object_name": obj, "camera": cam,
                        "cam_id": track.cam_id, "is_ego": track.is_ego, "frame": f, "t_s": f / FPS,
                        "visible": m is not None, "width": (m or size).width if (m or size) else None,
                        "height": (m or size).height if (m or size) else None,
                    })  # fmt: skip
    return {"mask_frames": rows}


def _pose(f: AnnotationFile) -> Rows:
    p = read_keypoints(f.path, part=f.part, source=f.source, split=f.split)  # type: ignore[arg-type]
    n3 = (~np.isnan(p.points_3d[..., 0])).sum(axis=1)
    seen = {cam: (~np.isnan(a[..., 0])).any(axis=1) for cam, a in p.points_2d.items()}
    rows = []
    for i, frame in enumerate(p.frames.tolist()):
        cams = [c for c, s in seen.items() if s[i]]
        rows.append({
            "take_uid": p.take_uid, "split": f.split, "part": f.part, "source": f.source, "frame": frame,
            "t_s": frame / FPS, "n_joints_3d": int(n3[i]), "n_cameras_2d": len(cams), "cameras": ",".join(cams),
        })  # fmt: skip
    return {"pose_frames": rows}


def _camera_pose(f: AnnotationFile) -> Rows:
    cp = read_camera_pose(f.path, split=f.split)
    return {
        "camera_pose": [
            {"take_uid": cp.take_uid, "split": f.split, "camera": cam, "per_frame": e.T_camera_world is None,
             "n_frames": len(e.per_frame)}
            for cam, e in cp.cameras.items()
        ]
    }  # fmt: skip


def extract(f: AnnotationFile, *, root: Path, take_uid_of_dir: Callable[[str], str | None]) -> Rows:
    """The rows one source file contributes to the catalog (empty for families without a table).

    Args:
        f: the file (``takes.json`` comes as family ``takes``).
        root: the release root (audio paths are stored relative to it).
        take_uid_of_dir: take uid of a take folder name (for ``takes/<name>/audio`` transcriptions).
    """
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
    if fam == "pose":
        return _pose(f)
    if fam == "camera_pose":
        return _camera_pose(f)
    return {}
