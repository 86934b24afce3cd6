"""Released calibrations → the camera of the image actually stored, as the official tooling does it.

Two rules, each from the official code (FORMAT §4.1, §5, §6.3):

- **GoPro (KB3, ``gopro_calibs.csv``)**: the official undistortion starts from the nominal size
  3840×2160, swaps it when the frame's width differs (portrait GoPros of bouldering / rock climbing,
  mounted rotated), and scales all four of ``fx, fy, cx, cy`` by one factor ``frame_width /
  nominal_width``; the intrinsics themselves are never rotated (``EGO4D/Ego-Exo4D-docs:
  docs/tutorials/undistort.md`` and ``facebookresearch/Ego4d:
  ego4d/internal/human_pose/undistort_to_halo.py``, ``undistort_exocam``). So a portrait camera's
  intrinsics are already in portrait pixels, whatever ``image_width/height`` say.
- **Aria (Fisheye624, VRS / ``online_calibration.jsonl``)**: the calibration JSON has no image size;
  projectaria-tools assigns the full sensor resolution by label (RGB 2880×2880, SLAM and ET 640×480;
  ``facebookresearch/projectaria_tools: core/calibration/loader/SensorCalibrationJson.cpp``) and
  brings RGB to the recorded 1408×1408 by ``CameraCalibration.rescale(new_size, 0.5, (32, 32))``:
  first subtract the offset from the principal point, then scale with pixel centres aligned,
  ``f' = s f``, ``c' = s (c + 0.5) - 0.5`` (``core/calibration/loader/AriaCalibRescaleAndCrop.cpp``,
  ``core/calibration/CameraCalibration.cpp``, ``camera_projections/FisheyeRadTanThinPrism.h``).

Never guess an image size from the principal point: sizes come from the video container, the
calibration's own size, or these nominal sizes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry.camera import Camera

__all__ = [
    "ARIA_CALIB_SIZES",
    "ARIA_RGB_RECORDED",
    "GOPRO_NOMINAL_SIZE",
    "aria_factory_camera",
    "aria_recorded_camera",
    "gopro_camera",
    "gopro_frame_size",
    "rescale",
]

GOPRO_NOMINAL_SIZE = (3840, 2160)
"""``(width, height)`` the official undistortion assumes for a GoPro calibration (``dimension``)."""
ARIA_CALIB_SIZES: dict[str, tuple[int, int]] = {
    "camera-rgb": (2880, 2880),
    "camera-slam-left": (640, 480),
    "camera-slam-right": (640, 480),
    "camera-et-left": (640, 480),
    "camera-et-right": (640, 480),
}
"""Image size projectaria-tools gives each calibration-JSON camera (full sensor resolution)."""
ARIA_RGB_RECORDED = {(1408, 1408): (0.5, (32.0, 32.0))}
"""Recorded RGB size → ``(scale, origin_offset)`` of projectaria's ``rescaleAriaRgb``."""


def rescale(camera: Camera, *, size: tuple[int, int], scale: float, offset: ArrayLike = (0.0, 0.0)) -> Camera:
    """Projectaria's ``CameraCalibration.rescale``: subtract ``offset`` from the centre, then scale.

    Args:
        camera: The calibration to transform (any model).
        size: ``(width, height)`` of the new image; must equal ``(old - 2 * offset) * scale``.
        scale: One factor for both axes (focal lengths and, pixel centres aligned, the centre).
        offset: ``(u, v)`` cropped from each side of the old image.

    Raises:
        ValueError: If ``size`` disagrees with ``scale`` and ``offset`` (projectaria throws too).

    Example:
        >>> cam = Camera("fisheye624", [1200.0, 1439.5, 1439.5] + [0.0] * 12, 2880, 2880)
        >>> rescale(cam, size=(1408, 1408), scale=0.5, offset=(32, 32)).params[:3].tolist()
        [600.0, 703.5, 703.5]
    """
    ou, ov = (float(v) for v in np.asarray(offset, np.float64).reshape(2))
    for old, o, new in ((camera.width, ou, size[0]), (camera.height, ov, size[1])):
        if abs((old - 2.0 * o) * scale - new) > 1e-3:
            raise ValueError(
                f"new size {size} does not agree with scale {scale} and offset {(ou, ov)} from "
                f"{camera.width}x{camera.height}: expected (old - 2 * offset) * scale"
            )
    shifted = camera.params.copy()
    cx, cy = _centre_index(camera)
    shifted[cx] -= ou
    shifted[cy] -= ov
    return _scale_params(Camera(camera.model, shifted, camera.width, camera.height), scale, size)


def _centre_index(camera: Camera) -> tuple[int, int]:
    return (1, 2) if camera.model == "fisheye624" else (2, 3)


def _scale_params(camera: Camera, scale: float, size: tuple[int, int]) -> Camera:
    p = camera.params.copy()
    cx, cy = _centre_index(camera)
    focal = [0] if camera.model == "fisheye624" else [0, 1]
    p[focal] *= scale
    p[[cx, cy]] = scale * (p[[cx, cy]] + 0.5) - 0.5
    return Camera(camera.model, p, int(size[0]), int(size[1]))


def aria_recorded_camera(
    label: str,
    params: ArrayLike,
    size: tuple[int, int] | None = None,
    *,
    calib_size: tuple[int, int] | None = None,
) -> Camera:
    """The Fisheye624 camera of an Aria sensor image of ``size`` (sensor orientation) from its calibration.

    Args:
        label: projectaria camera label (``camera-rgb``, ``camera-slam-left``, …).
        params: The 15 Fisheye624 parameters as stored (factory / online calibration JSON).
        size: ``(width, height)`` of the sensor image the camera is wanted for (the MP4 turned back);
            ``None``: the recorded size (RGB 1408×1408, else the calibration size).
        calib_size: Size the parameters are valid for; ``None``: projectaria's size for ``label``
            (:data:`ARIA_CALIB_SIZES`). A VRS read through projectaria-tools reports its own.

    Returns:
        The camera at ``size``: RGB 2880² → 1408² by projectaria's crop-and-scale, then any other
        size by a plain resize (:meth:`Camera.scaled`, e.g. the 448 downscaled MP4).

    Raises:
        ValueError: If ``label`` is unknown and no ``calib_size`` is given.
    """
    if calib_size is None:
        if label not in ARIA_CALIB_SIZES:
            raise ValueError(f"no known calibration image size for Aria camera {label!r}; pass calib_size")
        calib_size = ARIA_CALIB_SIZES[label]
    cam = Camera("fisheye624", params, int(calib_size[0]), int(calib_size[1]))
    if label == "camera-rgb" and calib_size == ARIA_CALIB_SIZES["camera-rgb"] and size != calib_size:
        (recorded, (scale, offset)), *_ = ARIA_RGB_RECORDED.items()
        cam = rescale(cam, size=recorded, scale=scale, offset=offset)
    if size is None or (cam.width, cam.height) == tuple(size):
        return cam
    return cam.scaled(width=int(size[0]), height=int(size[1]))


def aria_factory_camera(camera: Camera, label: str) -> Camera:
    """Inverse of :func:`aria_recorded_camera`: the calibration-JSON camera recording ``camera``.

    Used by writers (synth, build) that render at their own resolution but must store parameters the
    way the real calibration does (full sensor resolution, :data:`ARIA_CALIB_SIZES`).
    """
    full = ARIA_CALIB_SIZES[label]
    if label == "camera-rgb":
        (recorded, (scale, (ou, ov))), *_ = ARIA_RGB_RECORDED.items()
        at_recorded = (
            camera
            if (camera.width, camera.height) == recorded
            else camera.scaled(width=recorded[0], height=recorded[1])
        )
        up = _scale_params(at_recorded, 1.0 / scale, full)
        p = up.params.copy()
        p[[1, 2]] += [ou, ov]
        return Camera("fisheye624", p, *full)
    if (camera.width, camera.height) == full:
        return camera
    return camera.scaled(width=full[0], height=full[1])


def gopro_frame_size(calib_size: tuple[int, int] | None, frame_size: tuple[int, int]) -> tuple[int, int]:
    """The nominal calibration size for a frame: swapped when the frame is turned (portrait GoPro).

    The official code swaps when the full-resolution frame's width differs from 3840; stated for
    any resolution (a 448-downscaled frame, or a CSV that already says 2160×3840) that is: swap
    when the frame's orientation (portrait / landscape) is not the nominal size's.
    """
    nominal = tuple(calib_size) if calib_size else GOPRO_NOMINAL_SIZE
    if (nominal[0] < nominal[1]) != (frame_size[0] < frame_size[1]):
        nominal = (nominal[1], nominal[0])
    return int(nominal[0]), int(nominal[1])


def gopro_camera(
    intrinsics: ArrayLike, frame_size: tuple[int, int] | None, *, calib_size: tuple[int, int] | None = None
) -> Camera:
    """The KB3 camera of a GoPro frame of ``frame_size`` from ``gopro_calibs.csv`` intrinsics.

    Follows the official ``undistort_exocam``: nominal size ``calib_size`` (the CSV's
    ``image_width/height``, else 3840×2160), swapped when the frame's width differs (a portrait
    camera's intrinsics are already in portrait pixels), then one scale factor
    ``frame_width / nominal_width`` for ``fx, fy, cx, cy`` (pixel centres aligned, as
    :meth:`Camera.scaled`).

    Args:
        intrinsics: ``[fx, fy, cx, cy, k0, k1, k2, k3]``.
        frame_size: ``(width, height)`` of the video frame (from the container); ``None``: the
            calibration size as stored.
        calib_size: ``(image_width, image_height)`` of the CSV row.

    Raises:
        ValueError: If the frame's aspect ratio is not the calibration's (the official code asserts).

    Example:
        >>> k = [1761.3, 1761.3, 1080.0, 1920.0, 0.0369, 0.0571, -0.0572, 0.0185]  # portrait intrinsics
        >>> cam = gopro_camera(k, (448, 796), calib_size=(3840, 2160))
        >>> (cam.width, cam.height), round(float(cam.params[0]), 2)
        ((448, 796), 365.31)
    """
    if frame_size is None:
        w, h = calib_size or GOPRO_NOMINAL_SIZE
        return Camera("kb3", intrinsics, int(w), int(h))
    nw, nh = gopro_frame_size(calib_size, frame_size)
    fw, fh = int(frame_size[0]), int(frame_size[1])
    scale = fw / nw
    if abs(nh * scale - fh) > 2.0:  # even rounding of downscaled sizes: 3840x2160 -> 796x448
        raise ValueError(
            f"a {fw}x{fh} frame does not have the aspect ratio of its {nw}x{nh} GoPro calibration"
        )
    cam = Camera("kb3", intrinsics, nw, nh)
    return cam if (nw, nh) == (fw, fh) else _scale_params(cam, scale, (fw, fh))
