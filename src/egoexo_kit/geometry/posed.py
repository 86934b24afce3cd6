"""A calibrated camera at one instant: intrinsics of one image space plus its pose in the world."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry.camera import Camera
from egoexo_kit.geometry.rotate import mp4_to_sensor_px, sensor_to_mp4_px
from egoexo_kit.geometry.transforms import invert_pose, matrix_to_quat, transform_points

__all__ = ["PosedCamera", "Space"]

Space = Literal["raw", "undistorted", "mp4"]
"""Image space of a pixel: ``raw`` distorted (sensor orientation), ``undistorted`` (EgoPose pinhole),
``mp4`` (as stored in the frame-aligned MP4: the raw image, turned 90° clockwise for Aria)."""


@dataclass(frozen=True, eq=False)
class PosedCamera:
    """One view's camera at one instant: ``camera`` (its image space) and ``T_world_cam``.

    For an Aria view in ``mp4`` space, ``camera`` is the sensor-orientation raw camera and ``rotated`` is
    True: projected pixels are turned 90° clockwise into the MP4 image (FORMAT §4.1).
    """

    view: str
    """View name (``cam01``, ``aria01_214-1`` …)."""
    space: Space
    """Image space the pixels of :meth:`project` live in."""
    camera: Camera
    """Intrinsics and size of the (sensor-orientation) image."""
    T_world_cam: np.ndarray = field(repr=False)
    """(4, 4) camera → world (OpenCV camera axes: x right, y down, z forward), metres."""
    rotated: bool = False
    """Pixels are turned 90° clockwise after projection (Aria ``mp4`` space)."""

    @property
    def T_cam_world(self) -> np.ndarray:
        """(4, 4) world → camera (the EgoPose ``camera_extrinsics`` direction)."""
        return invert_pose(self.T_world_cam)

    @property
    def size(self) -> tuple[int, int]:
        """``(width, height)`` of the image in this space."""
        w, h = self.camera.width, self.camera.height
        return (h, w) if self.rotated else (w, h)

    def project(self, points_world: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Pixels of world points in this view's space, and whether each is visible.

        Args:
            points_world: ``(N, 3)`` (or ``(..., N, 3)``) world points, metres.

        Returns:
            ``uv`` ``(..., N, 2)`` float64 pixels in :attr:`space` (NaN where the model cannot project) and
            ``visible`` ``(..., N)`` bool: in front of the camera, in the model's range and inside the image.
        """
        p_cam = transform_points(self.T_cam_world, np.asarray(points_world, dtype=np.float64))
        uv, visible = self.camera.project(p_cam, inside=True)
        if not self.rotated:
            return uv, visible
        return sensor_to_mp4_px(uv, sensor_size=(self.camera.width, self.camera.height)), visible

    def rays(self, px: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """World rays through pixels of this space: origin ``(3,)``, unit directions ``(..., N, 3)``, ok."""
        pix = np.asarray(px, dtype=np.float64)
        if self.rotated:
            pix = mp4_to_sensor_px(pix, sensor_size=(self.camera.width, self.camera.height))
        rays, ok = self.camera.unproject(pix)
        return self.T_world_cam[:3, 3].copy(), rays @ self.T_world_cam[:3, :3].T, ok

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: model, parameters, size, space and pose (``t`` + ``x, y, z, w`` quaternion)."""
        return {
            "view": self.view,
            "space": self.space,
            "model": self.camera.model,
            "params": self.camera.params.tolist(),
            "width": self.size[0],
            "height": self.size[1],
            "rotated_90_cw": self.rotated,
            "t_world_cam": self.T_world_cam[:3, 3].tolist(),
            "q_world_cam_xyzw": matrix_to_quat(self.T_world_cam[:3, :3]).tolist(),
        }
