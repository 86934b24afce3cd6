"""Annotation checks of ``validate``: every file reads with its family's loader and names real takes.

The shape of each file is checked by the loader of :mod:`egoexo_kit.annotations` that reads it (one
parse: the document is handed to the loader), so ``validate`` and ``take.annotations`` agree on what
is readable; a loader's located :class:`~egoexo_kit.errors.FormatError` is the file's error. What no
loader checks is checked here on the file that read: takes named by the annotations exist in
``takes.json`` (with the same name), keystep times and steps, a sample of relation masks decodes,
proficiency video paths stay in the release, ego_pose files sit where FORMAT §7.9 puts them.

Irregular but usable entries are warnings (issue 16): a take uid that ``takes.json`` lacks is a
redacted take (the official atomic-descriptions tutorial, ``facebookresearch/Ego4d:
notebooks/egoexo/tutorials/``, shows such entries as "Redacted"), and an EgoPose frame whose value
is an empty list holds no annotation (the official loaders skip it on ``len(frame_anno) == 0``,
``EGO4D/ego-exo4d-egopose: handpose/data_preparation/dataloader.py``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from egoexo_kit.annotations import (
    EMPTY_POSE_FRAME,
    read_atomic_descriptions,
    read_camera_pose,
    read_commentary_folder,
    read_expert_commentary,
    read_keystep,
    read_keystep_benchmark,
    read_label_mapping,
    read_proficiency_demonstration,
    read_proficiency_demonstrator,
    read_relations,
    summarize_keypoints,
    unknown_take,
)
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.release import annotation_family, decode_mask, load_json, pointer, safe_join
from egoexo_kit.validate._context import READ_FAILURES, Ctx, guard

__all__ = ["check_annotations"]

MAX_MASKS_PER_FILE = 200
"""Masks decoded per relations file (a sample: real files hold millions)."""
_FRAME_KEY = re.compile(r"^\d+$")
_BY_TAKE: dict[str, Callable[..., Any]] = {
    "relations": read_relations,
    "atomic_descriptions": read_atomic_descriptions,
    "expert_commentary": read_expert_commentary,
}
"""Families keyed by take uid, with their loader (``procedure_understanding`` has no known schema)."""
_TIMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "keystep": (
        ("annotations", "*", "segments", "*", "start_time"),
        ("annotations", "*", "segments", "*", "end_time"),
    ),
    "keystep_benchmark": (("segments", "*", "start_time"), ("segments", "*", "end_time")),
    "atomic_descriptions": (("annotations", "*", "*", "descriptions", "*", "timestamp"),),
    "expert_commentary": (("annotations", "*", "*", "commentary_data", "*", "video_time"),),
    "proficiency_demonstration": (
        ("annotations", "*", "good_executions", "*", "video_time"),
        ("annotations", "*", "tips_for_improvement", "*", "video_time"),
    ),
}
"""Where each family keeps its times in seconds from take start (``*``: every key or element)."""


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
        elif fam in ("proficiency_demonstrator", "proficiency_demonstration"):
            _check_proficiency(ctx, path, data, family=fam)
    _check_keystep_benchmark(ctx, ann / "keystep_benchmark")
    _check_ego_pose(ctx, ann / "ego_pose")
    commentary = ann / "expert_commentary"
    if commentary.is_dir():
        for path in sorted(commentary.glob("*/*/*.json")):
            if path.name == "data.json":
                _read(ctx, path, lambda path=path: read_commentary_folder(path.parent))
            else:
                _load(ctx, path)


def _load(ctx: Ctx, path: Path) -> Any:
    """The file's JSON, or ``None`` with its located error reported."""
    return _read(ctx, path, lambda: load_json(path))


def _read(ctx: Ctx, path: Path, read: Callable[[], Any]) -> Any:
    """Run a loader: its error becomes the file's error (:func:`guard`); ``None`` when it refused the file."""
    return guard(ctx, read, path=path)


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


def _check_times(ctx: Ctx, path: Path, data: Any, *, family: str) -> None:
    """Every time of a file that its loader read: finite (error if not), not before the take (warning).

    Loaders accept any number, ``NaN`` and ``Infinity`` included (JSON readers parse them); no
    moment of a take is either. A negative time is only a warning: it points before frame 0 but the
    frame lookups clamp it, so the annotation stays usable.
    """
    for keys in _TIMES.get(family, ()):
        for at, value in _walk(data, keys):
            try:
                t = float(value)
            except (TypeError, ValueError):
                continue  # not a number: the loader's own error, already reported
            if not math.isfinite(t):
                ctx.report.add_row("error", path, f"{keys[-1]} is {t}: not a finite time", where=at)
            elif t < 0:
                ctx.report.add_row("warning", path, f"{keys[-1]} is {t}: before the take starts", where=at)


def _walk(data: Any, keys: tuple[str, ...], at: str = "") -> Iterator[tuple[str, Any]]:
    """``(JSON pointer, value)`` of every value at ``keys`` under ``data``; ``*`` is every member."""
    if not keys:
        yield at, data
        return
    key, rest = keys[0], keys[1:]
    if key != "*":
        if isinstance(data, dict) and key in data:
            yield from _walk(data[key], rest, at + pointer(key))
        return
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for k, v in items:
        yield from _walk(v, rest, at + pointer(k))


def _check_keystep(ctx: Ctx, path: Path, data: Any) -> None:
    """The loader's shape, then: taxonomy and vocabulary present, takes known, times ordered, steps known."""
    if _read(ctx, path, lambda: read_keystep(path, data=data)) is None:
        return
    _check_times(ctx, path, data, family="keystep")
    vocab = data.get("vocabulary")
    if not isinstance(vocab, dict) or not isinstance(data.get("taxonomy"), dict):
        ctx.report.error(path, "keystep file needs 'taxonomy' and 'vocabulary' objects", where="/")
        vocab = None
    for uid, entry in data["annotations"].items():  # the loader checked every entry's shape
        _check_take_ref(ctx, path, where=pointer("annotations", uid), uid=uid, name=entry.get("take_name"))
        for j, seg in enumerate(entry["segments"]):
            sat = pointer("annotations", uid, "segments", j)
            start, end = float(seg["start_time"]), float(seg["end_time"])
            if start > end:
                ctx.report.error(path, f"segment starts after it ends ({start} > {end})", where=sat)
            uid_step = seg.get("step_unique_id")
            if vocab is not None and uid_step is not None and str(uid_step) not in vocab:
                ctx.report.error(
                    path, f"step_unique_id {uid_step} is not in the vocabulary", where=sat + "/step_unique_id"
                )


def _check_by_take(ctx: Ctx, path: Path, data: Any, *, family: str) -> None:
    """Files keyed by take uid: relations, atomic descriptions, expert commentary, procedure understanding."""
    read = _BY_TAKE.get(family)
    if read is not None and _read(ctx, path, lambda: read(path, data=data)) is None:
        return
    _check_times(ctx, path, data, family=family)
    anns = data.get("annotations") if isinstance(data, dict) else None
    if not isinstance(anns, dict):  # procedure understanding: no known schema (FORMAT §7.4)
        return
    budget = [MAX_MASKS_PER_FILE]
    for uid, entry in anns.items():
        first = entry[0] if isinstance(entry, list) and entry else entry
        name = first.get("take_name") if isinstance(first, dict) else None
        _check_take_ref(ctx, path, where=pointer("annotations", uid), uid=uid, name=name)
        if family == "relations":
            _check_masks(ctx, path, uid=uid, masks=entry.get("object_masks") or {}, budget=budget)


def _check_masks(ctx: Ctx, path: Path, *, uid: str, masks: dict[str, Any], budget: list[int]) -> None:
    """Decode a sample of relation masks; masked frames are annotated frames (FORMAT §7.6)."""
    for obj, cams in masks.items():
        for cam, track in (cams or {}).items():
            at = pointer("annotations", uid, "object_masks", obj, cam)
            annotated = {str(f) for f in track.get("annotated_frames") or []}
            for frame, m in (track.get("annotation") or {}).items():
                fat = at + pointer("annotation", frame)
                if annotated and str(frame) not in annotated:
                    ctx.report.warn(
                        path, f"frame {frame} has a mask but is not in annotated_frames", where=fat
                    )
                if budget[0] <= 0:
                    continue
                budget[0] -= 1
                try:
                    decode_mask(m["encodedMask"], height=int(m["height"]), width=int(m["width"]))
                except (EgoExoKitError, *READ_FAILURES) as e:
                    ctx.report.error(path, f"mask does not decode: {e}", where=fat)


def _check_proficiency(ctx: Ctx, path: Path, data: Any, *, family: str) -> None:
    read = (
        read_proficiency_demonstrator
        if family == "proficiency_demonstrator"
        else read_proficiency_demonstration
    )
    records = _read(ctx, path, lambda: read(path, data=data))
    if records is not None:
        _check_times(ctx, path, data, family=family)
    for j, rec in enumerate(records or []):  # in file order
        at = pointer("annotations", j)
        _check_take_ref(ctx, path, where=at + "/take_uid", uid=rec.take_uid)
        for key, rel in rec.video_paths.items():
            try:
                safe_join(ctx.root, rel, source=path, pointer=at + pointer("video_paths", key))
            except EgoExoKitError as e:
                ctx.report.exception(e)


def _check_keystep_benchmark(ctx: Ctx, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.json")):
        data = _load(ctx, path)
        segments = (
            None
            if data is None
            else _read(ctx, path, lambda p=path, d=data: read_keystep_benchmark(p, data=d))
        )
        if segments is not None:
            _check_times(ctx, path, data, family="keystep_benchmark")
        for j, seg in enumerate(segments or []):  # in file order
            where = pointer("segments", j, "take_uid")
            _check_take_ref(ctx, path, where=where, uid=seg.take_uid, name=seg.take_name)
    mapping = folder / "label_mapping.csv"
    if mapping.is_file():
        _read(ctx, mapping, lambda: read_label_mapping(mapping))


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
        if kind == "camera_pose":
            _read(ctx, path, lambda p=path, s=split, d=data: read_camera_pose(p, split=s, data=d))
            continue
        summary = _read(ctx, path, lambda p=path, d=data: summarize_keypoints(p, data=d))
        if summary is None:
            continue
        for key in summary.skipped_keys:
            ctx.report.warn(path, EMPTY_POSE_FRAME, where=pointer(key))
        if rel[2] == "annotation" and uid in ctx.valid_take_uids:
            _check_pose_frames(
                ctx, path, data, n_frames=ctx.release.take(uid).n_frames, skipped=summary.skipped_keys
            )


def _check_pose_frames(
    ctx: Ctx, path: Path, data: dict[str, Any], *, n_frames: int | None, skipped: tuple[str, ...]
) -> None:
    """Manual EgoPose frame keys are aligned-video frame indices: one past the take's last frame is a warning.

    Only manual (``annotation``) files: whether automatic files count 30 or 60 fps frames is open
    (FORMAT §11 U13, ``timeline.annotation_frame_to_frame``). A warning, not an error: the frame is
    simply never shown, as the official loaders cannot load an image for it either.
    """
    if n_frames is None:
        return
    for key in data:
        if key not in skipped and key.isdigit() and int(key) >= n_frames:
            ctx.report.add_row(
                "warning",
                path,
                f"frame {key} is past the take's last frame ({n_frames} frames): never shown",
                where=pointer(key),
            )
