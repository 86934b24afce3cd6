"""Private helpers shared by the camera-model modules: shape checks and the radial polynomial.

The fisheye models (``kb3``, ``fisheye624``) share the Kannala-Brandt radial part
``theta_d = theta * (1 + k_0 theta^2 + k_1 theta^4 + ...)``; its evaluation, its valid domain and its
inverse live here so the model modules hold only what differs between them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np
from numpy.typing import ArrayLike

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: Iteration cap of every Newton solve; a solve that needs more is reported as not converged.
MAX_NEWTON_ITERATIONS = 50
#: Convergence threshold of the Newton solves, on the residual in normalized image units
#: (pixels divided by the focal length); 1e-12 is ~1e-9 px for a 2000 px focal length.
NEWTON_TOL = 1e-12
#: Grid size used to find where the radial polynomial stops increasing (see ``max_valid_theta``).
_THETA_GRID = 1024
_BISECTION_STEPS = 60


def quiet_invalid(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Silence numpy floating-point warnings inside a projection function.

    NaN or infinite inputs make intermediate values NaN; those rows are reported through the validity
    mask, so the warnings would only be noise.
    """

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return fn(*args, **kwargs)

    return wrapper


def as_points(x: ArrayLike, *, name: str, dim: int) -> np.ndarray:
    """Convert ``x`` to float64 and check it has shape ``(..., N, dim)``.

    Args:
        x: Array-like input.
        name: Argument name used in the error message.
        dim: Required size of the last axis (3 for camera points, 2 for pixels).

    Returns:
        The float64 array, shape ``(..., N, dim)``.

    Raises:
        ValueError: If ``x`` has fewer than 2 axes or its last axis is not ``dim``.
    """
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim < 2 or arr.shape[-1] != dim:
        raise ValueError(f"{name} must have shape (..., N, {dim}); got shape {arr.shape}")
    return arr


def as_params(params: ArrayLike, *, size: int, model: str, batch_shape: tuple[int, ...]) -> np.ndarray:
    """Convert camera parameters to float64, check their shape, and add an ``N`` axis.

    Args:
        params: Parameters, shape ``(size,)`` for one camera or ``(..., size)`` with leading axes
            that broadcast against ``batch_shape``.
        size: Number of parameters of the model.
        model: Model name and parameter order, used in the error message.
        batch_shape: The leading (batch) shape of the points or pixels, without ``N``.

    Returns:
        float64 array of shape ``(..., 1, size)``, so that ``p[..., i]`` broadcasts against ``(..., N)``.

    Raises:
        ValueError: If the last axis is not ``size`` or the batch axes do not broadcast.
    """
    arr = np.asarray(params, dtype=np.float64)
    if arr.ndim < 1 or arr.shape[-1] != size:
        raise ValueError(
            f"params must have shape ({size},) or (..., {size}) for {model}; got shape {arr.shape}"
        )
    try:
        np.broadcast_shapes(arr.shape[:-1], batch_shape)
    except ValueError:
        raise ValueError(
            f"params batch shape {arr.shape[:-1]} does not broadcast against the points' batch shape "
            f"{batch_shape}"
        ) from None
    return arr[..., None, :]


def nan_where_invalid(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Return ``values`` (shape ``(..., N, D)``) with rows where ``valid`` is False set to NaN."""
    return np.where(valid[..., None], values, np.nan)


def finite_rows(*arrays: np.ndarray) -> np.ndarray:
    """True where every value of a row (last axis) is finite in all ``arrays``; shapes ``(..., N, D)``."""
    out = np.isfinite(arrays[0]).all(axis=-1)
    for arr in arrays[1:]:
        out = out & np.isfinite(arr).all(axis=-1)
    return out


def radial_poly(theta: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate the Kannala-Brandt radial polynomial and its derivative.

    Args:
        theta: Angle from the optical axis in radians, shape ``S``.
        k: Radial coefficients ``k_0..k_{K-1}``, shape ``(..., K)`` whose leading axes broadcast with ``S``.

    Returns:
        ``theta_d = theta (1 + sum_i k_i theta^(2i+2))`` and ``d theta_d / d theta``, both broadcast shape.
    """
    theta_sq = theta * theta
    poly = np.ones_like(theta_sq)
    dpoly = np.ones_like(theta_sq)
    power = theta_sq
    for i in range(k.shape[-1]):
        poly = poly + k[..., i] * power
        dpoly = dpoly + (2 * i + 3) * k[..., i] * power
        power = power * theta_sq
    return theta * poly, dpoly


def max_valid_theta(k: np.ndarray) -> np.ndarray:
    """Largest angle up to which the radial polynomial is strictly increasing, capped at pi/2.

    Beyond the first zero of ``d theta_d / d theta`` the projection folds back onto itself, so a pixel
    there no longer names one ray. The zero is located on a 1024-point grid over ``(0, pi/2]`` and then
    refined by bisection (a dip narrower than the grid step, ~1.5 mrad, would be missed).

    Args:
        k: Radial coefficients, shape ``(..., K)``.

    Returns:
        Angle in radians, shape ``(...)``.
    """
    grid = np.linspace(0.0, np.pi / 2, _THETA_GRID + 1)[1:]
    _, dpoly = radial_poly(grid, k[..., None, :])
    bad = dpoly <= 0
    has_bad = bad.any(axis=-1)
    theta_max = np.full(k.shape[:-1], np.pi / 2)
    if not has_bad.any():
        return theta_max
    first = np.argmax(bad, axis=-1)
    hi = grid[first]
    lo = np.where(first > 0, grid[np.maximum(first - 1, 0)], 0.0)
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        _, d_mid = radial_poly(mid, k)
        lo, hi = np.where(d_mid > 0, mid, lo), np.where(d_mid > 0, hi, mid)
    return np.where(has_bad, lo, theta_max)


def points_to_angles(points_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Angle from the optical axis and the unit direction in the image plane of camera points.

    Args:
        points_cam: Points in the camera frame (z forward), shape ``(..., N, 3)``.

    Returns:
        ``theta`` (radians, shape ``(..., N)``, from ``atan2(hypot(x, y), z)``) and ``cos_phi``,
        ``sin_phi`` (shape ``(..., N)``; ``(0, 0)`` on the optical axis).
    """
    x, y, z = points_cam[..., 0], points_cam[..., 1], points_cam[..., 2]
    rho = np.hypot(x, y)
    theta = np.arctan2(rho, z)
    safe = np.where(rho > 0, rho, 1.0)
    return theta, np.where(rho > 0, x / safe, 0.0), np.where(rho > 0, y / safe, 0.0)


def rays_from_radial(xy: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Unit rays from a direction in the normalized image plane and the angle from the optical axis.

    Args:
        xy: Distorted-radial coordinates ``(x_r, y_r)`` whose direction gives the azimuth, shape
            ``(..., N, 2)``.
        theta: Angle from the optical axis in radians, shape ``(..., N)``.

    Returns:
        Unit-norm rays in the camera frame, shape ``(..., N, 3)``; ``(0, 0, 1)`` where ``xy`` is zero.
    """
    norm = np.hypot(xy[..., 0], xy[..., 1])
    scale = np.where(norm > 0, np.sin(theta) / np.where(norm > 0, norm, 1.0), 0.0)
    return np.stack([xy[..., 0] * scale, xy[..., 1] * scale, np.cos(theta)], axis=-1)


def invert_radial(theta_d: np.ndarray, k: np.ndarray, theta_max: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``radial_poly(theta, k) = theta_d`` for ``theta`` in ``[0, theta_max]``, batched.

    Safeguarded Newton: each iterate keeps a bracket ``[lo, hi]`` around the root and falls back to
    bisection when a Newton step would leave it or shrink too slowly, so the solve can neither diverge
    on the non-monotone tail of the polynomial nor oscillate near its fold. All points iterate together;
    the loop stops early once every point has converged.

    Args:
        theta_d: Distorted radius in normalized image units, shape ``S``.
        k: Radial coefficients, shape ``(..., K)`` broadcasting with ``S``.
        theta_max: Upper end of the valid angle range in radians (``max_valid_theta``), broadcasting
            with ``S``.

    Returns:
        ``theta`` in radians and a ``converged`` mask (False for NaN input and for radii beyond the
        image of ``theta_max``), both of the broadcast shape.
    """
    shape = np.broadcast_shapes(theta_d.shape, k.shape[:-1], np.shape(theta_max))
    target = np.broadcast_to(theta_d, shape)
    lo = np.zeros(shape)
    hi = np.broadcast_to(theta_max, shape).astype(np.float64)
    theta = np.clip(target, lo, hi)
    converged = np.zeros(shape, dtype=bool)
    tol = NEWTON_TOL * np.maximum(1.0, np.abs(target))
    # Radii past the image of theta_max (and NaN) have no root: leave them out of the stop test.
    hopeless = ~(target <= radial_poly(hi, k)[0] + tol)
    finite = np.isfinite(target)
    last_step = hi - lo
    for _ in range(MAX_NEWTON_ITERATIONS):
        value, slope = radial_poly(theta, k)
        resid = value - target
        converged = (np.abs(resid) <= tol) & finite
        if np.all(converged | hopeless):
            break
        lo = np.where(resid < 0, theta, lo)
        hi = np.where(resid > 0, theta, hi)
        newton = theta - resid / np.where(slope > 0, slope, np.inf)
        # Take the Newton step only if it stays in the bracket and at most halves the last step;
        # otherwise bisect (Numerical Recipes' rtsafe), so iterates cannot bounce between the ends.
        use_newton = (newton > lo) & (newton < hi) & (2.0 * np.abs(resid) <= np.abs(last_step * slope))
        new_theta = np.where(converged, theta, np.where(use_newton, newton, 0.5 * (lo + hi)))
        last_step = new_theta - theta
        theta = new_theta
    return theta, converged
