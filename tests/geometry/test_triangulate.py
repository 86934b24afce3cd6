"""Triangulation recovers synthetic ground truth; hostile input gives clear results, not crashes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import Camera, invert_pose, look_at, transform_points
from egoexo_kit.geometry.triangulate import dlt, reprojection_errors, triangulate

GOPRO = Camera(
    "kb3", [1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458], 3840, 2160
)


def ring(n: int, radius: float = 4.0) -> np.ndarray:
    """``(n, 4, 4)`` world → camera poses on a ring around the origin, looking at (0, 0, 1)."""
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
    eyes = np.c_[radius * np.cos(angles), radius * np.sin(angles), 1.5 + 0.3 * np.sin(3 * angles)]
    return invert_pose(np.stack([look_at(e, [0.0, 0.0, 1.0]) for e in eyes]))


def observe(points: np.ndarray, T: np.ndarray, cam: Camera = GOPRO) -> np.ndarray:
    """``(N, V, 2)`` exact projections."""
    return np.stack([cam.project(transform_points(T[v], points), inside=False)[0] for v in range(len(T))], 1)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), views=st.integers(2, 6))
def test_exact_observations_are_recovered(seed, views):
    rng = np.random.default_rng(seed)
    T = ring(views)
    X = rng.uniform([-0.6, -0.6, 0.2], [0.6, 0.6, 1.8], (40, 3))
    res = triangulate(observe(X, T), cameras=[GOPRO] * views, T_cam_world=T)
    assert res.valid.all() and (res.n_views == views).all()
    np.testing.assert_allclose(res.points, X, atol=1e-6)
    assert np.nanmax(res.error) < 1e-4


def test_dlt_is_batched_over_any_leading_shape():
    T = ring(3)
    X = np.random.default_rng(0).uniform(-0.5, 0.5, (4, 5, 3)) + [0, 0, 1]
    rays = np.einsum("vij,abj->abvi", T[:, :3, :3], X) + T[:, :3, 3]
    np.testing.assert_allclose(dlt(rays, T), X, atol=1e-9)
    # Per-point poses broadcast too; a view with weight 0 is ignored.
    w = np.ones((4, 5, 3))
    w[..., 2] = 0
    rays_bad = rays.copy()
    rays_bad[..., 2, :] = [1.0, 0.0, 0.0]
    np.testing.assert_allclose(dlt(rays_bad, np.broadcast_to(T, (4, 5, 3, 4, 4)), weights=w), X, atol=1e-9)


def test_ransac_rejects_outlier_views_and_keeps_inliers():
    rng = np.random.default_rng(1)
    T = ring(5)
    X = rng.uniform([-0.5, -0.5, 0.3], [0.5, 0.5, 1.7], (200, 3))
    px = observe(X, T) + rng.normal(0, 1.0, (200, 5, 2))
    wrong = rng.integers(0, 5, 200)
    px[np.arange(200), wrong] += rng.choice([-1, 1], (200, 2)) * rng.uniform(80, 400, (200, 2))
    robust = triangulate(px, cameras=[GOPRO] * 5, T_cam_world=T)
    plain = triangulate(px, cameras=[GOPRO] * 5, T_cam_world=T, robust=False)
    err_robust = np.linalg.norm(robust.points - X, axis=-1)
    err_plain = np.linalg.norm(plain.points - X, axis=-1)
    assert robust.valid.all() and (robust.n_views == 4).all()
    assert not robust.inliers[np.arange(200), wrong].any()
    assert err_robust.mean() < 0.01 < err_plain.mean()
    assert np.all(robust.error < 3.0)


def test_reprojection_errors_flag_points_behind_and_missing():
    T = ring(2)
    X = np.array([[0.0, 0.0, 1.0]])
    px = observe(X, T)
    px[0, 1] = np.nan
    err = reprojection_errors(X, px, cameras=[GOPRO] * 2, T_cam_world=T)
    assert err[0, 0] < 1e-9 and np.isnan(err[0, 1])
    # Camera 0 sits at x = 4 looking towards -x: a point at x = 10 is behind it, in front of camera 1.
    behind = reprojection_errors([[10.0, 0.0, 1.5]], observe(X, T), cameras=[GOPRO] * 2, T_cam_world=T)
    assert np.isinf(behind[0, 0]) and np.isfinite(behind[0, 1])


def test_hostile_input_gives_clear_results():
    T = ring(4)
    X = np.array([[0.1, 0.2, 1.0]] * 5)
    px = observe(X, T)
    px[0] = np.nan  # nothing observed
    px[1, 1:] = np.nan  # one view only
    px[2, 0] = [np.inf, 5.0]  # a non-finite pixel is a missing view
    res = triangulate(px, cameras=[GOPRO] * 4, T_cam_world=T)
    assert res.valid.tolist() == [False, False, True, True, True]
    assert res.n_views.tolist()[:3] == [0, 0, 3]  # a single view supports no 3D point
    assert np.isnan(res.points[:2]).all() and np.isnan(res.error[:2]).all()
    # Degenerate baseline: two cameras at the same place see the point along the same ray.
    same = np.stack([T[0], T[0]])
    res = triangulate(observe(X[:1], same), cameras=[GOPRO] * 2, T_cam_world=same)
    assert not res.valid.any() and np.isnan(res.points).all()
    # Cameras that all look away: the point is behind every one of them.
    away = invert_pose(np.stack([look_at([4.0, 0, 1], [8.0, 0, 1]), look_at([0, 4.0, 1], [0, 8.0, 1])]))
    res = triangulate(observe(X[:1], ring(2)), cameras=[GOPRO] * 2, T_cam_world=away)
    assert not res.valid.any()
    with pytest.raises(ValueError, match=r"\(\.\.\., V, 2\)"):
        triangulate(np.zeros((3, 2)), cameras=[GOPRO] * 4, T_cam_world=T)
    with pytest.raises(ValueError, match="T_cam_world"):
        triangulate(px, cameras=[GOPRO] * 4, T_cam_world=T[:3])


def test_per_point_poses_and_mixed_models():
    rng = np.random.default_rng(2)
    X = rng.uniform([-0.5, -0.5, 0.3], [0.5, 0.5, 1.7], (30, 3))
    T = np.stack([ring(3, radius=r) for r in rng.uniform(3, 5, 30)])  # (30, 3, 4, 4): moving cameras
    aria = Camera("pinhole", [150.0, 150.0, 255.5, 255.5], 512, 512)
    cams = [GOPRO, aria, GOPRO]
    px = np.stack(
        [cams[v].project(transform_points(T[:, v], X[:, None]), inside=False)[0][:, 0] for v in range(3)], 1
    )
    res = triangulate(px, cameras=cams, T_cam_world=T)
    assert res.valid.all()
    np.testing.assert_allclose(res.points, X, atol=1e-6)


def test_batched_lm_reaches_scipy_least_squares_optimum():
    """The batched LM refinement lands where scipy's MINPACK LM (one point at a time) does."""
    from scipy.optimize import least_squares

    rng = np.random.default_rng(4)
    T = ring(4)
    X = rng.uniform([-0.5, -0.5, 0.3], [0.5, 0.5, 1.7], (25, 3))
    px = observe(X, T) + rng.normal(0, 3.0, (25, 4, 2))
    ours = triangulate(px, cameras=[GOPRO] * 4, T_cam_world=T, robust=False)
    linear = triangulate(px, cameras=[GOPRO] * 4, T_cam_world=T, robust=False, refine=False)
    for i in range(25):

        def residuals(p, i=i):
            return (observe(p[None], T)[0] - px[i]).ravel()

        ref = least_squares(residuals, linear.points[i], method="lm", xtol=1e-12, ftol=1e-12).x
        np.testing.assert_allclose(ours.points[i], ref, atol=1e-6)
        assert np.sum(residuals(ours.points[i]) ** 2) <= np.sum(residuals(linear.points[i]) ** 2)
