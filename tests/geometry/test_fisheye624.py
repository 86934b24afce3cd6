"""Fisheye624 (Aria FisheyeRadTanThinPrism) against projectaria_tools and its special cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import fisheye624, kb3

ARIA_K = np.array([0.4, -0.5, 0.1, 1.3, -1.8, 0.7]) * 0.1
ARIA_RGB = np.r_[610.0, 704.2, 702.9, ARIA_K, 3e-4, -2e-4, 1e-4, -3e-4, 2e-4, 1e-4]
SIZE = 1408


def reference_project(point: list[float], params: np.ndarray) -> tuple[float, float]:
    """One point, written from the formula in projectaria_tools' FisheyeRadTanThinPrism.h comments."""
    f, cu, cv = params[:3]
    k, (p0, p1), s = params[3:9], params[9:11], params[11:15]
    a, b = point[0] / point[2], point[1] / point[2]
    r = math.hypot(a, b)
    th = math.atan(r)
    cos_phi, sin_phi = (a / r, b / r) if r > 0 else (1.0, 0.0)
    th_d = th * (1 + sum(ki * th ** (2 * i + 2) for i, ki in enumerate(k)))
    xr, yr = th_d * cos_phi, th_d * sin_phi
    rd2 = xr * xr + yr * yr
    u = xr + (2 * xr * xr + rd2) * p0 + 2 * xr * yr * p1 + s[0] * rd2 + s[1] * rd2 * rd2
    v = yr + (2 * yr * yr + rd2) * p1 + 2 * xr * yr * p0 + s[2] * rd2 + s[3] * rd2 * rd2
    return f * u + cu, f * v + cv


@st.composite
def aria_params(draw: st.DrawFn) -> np.ndarray:
    """Aria-like intrinsics: f 150-1500 px, c near the centre, the Aria k scaled, p and s up to 1e-3."""
    f = draw(st.floats(150.0, 1500.0))
    c = draw(st.lists(st.floats(300.0, 1100.0), min_size=2, max_size=2))
    k = ARIA_K * draw(st.floats(0.0, 1.5))
    ps = draw(st.lists(st.floats(-1e-3, 1e-3), min_size=6, max_size=6))
    return np.r_[f, c, k, ps]


def random_points(rng: np.random.Generator, n: int, max_theta: float) -> np.ndarray:
    theta = rng.uniform(0.0, max_theta, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    dirs = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1)
    return dirs * rng.uniform(0.05, 20.0, size=(n, 1))


def test_matches_projectaria_reference_values():
    # Computed with projectaria_tools 2.3.0: CameraCalibration(FISHEYE624, ARIA_RGB).project_no_checks.
    points = [[0.0, 0.0, 1.0], [0.3, -0.2, 1.0], [-1.0, 0.5, 0.8], [2.0, 1.5, 0.4], [-0.1, -2.0, 1.2]]
    expected = [
        [704.2, 702.9],
        [880.6296635630821, 585.2989747269368],
        [176.61430354109677, 966.7803576526235],
        [1899.9221838423803, 1605.838984727241],
        [672.1790837130058, 61.64033950680471],
    ]
    px, ok = fisheye624.project(points, ARIA_RGB)
    assert ok.all()
    np.testing.assert_allclose(px, expected, rtol=0, atol=1e-8)


@settings(max_examples=30, deadline=None)
@given(params=aria_params(), seed=st.integers(0, 2**32 - 1))
def test_matches_header_formula(params, seed):
    points = random_points(np.random.default_rng(seed), 50, 1.3)
    px, ok = fisheye624.project(points, params)
    assert ok.all()
    expected = [reference_project(p.tolist(), params) for p in points]
    np.testing.assert_allclose(px, expected, rtol=0, atol=1e-8)


def test_zero_distortion_is_equidistant():
    params = np.r_[600.0, 703.5, 703.5, np.zeros(12)]
    points = random_points(np.random.default_rng(0), 1000, np.deg2rad(89.0))
    px, ok = fisheye624.project(points, params)
    assert ok.all()
    theta = np.arctan2(np.hypot(points[:, 0], points[:, 1]), points[:, 2])
    np.testing.assert_allclose(np.linalg.norm(px - 703.5, axis=-1), 600.0 * theta, rtol=0, atol=1e-9)


def test_radial_only_equals_kb3():
    # With p = s = 0 and k4 = k5 = 0 the model is KB3 with fx = fy = f.
    k = np.array([0.03, -0.01, 0.004, -0.001])
    f624 = np.r_[500.0, 640.0, 480.0, k, 0.0, 0.0, np.zeros(6)]
    kb = np.r_[500.0, 500.0, 640.0, 480.0, k]
    points = random_points(np.random.default_rng(2), 1000, np.deg2rad(85.0))
    np.testing.assert_allclose(fisheye624.project(points, f624)[0], kb3.project(points, kb)[0], atol=1e-9)
    px = np.random.default_rng(3).uniform(0, 1000, size=(1000, 2))
    np.testing.assert_allclose(fisheye624.unproject(px, f624)[0], kb3.unproject(px, kb)[0], atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(params=aria_params(), seed=st.integers(0, 2**32 - 1))
def test_round_trip_random_params(params, seed):
    rng = np.random.default_rng(seed)
    points = random_points(rng, 300, np.deg2rad(80.0))
    px, ok = fisheye624.project(points, params)
    assert ok.all()
    rays, ok_rays = fisheye624.unproject(px, params)
    assert ok_rays.all()
    np.testing.assert_allclose(rays, points / np.linalg.norm(points, axis=-1, keepdims=True), atol=1e-9)
    back, _ = fisheye624.project(rays, params)
    np.testing.assert_allclose(back, px, rtol=0, atol=1e-6)


def test_round_trip_over_whole_aria_image():
    xs = np.arange(0.0, SIZE, 7.0)
    px = np.stack(np.meshgrid(xs, xs), axis=-1).reshape(-1, 2)
    rays, ok = fisheye624.unproject(px, ARIA_RGB)
    assert ok.all()
    back, ok_back = fisheye624.project(rays, ARIA_RGB)
    assert ok_back.all()
    np.testing.assert_allclose(back, px, rtol=0, atol=1e-6)


def test_symmetric_point_is_invalid_here():
    # projectaria_tools projects (x, y, z) and (-x, -y, -z) to the same pixel; we reject z <= 0.
    px, ok = fisheye624.project([[0.2, 0.1, 1.0], [-0.2, -0.1, -1.0]], ARIA_RGB)
    assert ok.tolist() == [True, False]
    assert np.isnan(px[1]).all()


def test_matches_installed_projectaria_tools():
    calibration = pytest.importorskip("projectaria_tools.core.calibration")
    sophus = pytest.importorskip("projectaria_tools.core.sophus")
    cam = calibration.CameraCalibration(
        "camera-rgb",
        calibration.CameraModelType.FISHEYE624,
        ARIA_RGB,
        sophus.SE3.from_matrix(np.eye(4)),
        SIZE,
        SIZE,
        None,
        math.pi,
        "",
    )
    rng = np.random.default_rng(4)
    points = random_points(rng, 200, 1.3)
    expected = np.array([cam.project_no_checks(p) for p in points])
    np.testing.assert_allclose(fisheye624.project(points, ARIA_RGB)[0], expected, rtol=0, atol=1e-8)
    px = rng.uniform(0, SIZE - 1, size=(200, 2))
    rays = np.array([cam.unproject_no_checks(p) for p in px])
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    np.testing.assert_allclose(fisheye624.unproject(px, ARIA_RGB)[0], rays, rtol=0, atol=1e-9)
