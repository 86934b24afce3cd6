"""Body-pose baselines (BENCHMARKS §3): a mean pose carried by the head trajectory, and a static pose.

``head``: each joint's mean offset from the Aria camera centre over the train split's GT frames,
added to the head position at every evaluated frame (the headset pose is an allowed input; the
test split ships it as ``camera_pose``). ``static`` (trivial): the train split's mean world pose
at every frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import annotations_of, check_method, head_positions, nanmean_or_zero
from egoexo_kit.benchmarks.body_pose.gt import build_body_gt
from egoexo_kit.errors import NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["BODY_BASELINES", "body_baseline"]

BODY_BASELINES = ("head", "static")


def _frames_and_joints(take: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    frames = np.array([int(f) for f in take["body"]], dtype=np.int64)
    return frames, np.asarray(list(take["body"].values()), dtype=np.float64).reshape(-1, 17, 3)


def body_baseline(
    release: Release, *, split: str = "val", method: str = "head", train_split: str = "train"
) -> dict[str, Any]:
    """Predictions for every GT frame of ``split`` in the submission layout, fitted on ``train_split``."""
    check_method("body-pose", method, BODY_BASELINES)
    ann = annotations_of(release)
    offsets, poses = [], []
    for uid, take in build_body_gt(release, split=train_split).items():
        frames, joints = _frames_and_joints(take)
        poses.append(joints)
        head = head_positions(ann, uid, frames)
        if head is not None:
            offsets.append(joints - head[:, None, :])
    if not poses:
        raise NotFoundError(f"no body keypoints in the {train_split} split to fit the baseline on")
    mean_pose = nanmean_or_zero(np.concatenate(poses))
    mean_offset = nanmean_or_zero(np.concatenate(offsets)) if offsets else None
    out: dict[str, Any] = {}
    for uid, take in build_body_gt(release, split=split).items():
        frames, _ = _frames_and_joints(take)
        head = head_positions(ann, uid, frames) if method == "head" else None
        if head is None or mean_offset is None:
            pred = np.broadcast_to(mean_pose, (len(frames), 17, 3))
        else:
            pred = head[:, None, :] + mean_offset
        out[uid] = {
            "take_name": take["take_name"],
            "body": {str(f): p.tolist() for f, p in zip(frames, pred, strict=True)},
        }
    return out
