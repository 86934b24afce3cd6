"""File-content checks of ``validate``: timesync windows, MPS CSVs, calibrations and MP4 frame counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.release import (
    GoProCalibs,
    TakeEntry,
    Timesync,
    format_ranges,
    pointer,
    read_closed_loop_trajectory,
    read_csv,
    read_eye_gaze,
    read_eye_gaze_2d,
    read_gopro_calibs,
    read_online_calibration,
    read_open_loop_trajectory,
    read_timesync,
)
from egoexo_kit.validate._context import Ctx, guard
from egoexo_kit.validate._rows import bad_rows, timesync_kinds
from egoexo_kit.validate._video import check_take_videos
from egoexo_kit.vocab import ARIA_SYNC_STREAMS

__all__ = ["check_captures_files", "check_take_files"]

POINT_CLOUD_COLUMNS = ("uid", "graph_uid", "px_world", "py_world", "pz_world", "inv_dist_std", "dist_std")
QUAT_TOLERANCE = 1e-3
"""Allowed deviation of a quaternion norm from 1 (files store ~9 decimals)."""


def _num(value: float) -> str:
    """A cell value for a message: integral values without ``.0`` (device clocks), others as Python prints."""
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def _line(row: int) -> str:
    """The file line of a 0-based CSV data row (line 1 is the header)."""
    return f"line {row + 2}"


# ---- captures ---------------------------------------------------------------------------------------
def check_captures_files(ctx: Ctx) -> None:
    """Each downloaded capture folder: ``timesync.csv`` covers and orders every take window it serves."""
    takes_by_capture: dict[str, list[TakeEntry]] = {}
    for t in ctx.takes:
        if t.capture is not None:
            takes_by_capture.setdefault(t.capture.capture_uid, []).append(t)
    captures = {**{t.capture.capture_uid: t.capture for t in ctx.takes if t.capture}, **ctx.captures}
    for i, (uid, cap) in enumerate(captures.items()):
        ctx.step("captures", i, len(captures))
        cap_dir = guard(ctx, lambda cap=cap: ctx.release.capture_dir(cap))
        if cap_dir is None or not cap_dir.is_dir():
            continue
        path = cap_dir / "timesync.csv"
        if path.is_file():
            ts = guard(ctx, lambda path=path: read_timesync(path), path=path)
            if ts is not None and _timesync_parses(ctx, ts):
                ctx.timesyncs[uid] = ts
                for t in takes_by_capture.get(uid, []):
                    _check_take_window(ctx, t, ts)
        elif (cap_dir / "timesync").is_dir() or any(cap_dir.glob("*.csv")):
            ctx.report.error(path, f"capture {cap.capture_name}: timesync.csv is missing (part 'captures')")
        traj = cap_dir / "trajectory"
        _check_trajectory_folder(ctx, traj, take=None)


def _timesync_parses(ctx: Ctx, ts: Timesync) -> bool:
    """Parse the whole file now; when the reader refuses it, report every bad line (capped), not the first.

    The reader names only the first bad line; :func:`~egoexo_kit.validate._rows.bad_rows` lists them
    all. Its error is reported as is when the scan finds nothing it would refuse.
    """
    try:
        len(ts)
    except EgoExoKitError as refused:
        found = False
        try:
            for row in bad_rows(ts.path, names=ts.table.names, kinds=timesync_kinds(ts.table.names)):
                ctx.report.add_row("error", ts.path, row.message, where=row.where)
                found = True
        except OSError:
            found = False
        if not found:
            ctx.report.exception(refused)
        return False
    return True


def _check_take_window(ctx: Ctx, t: TakeEntry, ts: Timesync) -> None:
    """Rows ``start+1 … end-1`` exist and increase for every device of the take (FORMAT §3.2).

    Empty cells inside the window are a located warning, not an error: real ``timesync.csv`` files
    have them (FORMAT §3.1; ``facebookresearch/Ego4d: ego4d/internal/human_pose/main.py`` skips
    such frames) and the timeline fills them from the neighbouring rows.
    """
    rep, r = ctx.report, t.record
    s, e = r.timesync_start_idx, r.timesync_end_idx
    if s is None or e is None or e < s + 2:
        return
    try:
        devices = set(ts.devices)
    except EgoExoKitError as err:
        rep.exception(err)
        return
    if e > len(ts):
        rep.error(
            "takes.json",
            f"take {t.name}: timesync_end_idx {e} is out of range: {ts.path.name} of "
            f"capture {t.capture_name} has {len(ts)} rows",
            where=pointer(t.index, "timesync_end_idx"),
        )
        return
    rows = slice(s + 1, e)
    needed = [(v.cam_id, True) for v in t.exo_views]
    if t.aria_id:
        needed += [(f"{t.aria_id}_{sid}", sid == "214-1") for sid in ARIA_SYNC_STREAMS]
    for dev, required in needed:
        if dev not in devices:
            (rep.error if required else rep.warn)(
                ts.path,
                f"missing CSV columns for device {dev!r} (take {t.name}); devices: {sorted(devices)}",
                where="line 1",
            )
            continue
        is_aria = dev.startswith(t.aria_id or "\0")
        required_kinds = ("global_time", "capture_timestamp_ns") if is_aria else ("global_time",)
        lacking = [f"{dev}_{kind}" for kind in required_kinds if not _has_column(ts, dev, kind)]
        if lacking:
            (rep.error if required else rep.warn)(
                ts.path, f"missing CSV column(s) {', '.join(lacking)} (take {t.name})", where="line 1"
            )
            continue
        for kind in (*required_kinds, "frame_number") if is_aria else required_kinds:
            if kind in required_kinds or _has_column(ts, dev, kind):
                _warn_gaps(ctx, ts, dev=dev, kind=kind, rows=rows, take=t.name)
        _check_finite(
            ctx,
            ts.path,
            ts.global_time(dev)[rows],
            present=ts.table.valid(ts.column_name(dev, "global_time"))[rows],
            first_row=s + 1,
            what=f"{dev}_global_time (take {t.name})",
        )
        _check_monotonic(
            ctx,
            ts.path,
            ts.global_time(dev)[rows],
            first_row=s + 1,
            what=f"{dev}_global_time (take {t.name})",
            strict=False,
        )
        if is_aria:
            ns = ts.capture_timestamp_ns(dev)
            if isinstance(ns, np.ma.MaskedArray):
                ns = ns.astype(np.float64).filled(np.nan)
            _check_monotonic(
                ctx,
                ts.path,
                ns[rows],
                first_row=s + 1,
                what=f"{dev}_capture_timestamp_ns (take {t.name})",
                strict=True,
            )


def _has_column(ts: Timesync, dev: str, kind: str) -> bool:
    try:
        ts.column_name(dev, kind)
    except EgoExoKitError:
        return False
    return True


def _warn_gaps(ctx: Ctx, ts: Timesync, *, dev: str, kind: str, rows: slice, take: str) -> None:
    """One located warning per column with empty cells inside a take window (file, column, CSV lines)."""
    empty = ts.empty_rows(dev, kind, rows=rows)
    if not empty.size:
        return
    column = ts.column_name(dev, kind)
    part = "every cell is empty" if empty.size == rows.stop - rows.start else f"{empty.size} empty cell(s)"
    ctx.report.warn(
        ts.path,
        f"{column}: {part} inside the window of take {take} (rows {format_ranges(empty)}); "
        "the timeline fills them from the nearest rows that have a value",
        where=("line " if empty.size == 1 else "lines ") + format_ranges(empty + 2),
    )


def _check_monotonic(
    ctx: Ctx, path: Path, values: np.ndarray, *, first_row: int, what: str, strict: bool
) -> bool:
    """Report every decreasing step between the finite cells of a column, one per row; True when clean.

    Empty cells are skipped here (:func:`_warn_gaps` reports them as warnings), and so are non-finite
    values (:func:`_check_finite` reports them). Each step is located at the row that goes back.
    """
    vals = np.asarray(values, dtype=np.float64)
    keep = np.flatnonzero(np.isfinite(vals))
    d = np.diff(vals[keep])
    bad = np.flatnonzero(d <= 0 if strict else d < 0)
    for k in bad:
        a, b = keep[k], keep[k + 1]
        ctx.report.add_row(
            "error",
            path,
            f"{what}: not {'strictly ' if strict else ''}increasing ({_num(vals[a])} then {_num(vals[b])})",
            where=_line(first_row + int(b)),
        )
    return not bad.size


def _check_finite(
    ctx: Ctx, path: Path, values: np.ndarray, *, present: np.ndarray, first_row: int, what: str
) -> None:
    """Report every cell that holds a value (``present``) that is not a finite number (``nan``, ``inf``)."""
    bad = np.flatnonzero(np.asarray(present, dtype=bool) & ~np.isfinite(np.asarray(values, dtype=np.float64)))
    for k in bad:
        ctx.report.add_row(
            "error", path, f"{what}: {_num(values[k])} is not a finite time", where=_line(first_row + int(k))
        )


def _check_quaternions(ctx: Ctx, path: Path, q: np.ndarray) -> None:
    norms = np.linalg.norm(np.asarray(q, dtype=np.float64), axis=-1)
    for row in np.flatnonzero(~(np.abs(norms - 1) <= QUAT_TOLERANCE)):
        ctx.report.add_row(
            "error", path, f"quaternion is not unit length (norm {norms[row]:.6f})", where=_line(int(row))
        )


def _check_calib_ranges(ctx: Ctx, path: Path, cal: GoProCalibs) -> None:
    """Per camera row: a positive image size and focal length, finite numbers, a usable frame range.

    ``start_frame_idx``/``end_frame_idx`` of ``-1`` mean "the whole video" (FORMAT §6.3); other
    values are frame indices, so ``start <= end``.
    """
    k = np.asarray(cal.intrinsics, dtype=np.float64)
    finite = np.isfinite(k).all(axis=1) & np.isfinite(np.asarray(cal.t_world_cam, dtype=np.float64)).all(
        axis=1
    )
    w, h = np.asarray(cal.image_width), np.asarray(cal.image_height)
    a, b = np.asarray(cal.start_frame_idx), np.asarray(cal.end_frame_idx)
    for row in range(len(cal.cam_uid)):
        cam, where = cal.cam_uid[row], _line(row)
        if w[row] <= 0 or h[row] <= 0:
            ctx.report.add_row(
                "error", path, f"camera {cam!r}: image size {w[row]}x{h[row]} is not positive", where=where
            )
        if not finite[row]:
            ctx.report.add_row(
                "error", path, f"camera {cam!r}: intrinsics or position hold nan/inf", where=where
            )
        elif k[row, 0] <= 0 or k[row, 1] <= 0:
            ctx.report.add_row(
                "error",
                path,
                f"camera {cam!r}: focal length {k[row, 0]}, {k[row, 1]} is not positive",
                where=where,
            )
        if min(a[row], b[row]) < -1 or (a[row] >= 0 and b[row] >= 0 and a[row] > b[row]):
            ctx.report.add_row(
                "error",
                path,
                f"camera {cam!r}: frame range [{a[row]}, {b[row]}] is not -1 (whole video) or start <= end",
                where=where,
            )


# ---- takes ------------------------------------------------------------------------------------------
def check_take_files(ctx: Ctx) -> None:
    """For every downloaded take: files of each present part exist and their contents are sane."""
    exo_anywhere = any(v.exists for t in ctx.takes for v in t.exo_views)
    ego_anywhere = any(v.exists for t in ctx.takes for v in t.ego_views)
    for i, t in enumerate(ctx.takes):
        ctx.step("takes", i, len(ctx.takes))
        take_dir = guard(ctx, lambda t=t: t.dir)
        if take_dir is None or not take_dir.is_dir():
            continue
        try:
            views = t.views
        except EgoExoKitError as e:  # a hostile relative path: already reported by the metadata checks
            del e
            continue
        parts = ctx.parts.by_take_dir.get(take_dir.name, set())
        if "takes" in parts:
            for v in views:
                if v.path is not None and not v.exists:
                    kind_anywhere = ego_anywhere if v.is_ego else exo_anywhere
                    (ctx.report.error if kind_anywhere else ctx.report.warn)(
                        v.path,
                        f"video of view {v.key} is missing (part 'takes')"
                        + ("" if kind_anywhere else f"; no {v.kind} video anywhere: a --views download?"),
                    )
            if t.collage_path is not None and not t.collage_path.is_file():
                ctx.report.error(t.collage_path, "take collage is missing (part 'takes')")
        if "downscaled_takes/448" in parts:
            for v in views:
                if v.path_448 is not None and not v.exists_448:
                    ctx.report.error(
                        v.path_448, f"448p video of view {v.key} is missing (part 'downscaled_takes/448')"
                    )
        _check_expected(ctx, t, parts)
        _check_trajectory_folder(ctx, t.trajectory_dir, take=t)
        _check_eye_gaze(ctx, t)
        if ctx.check_videos:
            check_take_videos(ctx, t)


def _check_expected(ctx: Ctx, t: TakeEntry, parts: set[str]) -> None:
    """Files that a present part must contain for this take (FORMAT §1.2, §1.4)."""
    r = t.record
    expected: list[tuple[str, Path | None, str]] = []
    if r.has_trimmed_trajectory is not False:
        expected.append(("take_trajectory", t.closed_loop_trajectory_path, "closed-loop trajectory"))
        if t.exo_views:
            expected.append(("take_trajectory", t.gopro_calibs_path, "GoPro calibration"))
        expected.append(("take_point_cloud", t.point_cloud_path, "semidense point cloud"))
    if r.has_trimmed_eye_gaze is not False:
        expected.append(("take_eye_gaze", t.eye_gaze_path(kind="general", dim=3), "3D eye gaze"))
    if r.has_trimmed_vrs is not False:
        expected.append(("take_vrs_noimagestream", t.vrs_path, "VRS without image streams"))
        expected.append(("take_vrs", t.vrs_all_streams_path, "VRS with all streams"))
    for part, path, what in expected:
        if part in parts and path is not None and not path.is_file():
            ctx.report.error(path, f"{what} is missing (part {part!r} is present for take {t.name})")


def _check_trajectory_folder(ctx: Ctx, folder: Path, *, take: TakeEntry | None) -> None:
    """MPS files of a take or capture ``trajectory/`` folder (FORMAT §6.1–§6.4)."""
    if not folder.is_dir():
        return
    closed = folder / "closed_loop_trajectory.csv"
    if closed.is_file():
        traj = guard(ctx, lambda: read_closed_loop_trajectory(closed), path=closed)
        if traj is not None and _check_monotonic(
            ctx, closed, traj.tracking_timestamp_us, first_row=0, what="tracking_timestamp_us", strict=True
        ):
            _check_quaternions(ctx, closed, traj.q_world_device)
            if take is not None:
                _check_coverage(ctx, take, path=closed, ts_us=traj.tracking_timestamp_us)
    opened = folder / "open_loop_trajectory.csv"
    if opened.is_file():
        ol = guard(ctx, lambda: read_open_loop_trajectory(opened), path=opened)
        if ol is not None:
            _check_monotonic(
                ctx, opened, ol.tracking_timestamp_us, first_row=0, what="tracking_timestamp_us", strict=True
            )
    calibs = folder / "gopro_calibs.csv"
    if calibs.is_file():
        _check_gopro_calibs(ctx, calibs, take)
    online = folder / "online_calibration.jsonl"
    if online.is_file():
        guard(ctx, lambda: read_online_calibration(online), path=online)
    for name in ("semidense_points.csv.gz", "global_points.csv.gz"):
        if (folder / name).is_file():  # header only: point clouds run to gigabytes
            guard(
                ctx,
                lambda name=name: read_csv(folder / name, required=POINT_CLOUD_COLUMNS),
                path=folder / name,
            )


def _check_coverage(ctx: Ctx, t: TakeEntry, *, path: Path, ts_us: np.ndarray) -> None:
    """The take trajectory should span the take's Aria RGB timestamps (FORMAT §10.4)."""
    ts = ctx.timesyncs.get(t.capture.capture_uid if t.capture else "")
    r = t.record
    if (
        ts is None
        or not t.aria_id
        or r.timesync_start_idx is None
        or r.timesync_end_idx is None
        or not len(ts_us)
    ):
        return
    dev = f"{t.aria_id}_214-1"
    if dev not in ts.devices or r.timesync_end_idx > len(ts):
        return
    ns = np.ma.asarray(ts.capture_timestamp_ns(dev))[r.timesync_start_idx + 1 : r.timesync_end_idx]
    if np.ma.count(ns) == 0:
        return
    lo, hi = int(ns.min()) // 1000, int(ns.max()) // 1000
    slack = 50_000  # 50 ms: a trimmed trajectory may stop a few samples short
    if ts_us[0] > lo + slack or ts_us[-1] < hi - slack:
        ctx.report.warn(
            path,
            f"trajectory spans [{ts_us[0]}, {ts_us[-1]}] us but the take's Aria frames span [{lo}, {hi}] us",
        )


def _check_gopro_calibs(ctx: Ctx, path: Path, take: TakeEntry | None) -> None:
    cal = guard(ctx, lambda: read_gopro_calibs(path), path=path)
    if cal is None:
        return
    for row, kind in enumerate(cal.intrinsics_type):
        if kind != "KANNALABRANDTK3":
            ctx.report.error(
                path,
                f"intrinsics_type {kind!r} of {cal.cam_uid[row]!r} is not KANNALABRANDTK3",
                where=_line(row),
            )
    _check_quaternions(ctx, path, cal.q_world_cam)
    _check_calib_ranges(ctx, path, cal)
    for row, q in enumerate(np.asarray(cal.quality)):
        if q != 1 and cal.quality_present:
            ctx.report.warn(
                path, f"camera {cal.cam_uid[row]!r} has quality {int(q)} (not localized)", where=_line(row)
            )
    if take is not None:
        exo = {v.cam_id for v in take.exo_views}
        for cam in sorted(exo - set(cal.cam_uid)):
            ctx.report.warn(path, f"no calibration row for exo camera {cam!r} of take {take.name}")
        for row, cam in enumerate(cal.cam_uid):
            if exo and cam not in exo:
                ctx.report.warn(
                    path,
                    f"calibration row for {cam!r}, which is not an exo camera of take {take.name}",
                    where=_line(row),
                )


def _check_eye_gaze(ctx: Ctx, t: TakeEntry) -> None:
    for kind in ("general", "personalized"):
        p3 = t.eye_gaze_path(kind=kind, dim=3)
        if p3.is_file():
            g = guard(ctx, lambda p3=p3: read_eye_gaze(p3), path=p3)
            if g is not None:
                _check_monotonic(
                    ctx, p3, g.tracking_timestamp_us, first_row=0, what="tracking_timestamp_us", strict=True
                )
        p2 = t.eye_gaze_path(kind=kind, dim=2)
        if p2.is_file():
            guard(ctx, lambda p2=p2: read_eye_gaze_2d(p2), path=p2)
