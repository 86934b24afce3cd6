"""Annotation checks of ``validate``: every file parses, has its family's shape and names real takes.

Irregular but usable entries are warnings (issue 16): a take uid that ``takes.json`` lacks is a
redacted take (the official atomic-descriptions tutorial, ``facebookresearch/Ego4d:
notebooks/egoexo/tutorials/``, shows such entries as "Redacted"), and an EgoPose frame whose value
is an empty list holds no annotation (the official loaders skip it on ``len(frame_anno) == 0``,
``EGO4D/ego-exo4d-egopose: handpose/data_preparation/dataloader.py``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from egoexo_kit.annotations import EMPTY_POSE_FRAME, unknown_take
from egoexo_kit.errors import EgoExoKitError, FormatError
from egoexo_kit.release import annotation_family, decode_mask, load_json, pointer, read_csv, safe_join
from egoexo_kit.release._joints import is_empty_pose_frame
from egoexo_kit.validate._context import Ctx

__all__ = ["check_annotations"]

MAX_MASKS_PER_FILE = 200
"""Masks decoded per relations file (a sample: real files hold millions)."""
_FRAME_KEY = re.compile(r"^\d+$")


def check_annotations(ctx: Ctx) -> None:
    """Walk ``annotations/``: top-level files, ``keystep_benchmark/``, ``ego_pose/``, expert commentary."""
    ann = ctx.root / "annotations"
    if not ann.is_dir():
        return
    files = sorted(p for p in ann.glob("*.json") if p.name != "splits.json")
    for i, path in enumerate(files):
        ctx.step("annotations", i, len(files))
        data = _load(ctx, path)
        if data is None:
            continue
        fam = annotation_family(path.name)
        if fam == "keystep":
            _check_keystep(ctx, path, data)
        elif fam in ("relations", "atomic_descriptions", "expert_commentary", "procedure_understanding"):
            _check_by_take(ctx, path, data, family=fam)
        elif fam is not None and fam.startswith("proficiency"):
            _check_proficiency(ctx, path, data)
    _check_keystep_benchmark(ctx, ann / "keystep_benchmark")
    _check_ego_pose(ctx, ann / "ego_pose")
    commentary = ann / "expert_commentary"
    if commentary.is_dir():
        for path in sorted(commentary.glob("*/*/*.json")):
            _load(ctx, path)


def _load(ctx: Ctx, path: Path) -> Any:
    try:
        return load_json(path)
    except FormatError as e:
        ctx.report.exception(e)
        return None


def _annotations(ctx: Ctx, path: Path, data: Any, *, kind: type) -> Any:
    """The ``annotations`` member, checked to be of ``kind``; ``None`` (reported) otherwise."""
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), kind):
        ctx.report.error(path, f"expected an object with an 'annotations' {kind.__name__}", where="/")
        return None
    return data["annotations"]


def _check_take_ref(ctx: Ctx, path: Path, *, where: str, uid: Any, name: Any = None) -> None:
    """A take uid named by an annotation should be in ``takes.json`` (else: redacted, warned); names agree."""
    if ctx.take_uids is None:  # takes.json itself is unreadable: already reported
        return
    if uid not in ctx.take_uids:
        ctx.report.warn(path, unknown_take(uid), where=where)
        return
    if name is not None and uid in ctx.valid_take_uids and ctx.release.take(uid).name != name:
        ctx.report.error(
            path,
            f"take_name {name!r} does not match take {uid} ({ctx.release.take(uid).name!r} in takes.json)",
            where=where,
        )


def _check_keystep(ctx: Ctx, path: Path, data: Any) -> None:
    anns = _annotations(ctx, path, data, kind=dict)
    if anns is None:
        return
    vocab = data.get("vocabulary")
    if not isinstance(vocab, dict) or not isinstance(data.get("taxonomy"), dict):
        ctx.report.error(path, "keystep file needs 'taxonomy' and 'vocabulary' objects", where="/")
        vocab = None
    for uid, entry in anns.items():
        at = pointer("annotations", uid)
        if not isinstance(entry, dict) or not isinstance(entry.get("segments"), list):
            ctx.report.error(path, "expected an object with a 'segments' list", where=at)
            continue
        _check_take_ref(ctx, path, where=at, uid=uid, name=entry.get("take_name"))
        for j, seg in enumerate(entry["segments"]):
            sat = pointer("annotations", uid, "segments", j)
            try:
                start, end = float(seg["start_time"]), float(seg["end_time"])
            except (KeyError, TypeError, ValueError):
                ctx.report.error(path, "segment needs numeric start_time and end_time", where=sat)
                continue
            if start > end:
                ctx.report.error(path, f"segment starts after it ends ({start} > {end})", where=sat)
            uid_step = seg.get("step_unique_id")
            if vocab is not None and uid_step is not None and str(uid_step) not in vocab:
                ctx.report.error(
                    path, f"step_unique_id {uid_step} is not in the vocabulary", where=sat + "/step_unique_id"
                )


def _check_by_take(ctx: Ctx, path: Path, data: Any, *, family: str) -> None:
    """Files keyed by take uid: relations, atomic descriptions, expert commentary, procedure understanding."""
    anns = _annotations(ctx, path, data, kind=dict)
    if anns is None:
        return
    budget = [MAX_MASKS_PER_FILE]
    for uid, entry in anns.items():
        at = pointer("annotations", uid)
        first = entry[0] if isinstance(entry, list) and entry else entry
        name = first.get("take_name") if isinstance(first, dict) else None
        _check_take_ref(ctx, path, where=at, uid=uid, name=name)
        if family == "relations":
            if not isinstance(entry, dict):
                ctx.report.error(path, "expected an object per take", where=at)
                continue
            _check_masks(ctx, path, uid=uid, masks=entry.get("object_masks") or {}, budget=budget)
        elif family != "procedure_understanding" and not isinstance(entry, list):
            ctx.report.error(path, f"expected a list of annotations per take ({family})", where=at)


def _check_masks(ctx: Ctx, path: Path, *, uid: str, masks: Any, budget: list[int]) -> None:
    """Decode a sample of relation masks: codec, size and annotated-frame consistency (FORMAT §7.6)."""
    if not isinstance(masks, dict):
        ctx.report.error(
            path, "object_masks must be an object", where=pointer("annotations", uid, "object_masks")
        )
        return
    for obj, cams in masks.items():
        for cam, track in (cams or {}).items():
            at = pointer("annotations", uid, "object_masks", obj, cam)
            if not isinstance(track, dict):
                ctx.report.error(path, "expected a mask track object", where=at)
                continue
            frames = track.get("annotation") or {}
            annotated = {str(f) for f in track.get("annotated_frames") or []}
            for frame, m in frames.items():
                fat = at + pointer("annotation", frame)
                if not _FRAME_KEY.match(str(frame)):
                    ctx.report.error(path, f"frame key {frame!r} is not a frame number", where=fat)
                    continue
                if annotated and str(frame) not in annotated:
                    ctx.report.warn(
                        path, f"frame {frame} has a mask but is not in annotated_frames", where=fat
                    )
                if budget[0] <= 0:
                    continue
                budget[0] -= 1
                try:
                    decode_mask(m["encodedMask"], height=int(m["height"]), width=int(m["width"]))
                except (KeyError, TypeError, ValueError) as e:
                    ctx.report.error(path, f"mask does not decode: {e}", where=fat)


def _check_proficiency(ctx: Ctx, path: Path, data: Any) -> None:
    items = data if isinstance(data, list) else _annotations(ctx, path, data, kind=list)
    for j, item in enumerate(items or []):
        at = pointer("annotations", j)
        if not isinstance(item, dict):
            ctx.report.error(path, "expected an object", where=at)
            continue
        _check_take_ref(ctx, path, where=at + "/take_uid", uid=item.get("take_uid"))
        for key, rel in (item.get("video_paths") or {}).items():
            if isinstance(rel, str):
                try:
                    safe_join(ctx.root, rel, source=path, pointer=at + pointer("video_paths", key))
                except EgoExoKitError as e:
                    ctx.report.exception(e)


def _check_keystep_benchmark(ctx: Ctx, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        data = _load(ctx, path)
        if data is None:
            continue
        if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
            ctx.report.error(path, "expected an object with a 'segments' list", where="/")
            continue
        for j, seg in enumerate(data["segments"]):
            if isinstance(seg, dict) and "take_uid" in seg:
                where = pointer("segments", j, "take_uid")
                _check_take_ref(ctx, path, where=where, uid=seg["take_uid"], name=seg.get("take_name"))
    mapping = folder / "label_mapping.csv"
    if mapping.is_file():
        try:
            read_csv(mapping, required=("label_id", "step_unique_id", "step_name", "scenario_name"))
        except FormatError as e:
            ctx.report.exception(e)


def _check_ego_pose(ctx: Ctx, folder: Path) -> None:
    """``ego_pose/<split>/{body,hand}/{annotation,automatic}/<uid>.json`` and ``camera_pose/<uid>.json``."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*/*/*.json")) + sorted(folder.glob("*/*/*/*.json")):
        rel = path.relative_to(folder).parts
        split, kind = rel[0], rel[1]
        if kind not in ("body", "hand", "camera_pose") or (kind != "camera_pose" and len(rel) != 4):
            ctx.report.warn(path, "unexpected file in ego_pose/ (FORMAT §7.9)")
            continue
        uid = path.stem
        if ctx.take_uids is not None and uid not in ctx.take_uids:
            ctx.report.warn(path, unknown_take(uid, then="the file (named by the take uid) is not used"))
        elif uid in ctx.valid_take_uids and (actual := ctx.release.take(uid).split) not in (None, split):
            ctx.report.warn(path, f"take is in split {actual!r} but its file is under {split!r}")
        data = _load(ctx, path)
        if data is None:
            continue
        if not isinstance(data, dict):
            ctx.report.error(path, "expected a JSON object", where="/")
        elif kind == "camera_pose":
            _check_camera_pose(ctx, path, data)
        else:
            for frame, value in data.items():
                if not _FRAME_KEY.match(frame):
                    ctx.report.error(path, f"frame key {frame!r} is not a frame number", where=pointer(frame))
                elif is_empty_pose_frame(value):
                    ctx.report.warn(path, EMPTY_POSE_FRAME, where=pointer(frame))
                elif not isinstance(value, list | dict):
                    ctx.report.error(path, "expected a list (or object) of annotations", where=pointer(frame))


def _check_camera_pose(ctx: Ctx, path: Path, data: dict) -> None:
    if all(_FRAME_KEY.match(k) for k in data):
        return  # the docs' frame-major variant (FORMAT §7.9): accepted as is
    for cam, entry in data.items():
        if cam == "metadata":
            continue
        if (
            not isinstance(entry, dict)
            or "camera_intrinsics" not in entry
            or "camera_extrinsics" not in entry
        ):
            ctx.report.error(path, "camera needs camera_intrinsics and camera_extrinsics", where=pointer(cam))
