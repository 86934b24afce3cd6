"""Body-pose evaluation GT from a release (BENCHMARKS §3): world joints per annotated frame, NaN if absent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egoexo_kit.benchmarks._source import annotations_of, split_takes

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["build_body_gt"]


def build_body_gt(release: Release, *, split: str = "val", source: str = "annotation") -> dict[str, Any]:
    """``{take_uid: {take_name, body: {frame: 17 x [x, y, z]}}}``: ``split``'s takes with body keypoints.

    Frame keys are the keypoint file's frame numbers; joints absent from the annotation are NaN
    (written as JSON ``NaN``, which the official script needs). ``source="automatic"`` uses the
    pseudo ground truth.
    """
    ann = annotations_of(release, automatic_pose=source == "automatic")
    out: dict[str, Any] = {}
    for take in split_takes(release, split):
        pose = ann.pose(take.uid, part="body", source=source)
        if pose is None or not len(pose):
            continue
        out[take.uid] = {
            "take_name": take.name,
            "body": {str(int(f)): p.tolist() for f, p in zip(pose.frames, pose.points_3d, strict=True)},
        }
    return out
