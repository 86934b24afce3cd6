"""The recording rig: static GoPro exo cameras (KB3) and the Aria headset (Fisheye624 RGB and SLAM).

Calibrations are plausible for the real devices at the chosen (small) resolutions: GoPros see about
±72° across the diagonal with mild KB3 distortion, the Aria RGB camera about 110° with Fisheye624.
The Aria device frame follows the head; its cameras sit at fixed ``T_device_camera`` (FORMAT §5).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from egoexo_kit.geometry import look_at, make_pose
from egoexo_kit.geometry.camera import Camera

__all__ = ["AriaRig", "ExoCamera", "make_aria_rig", "make_exo_cameras"]

GOPRO_KB3 = np.array([0.036902, 0.057131, -0.057154, 0.018458])
"""KB3 coefficients of a real GoPro calibration (FORMAT §6.3 example row)."""
ARIA_RGB_DIST = np.array([0.39, -0.31, -0.14, 1.37, -1.86, 0.75, 3e-4, -2e-4, -5e-4, 1e-4, 2e-4, -1e-4]) * [
    0.1,
    0.1,
    0.1,
    0.1,
    0.1,
    0.1,
    1,
    1,
    1,
    1,
    1,
    1,
]
"""Fisheye624 k0..k5, p0, p1, s0..s3 of a plausible Aria RGB camera (small, well-behaved)."""


@dataclass(frozen=True)
class ExoCamera:
    """A static GoPro: id, intrinsics at the MP4 size, and ``T_world_cam`` (OpenCV camera axes)."""

    cam_id: str
    camera: Camera
    T_world_cam: np.ndarray
    device_type: str = "hero10"


@dataclass(frozen=True)
class AriaRig:
    """The Aria headset: id, its cameras in sensor orientation, and their mounting on the device.

    ``T_head_device`` places the device frame relative to the participant's head frame;
    ``cameras[stream] = (Camera, T_device_camera)`` for ``rgb``, ``slam-left`` and ``slam-right``;
    ``T_device_cpf`` is the central pupil frame in which eye gaze is expressed (FORMAT §5, §6.5).
    """

    aria_id: str
    T_head_device: np.ndarray
    cameras: dict[str, tuple[Camera, np.ndarray]]
    T_device_cpf: np.ndarray
    et_size: tuple[int, int]
    """(width, height) of the eye-tracking image (both eyes side by side)."""


def make_exo_cameras(
    cam_ids: list[str],
    *,
    size: tuple[int, int],
    target: np.ndarray,
    rng: np.random.Generator,
    portrait: Collection[str] = (),
) -> list[ExoCamera]:
    """Place GoPros around ``target`` on a ring (radius 2.2–2.8 m, height 1.4–2.1 m), looking at it.

    Cameras in ``portrait`` are mounted turned (bouldering walls): their image is ``size`` swapped,
    taller than wide, with the same lens (focal from the long side), upright in the video.
    """
    out = []
    phase = rng.uniform(0, 2 * np.pi)
    for j, cam_id in enumerate(cam_ids):
        a = phase + 2 * np.pi * j / len(cam_ids) + rng.uniform(-0.25, 0.25)
        radius, height = rng.uniform(2.2, 2.8), rng.uniform(1.4, 2.1)
        eye = target + [radius * np.cos(a), radius * np.sin(a), 0.0]
        eye[2] = height
        aim = target + rng.uniform(-0.15, 0.15, size=3) * [1, 1, 0.5]
        w, h = (size[1], size[0]) if cam_id in portrait else size
        f = 0.46 * max(w, h) * rng.uniform(0.97, 1.03)
        k = GOPRO_KB3 * rng.uniform(0.9, 1.1, size=4)
        cam = Camera(
            "kb3", [f, f, (w - 1) / 2 + rng.uniform(-1, 1), (h - 1) / 2 + rng.uniform(-1, 1), *k], w, h
        )
        out.append(ExoCamera(cam_id=cam_id, camera=cam, T_world_cam=look_at(eye, aim)))
    return out


def _rot_x(deg: float) -> np.ndarray:
    a = np.deg2rad(deg)
    return np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])


def _rot_y(deg: float) -> np.ndarray:
    a = np.deg2rad(deg)
    return np.array([[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]])


def make_aria_rig(
    aria_id: str,
    *,
    rgb_size: int,
    slam_size: tuple[int, int],
    et_size: tuple[int, int],
    rng: np.random.Generator,
) -> AriaRig:
    """An Aria headset whose device frame shares the head frame's axes (x right, y down, z forward).

    The RGB camera looks forward and 12° down; the SLAM cameras look 35° outward and 20° down.
    Sensor images are landscape (SLAM ``slam_size`` = (width, height)); the MP4s are rotated 90°
    clockwise from them (FORMAT §4.1).
    """
    T_head_device = make_pose(np.eye(3), [0.0, -0.02, 0.06])
    f_rgb = 0.43 * rgb_size * rng.uniform(0.98, 1.02)
    c = (rgb_size - 1) / 2
    rgb = Camera(
        "fisheye624",
        [f_rgb, c + rng.uniform(-1, 1), c + rng.uniform(-1, 1), *ARIA_RGB_DIST],
        rgb_size,
        rgb_size,
    )
    sw, sh = slam_size
    f_slam = 0.30 * sw
    slam = Camera("fisheye624", [f_slam, (sw - 1) / 2, (sh - 1) / 2, *(ARIA_RGB_DIST * 0.8)], sw, sh)
    cams = {
        "rgb": (rgb, make_pose(_rot_x(-12.0), [0.05, -0.005, 0.01])),
        "slam-left": (slam, make_pose(_rot_y(-35.0) @ _rot_x(-20.0), [-0.07, -0.005, 0.0])),
        "slam-right": (slam, make_pose(_rot_y(35.0) @ _rot_x(-20.0), [0.07, -0.005, 0.0])),
    }
    # The central pupil frame follows projectaria's convention (x left, y up, z forward), unlike the
    # device frame here (x right, y down): a half turn about z.
    T_device_cpf = make_pose(np.diag([-1.0, -1.0, 1.0]), [0.0, 0.01, -0.02])
    return AriaRig(
        aria_id=aria_id, T_head_device=T_head_device, cameras=cams, T_device_cpf=T_device_cpf, et_size=et_size
    )
