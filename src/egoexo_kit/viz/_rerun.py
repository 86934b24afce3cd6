"""``.rrd`` recordings of a take for the rerun viewer (extra ``[viz]``: rerun-sdk).

Everything sits on one timeline ``t`` (seconds from take start). 3D under ``world/``: the cameras as
pinholes carrying their videos, the Aria device path, gaze ray and semidense points, 3D skeletons;
2D under each camera: its video as an MP4 asset with frame references (never re-encoded frames,
STYLE §8), projected keypoints and object masks; text under ``annotations/``.

Only the groups of pictures that cover the exported range are embedded (:func:`~egoexo_kit.video.cut_video`,
a stream copy), so two seconds of a long take weigh two seconds of video. On a remote release those
groups are read by range from the mirror, the take's small files are fetched into the local shadow.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit import sensors
from egoexo_kit._io import atomic_path
from egoexo_kit.errors import ArgumentError, EgoExoKitError, EgoExoKitWarning, FormatError, FrameIndexError
from egoexo_kit.extras import require
from egoexo_kit.release import View, read_closed_loop_trajectory
from egoexo_kit.video import Opener, cut_video
from egoexo_kit.viz._overlay import BONES, _gaze, _masks, _skeletons, pose_tracks
from egoexo_kit.vocab import FPS

if TYPE_CHECKING:
    from egoexo_kit.annotations import PoseAnnotation
    from egoexo_kit.facade import Take

__all__ = ["MAX_POINTS", "export_rerun"]

MAX_POINTS = 200_000
"""Semidense points kept (the best by ``dist_std``) so recordings stay small."""
# (fx, fy, cx, cy) parameter indices per camera model (geometry/camera.py)
_K_INDEX = {"kb3": (0, 1, 2, 3), "fisheye624": (0, 0, 1, 2), "pinhole": (0, 1, 2, 3)}
# MP4 camera axes in the Aria sensor frame: the MP4 image is the sensor image turned 90° clockwise
_R_SENSOR_MP4 = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
_FAMILIES = ("keystep", "atomic_descriptions", "expert_commentary", "proficiency")


def _rr() -> Any:
    return require("rerun", extra="viz", what="export-rerun")


def _skip(what: str, err: Exception) -> None:
    warnings.warn(f"{what} skipped: {err}", EgoExoKitWarning, stacklevel=3)


def _pinhole_and_poses(
    take: Take, v: View, frames: np.ndarray
) -> tuple[np.ndarray, tuple[int, int], np.ndarray]:
    """``(K (3, 3), (width, height), T_world_cam (N, 4, 4))`` of a view's MP4 image, pinhole-approximated."""
    cam, rotated = take.geometry.intrinsics(v, space="mp4")
    fx, fy, cx, cy = (cam.params[i] for i in _K_INDEX[cam.model])
    T = take.geometry.poses(v, frames=frames)
    if not rotated:
        return np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]]), (cam.width, cam.height), T
    K = np.array([[fy, 0, cam.height - 1 - cy], [0, fx, cx], [0, 0, 1.0]])
    T = T.copy()
    T[:, :3, :3] = T[:, :3, :3] @ _R_SENSOR_MP4
    return K, (cam.height, cam.width), T


def _log_video(
    rr: Any,
    rec: Any,
    *,
    entity: str,
    path: Path,
    opener: Opener | None,
    times: np.ndarray,
    frames: np.ndarray,
) -> None:
    """Embed the groups of pictures that cover ``frames`` (a stream copy) and reference each frame in it.

    The excerpt's frame ``i`` in display order is the ``i``-th timestamp rerun reads from it, so each
    take frame points at the timestamp of the excerpt's copy of that frame (exact: nothing is re-encoded).
    """
    try:
        cut = cut_video(path, int(frames[0]), int(frames[-1]) + 1, opener=opener)
    except FrameIndexError as e:  # the video is shorter than the take: nothing of it in the range
        _skip(f"video of {entity.rsplit('/', 1)[-1]}", e)
        return
    try:
        video = rr.AssetVideo(contents=cut.data, media_type="video/mp4")
        pts = np.asarray(video.read_frame_timestamps_nanos())
    except (RuntimeError, ValueError) as e:  # rerun's own MP4 parser refusing the excerpt
        raise FormatError(f"rerun cannot read this video: {e}", path=path) from e
    if len(pts) != len(cut.source_frames):
        raise FormatError(
            f"rerun reads {len(pts)} frames in the excerpt of frames [{cut.start}, {cut.stop}), which has "
            f"{len(cut.source_frames)}",
            path=path,
        )
    rec.log(entity, video, static=True)
    keep = frames < cut.stop
    rec.send_columns(
        entity,
        indexes=[rr.TimeColumn("t", duration=times[keep])],
        columns=rr.VideoFrameReference.columns_nanos(pts[cut.index_of(frames[keep])]),
    )


def _log_skeleton(rr: Any, rec: Any, *, entity: str, pose: PoseAnnotation, frames: np.ndarray) -> None:
    bones = BONES[pose.part]
    for i in np.flatnonzero(np.isin(pose.frames, frames)):
        pts = pose.points_3d[i]
        ok = np.isfinite(pts).all(axis=1)
        rec.set_time("t", duration=float(pose.frames[i]) / FPS)
        strips = [pts[[a, b]] for a, b in bones if ok[a] and ok[b]]
        rec.log(entity, rr.Points3D(pts[ok], radii=0.01), rr.LineStrips3D(strips, radii=0.005))


def _blueprint(names: list[str]) -> Any:
    import rerun.blueprint as rrb

    return rrb.Blueprint(
        rrb.Horizontal(
            rrb.Vertical(
                rrb.Spatial3DView(origin="world", name="3D"),
                rrb.TextLogView(origin="annotations", name="annotations"),
                row_shares=[3, 1],
            ),
            rrb.Grid(*(rrb.Spatial2DView(origin=f"world/cams/{n}", name=n) for n in names)),
            column_shares=[1, 1],
        ),
        collapse_panels=True,
    )


def export_rerun(
    take: Take,
    out: str | Path,
    *,
    t0: float | None = None,
    t1: float | None = None,
    views: Sequence[str] | None = None,
    poses: Sequence[PoseAnnotation] = (),
) -> Path:
    """Write ``take`` between ``t0`` and ``t1`` seconds as a rerun ``.rrd`` recording (atomically).

    Args:
        take: a take from :func:`egoexo_kit.open_release` (a folder or a mirror URL: on a mirror, only
            the groups of pictures covering ``[t0, t1)`` are read from each video).
        out: the ``.rrd`` file.
        t0: start, seconds from take start (default 0).
        t1: end, exclusive (default the take end).
        views: views to include (``cam01``, ``aria01_214-1`` …); default the Aria RGB and every exo.
        poses: extra skeletons (e.g. predictions read with :func:`~egoexo_kit.annotations.read_keypoints`),
            logged beside the take's manual and automatic ones under ``world/pose/prediction_<part>``.

    Returns:
        The path written. Parts the release lacks (no calibration, no trajectory …) are skipped with an
        :class:`~egoexo_kit.errors.EgoExoKitWarning`.
    """
    for name, t in (("t0", t0), ("t1", t1)):
        if t is not None and not np.isfinite(t):
            raise ArgumentError(f"{name} must be a finite number of seconds, got {t}")
    out_text = str(out)
    if out_text != out_text.encode("utf-8", "replace").decode("utf-8"):
        raise ArgumentError(f"the recording path must be valid UTF-8 (rerun stores it): {out_text!r}")
    rr = _rr()
    # a remote release: calibration, trajectory and gaze into the shadow (the point cloud comes when read)
    take.fetch(parts=("captures", "take_trajectory", "take_eye_gaze"))
    tl = take.timeline
    f0 = 0 if t0 is None else int(tl.to_frame(t=t0))
    t1_in = None if t1 is None else min(max(t1, -1.0), tl.duration_s + 1.0)  # 1e308 * fps overflows
    f1 = tl.n_frames if t1_in is None else min(tl.n_frames, int(np.ceil(t1_in * tl.fps - 1e-9)))
    if f1 <= f0:
        raise ArgumentError(f"empty time range [{t0}, {t1}) s for a take of {tl.duration_s:.3f} s")
    frames = np.arange(f0, f1)
    times = np.asarray(tl.to_time(frame=frames), dtype=np.float64)
    chosen = take.select_views(views)
    names = [v.key for v in chosen]
    out = Path(out)
    rec = rr.RecordingStream("egoexo-kit", recording_id=take.uid)
    with atomic_path(out) as tmp:
        rec.save(str(tmp))
        rec.send_blueprint(_blueprint(names))
        rec.log("world", rr.ViewCoordinates.RIGHT_HAND_Z_UP, static=True)
        for v in chosen:
            entity = f"world/cams/{v.key}"
            opener = take.media_opener(v.path)  # on a mirror: read by range
            if v.path is None or (opener is None and not v.path.is_file()):
                _skip(f"video of {v.key}", EgoExoKitError("not downloaded", path=v.path))
                continue
            try:
                K, size, T = _pinhole_and_poses(take, v, frames)
                rec.log(entity, rr.Pinhole(image_from_camera=K, resolution=size, image_plane_distance=0.3))
                static = bool(np.allclose(T, T[0]))
                if static:
                    rec.log(entity, rr.Transform3D(translation=T[0, :3, 3], mat3x3=T[0, :3, :3]), static=True)
                else:
                    rec.send_columns(
                        entity,
                        indexes=[rr.TimeColumn("t", duration=times)],
                        columns=rr.Transform3D.columns(translation=T[:, :3, 3], mat3x3=T[:, :3, :3]),
                    )
            except EgoExoKitError as e:
                _skip(f"camera pose of {v.key}", e)
            _log_video(rr, rec, entity=entity, path=v.path, opener=opener, times=times, frames=frames)
        _log_aria(rr, rec, take=take, frames=frames, names=names)
        _log_annotations(rr, rec, take=take, frames=frames, names=names, extra=poses)
        rec.flush()
        rec.disconnect()
    return out


def _log_aria(rr: Any, rec: Any, *, take: Take, frames: np.ndarray, names: list[str]) -> None:
    """Device path (static), gaze ray (per frame) and semidense points (static)."""
    try:
        traj = read_closed_loop_trajectory(take.closed_loop_trajectory_path)
        pos = traj.t_world_device[:: max(1, len(traj.t_world_device) // 20_000)]  # ~1 kHz: thin it
        rec.log("world/aria/path", rr.LineStrips3D([pos], radii=0.004, colors=[255, 200, 0]), static=True)
    except (EgoExoKitError, OSError) as e:
        _skip("Aria trajectory", e)
    rgb = next((n for n in names if n.endswith("_214-1")), None)
    if rgb is not None:
        try:
            for f in frames:
                g = _gaze(take, int(f))
                if g is None:
                    continue
                origin, ray, ok = take.camera(rgb, frame=int(f), space="mp4").rays(g[None])
                if ok[0]:
                    rec.set_time("t", duration=float(f) / FPS)
                    rec.log(
                        "world/aria/gaze",
                        rr.Arrows3D(origins=[origin], vectors=[ray[0]], colors=[255, 40, 40]),
                    )
        except EgoExoKitError as e:
            _skip("gaze ray", e)
    try:
        cloud = sensors.point_cloud(take)  # the FORMAT §6.4 uncertainty filter
        order = np.argsort(cloud.dist_std)[:MAX_POINTS]
        rec.log(
            "world/aria/points",
            rr.Points3D(cloud.points_world[order], radii=0.005, colors=[180, 180, 180]),
            static=True,
        )
    except (EgoExoKitError, OSError) as e:
        _skip("semidense points", e)


def _log_annotations(
    rr: Any, rec: Any, *, take: Take, frames: np.ndarray, names: list[str], extra: Sequence[PoseAnnotation]
) -> None:
    """3D skeletons, 2D keypoints and masks per view, and the text families."""
    a = take.annotations
    for part in ("body", "hand"):
        for source in ("annotation", "automatic"):
            pose = a.pose(part, source=source)
            if pose is not None:
                _log_skeleton(rr, rec, entity=f"world/pose/{source}_{part}", pose=pose, frames=frames)
    for pose in extra:
        _log_skeleton(rr, rec, entity=f"world/pose/prediction_{pose.part}", pose=pose, frames=frames)
    rel = a.relations
    objects = rel.objects if rel is not None else []
    if objects:
        rec.log(
            "world/cams",
            rr.AnnotationContext([(i + 1, o) for i, o in enumerate(objects)]),
            static=True,
        )
    try:
        tracks = pose_tracks(take)  # one skeleton per part for the whole take, as the overlays draw
    except EgoExoKitError as e:
        _skip("2D keypoints", e)
        tracks = {}
    for name in names:
        for f in frames:
            f = int(f)
            rec.set_time("t", duration=f / FPS)
            try:
                for part, uv in _skeletons(take, name, f, tracks=tracks).items():
                    ok = np.isfinite(uv).all(axis=1)
                    strips = [uv[[i, j]] for i, j in tracks[part].bones if ok[i] and ok[j]]
                    rec.log(
                        f"world/cams/{name}/{part}", rr.Points2D(uv[ok], radii=1.5), rr.LineStrips2D(strips)
                    )
            except EgoExoKitError as e:
                _skip(f"keypoints of {name}", e)
                break
            masks = _masks(take, name, f)
            if masks:
                first = next(iter(masks.values()))
                seg = np.zeros(first.shape, np.uint8)
                for obj, m in masks.items():
                    seg[m] = objects.index(obj) + 1
                rec.log(f"world/cams/{name}/masks", rr.SegmentationImage(seg, opacity=0.5))
    for row in a.timeline_rows(_FAMILIES):
        rec.set_time("t", duration=float(row["start_s"]))
        rec.log(f"annotations/{row['family']}", rr.TextLog(row["label"], level=row["family"].upper()))
