"""Kannala-Brandt K3 fisheye camera (``KANNALABRANDTK3``), identical to OpenCV's ``cv2.fisheye`` model.

Used by the GoPro exo cameras (``trajectory/gopro_calibs.csv``, FORMAT §6.3) and the Aria eye-tracking
cameras (FORMAT §5).

Parameters, shape ``(8,)`` (or ``(..., 8)`` for a batch of cameras): ``[fx, fy, cx, cy, k1, k2, k3, k4]``,
i.e. ``gopro_calibs.csv`` columns ``intrinsics_0..7``, ``K = [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]`` and
OpenCV ``D = [k1, k2, k3, k4]``. Focal lengths and principal point are in pixels.

Model, for a point ``(x, y, z)`` in the camera frame (OpenCV axes: x right, y down, z forward)::

    theta   = atan2(hypot(x, y), z)                      # angle from the optical axis
    theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6 + k4 theta^8)
    (u, v)  = (fx theta_d cos(phi) + cx, fy theta_d sin(phi) + cy),  phi = atan2(y, x)

Pixels live in the **raw (distorted) image** of the calibration's ``image_width x image_height``
(3840x2160 for GoPros; scale the parameters for downscaled video, FORMAT §4.3), ``(x, y)`` with the
origin at the centre of the top-left pixel, x right, y down. Undistorted pixels are a different image
space (FORMAT §7.9) with their own (pinhole) camera.

Validity: :func:`project` accepts points with ``z > min_z`` whose angle is below ``theta_max``, the
first angle where ``theta_d(theta)`` stops increasing (capped at 90°), so that the projection is
one-to-one; :func:`unproject` accepts pixels whose radius is reached within that range. No image-bounds
test is made: compare the pixels with the image size yourself.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry import _common

__all__ = ["NUM_PARAMS", "project", "unproject"]

#: Number of parameters: ``[fx, fy, cx, cy, k1, k2, k3, k4]``.
NUM_PARAMS = 8
_MODEL = "KB3 [fx, fy, cx, cy, k1, k2, k3, k4]"


@_common.quiet_invalid
def project(
    points_cam: ArrayLike, params: ArrayLike, *, min_z: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """Project camera-frame points to raw fisheye pixels.

    Args:
        points_cam: Points in the camera frame (x right, y down, z forward), shape ``(..., N, 3)``, any
            length unit (metres in egoexo-kit).
        params: ``[fx, fy, cx, cy, k1, k2, k3, k4]``, shape ``(8,)`` or ``(..., 8)`` broadcasting
            against the leading axes of ``points_cam``; pixels and unitless coefficients.
        min_z: Smallest depth counted as in front of the camera, same unit as ``points_cam``.

    Returns:
        ``px_raw``, shape ``(..., N, 2)``: pixel ``(x, y)`` in the raw fisheye image, NaN where invalid;
        and ``valid``, shape ``(..., N)`` bool: ``z > min_z``, angle inside the model's monotone range,
        finite input and output.

    Raises:
        ValueError: If ``points_cam`` is not ``(..., N, 3)`` or ``params`` is not ``(..., 8)``.

    Example:
        >>> params = [1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458]
        >>> px, ok = project([[0.0, 0.0, 2.0], [0.0, 0.0, -1.0]], params)
        >>> px[0].tolist(), ok.tolist()
        ([1920.0, 1080.0], [True, False])
    """
    pts = _common.as_points(points_cam, name="points_cam", dim=3)
    p = _common.as_params(params, size=NUM_PARAMS, model=_MODEL, batch_shape=pts.shape[:-2])
    k = p[..., 4:8]
    theta, cos_phi, sin_phi = _common.points_to_angles(pts)
    theta_d, _ = _common.radial_poly(theta, k)
    px = np.stack(
        [p[..., 0] * theta_d * cos_phi + p[..., 2], p[..., 1] * theta_d * sin_phi + p[..., 3]], axis=-1
    )
    valid = (pts[..., 2] > min_z) & (theta < _common.max_valid_theta(k)) & _common.finite_rows(pts, px)
    return _common.nan_where_invalid(px, valid), valid


@_common.quiet_invalid
def unproject(px: ArrayLike, params: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Unit rays through raw fisheye pixels (inverse of :func:`project`).

    Inverts the radial polynomial with a batched, bracketed Newton iteration (at most 50 steps, residual
    below 1e-12 normalized units, i.e. ~1e-9 px).

    Args:
        px: Pixel ``(x, y)`` in the raw fisheye image, shape ``(..., N, 2)``.
        params: ``[fx, fy, cx, cy, k1, k2, k3, k4]``, shape ``(8,)`` or ``(..., 8)``.

    Returns:
        ``rays``, shape ``(..., N, 3)``: unit-norm directions in the camera frame (z forward), NaN where
        invalid; and ``valid``, shape ``(..., N)`` bool: the Newton solve converged inside the valid
        angle range (False for NaN pixels and for radii the model never reaches).

    Raises:
        ValueError: If ``px`` is not ``(..., N, 2)`` or ``params`` is not ``(..., 8)``.

    Example:
        >>> params = [1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458]
        >>> rays, ok = unproject([[1920.0, 1080.0]], params)
        >>> rays.tolist(), ok.tolist()
        ([[0.0, 0.0, 1.0]], [True])
    """
    pix = _common.as_points(px, name="px", dim=2)
    p = _common.as_params(params, size=NUM_PARAMS, model=_MODEL, batch_shape=pix.shape[:-2])
    k = p[..., 4:8]
    xy = np.stack([(pix[..., 0] - p[..., 2]) / p[..., 0], (pix[..., 1] - p[..., 3]) / p[..., 1]], axis=-1)
    theta, valid = _common.invert_radial(np.hypot(xy[..., 0], xy[..., 1]), k, _common.max_valid_theta(k))
    return _common.nan_where_invalid(_common.rays_from_radial(xy, theta), valid), valid
