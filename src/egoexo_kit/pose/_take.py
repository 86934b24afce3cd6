"""Take-level 3D pose: find the 2D keypoints, build the undistorted cameras per frame, run the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.errors import NotFoundError
from egoexo_kit.geometry import TakeCameras
from egoexo_kit.pose._keypoints import Keypoints2D, annotation_3d, joints_of, read_keypoints_2d
from egoexo_kit.pose._pipeline import PoseOptions, PoseTrack, reconstruct_pose
from egoexo_kit.release import TakeEntry
from egoexo_kit.timeline import TakeTimeline

__all__ = ["default_keypoints_path", "take_views_cameras", "triangulate_take"]


def default_keypoints_path(take: TakeEntry, *, kind: str) -> Path:
    """The take's EgoPose 2D file: ``ego_pose/<split>/<kind>/automatic/<uid>.json``, else ``annotation/``."""
    base = take.release.root / "annotations" / "ego_pose"
    for source in ("automatic", "annotation"):
        found = sorted(base.glob(f"*/{kind}/{source}/{take.uid}.json"))
        if found:
            return found[0]
    raise NotFoundError(
        f"no ego_pose {kind} keypoints for take {take.name} (parts 'annotations' / 'ego_pose_pseudo_gt'); "
        "pass a keypoints file",
        path=base,
    )


def _geometry(take: TakeEntry) -> TakeCameras:
    geo = getattr(take, "geometry", None)  # the facade Take caches one
    return geo if isinstance(geo, TakeCameras) else TakeCameras(take, TakeTimeline.from_take(take))


def take_views_cameras(take: TakeEntry, keypoints: Keypoints2D) -> tuple[list[Any], np.ndarray]:
    """Undistorted-space cameras of the keypoints' views and their ``(F, V, 4, 4)`` world → camera poses."""
    geo = _geometry(take)
    cams, poses = [], []
    for key in keypoints.views:
        view = take.view(take.aria_id if key == "aria" and take.aria_id else key)
        cams.append(geo.intrinsics(view, space="undistorted")[0])
        poses.append(geo.extrinsics(view, frames=keypoints.frames))
    return cams, np.stack(poses, axis=1)


def triangulate_take(
    take: TakeEntry,
    *,
    kind: str = "body",
    keypoints: Keypoints2D | str | Path | None = None,
    options: PoseOptions | None = None,
) -> tuple[PoseTrack, dict[str, Any]]:
    """Reconstruct a take's 3D body or hands from 2D keypoints (undistorted EgoPose space) in ≥ 2 views.

    Args:
        take: The take.
        kind: ``"body"`` or ``"hand"``.
        keypoints: Parsed keypoints, a file in the EgoPose layout (joints may carry ``confidence``), or
            ``None`` for the take's own ego_pose file (automatic, else manual).
        options: Pipeline settings; the default threshold is 2 % of the widest image (at least 8 px).

    Returns:
        The :class:`PoseTrack` and its ``annotation3D`` file content (EgoPose layout).
    """
    joints, bones = joints_of(kind)
    if not isinstance(keypoints, Keypoints2D):
        keypoints = read_keypoints_2d(keypoints or default_keypoints_path(take, kind=kind), kind=kind)
    if len(keypoints.views) < 2:
        raise NotFoundError(f"3D needs keypoints in at least 2 views; the file has {list(keypoints.views)}")
    cams, T = take_views_cameras(take, keypoints)
    if options is None:
        side = max(max(c.width, c.height) for c in cams)
        options = PoseOptions(threshold_px=max(8.0, 0.02 * side))
    track = reconstruct_pose(
        keypoints.px,
        cameras=cams,
        T_cam_world=T,
        frames=keypoints.frames,
        bones=bones,
        confidence=keypoints.confidence,
        options=options,
    )
    return track, annotation_3d(track.frames, track.points, track.n_views, joints=joints, keypoints=keypoints)
