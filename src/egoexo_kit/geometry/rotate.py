"""Aria orientation: map pixels between the raw sensor image and the upright (rotated) MP4.

The frame-aligned Aria MP4s store the sensor image **rotated 90° clockwise** (FORMAT §4.1), i.e.
``mp4_frame = np.rot90(sensor_image, k=-1)`` and ``sensor_image = np.rot90(mp4_frame)``. For a sensor
image of width ``W`` and height ``H`` (the MP4 is then ``H`` wide and ``W`` tall), with pixel centres at
integer coordinates, a sensor pixel ``(u, v)`` is MP4 pixel ``(x, y) = (H - 1 - v, u)``.

FORMAT §4.1 writes this as ``(W - 1 - v, u)`` quoting the gaze tutorial; there ``W`` is the width of the
MP4 (= the sensor height). The two agree for the square 1408x1408 RGB stream; for non-square streams
(SLAM 640x480) the sensor height is the right constant, which the tests check against ``np.rot90``.

Camera models (``fisheye624``, ``kb3``) work in the sensor image: ``px_raw`` here; ``px_rotated`` is
the MP4 image space.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["mp4_to_sensor_px", "sensor_to_mp4_px"]


def _check(px: ArrayLike, *, name: str, sensor_size: tuple[int, int]) -> tuple[np.ndarray, float]:
    arr = np.asarray(px, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != 2:
        raise ValueError(f"{name} must have shape (..., 2); got shape {arr.shape}")
    if len(sensor_size) != 2 or min(sensor_size) <= 0:
        raise ValueError(
            f"sensor_size must be (width, height) of the sensor image in pixels; got {sensor_size}"
        )
    return arr, float(sensor_size[1])


def sensor_to_mp4_px(px_raw: ArrayLike, *, sensor_size: tuple[int, int]) -> np.ndarray:
    """Map pixels of the raw sensor image to the rotated (upright) Aria MP4 image.

    Args:
        px_raw: Pixel ``(u, v)`` in the raw sensor image (the VRS calibration's image space), shape
            ``(..., 2)``.
        sensor_size: ``(width, height)`` of the sensor image in pixels, e.g. ``(1408, 1408)`` for RGB.

    Returns:
        ``px_rotated``: pixel ``(x, y) = (H - 1 - v, u)`` in the MP4 image, shape ``(..., 2)``.

    Raises:
        ValueError: If ``px_raw`` is not ``(..., 2)`` or ``sensor_size`` is not a positive pair.

    Example:
        >>> sensor_to_mp4_px([0.0, 0.0], sensor_size=(640, 480)).tolist()  # top-left -> top-right
        [479.0, 0.0]
    """
    arr, height = _check(px_raw, name="px_raw", sensor_size=sensor_size)
    return np.stack([height - 1.0 - arr[..., 1], arr[..., 0]], axis=-1)


def mp4_to_sensor_px(px_rotated: ArrayLike, *, sensor_size: tuple[int, int]) -> np.ndarray:
    """Map pixels of the rotated (upright) Aria MP4 image back to the raw sensor image.

    Args:
        px_rotated: Pixel ``(x, y)`` in the MP4 image, shape ``(..., 2)``.
        sensor_size: ``(width, height)`` of the **sensor** image in pixels (the MP4 is ``height`` wide).

    Returns:
        ``px_raw``: pixel ``(u, v) = (y, H - 1 - x)`` in the raw sensor image, shape ``(..., 2)``.

    Raises:
        ValueError: If ``px_rotated`` is not ``(..., 2)`` or ``sensor_size`` is not a positive pair.

    Example:
        >>> mp4_to_sensor_px([479.0, 0.0], sensor_size=(640, 480)).tolist()
        [0.0, 0.0]
    """
    arr, height = _check(px_rotated, name="px_rotated", sensor_size=sensor_size)
    return np.stack([arr[..., 1], height - 1.0 - arr[..., 0]], axis=-1)
