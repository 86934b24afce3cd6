"""Aria FisheyeRadTanThinPrism ("Fisheye624") camera, as defined by projectaria_tools.

Used by the Aria RGB and SLAM cameras (VRS ``calib_json``, ``Projection.Name == "FisheyeRadTanThinPrism"``,
FORMAT §5). Follows ``facebookresearch/projectaria_tools:core/calibration/camera_projections/
FisheyeRadTanThinPrism.h`` with ``numK = 6``, tangential and thin-prism terms, one shared focal length.

Parameters, shape ``(15,)`` (or ``(..., 15)`` for a batch of cameras), in the calibration JSON order:
``[f, cx, cy, k0, k1, k2, k3, k4, k5, p0, p1, s0, s1, s2, s3]``; ``f``, ``cx``, ``cy`` in pixels.

Model, for a point ``(x, y, z)`` in the camera frame (x right, y down, z forward)::

    theta      = atan2(hypot(x, y), z)
    theta_d    = theta (1 + k0 theta^2 + k1 theta^4 + ... + k5 theta^12)
    (xr, yr)   = theta_d (cos phi, sin phi),  rd^2 = xr^2 + yr^2
    tangential = ((2 xr^2 + rd^2) p0 + 2 xr yr p1,  (2 yr^2 + rd^2) p1 + 2 xr yr p0)
    thin prism = (s0 rd^2 + s1 rd^4,  s2 rd^2 + s3 rd^4)
    (u, v)     = f ((xr, yr) + tangential + thin prism) + (cx, cy)

Pixels live in the **raw sensor image** (landscape orientation, 1408x1408 for full-resolution RGB), the
image the VRS calibration describes, ``(x, y)`` with the origin at the centre of the top-left pixel.
The frame-aligned Aria MP4 is that image **rotated 90° clockwise** (FORMAT §4.1): convert MP4 pixels with
:func:`egoexo_kit.geometry.mp4_to_sensor_px` before :func:`unproject`, and projected pixels with
:func:`egoexo_kit.geometry.sensor_to_mp4_px` before drawing on MP4 frames.

Validity: projectaria_tools projects ``(x, y, z)`` and ``(-x, -y, -z)`` to the same pixel; here
:func:`project` accepts only ``z > min_z`` with the angle below ``theta_max``, the first angle where
``theta_d(theta)`` stops increasing (capped at 90°). :func:`unproject` accepts pixels whose Newton
solves (tangential/thin-prism inverse, then radial inverse) converge inside that range. No image-bounds
test is made.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry import _common

__all__ = ["NUM_PARAMS", "project", "unproject"]

#: Number of parameters: ``[f, cx, cy, k0..k5, p0, p1, s0..s3]``.
NUM_PARAMS = 15
_MODEL = "Fisheye624 [f, cx, cy, k0..k5, p0, p1, s0..s3]"


def _tangential_thin_prism(xr: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Distorted coordinates ``(xr, yr) + tangential + thin prism``; ``xr`` shape ``(..., N, 2)``."""
    x, y = xr[..., 0], xr[..., 1]
    p0, p1, s0, s1, s2, s3 = (p[..., i] for i in range(9, 15))
    r2 = x * x + y * y
    two_dot = 2.0 * (x * p0 + y * p1)
    u = x + two_dot * x + r2 * p0 + (s0 + s1 * r2) * r2
    v = y + two_dot * y + r2 * p1 + (s2 + s3 * r2) * r2
    return np.stack([u, v], axis=-1)


def _tangential_thin_prism_jacobian(xr: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Jacobian of :func:`_tangential_thin_prism` w.r.t. ``(xr, yr)``, shape ``(..., N, 2, 2)``."""
    x, y = xr[..., 0], xr[..., 1]
    p0, p1, s0, s1, s2, s3 = (p[..., i] for i in range(9, 15))
    r2 = x * x + y * y
    prism_u = 2.0 * (s0 + 2.0 * s1 * r2)
    prism_v = 2.0 * (s2 + 2.0 * s3 * r2)
    du_dx = 1.0 + 6.0 * p0 * x + 2.0 * p1 * y + prism_u * x
    du_dy = 2.0 * p0 * y + 2.0 * p1 * x + prism_u * y
    dv_dx = 2.0 * p1 * x + 2.0 * p0 * y + prism_v * x
    dv_dy = 1.0 + 6.0 * p1 * y + 2.0 * p0 * x + prism_v * y
    return np.stack([np.stack([du_dx, du_dy], axis=-1), np.stack([dv_dx, dv_dy], axis=-1)], axis=-2)


def _undo_tangential_thin_prism(uv: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``_tangential_thin_prism(xr) = uv`` by batched 2-D Newton; returns ``xr`` and ``converged``."""
    xr = uv.copy()
    tol = _common.NEWTON_TOL * np.maximum(1.0, np.abs(uv).max(axis=-1))
    hopeless = ~np.isfinite(uv).all(axis=-1)
    converged = np.zeros(uv.shape[:-1], dtype=bool)
    for _ in range(_common.MAX_NEWTON_ITERATIONS):
        resid = uv - _tangential_thin_prism(xr, p)
        converged = np.abs(resid).max(axis=-1) <= tol
        if np.all(converged | hopeless):
            break
        jac = _tangential_thin_prism_jacobian(xr, p)
        a, b, c, d = jac[..., 0, 0], jac[..., 0, 1], jac[..., 1, 0], jac[..., 1, 1]
        det = a * d - b * c
        step = np.stack(
            [d * resid[..., 0] - b * resid[..., 1], a * resid[..., 1] - c * resid[..., 0]], axis=-1
        )
        step /= det[..., None]
        xr = np.where(converged[..., None], xr, xr + step)
    return xr, converged


@_common.quiet_invalid
def project(
    points_cam: ArrayLike, params: ArrayLike, *, min_z: float = 1e-9
) -> tuple[np.ndarray, np.ndarray]:
    """Project camera-frame points to raw Aria sensor pixels.

    Args:
        points_cam: Points in the camera frame (x right, y down, z forward), shape ``(..., N, 3)``, any
            length unit (metres in egoexo-kit).
        params: ``[f, cx, cy, k0..k5, p0, p1, s0..s3]``, shape ``(15,)`` or ``(..., 15)`` broadcasting
            against the leading axes of ``points_cam``.
        min_z: Smallest depth counted as in front of the camera, same unit as ``points_cam``.

    Returns:
        ``px_raw``, shape ``(..., N, 2)``: pixel ``(x, y)`` in the raw sensor image (not the rotated
        MP4), NaN where invalid; and ``valid``, shape ``(..., N)`` bool: ``z > min_z``, angle inside
        the model's monotone range,
        finite input and output.

    Raises:
        ValueError: If ``points_cam`` is not ``(..., N, 3)`` or ``params`` is not ``(..., 15)``.

    Example:
        >>> params = [610.0, 703.5, 703.5] + [0.0] * 12
        >>> px, ok = project([[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]], params)
        >>> px.round(3).tolist(), ok.tolist()
        ([[703.5, 703.5], [1182.593, 703.5]], [True, True])
    """
    pts = _common.as_points(points_cam, name="points_cam", dim=3)
    p = _common.as_params(params, size=NUM_PARAMS, model=_MODEL, batch_shape=pts.shape[:-2])
    k = p[..., 3:9]
    theta, cos_phi, sin_phi = _common.points_to_angles(pts)
    theta_d, _ = _common.radial_poly(theta, k)
    uv = _tangential_thin_prism(np.stack([theta_d * cos_phi, theta_d * sin_phi], axis=-1), p)
    px = p[..., None, 0] * uv + p[..., 1:3]
    valid = (pts[..., 2] > min_z) & (theta < _common.max_valid_theta(k)) & _common.finite_rows(pts, px)
    return _common.nan_where_invalid(px, valid), valid


@_common.quiet_invalid
def unproject(px: ArrayLike, params: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Unit rays through raw Aria sensor pixels (inverse of :func:`project`).

    Two batched Newton solves, as in projectaria_tools: first undo the tangential and thin-prism terms
    (2-D Newton from ``(xr, yr) = uv``), then invert the radial polynomial (bracketed 1-D Newton); each
    stops at a residual below 1e-12 normalized units (~1e-9 px) or after 50 steps.

    Args:
        px: Pixel ``(x, y)`` in the raw sensor image (rotate MP4 pixels back first, FORMAT §4.1), shape
            ``(..., N, 2)``.
        params: ``[f, cx, cy, k0..k5, p0, p1, s0..s3]``, shape ``(15,)`` or ``(..., 15)``.

    Returns:
        ``rays``, shape ``(..., N, 3)``: unit-norm directions in the camera frame (z forward), NaN where
        invalid; and ``valid``, shape ``(..., N)`` bool: both solves converged inside the valid angle
        range (False for NaN pixels).

    Raises:
        ValueError: If ``px`` is not ``(..., N, 2)`` or ``params`` is not ``(..., 15)``.

    Example:
        >>> params = [610.0, 703.5, 703.5] + [0.0] * 12
        >>> rays, ok = unproject([[703.5, 703.5]], params)
        >>> rays.tolist(), ok.tolist()
        ([[0.0, 0.0, 1.0]], [True])
    """
    pix = _common.as_points(px, name="px", dim=2)
    p = _common.as_params(params, size=NUM_PARAMS, model=_MODEL, batch_shape=pix.shape[:-2])
    k = p[..., 3:9]
    uv = (pix - p[..., 1:3]) / p[..., None, 0]
    xr, ok_tangential = _undo_tangential_thin_prism(uv, p)
    theta, ok_radial = _common.invert_radial(np.hypot(xr[..., 0], xr[..., 1]), k, _common.max_valid_theta(k))
    valid = ok_tangential & ok_radial
    return _common.nan_where_invalid(_common.rays_from_radial(xr, theta), valid), valid
