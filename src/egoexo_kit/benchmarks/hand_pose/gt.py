"""Hand-pose evaluation GT from a release (BENCHMARKS §4): joints in the Aria camera frame, per hand.

Follows the official ``gt_anno`` step where the release allows: a world joint is kept if it was
triangulated from ≥ 3 views, moved into the Aria camera frame with the take's ``camera_pose``
extrinsics, and is valid if it lies in front of the camera and projects inside the undistorted
image (``2·cx × 2·cy`` of the camera_pose intrinsics, 512×512 for the real data). Not reproduced
(documented): the bone-length/angle check and the 30 px reprojection test against the 2D
annotation. A hand is evaluated with ≥ 10 valid joints; invalid joints are NaN, the wrist always
keeps its coordinates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import annotations_of, split_takes
from egoexo_kit.benchmarks.hand_pose.submission import HANDS

if TYPE_CHECKING:
    from egoexo_kit.release import Release

__all__ = ["MIN_VALID_JOINTS", "MIN_VIEWS", "build_hand_gt"]

MIN_VIEWS = 3
MIN_VALID_JOINTS = 10
_SLICES = {"right": slice(0, 21), "left": slice(21, 42)}  # the 42-joint order is right hand first


def build_hand_gt(release: Release, *, split: str = "val", source: str = "annotation") -> dict[str, Any]:
    """``{take_uid: {frame: {right_hand_3d, right_hand_valid_3d, left_hand_3d, left_hand_valid_3d, …}}}``."""
    ann = annotations_of(release)
    out: dict[str, Any] = {}
    for take in split_takes(release, split):
        pose = ann.pose(take.uid, part="hand", source=source)
        cams = ann.camera_pose(take.uid)
        aria = next((k for k in (cams.cameras if cams else {}) if "aria" in k), None)
        if pose is None or cams is None or aria is None:
            continue
        entry = cams.cameras[aria]
        width, height = 2 * entry.K[0, 2], 2 * entry.K[1, 2]
        frames: dict[str, Any] = {}
        for i, f in enumerate(pose.frames.tolist()):
            try:
                T = entry.at(int(f))
            except KeyError:
                continue
            cam = pose.points_3d[i] @ T[:, :3].T + T[:, 3]
            with np.errstate(invalid="ignore", divide="ignore"):
                uv = cam @ entry.K.T
                uv = uv[:, :2] / uv[:, 2:]
                ok = (
                    np.isfinite(cam).all(axis=1)
                    & (pose.num_views[i] >= MIN_VIEWS)
                    & (cam[:, 2] > 0)
                    & (uv[:, 0] >= 0)
                    & (uv[:, 0] < width)
                    & (uv[:, 1] >= 0)
                    & (uv[:, 1] < height)
                )
            item: dict[str, Any] = {}
            for hand in HANDS:
                joints, valid = cam[_SLICES[hand]], ok[_SLICES[hand]]
                if valid.sum() < MIN_VALID_JOINTS or not np.isfinite(joints[0]).all():
                    item[f"{hand}_hand_3d"], item[f"{hand}_hand_valid_3d"] = [], []
                    continue
                kept = np.where(valid[:, None], joints, np.nan)
                kept[0] = joints[0]
                item[f"{hand}_hand_3d"] = kept.tolist()
                item[f"{hand}_hand_valid_3d"] = [bool(v) for v in valid]
            if item["right_hand_3d"] or item["left_hand_3d"]:
                item["metadata"] = {"take_uid": take.uid, "take_name": take.name, "frame_number": int(f)}
                frames[str(int(f))] = item
        if frames:
            out[take.uid] = frames
    return out
