"""Image spaces of the official tooling: exo balance-0.8 undistortion, the Aria 512² linear camera, remapping.

Three image spaces exist for every view (DESIGN §2, FORMAT §7.9):

- **raw**: the distorted image the calibration describes (GoPro KB3 at the MP4 size; Aria Fisheye624
  in sensor orientation);
- **undistorted**: the EgoPose annotation space, a pinhole camera: for exo the ``K_new`` of
  ``cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(K, D, size, I, balance=0.8)`` at the raw
  size; for Aria the 512×512 linear camera with f = 150, c = 255.5, sensor orientation;
- **mp4** (Aria only differs from raw): the raw image turned 90° clockwise as stored in the MP4s
  (:mod:`egoexo_kit.geometry.rotate`).

Point conversions between two spaces of the same camera go through rays (:func:`convert_px`); images
are remapped with OpenCV (:func:`undistort`), which returns the image with the camera of its space so
the two cannot drift apart (STYLE §2).
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry.camera import Camera

__all__ = [
    "ARIA_LINEAR_FOCAL",
    "ARIA_LINEAR_SIZE",
    "EXO_UNDISTORT_BALANCE",
    "aria_linear_camera",
    "convert_px",
    "exo_undistorted_camera",
    "undistort",
]

EXO_UNDISTORT_BALANCE = 0.8
"""``balance`` of the exo fisheye undistortion of the EgoPose 2D annotations (FORMAT §6.3)."""
ARIA_LINEAR_SIZE = 512
"""Side of the undistorted Aria image of EgoPose, pixels (FORMAT §7.9)."""
ARIA_LINEAR_FOCAL = 150.0
"""Focal length of the undistorted Aria linear camera, pixels (FORMAT §7.9)."""


def exo_undistorted_camera(raw: Camera, *, balance: float = EXO_UNDISTORT_BALANCE) -> Camera:
    """The pinhole camera of the exo undistorted space: OpenCV's ``K_new`` for ``balance`` at the raw size.

    Args:
        raw: The KB3 camera of the raw (distorted) image at the resolution the points live in (scale it
            with :meth:`Camera.scaled` first for downscaled video).
        balance: OpenCV's ``balance`` (0 crops to valid pixels, 1 keeps the whole fisheye); 0.8 is what
            the official EgoPose tooling uses.

    Returns:
        A ``pinhole`` camera ``[fx, fy, cx, cy]`` of the same ``width × height``.

    Raises:
        ValueError: If ``raw`` is not a ``kb3`` camera.

    Example:
        >>> raw = Camera("kb3", [1761.3, 1761.3, 1920.0, 1080.0, 0.0369, 0.0571, -0.0572, 0.0185], 3840, 2160)
        >>> und = exo_undistorted_camera(raw)
        >>> und.model, (und.width, und.height), bool(und.params[0] < raw.params[0])
        ('pinhole', (3840, 2160), True)
    """
    if raw.model != "kb3":
        raise ValueError(f"the exo undistortion is defined for kb3 (OpenCV fisheye) cameras, got {raw.model}")
    fx, fy, cx, cy, *dist = raw.params
    K = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
    K_new = cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(
        K, np.asarray(dist, np.float64).reshape(4, 1), (raw.width, raw.height), np.eye(3), balance=balance
    )
    K_new = np.asarray(K_new, np.float64)
    return Camera("pinhole", K_new[[0, 1, 0, 1], [0, 1, 2, 2]], raw.width, raw.height)


def aria_linear_camera(*, size: int = ARIA_LINEAR_SIZE, focal: float = ARIA_LINEAR_FOCAL) -> Camera:
    """The undistorted Aria camera of EgoPose: linear, ``size × size``, focal ``focal``, centred.

    Example:
        >>> aria_linear_camera().params.tolist()
        [150.0, 150.0, 255.5, 255.5]
    """
    c = (size - 1) / 2.0
    return Camera("pinhole", [focal, focal, c, c], size, size)


def convert_px(px: ArrayLike, *, src: Camera, dst: Camera) -> tuple[np.ndarray, np.ndarray]:
    """Move pixels from one image space of a camera to another (same optical centre and axes).

    Args:
        px: Pixels ``(x, y)`` in ``src``'s image space, shape ``(..., N, 2)``.
        src: Camera of the input space (e.g. the raw KB3).
        dst: Camera of the output space (e.g. :func:`exo_undistorted_camera`).

    Returns:
        Pixels in ``dst``'s space ``(..., N, 2)`` (NaN where invalid) and ``valid`` ``(..., N)``: the ray
        exists in ``src`` and projects in front of ``dst`` (no image-bounds test).
    """
    rays, ok = src.unproject(px)
    out, ok2 = dst.project(rays, inside=False)
    valid = ok & ok2
    return np.where(valid[..., None], out, np.nan), valid


def undistort(
    image: np.ndarray, *, src: Camera, dst: Camera, interpolation: int = cv2.INTER_LINEAR
) -> tuple[np.ndarray, Camera]:
    """Resample an image from ``src``'s space into ``dst``'s (e.g. raw fisheye → undistorted).

    Every output pixel centre is unprojected with ``dst`` and projected with ``src``; OpenCV
    ``remap`` samples there. Pixels with no source are black. For the exo EgoPose space this equals
    ``cv2.fisheye.initUndistortRectifyMap(K, D, I, K_new, size)`` + ``remap``.

    Args:
        image: ``(H, W)`` or ``(H, W, C)`` image in ``src``'s space (``H, W`` = ``src.height, src.width``).
        src: Camera of the input image.
        dst: Camera of the output image (its size is the output size).
        interpolation: OpenCV interpolation flag.

    Returns:
        The ``(dst.height, dst.width[, C])`` image and ``dst``.

    Raises:
        ValueError: If the image size does not match ``src``.
    """
    img = np.asarray(image)
    if img.shape[:2] != (src.height, src.width):
        raise ValueError(
            f"image is {img.shape[1]}x{img.shape[0]} but the source camera is {src.width}x{src.height}"
        )
    rays, ok = dst.pixel_rays()
    px, ok2 = src.project(rays, inside=False)
    px = np.where((ok & ok2)[:, None], px, -1e6).astype(np.float32)
    maps = px.reshape(dst.height, dst.width, 2)
    out = cv2.remap(
        img, maps[..., 0], maps[..., 1], interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    return out, dst
