"""Geometry: camera models, rigid transforms and Aria image orientation, as batched float64 numpy.

Camera models are modules with identical signatures (``project(points_cam, params, *, min_z)`` and
``unproject(px, params)``, inputs ``(..., N, 3)`` / ``(..., N, 2)``, outputs plus a validity mask):

- :mod:`~egoexo_kit.geometry.kb3`: Kannala-Brandt K3 = OpenCV fisheye (GoPro exo cameras, Aria ET);
- :mod:`~egoexo_kit.geometry.fisheye624`: Aria FisheyeRadTanThinPrism (Aria RGB and SLAM);
- :mod:`~egoexo_kit.geometry.pinhole`: linear camera (undistorted image spaces).

Transforms follow ``T_a_b`` naming (maps frame ``b`` to ``a``), quaternions are ``x, y, z, w``,
metres throughout (DESIGN §2). ``sensor_to_mp4_px`` / ``mp4_to_sensor_px`` convert between the raw Aria
sensor image and the 90°-clockwise-rotated MP4 (FORMAT §4.1).

Not re-exported: ``_common`` (shape checks and the shared radial polynomial).

May import: ``release``.
"""

from __future__ import annotations

from egoexo_kit.geometry import fisheye624 as fisheye624
from egoexo_kit.geometry import kb3 as kb3
from egoexo_kit.geometry import pinhole as pinhole
from egoexo_kit.geometry.camera import Camera as Camera
from egoexo_kit.geometry.rotate import mp4_to_sensor_px as mp4_to_sensor_px
from egoexo_kit.geometry.rotate import sensor_to_mp4_px as sensor_to_mp4_px
from egoexo_kit.geometry.transforms import interpolate_poses as interpolate_poses
from egoexo_kit.geometry.transforms import invert_pose as invert_pose
from egoexo_kit.geometry.transforms import look_at as look_at
from egoexo_kit.geometry.transforms import make_pose as make_pose
from egoexo_kit.geometry.transforms import matrix_to_quat as matrix_to_quat
from egoexo_kit.geometry.transforms import pose_from_quat_t as pose_from_quat_t
from egoexo_kit.geometry.transforms import quat_to_matrix as quat_to_matrix
from egoexo_kit.geometry.transforms import slerp as slerp
from egoexo_kit.geometry.transforms import transform_points as transform_points

__all__ = [
    "Camera",
    "fisheye624",
    "interpolate_poses",
    "invert_pose",
    "kb3",
    "look_at",
    "make_pose",
    "matrix_to_quat",
    "mp4_to_sensor_px",
    "pinhole",
    "pose_from_quat_t",
    "quat_to_matrix",
    "sensor_to_mp4_px",
    "slerp",
    "transform_points",
]
