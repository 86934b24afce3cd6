"""Hand-pose evaluation GT from a release (BENCHMARKS §4): joints in the Aria camera frame, per hand.

Follows the official ``gt_anno`` step, in its order:

1. a manual (``annotation``) world joint is kept if it was triangulated from ≥ 3 views; automatic
   (pseudo-GT) joints are all kept, as the official loader exempts ``anno_type == "auto"`` from
   the view count (``EGO4D/ego-exo4d-egopose: handpose/data_preparation/dataloader.py``,
   ``load_frame_hand_2d_3d_kpts``); a hand whose wrist is not kept has no joint at all;
2. the biomechanical check (:func:`implausible_joints`, on by default as there): a joint whose bone
   to its parent, or whose angle at the joint, is outside the official limits is dropped;
3. the joints are moved into the Aria camera frame with the take's ``camera_pose`` extrinsics and
   projected with its intrinsics; a joint is valid if it lies in front of the camera and projects
   inside the undistorted image, the fixed 512×512 of the official loader (``undist_img_dim``;
   ``2·cx`` would give 511 with its ``c = 255.5``);
4. the reprojection test (on by default as there): a joint is valid only if the 2D annotation of
   the Aria camera has it inside the image and within ``reproj_px`` (30) px of the projection; the
   wrist is exempt. A joint without an Aria 2D annotation therefore fails it.

A hand is evaluated with ≥ 10 valid joints; invalid joints are NaN, the wrist always keeps its
coordinates. Not reproduced (documented): the undistortion-mask test, which needs the Aria
calibration of the VRS file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import annotations_of, split_takes
from egoexo_kit.benchmarks.hand_pose.submission import HANDS
from egoexo_kit.geometry.spaces import ARIA_LINEAR_SIZE

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = [
    "ANGLE_MIN_DEG",
    "BONE_LIMITS_M",
    "MIN_VALID_JOINTS",
    "MIN_VIEWS",
    "REPROJ_PX",
    "build_hand_gt",
    "implausible_joints",
]

MIN_VIEWS = 3
MIN_VALID_JOINTS = 10
REPROJ_PX = 30.0
_SLICES = {"right": slice(0, 21), "left": slice(21, 42)}  # the 42-joint order is right hand first

_PARENT = np.array([-1, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11, 0, 13, 14, 15, 0, 17, 18, 19])
"""Parent of each of the 21 joints (wrist, then thumb, index, middle, ring, pinky from base to tip)."""
_PALM = np.array([5, 9, 13, 17])  # wrist → index/middle/ring/pinky base: the long bones
BONE_LIMITS_M = {"default": (0.005, 0.08), "palm": (0.06, 0.12)}
"""Allowed bone length to the parent in metres; ``palm``: the wrist to the four finger bases."""
_ANGLE_JOINTS = np.array([1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19])
ANGLE_MIN_DEG = np.array([100, 90, 90, 60, 70, 80, 60, 70, 80, 60, 70, 80, 60, 70, 80], dtype=np.float64)
"""Least angle (parent, joint, child) at each non-tip finger joint, thumb first; at most 180°."""


def implausible_joints(hands: np.ndarray) -> np.ndarray:
    """Joints of ``(..., 21, 3)`` world hands that fail the official biomechanical check, ``(..., 21)``.

    A joint fails if its bone to the parent is shorter or longer than :data:`BONE_LIMITS_M`, or
    if the angle between the bones to its parent and to its child is below
    :data:`ANGLE_MIN_DEG`. Every test uses the input positions (no cascade); a test that involves
    a missing (NaN) joint or a zero-length bone does not fail. The wrist never fails.
    """
    pts = np.asarray(hands, dtype=np.float64)
    lo = np.full(21, BONE_LIMITS_M["default"][0])
    hi = np.full(21, BONE_LIMITS_M["default"][1])
    lo[_PALM], hi[_PALM] = BONE_LIMITS_M["palm"]
    bones = pts[..., 1:, :] - pts[..., _PARENT[1:], :]
    length = np.linalg.norm(bones, axis=-1)
    bad = np.zeros(pts.shape[:-1], dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        bad[..., 1:] = (length < lo[1:]) | (length > hi[1:])
        j = _ANGLE_JOINTS
        to_parent = pts[..., _PARENT[j], :] - pts[..., j, :]
        to_child = pts[..., j + 1, :] - pts[..., j, :]
        cos = (to_parent * to_child).sum(axis=-1) / (
            np.linalg.norm(to_parent, axis=-1) * np.linalg.norm(to_child, axis=-1)
        )
        angle = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        bad[..., j] |= (angle < ANGLE_MIN_DEG) | (angle > 180.0)
    return bad


def _inside(uv: np.ndarray, *, width: float, height: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (uv[..., 0] >= 0) & (uv[..., 0] < width) & (uv[..., 1] >= 0) & (uv[..., 1] < height)


def build_hand_gt(
    release: Release,
    *,
    split: str = "val",
    source: str = "annotation",
    bone_check: bool = True,
    reproj_px: float | None = REPROJ_PX,
) -> dict[str, Any]:
    """``{take_uid: {frame: {right_hand_3d, right_hand_valid_3d, left_hand_3d, left_hand_valid_3d, …}}}``.

    Args:
        release: the release whose ``ego_pose`` hand annotations and camera poses are read.
        split: the split whose takes are built.
        source: ``annotation`` (manual, joints from ≥ 3 views only) or ``automatic`` (every joint).
        bone_check: drop joints that fail :func:`implausible_joints` (the official builder does).
        reproj_px: drop joints whose projection is farther than this from the Aria 2D annotation,
            or that have none (the official builder does, with 30 px); ``None`` skips the test.
    """
    ann = annotations_of(release, automatic_pose=source == "automatic")
    out: dict[str, Any] = {}
    for take in split_takes(release, split):
        pose = ann.pose(take.uid, part="hand", source=source)
        cams = ann.camera_pose(take.uid)
        aria = next((k for k in (cams.cameras if cams else {}) if "aria" in k), None)
        if pose is None or cams is None or aria is None:
            continue
        entry = cams.cameras[aria]
        width = height = float(ARIA_LINEAR_SIZE)
        seen = pose.num_views >= MIN_VIEWS if source == "annotation" else np.isfinite(pose.points_3d[..., 0])
        world = np.where(seen[..., None], pose.points_3d, np.nan)
        for sl in _SLICES.values():
            hand = world[:, sl]  # a view: the edits below land in world
            hand[np.isnan(hand[:, 0]).any(axis=-1)] = np.nan  # no wrist, no hand
            if bone_check:
                hand[implausible_joints(hand)] = np.nan
        anno_2d = pose.points_2d.get(aria, np.full((*world.shape[:2], 2), np.nan))
        anno_ok = _inside(anno_2d, width=width, height=height)
        frames: dict[str, Any] = {}
        for i, f in enumerate(pose.frames.tolist()):
            try:
                T = entry.at(int(f))
            except KeyError:
                continue
            cam = world[i] @ T[:, :3].T + T[:, 3]
            with np.errstate(invalid="ignore", divide="ignore"):
                uv = cam @ entry.K.T
                uv = uv[:, :2] / uv[:, 2:]
                ok = np.isfinite(cam).all(axis=1) & (cam[:, 2] > 0) & _inside(uv, width=width, height=height)
                if reproj_px is not None:
                    near = anno_ok[i] & (np.linalg.norm(uv - anno_2d[i], axis=1) <= reproj_px)
                    near[[sl.start for sl in _SLICES.values()]] = True  # the wrist is exempt
                    ok &= near
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
