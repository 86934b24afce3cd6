"""Geometry: camera models, rigid transforms and Aria image orientation, as batched float64 numpy.

Camera models are modules with identical signatures (``project(points_cam, params, *, min_z)`` and
``unproject(px, params)``, inputs ``(..., N, 3)`` / ``(..., N, 2)``, outputs plus a validity mask):

- :mod:`~egoexo_kit.geometry.kb3`: Kannala-Brandt K3 = OpenCV fisheye (GoPro exo cameras, Aria ET);
- :mod:`~egoexo_kit.geometry.fisheye624`: Aria FisheyeRadTanThinPrism (Aria RGB and SLAM);
- :mod:`~egoexo_kit.geometry.pinhole`: linear camera (undistorted image spaces).

Transforms follow ``T_a_b`` naming (maps frame ``b`` to ``a``), quaternions are ``x, y, z, w``,
metres throughout (DESIGN §2). ``sensor_to_mp4_px`` / ``mp4_to_sensor_px`` convert between the raw Aria
sensor image and the 90°-clockwise-rotated MP4 (FORMAT §4.1).

Image spaces (:mod:`~egoexo_kit.geometry.spaces`): ``raw``, ``undistorted`` (EgoPose: exo balance-0.8
``K_new``, Aria 512² linear f = 150) and ``mp4``; :class:`PosedCamera` is one view's camera at one
instant and :class:`TakeCameras` builds it for any view and time of a take from its calibration files.

Not re-exported: ``_common`` (shape checks and the shared radial polynomial).

May import: ``release``, ``timeline``.
"""

from __future__ import annotations

from egoexo_kit.geometry import fisheye624 as fisheye624
from egoexo_kit.geometry import kb3 as kb3
from egoexo_kit.geometry import pinhole as pinhole
from egoexo_kit.geometry._take_cameras import SPACES as SPACES
from egoexo_kit.geometry._take_cameras import TakeCameras as TakeCameras
from egoexo_kit.geometry.camera import Camera as Camera
from egoexo_kit.geometry.posed import PosedCamera as PosedCamera
from egoexo_kit.geometry.posed import Space as Space
from egoexo_kit.geometry.rotate import mp4_to_sensor_px as mp4_to_sensor_px
from egoexo_kit.geometry.rotate import sensor_to_mp4_px as sensor_to_mp4_px
from egoexo_kit.geometry.spaces import ARIA_LINEAR_FOCAL as ARIA_LINEAR_FOCAL
from egoexo_kit.geometry.spaces import ARIA_LINEAR_SIZE as ARIA_LINEAR_SIZE
from egoexo_kit.geometry.spaces import EXO_UNDISTORT_BALANCE as EXO_UNDISTORT_BALANCE
from egoexo_kit.geometry.spaces import aria_linear_camera as aria_linear_camera
from egoexo_kit.geometry.spaces import convert_px as convert_px
from egoexo_kit.geometry.spaces import exo_undistorted_camera as exo_undistorted_camera
from egoexo_kit.geometry.spaces import undistort as undistort
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
    "ARIA_LINEAR_FOCAL",
    "ARIA_LINEAR_SIZE",
    "EXO_UNDISTORT_BALANCE",
    "SPACES",
    "Camera",
    "PosedCamera",
    "Space",
    "TakeCameras",
    "aria_linear_camera",
    "convert_px",
    "exo_undistorted_camera",
    "undistort",
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
