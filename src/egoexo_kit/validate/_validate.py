"""``validate``: check a release folder against docs/format.md and report every problem in one run.

Metadata structure and cross-references live here; file contents (CSV, MP4) are checked in
``_files`` and annotation files in ``_annotations``; the state they share is ``_context.Ctx``.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.release import (
    FPS,
    METADATA_FILES,
    NON_CAMERA_KEYS,
    ReleaseIndex,
    TakeEntry,
    load_json,
    pointer,
    safe_join,
    scan_parts,
)
from egoexo_kit.validate._annotations import check_annotations
from egoexo_kit.validate._context import Ctx, Progress
from egoexo_kit.validate._files import check_captures_files, check_take_files
from egoexo_kit.validate._manifests import check_manifests
from egoexo_kit.validate._report import Report
from egoexo_kit.vocab import ARIA_STREAMS

__all__ = ["Progress", "validate_release"]


TAKE_REQUIRED = (
    "take_uid",
    "take_name",
    "root_dir",
    "capture_uid",
    "timesync_start_idx",
    "timesync_end_idx",
    "frame_aligned_videos",
)
"""``takes.json`` keys every real take has; a missing one is an error."""
TAKE_RECOMMENDED = (
    "participant_uid",
    "task_id",
    "task_name",
    "parent_task_id",
    "parent_task_name",
    "duration_sec",
    "university_name",
    "capture",
    "take_idx",
    "physical_setting_uid",
)
"""Documented keys whose absence is only a warning (older releases lack some)."""


def validate_release(
    root: str | Path,
    *,
    strict: bool = False,
    check_videos: bool = True,
    deep: bool = False,
    progress: Progress | None = None,
) -> Report:
    """Check a release folder and return every error and warning found (never raises on bad data).

    Args:
        root: the release folder.
        strict: count warnings as errors in :attr:`Report.ok`.
        check_videos: count the packets of every MP4 and compare with the timesync window, and
            decode the first packets of its first and last GOP.
        deep: decode every packet of every MP4 (about as slow as decoding the release) and hash
            each file whose part manifest gives a checksum. Without it, files are only compared
            with their manifest's size.
        progress: optional ``progress(stage, done, total)`` callback for long runs.
    """
    root = Path(root)
    report = Report(root=root, strict=strict)
    if not root.is_dir():
        report.error(root, "release folder does not exist")
        return report
    if not (root / "takes.json").is_file():
        report.error("takes.json", "not a release: takes.json is missing (part 'metadata')")
        return report
    ctx = _load_metadata(root, report, check_videos=check_videos, progress=progress)
    if ctx is None:
        return report
    ctx.deep = deep
    _check_takes(ctx)
    _check_captures(ctx)
    check_captures_files(ctx)
    check_take_files(ctx)
    check_annotations(ctx)
    check_manifests(ctx)
    report.finish()
    return report


def _load_metadata(
    root: Path, report: Report, *, check_videos: bool, progress: Progress | None
) -> Ctx | None:
    """Open the release leniently: every record the reader leaves out is an error here, the rest go on.

    ``None`` (with the error reported) when ``takes.json`` itself cannot be read: there is no
    release to check.
    """
    for name in METADATA_FILES[1:]:
        if not (root / name).is_file():
            report.warn(name, "metadata file is missing (part 'metadata' incomplete)")
    try:
        release = ReleaseIndex.open(root)
    except EgoExoKitError as e:  # FormatError, or LimitError on absurd nesting / numbers
        report.exception(e)
        return None
    left_out = release.warnings  # reads every metadata file, in the order of METADATA_FILES
    report.errors.extend(left_out)
    _check_metadata_json(release, report)
    _check_splits(release, report)
    ctx = Ctx(
        root=root,
        report=report,
        release=release,
        takes=list(release.takes),
        captures={c.capture_uid: c for c in release.captures},
        parts=scan_parts(root),
        check_videos=check_videos,
        progress=progress,
    )
    ctx.valid_take_uids = {t.uid for t in ctx.takes}
    ctx.take_uids = set(ctx.valid_take_uids)
    if any(p.path == "takes.json" for p in left_out):  # uids of invalid records too, so
        raw = load_json(root / "takes.json")  # annotations naming them don't cascade errors
        ctx.take_uids = {
            x["take_uid"] for x in raw if isinstance(x, dict) and isinstance(x.get("take_uid"), str)
        }
    return ctx


def _check_metadata_json(release: ReleaseIndex, report: Report) -> None:
    path = release.root / "metadata.json"
    if path.is_file() and not isinstance(release.metadata.get("tasks", {}), dict):
        report.error(path, "'tasks' must be an object of task id → name", where="/tasks")


def _check_splits(release: ReleaseIndex, report: Report) -> None:
    splits = release.splits
    if splits is None:
        return
    path = release.root / "annotations" / "splits.json"
    for split, uids in splits.split_to_take_uids.items():
        if split not in ("train", "val", "test"):
            report.warn(path, f"unknown split name {split!r}", where=pointer("split_to_take_uids", split))
        for uid in uids:
            if splits.take_uid_to_split.get(uid, split) != split:
                report.error(
                    path,
                    f"take {uid} is in split_to_take_uids[{split!r}] but take_uid_to_split says "
                    f"{splits.take_uid_to_split[uid]!r}",
                    where=pointer("take_uid_to_split", uid),
                )


def _check_takes(ctx: Ctx) -> None:
    """Per-take metadata: required keys, unique ids, window arithmetic, videos dict, cross-references."""
    rep, rel = ctx.report, ctx.release
    src = "takes.json"
    counts = Counter(t.uid for t in ctx.takes)
    names = Counter(t.name for t in ctx.takes)
    participants = {p.participant_uid for p in rel.participants}
    settings = {p.physical_setting_uid for p in rel.physical_settings}
    objects = set(rel.visual_objects_by_uid)
    tasks = rel.tasks
    unsafe: set[int] = set()
    for t in ctx.takes:
        r, at = t.record, (lambda *k, t=t: pointer(t.index, *k))
        present = r.model_fields_set
        for key in TAKE_REQUIRED:
            if key not in present:
                rep.error(src, f"take {r.take_name}: required key {key!r} is missing", where=at())
        for key in TAKE_RECOMMENDED:
            if key not in present:
                rep.warn(src, f"take {r.take_name}: documented key {key!r} is missing", where=at())
        if counts[t.uid] > 1:
            rep.error(src, f"duplicate take_uid {t.uid}", where=at("take_uid"))
        if names[t.name] > 1:
            rep.error(src, f"duplicate take_name {t.name}", where=at("take_name"))
        _check_window(ctx, t)
        if _check_paths(ctx, t):
            _check_videos_dict(ctx, t)
        else:
            unsafe.add(t.index)
        if r.capture_uid is not None and ctx.captures and r.capture_uid not in ctx.captures:
            rep.error(
                src,
                f"take {t.name}: capture_uid {r.capture_uid} is not in captures.json",
                where=at("capture_uid"),
            )
        if r.capture is not None and r.capture_uid is not None and r.capture.capture_uid != r.capture_uid:
            rep.error(
                src,
                f"take {t.name}: embedded capture has uid {r.capture.capture_uid}, "
                f"capture_uid says {r.capture_uid}",
                where=at("capture", "capture_uid"),
            )
        if r.take_idx is not None and t.capture is not None and t.name != f"{t.capture_name}_{r.take_idx}":
            rep.warn(
                src,
                f"take_name {t.name!r} is not '<capture_name>_<take_idx>' ({t.capture_name}_{r.take_idx})",
                where=at("take_name"),
            )
        if r.participant_uid is not None and participants and r.participant_uid not in participants:
            rep.error(
                src,
                f"take {t.name}: participant_uid {r.participant_uid} is not in participants.json",
                where=at("participant_uid"),
            )
        if r.physical_setting_uid is not None and settings and r.physical_setting_uid not in settings:
            rep.error(
                src,
                f"take {t.name}: physical_setting_uid {r.physical_setting_uid} is not in "
                "physical_setting.json",
                where=at("physical_setting_uid"),
            )
        for i, obj in enumerate(r.objects):
            if objects and obj.get("object_uid") not in objects:
                rep.warn(
                    src,
                    f"take {t.name}: object {obj.get('object_uid')!r} is not in visual_objects.json",
                    where=at("objects", i),
                )
        if r.task_id is not None and tasks and str(r.task_id) not in tasks:
            rep.warn(
                src, f"take {t.name}: task_id {r.task_id} is not in metadata.json tasks", where=at("task_id")
            )
        if (
            r.task_id is not None
            and r.parent_task_id is not None
            and r.parent_task_id != r.task_id // 1000 * 1000
        ):
            rep.warn(
                src,
                f"take {t.name}: parent_task_id {r.parent_task_id} is not task_id // 1000 * 1000",
                where=at("parent_task_id"),
            )
    # Takes whose paths escape the root get no file checks: their path error is already reported.
    ctx.takes = [t for t in ctx.takes if t.index not in unsafe]


def _check_window(ctx: Ctx, t: TakeEntry) -> None:
    """Timesync window, ``duration_sec`` and task bounds: in range and consistent with each other."""
    rep, r, src = ctx.report, t.record, "takes.json"
    at = lambda *k: pointer(t.index, *k)  # noqa: E731
    s, e = r.timesync_start_idx, r.timesync_end_idx
    duration_ok = _check_seconds(ctx, t, "duration_sec", positive=True)
    if s is not None and e is not None:
        if s < 0 or e < s + 2:
            rep.error(
                src,
                f"take {t.name}: timesync window [{s}, {e}] holds no frame "
                "(need 0 <= start and end >= start + 2)",
                where=at("timesync_end_idx"),
            )
        elif duration_ok and r.duration_sec is not None and abs(r.duration_sec - (e - s) / FPS) > 1.5 / FPS:
            rep.warn(
                src,
                f"take {t.name}: duration_sec {r.duration_sec} differs from (end - start) / 30 = "
                f"{(e - s) / FPS:.4f}",
                where=at("duration_sec"),
            )
    start_ok = _check_seconds(ctx, t, "task_start_sec")
    end_ok = _check_seconds(ctx, t, "task_end_sec")
    if start_ok and end_ok and r.task_start_sec is not None and r.task_end_sec is not None:
        dur = t.duration_s if duration_ok else None
        if (
            r.task_start_sec > r.task_end_sec
            or r.task_start_sec < 0
            or (dur is not None and r.task_end_sec > dur + 1)
        ):
            rep.warn(
                src,
                f"take {t.name}: task window [{r.task_start_sec}, {r.task_end_sec}] is not inside [0, {dur}]",
                where=at("task_end_sec"),
            )


def _check_seconds(ctx: Ctx, t: TakeEntry, key: str, *, positive: bool = False) -> bool:
    """A seconds field of a take is finite (and ``> 0`` when ``positive``); True when it is, or is null.

    JSON readers accept ``NaN`` and ``Infinity``; no duration or time of a take can be either, and a
    take of zero or negative length holds no frame, so each is a located error.
    """
    value = getattr(t.record, key)
    if value is None or (math.isfinite(value) and (value > 0 or not positive)):
        return True
    need = "a positive number of seconds" if positive else "a finite number of seconds"
    ctx.report.error(
        "takes.json", f"take {t.name}: {key} is {value}, not {need}", where=pointer(t.index, key)
    )
    return False


def _check_paths(ctx: Ctx, t: TakeEntry) -> bool:
    """Every relative path of the take must stay inside the release root; True when they all do."""
    rep, r = ctx.report, t.record
    try:
        safe_join(ctx.root, r.dir, source="takes.json", pointer=pointer(t.index, "root_dir"))
    except EgoExoKitError as e:
        rep.exception(e)
        return False
    if r.root_dir is not None and r.root_dir.rstrip("/") != f"takes/{r.take_name}":
        rep.warn(
            "takes.json",
            f"root_dir {r.root_dir!r} is not 'takes/<take_name>'",
            where=pointer(t.index, "root_dir"),
        )
    rels: list[tuple[str, tuple[object, ...]]] = [
        (r.vrs_relative_path or "", ("vrs_relative_path",)),
        (r.vrs_all_streams_relative_path or "", ("vrs_all_streams_relative_path",)),
        (r.trimmed_trajectory_relative_path or "", ("trimmed_trajectory_relative_path",)),
    ]
    for cam, streams in r.frame_aligned_videos.items():
        for key, entry in streams.items():
            if entry is not None and entry.relative_path:
                rels.append((entry.relative_path, ("frame_aligned_videos", cam, key, "relative_path")))
    safe = True
    for rel_path, keys in rels:
        if rel_path and ".." in rel_path.replace("\\", "/").split("/"):
            rep.warn(
                "takes.json",
                f"relative path climbs out of the take folder: {rel_path!r}",
                where=pointer(t.index, *keys),
            )
        if rel_path:
            try:
                safe_join(ctx.root, r.dir, rel_path, source="takes.json", pointer=pointer(t.index, *keys))
            except EgoExoKitError as e:
                rep.exception(e)
                safe = False
    return safe


def _check_videos_dict(ctx: Ctx, t: TakeEntry) -> None:
    """``frame_aligned_videos``: one Aria with its 4 streams, ids consistent, cameras known (FORMAT §2.2)."""
    rep, r, src = ctx.report, t.record, "takes.json"
    fav = r.frame_aligned_videos
    arias = [c for c, s in fav.items() if c not in NON_CAMERA_KEYS and "rgb" in s]
    if fav and len(arias) != 1:
        rep.error(
            src,
            f"take {t.name}: expected one Aria camera with an 'rgb' stream, found {arias or 'none'}",
            where=pointer(t.index, "frame_aligned_videos"),
        )
    cams = set(t.cameras)
    for cam, streams in fav.items():
        if cam in NON_CAMERA_KEYS:
            continue
        if cams and cam not in cams:
            rep.warn(
                src,
                f"take {t.name}: camera {cam!r} is not among the capture's cameras {sorted(cams)}",
                where=pointer(t.index, "frame_aligned_videos", cam),
            )
        for key, entry in streams.items():
            where = pointer(t.index, "frame_aligned_videos", cam, key)
            if entry is None:
                continue
            want = ARIA_STREAMS.get(key, "0") if cam in arias else "0"
            if entry.stream_id != want:
                rep.error(
                    src,
                    f"take {t.name}: stream {cam}/{key} has stream_id {entry.stream_id!r}, expected {want!r}",
                    where=where + "/stream_id",
                )
            if entry.cam_id is not None and entry.cam_id != cam:
                rep.error(
                    src,
                    f"take {t.name}: entry under {cam!r} says cam_id {entry.cam_id!r}",
                    where=where + "/cam_id",
                )
    _check_best_exo(ctx, t)


def _check_best_exo(ctx: Ctx, t: TakeEntry) -> None:
    """``best_exo`` names a camera of the take's capture (error if not), an exo one (warning if not).

    Null or empty means the take has no best-exo label: V2 added the key and fills it for about 90%
    of takes (FORMAT §2.1, ``EGO4D/Ego-Exo4D-docs: docs/changelog.md``), so its absence is no problem.
    """
    r, src = t.record, "takes.json"
    if not r.best_exo:
        return
    cameras = set(t.cameras) | {c for c in r.frame_aligned_videos if c not in NON_CAMERA_KEYS}
    if cameras and r.best_exo not in cameras:
        ctx.report.error(
            src,
            f"take {t.name}: best_exo {r.best_exo!r} names no camera of the take's capture "
            f"(cameras: {', '.join(sorted(cameras))})",
            where=pointer(t.index, "best_exo"),
        )
    elif r.frame_aligned_videos and r.best_exo not in {v.cam_id for v in t.exo_views}:
        ctx.report.warn(
            src,
            f"take {t.name}: best_exo {r.best_exo!r} is not an exo camera of the take",
            where=pointer(t.index, "best_exo"),
        )


def _check_captures(ctx: Ctx) -> None:
    """``captures.json``: unique ids, safe folders, one ego Aria, unique camera ids."""
    rep, src = ctx.report, "captures.json"
    caps = list(ctx.release.captures)
    counts = Counter(c.capture_uid for c in caps)
    for i, c in enumerate(caps):
        if counts[c.capture_uid] > 1:
            rep.error(src, f"duplicate capture_uid {c.capture_uid}", where=pointer(i, "capture_uid"))
        try:
            safe_join(ctx.root, c.dir, source=src, pointer=pointer(i, "root_dir"))
        except EgoExoKitError as e:
            rep.exception(e)
        ids = Counter(cam.cam_id for cam in c.cameras)
        for cam_id, n in ids.items():
            if n > 1:
                rep.error(
                    src,
                    f"capture {c.capture_name}: camera {cam_id!r} listed {n} times",
                    where=pointer(i, "cameras"),
                )
        if c.cameras and not any(cam.is_ego and cam.is_aria for cam in c.cameras):
            rep.warn(src, f"capture {c.capture_name}: no ego Aria camera", where=pointer(i, "cameras"))
