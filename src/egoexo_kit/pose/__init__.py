"""Automatic 3D body and hand pose from multi-view 2D keypoints (FORMAT §7.9 in and out).

- :func:`reconstruct_pose`: arrays in, :class:`PoseTrack` out: robust triangulation (RANSAC over views,
  LM refinement) → temporal outliers and gap filling → bone-length fit → Savitzky–Golay smoothing;
- :func:`triangulate_take`: the same for a take, from its ego_pose keypoint file (or any file of that
  layout, detections with ``confidence`` included) to the ``annotation3D`` layout;
- :class:`KeypointDetector` / :func:`detect_keypoints`: plug a real 2D detector in;
  :func:`synthetic_keypoints`: ground-truth projections with noise, dropouts and outliers.

May import: ``release``, ``timeline``, ``geometry``.
"""

from __future__ import annotations

from egoexo_kit.pose._detector import KeypointDetector as KeypointDetector
from egoexo_kit.pose._detector import detect_keypoints as detect_keypoints
from egoexo_kit.pose._keypoints import Keypoints2D as Keypoints2D
from egoexo_kit.pose._keypoints import annotation_3d as annotation_3d
from egoexo_kit.pose._keypoints import joints_of as joints_of
from egoexo_kit.pose._keypoints import keypoints_from_json as keypoints_from_json
from egoexo_kit.pose._keypoints import read_keypoints_2d as read_keypoints_2d
from egoexo_kit.pose._pipeline import PoseOptions as PoseOptions
from egoexo_kit.pose._pipeline import PoseTrack as PoseTrack
from egoexo_kit.pose._pipeline import reconstruct_pose as reconstruct_pose
from egoexo_kit.pose._pipeline import synthetic_keypoints as synthetic_keypoints
from egoexo_kit.pose._skeleton import fit_bone_lengths as fit_bone_lengths
from egoexo_kit.pose._take import take_views_cameras as take_views_cameras
from egoexo_kit.pose._take import triangulate_take as triangulate_take

__all__ = [
    "KeypointDetector",
    "Keypoints2D",
    "PoseOptions",
    "PoseTrack",
    "annotation_3d",
    "detect_keypoints",
    "fit_bone_lengths",
    "joints_of",
    "keypoints_from_json",
    "read_keypoints_2d",
    "reconstruct_pose",
    "synthetic_keypoints",
    "take_views_cameras",
    "triangulate_take",
]
