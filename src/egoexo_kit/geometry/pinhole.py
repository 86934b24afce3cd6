"""Pinhole (linear) camera without distortion.

Used for undistorted image spaces: the EgoPose Aria linear camera (f = 150, c = 255.5 at 512x512) and the
exo ``new_K`` of the balance-0.8 fisheye undistortion (FORMAT §7.9).

Parameters, shape ``(4,)`` (or ``(..., 4)`` for a batch of cameras): ``[fx, fy, cx, cy]`` in pixels,
``K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]``.

Model, for a point ``(x, y, z)`` in the camera frame (OpenCV axes: x right, y down, z forward)::

    (u, v) = (fx x / z + cx, fy y / z + cy)

Pixels live in the **undistorted image** the ``K`` belongs to, ``(x, y)`` with the origin at the centre
of the top-left pixel, x right, y down. :func:`project` accepts points with ``z > min_z``; no
image-bounds test is made.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry import _common

__all__ = ["NUM_PARAMS", "project", "unproject"]

#: Number of parameters: ``[fx, fy, cx, cy]``.
NUM_PARAMS = 4
_MODEL = "pinhole [fx, fy, cx, cy]"


@_common.quiet_invalid
def project(
    points_cam: ArrayLike, params: ArrayLike, *, min_z: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """Project camera-frame points to undistorted pixels.

    Args:
        points_cam: Points in the camera frame (x right, y down, z forward), shape ``(..., N, 3)``, any
            length unit (metres in egoexo-kit).
        params: ``[fx, fy, cx, cy]`` in pixels, shape ``(4,)`` or ``(..., 4)`` broadcasting against the
            leading axes of ``points_cam``.
        min_z: Smallest depth counted as in front of the camera, same unit as ``points_cam``.

    Returns:
        ``px_undistorted``, shape ``(..., N, 2)``: pixel ``(x, y)``, NaN where invalid; and ``valid``,
        shape ``(..., N)`` bool: ``z > min_z``, finite input and output.

    Raises:
        ValueError: If ``points_cam`` is not ``(..., N, 3)`` or ``params`` is not ``(..., 4)``.

    Example:
        >>> px, ok = project([[0.5, -0.25, 2.0]], [150.0, 150.0, 255.5, 255.5])
        >>> px.tolist(), ok.tolist()
        ([[293.0, 236.75]], [True])
    """
    pts = _common.as_points(points_cam, name="points_cam", dim=3)
    p = _common.as_params(params, size=NUM_PARAMS, model=_MODEL, batch_shape=pts.shape[:-2])
    z = pts[..., 2]
    valid = z > min_z
    inv_z = 1.0 / np.where(valid, z, 1.0)
    px = np.stack(
        [p[..., 0] * pts[..., 0] * inv_z + p[..., 2], p[..., 1] * pts[..., 1] * inv_z + p[..., 3]], axis=-1
    )
    valid &= _common.finite_rows(pts, px)
    return _common.nan_where_invalid(px, valid), valid


@_common.quiet_invalid
def unproject(px: ArrayLike, params: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Unit rays through undistorted pixels (inverse of :func:`project`).

    Args:
        px: Pixel ``(x, y)`` in the undistorted image, shape ``(..., N, 2)``.
        params: ``[fx, fy, cx, cy]`` in pixels, shape ``(4,)`` or ``(..., 4)``.

    Returns:
        ``rays``, shape ``(..., N, 3)``: unit-norm directions in the camera frame (z forward), NaN where
        invalid; and ``valid``, shape ``(..., N)`` bool: finite result (the linear model needs no
        iteration).

    Raises:
        ValueError: If ``px`` is not ``(..., N, 2)`` or ``params`` is not ``(..., 4)``.

    Example:
        >>> rays, ok = unproject([[255.5, 255.5]], [150.0, 150.0, 255.5, 255.5])
        >>> rays.tolist(), ok.tolist()
        ([[0.0, 0.0, 1.0]], [True])
    """
    pix = _common.as_points(px, name="px", dim=2)
    p = _common.as_params(params, size=NUM_PARAMS, model=_MODEL, batch_shape=pix.shape[:-2])
    x = (pix[..., 0] - p[..., 2]) / p[..., 0]
    y = (pix[..., 1] - p[..., 3]) / p[..., 1]
    rays = np.stack([x, y, np.ones_like(x)], axis=-1)
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    valid = np.isfinite(rays).all(axis=-1)
    return _common.nan_where_invalid(rays, valid), valid
