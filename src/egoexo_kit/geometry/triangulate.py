"""Batched multi-view triangulation: DLT on rays, exhaustive pair RANSAC over views, batched LM refinement.

Every function works on whole arrays of points at once (frames × joints flattened), looping only over
views or view pairs, never over points (DESIGN §5). Any camera model works: pixels are first turned
into camera-frame rays with the model's ``unproject``, and the DLT constraint is written on rays,
``d × (R X + t) = 0`` (three rows per view, rank two), which stays valid for fisheye rays beyond 90°.

Robust estimate (:func:`triangulate`): every pair of observed views gives a hypothesis (DLT of the
two rays); the hypothesis with the lowest MSAC cost (``Σ min(e², τ²)`` over the point's observed views,
``e`` the reprojection error in pixels) wins; its inliers (``e < τ``) are triangulated again by DLT and
refined by Levenberg–Marquardt on the reprojection error. The LM is written here, batched over all
points (3×3 normal equations per point, forward-difference Jacobian), because scipy's
``least_squares(method="lm")`` solves one problem per call; the tests check that both reach the same
optimum (to 1e-6 m). With few views (≤ 8, 28 pairs) trying
every pair is cheaper than random sampling and deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.errors import ArgumentError
from egoexo_kit.geometry.camera import Camera

__all__ = ["Triangulation", "dlt", "reprojection_errors", "triangulate"]

_LM_ITERATIONS = 8


@dataclass(frozen=True, eq=False)
class Triangulation:
    """Result of :func:`triangulate` for points of leading shape ``S`` seen by ``V`` views."""

    points: np.ndarray = field(repr=False)
    """``S + (3,)`` world points, metres; NaN where not :attr:`valid`."""
    n_views: np.ndarray = field(repr=False)
    """``S`` int: views used (the inliers), the ``num_views_for_3d`` of EgoPose."""
    error: np.ndarray = field(repr=False)
    """``S`` float: RMS reprojection error over the inlier views, pixels; NaN where not valid."""
    inliers: np.ndarray = field(repr=False)
    """``S + (V,)`` bool: which views agree with the point."""
    valid: np.ndarray = field(repr=False)
    """``S`` bool: at least ``min_views`` inliers, in front of them, with enough parallax."""

    def __repr__(self) -> str:
        shape, views = self.valid.shape, self.inliers.shape[-1]
        return f"Triangulation(shape={shape}, views={views}, valid={int(self.valid.sum())})"


def _skew(d: np.ndarray) -> np.ndarray:
    """``[d]_x`` of vectors ``(..., 3)`` → ``(..., 3, 3)``."""
    z = np.zeros_like(d[..., 0])
    x, y, w = d[..., 0], d[..., 1], d[..., 2]
    return np.stack([np.stack([z, -w, y], -1), np.stack([w, z, -x], -1), np.stack([-y, x, z], -1)], axis=-2)


def dlt(rays_cam: ArrayLike, T_cam_world: ArrayLike, *, weights: ArrayLike | None = None) -> np.ndarray:
    """Linear (DLT) triangulation of rays from several views, batched.

    Args:
        rays_cam: ``(..., V, 3)`` rays in each camera frame (any length; NaN = not observed).
        T_cam_world: ``(..., V, 4, 4)`` (or ``(..., V, 3, 4)``) world → camera poses, broadcasting
            against ``rays_cam``.
        weights: ``(..., V)`` non-negative weight of each view; 0 leaves the view out. Default 1.

    Returns:
        ``(..., 3)`` world points; NaN where fewer than two views have weight or the solution is at
        infinity.

    Example:
        >>> from egoexo_kit.geometry import look_at, invert_pose
        >>> T = invert_pose(np.stack([look_at([2.0, 0, 0], [0, 0, 0]), look_at([0, 2.0, 0], [0, 0, 0])]))
        >>> rays = np.einsum("vij,j->vi", T[:, :3, :3], [0.1, 0.2, 0.3]) + T[:, :3, 3]
        >>> np.round(dlt(rays, T), 6).tolist()
        [0.1, 0.2, 0.3]
    """
    d = np.asarray(rays_cam, dtype=np.float64)
    T = np.asarray(T_cam_world, dtype=np.float64)[..., :3, :]
    w = np.ones(d.shape[:-1]) if weights is None else np.asarray(weights, dtype=np.float64)
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    ok = np.isfinite(d).all(axis=-1) & (w > 0)
    w = np.where(ok, w, 0.0)
    d = np.where(ok[..., None], d, 0.0)
    rows = _skew(d) @ np.where(np.isfinite(T), T, 0.0)  # (..., V, 3, 4)
    rows = rows * w[..., None, None]
    A = rows.reshape(*rows.shape[:-3], -1, 4)
    # The null vector of A: the eigenvector of A^T A with the smallest eigenvalue (4×4, batched).
    _, vecs = np.linalg.eigh(np.swapaxes(A, -1, -2) @ A)
    h = vecs[..., :, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        X = h[..., :3] / h[..., 3:4]
    enough = ok.sum(axis=-1) >= 2
    return np.where((enough & np.isfinite(X).all(axis=-1))[..., None], X, np.nan)


def _as_views(cameras: Sequence[Camera], T_cam_world: ArrayLike) -> np.ndarray:
    T = np.asarray(T_cam_world, dtype=np.float64)
    if T.ndim < 3 or T.shape[-2:] not in ((4, 4), (3, 4)) or T.shape[-3] != len(cameras):
        raise ValueError(
            f"T_cam_world must have shape (..., V, 4, 4) with V = len(cameras) = {len(cameras)}; "
            f"got {T.shape}"
        )
    return T[..., :3, :]


def _project(X: np.ndarray, cameras: Sequence[Camera], T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixels ``(..., V, 2)`` and model validity ``(..., V)`` of points ``(..., 3)`` in every view."""
    p_cam = np.einsum("...vij,...j->...vi", T[..., :3], X) + T[..., 3]
    shape = p_cam.shape[:-2]
    px = np.empty((*shape, len(cameras), 2))
    ok = np.empty((*shape, len(cameras)), dtype=bool)
    for v, cam in enumerate(cameras):
        uv, valid = cam.project(p_cam[..., v, :].reshape(-1, 3), inside=False)
        px[..., v, :] = uv.reshape(*shape, 2)
        ok[..., v] = valid.reshape(shape)
    return px, ok


def reprojection_errors(
    points_world: ArrayLike, px: ArrayLike, *, cameras: Sequence[Camera], T_cam_world: ArrayLike
) -> np.ndarray:
    """Pixel distance between each point's projection and its observation in every view.

    Args:
        points_world: ``(..., 3)`` world points.
        px: ``(..., V, 2)`` observations in each camera's image space (NaN = not observed).
        cameras: ``V`` cameras (intrinsics of the observations' space).
        T_cam_world: ``(V, 4, 4)`` or ``(..., V, 4, 4)`` world → camera poses.

    Returns:
        ``(..., V)`` errors in pixels; ``inf`` where the point cannot be projected (behind the camera),
        NaN where the view has no observation.
    """
    T = _as_views(cameras, T_cam_world)
    X = np.asarray(points_world, dtype=np.float64)
    obs = np.asarray(px, dtype=np.float64)
    proj, ok = _project(X, cameras, T)
    err = np.linalg.norm(proj - obs, axis=-1)
    err = np.where(ok, err, np.inf)
    return np.where(np.isfinite(obs).all(axis=-1), err, np.nan)


def _refine(
    X: np.ndarray, obs: np.ndarray, use: np.ndarray, *, cameras: Sequence[Camera], T: np.ndarray
) -> np.ndarray:
    """Batched Levenberg–Marquardt on the reprojection error of the ``use`` views; ``X`` ``(N, 3)``."""

    def residuals(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        proj, ok = _project(Y, cameras, T)
        r = np.where(use[..., None], proj - obs, 0.0)
        bad = (use & ~ok).any(axis=-1)
        r = np.where(np.isfinite(r), r, 0.0)
        return r.reshape(len(Y), -1), bad

    lam = np.full(len(X), 1e-3)
    r, bad = residuals(X)
    cost = np.where(bad, np.inf, np.sum(r * r, axis=-1))
    live = np.isfinite(X).all(axis=-1) & np.isfinite(cost)
    for _ in range(_LM_ITERATIONS):
        if not live.any():
            break
        h = 1e-6 * np.maximum(1.0, np.abs(X))
        J = np.stack(
            [(residuals(X + h[:, k : k + 1] * np.eye(3)[k])[0] - r) / h[:, k : k + 1] for k in range(3)], -1
        )
        JtJ = np.swapaxes(J, -1, -2) @ J
        g = np.einsum("nrk,nr->nk", J, r)
        damp = JtJ + lam[:, None, None] * (
            np.eye(3) * np.diagonal(JtJ, axis1=-2, axis2=-1)[:, None, :] + 1e-12 * np.eye(3)
        )
        with np.errstate(invalid="ignore"):
            try:
                step = np.linalg.solve(damp, -g[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = np.zeros_like(X)
        step = np.where((live & np.isfinite(step).all(axis=-1))[:, None], step, 0.0)
        r_new, bad_new = residuals(X + step)
        cost_new = np.where(bad_new, np.inf, np.sum(r_new * r_new, axis=-1))
        better = live & (cost_new < cost)
        X = np.where(better[:, None], X + step, X)
        r = np.where(better[:, None], r_new, r)
        cost = np.where(better, cost_new, cost)
        lam = np.where(better, lam / 10.0, lam * 10.0)
        live &= lam < 1e8
    return X


def triangulate(
    px: ArrayLike,
    *,
    cameras: Sequence[Camera],
    T_cam_world: ArrayLike,
    threshold: float = 10.0,
    min_views: int = 2,
    min_parallax_deg: float = 1.0,
    refine: bool = True,
    robust: bool = True,
) -> Triangulation:
    """Robust triangulation of points observed in any subset of ``V`` views, batched.

    Args:
        px: ``(..., V, 2)`` observations, pixels in each camera's image space (raw, undistorted … as
            ``cameras`` describe); NaN marks a view that does not see the point.
        cameras: the ``V`` cameras (intrinsics of the observations' image space).
        T_cam_world: world → camera poses, ``(V, 4, 4)`` or per point ``(..., V, 4, 4)``.
        threshold: RANSAC inlier threshold on the reprojection error, pixels.
        min_views: inliers a point needs to be valid.
        min_parallax_deg: smallest angle between two inlier rays of a valid point (rejects degenerate
            baselines, where depth is unobservable).
        refine: run Levenberg–Marquardt on the inliers after the DLT.
        robust: RANSAC over views; ``False`` triangulates every observed view (plain DLT).

    Returns:
        A :class:`Triangulation` of leading shape ``...``.

    Raises:
        ValueError: On shapes that do not match, or a threshold that is not a positive number.
    """
    if not threshold > 0:  # NaN too
        raise ArgumentError(f"threshold must be a positive number of pixels, got {threshold}")
    obs = np.asarray(px, dtype=np.float64)
    n_views = len(cameras)
    if obs.ndim < 2 or obs.shape[-2:] != (n_views, 2):
        raise ValueError(f"px must have shape (..., V, 2) with V = len(cameras) = {n_views}; got {obs.shape}")
    T = _as_views(cameras, T_cam_world)
    lead = obs.shape[:-2]
    obs = obs.reshape(-1, n_views, 2)
    T = np.broadcast_to(T, (*lead, n_views, 3, 4)).reshape(-1, n_views, 3, 4) if T.ndim > 3 else T
    n = obs.shape[0]
    rays = np.full((n, n_views, 3), np.nan)
    for v, cam in enumerate(cameras):
        r, ok = cam.unproject(obs[:, v])
        rays[:, v] = np.where(ok[:, None], r, np.nan)
    seen = np.isfinite(rays).all(axis=-1)
    thr2 = min(float(threshold), 1e150) ** 2  # a huge threshold accepts every view, without overflow

    if robust and n_views > 2:
        pairs = np.array(list(combinations(range(n_views), 2)))
        w = np.zeros((len(pairs), n_views))
        w[np.arange(len(pairs)), pairs[:, 0]] = 1.0
        w[np.arange(len(pairs)), pairs[:, 1]] = 1.0
        Tp = T[:, None] if T.ndim == 4 else T
        hyp = dlt(rays[:, None], Tp, weights=w[None] * seen[:, None])  # (N, P, 3)
        err = reprojection_errors(hyp, obs[:, None], cameras=cameras, T_cam_world=Tp)  # (N, P, V)
        e2 = np.where(seen[:, None], np.minimum(np.where(np.isfinite(err), err, threshold) ** 2, thr2), 0.0)
        p_idx = np.arange(len(pairs))
        # A hypothesis must reproject inside the threshold in its own two views (rules out points behind).
        pair_ok = (err[:, p_idx, pairs[:, 0]] < threshold) & (err[:, p_idx, pairs[:, 1]] < threshold)
        cost = np.where(pair_ok, e2.sum(-1), np.inf)
        best = np.argmin(cost, axis=1)
        best_err = err[np.arange(n), best]
        inl = seen & (best_err < threshold) & np.isfinite(cost[np.arange(n), best])[:, None]
    else:
        inl = seen.copy()
    X = dlt(rays, T, weights=inl)
    if refine:
        X = _refine(X, obs, inl, cameras=cameras, T=T)
    err = reprojection_errors(X, obs, cameras=cameras, T_cam_world=T)
    if robust:
        inl &= err < threshold
    count = inl.sum(-1)
    # Parallax: the largest angle between two inlier rays, in the world frame.
    d_world = np.einsum("nvji,nvj->nvi", np.broadcast_to(T[..., :3], (n, n_views, 3, 3)), rays)
    d_world = np.where(inl[..., None], d_world, 0.0)
    cosines = np.einsum("nvi,nwi->nvw", d_world, d_world)
    both = inl[:, :, None] & inl[:, None, :]
    min_cos = np.where(both, cosines, 1.0).min(axis=(1, 2))
    valid = (count >= min_views) & np.isfinite(X).all(-1) & (min_cos < np.cos(np.deg2rad(min_parallax_deg)))
    valid &= np.where(inl, np.isfinite(err), True).all(-1)
    rms = np.sqrt((np.where(inl & np.isfinite(err), err, 0.0) ** 2).sum(-1) / np.maximum(count, 1))
    return Triangulation(
        points=np.where(valid[:, None], X, np.nan).reshape(*lead, 3),
        n_views=count.reshape(lead),
        error=np.where(valid, rms, np.nan).reshape(lead),
        inliers=inl.reshape(*lead, n_views),
        valid=valid.reshape(lead),
    )
