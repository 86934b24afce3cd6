"""KB3 (OpenCV fisheye) against cv2.fisheye and projectaria_tools reference values."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import kb3

# FORMAT §6.3 example row (projectaria unit test), valid for 3840x2160.
GOPRO = np.array([1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458])
SIZE = (3840, 2160)


def cv2_project(points: np.ndarray, params: np.ndarray) -> np.ndarray:
    K = np.array([[params[0], 0.0, params[2]], [0.0, params[1], params[3]], [0.0, 0.0, 1.0]])
    uv, _ = cv2.fisheye.projectPoints(points[:, None, :], np.zeros(3), np.zeros(3), K, params[4:])
    return uv[:, 0]


def cv2_undistort(px: np.ndarray, params: np.ndarray) -> np.ndarray:
    K = np.array([[params[0], 0.0, params[2]], [0.0, params[1], params[3]], [0.0, 0.0, 1.0]])
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-15)
    return cv2.fisheye.undistortPoints(px[:, None, :], K, params[4:], criteria=criteria)[:, 0]


def random_points(rng: np.random.Generator, n: int, max_theta_deg: float) -> np.ndarray:
    theta = rng.uniform(0.0, np.deg2rad(max_theta_deg), n)
    phi = rng.uniform(-np.pi, np.pi, n)
    dirs = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1)
    return dirs * rng.uniform(0.05, 20.0, size=(n, 1))


def reference_theta_max(k: np.ndarray) -> float:
    """First zero of d theta_d / d theta in (0, pi/2], from polynomial roots (not the grid search)."""
    coeffs = np.zeros(2 * len(k) + 3)
    coeffs[0] = 1.0
    for i, ki in enumerate(k):
        coeffs[2 * i + 2] = (2 * i + 3) * ki
    roots = np.polynomial.polynomial.polyroots(np.polynomial.polynomial.polytrim(coeffs, tol=1e-12))
    real = roots.real[(np.abs(roots.imag) < 1e-9) & (roots.real > 0) & (roots.real <= np.pi / 2)]
    return float(real.min()) if real.size else np.pi / 2


@st.composite
def kb3_params(draw: st.DrawFn) -> np.ndarray:
    """Plausible fisheye intrinsics: focal 300-3000 px, near-square pixels, small KB coefficients."""
    fx = draw(st.floats(300.0, 3000.0))
    fy = fx * draw(st.floats(0.97, 1.03))
    cx = draw(st.floats(200.0, 2000.0))
    cy = draw(st.floats(200.0, 1200.0))
    k = draw(st.lists(st.floats(-0.06, 0.06), min_size=4, max_size=4))
    return np.array([fx, fy, cx, cy, *k])


def test_project_matches_cv2_gopro():
    points = random_points(np.random.default_rng(0), 20_000, 89.0)
    px, ok = kb3.project(points, GOPRO)
    assert ok.all()
    np.testing.assert_allclose(px, cv2_project(points, GOPRO), rtol=0, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(params=kb3_params(), seed=st.integers(0, 2**32 - 1))
def test_project_matches_cv2_random_params(params, seed):
    points = random_points(np.random.default_rng(seed), 500, 89.0)
    px, ok = kb3.project(points, params)
    # Valid exactly where the angle is below the first fold of the radial polynomial.
    theta = np.arctan2(np.hypot(points[:, 0], points[:, 1]), points[:, 2])
    theta_max = reference_theta_max(params[4:])
    near_fold = np.abs(theta - theta_max) < 1e-6
    np.testing.assert_array_equal(ok[~near_fold], theta[~near_fold] < theta_max)
    np.testing.assert_allclose(px[ok], cv2_project(points[ok], params), rtol=0, atol=1e-6)


def test_unproject_matches_cv2_undistort_points():
    rng = np.random.default_rng(1)
    px = rng.uniform([0, 0], [SIZE[0] - 1, SIZE[1] - 1], size=(20_000, 2))
    rays, ok = kb3.unproject(px, GOPRO)
    assert ok.all()
    np.testing.assert_allclose(rays[:, :2] / rays[:, 2:], cv2_undistort(px, GOPRO), rtol=0, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(params=kb3_params(), seed=st.integers(0, 2**32 - 1))
def test_round_trip_random_params(params, seed):
    rng = np.random.default_rng(seed)
    # Points up to 85° or just short of the polynomial's fold, whichever comes first.
    max_theta = min(np.deg2rad(85.0), 0.98 * reference_theta_max(params[4:]))
    points = random_points(rng, 300, np.rad2deg(max_theta))
    px, ok = kb3.project(points, params)
    assert ok.all()
    rays, ok_rays = kb3.unproject(px, params)
    assert ok_rays.all()
    np.testing.assert_allclose(rays, points / np.linalg.norm(points, axis=-1, keepdims=True), atol=1e-9)
    back, _ = kb3.project(rays, params)
    np.testing.assert_allclose(back, px, rtol=0, atol=1e-6)
    # OpenCV clamps theta_d to pi/2 when undistorting; compare where it does not.
    # OpenCV's unbracketed Newton misbehaves next to a fold of the polynomial (it may fail, reporting
    # -1e6, or end on the folded part), and it clamps theta_d to pi/2: compare away from both.
    theta = np.arctan2(np.hypot(points[:, 0], points[:, 1]), points[:, 2])
    theta_d = np.hypot(*((px - params[2:4]) / params[:2]).T)
    easy = (theta < 0.8 * max_theta) & (theta_d < np.pi / 2)
    ref = cv2_undistort(px[easy], params)
    np.testing.assert_allclose(rays[easy, :2] / rays[easy, 2:], ref, rtol=0, atol=1e-8)


def test_matches_projectaria_reference_values():
    # Computed with projectaria_tools 2.3.0: CameraCalibration(KANNALA_BRANDT_K3, GOPRO).project_no_checks.
    points = [[0.0, 0.0, 1.0], [0.3, -0.2, 1.0], [-1.0, 0.5, 0.8], [2.0, 1.5, 0.4], [-0.1, -2.0, 1.2]]
    expected = [
        [1920.0, 1080.0],
        [2429.729957757552, 740.180028161632],
        [349.01583347043425, 1865.4920832647829],
        [4187.169127213643, 2780.376845410233],
        [1824.0042481492117, -839.9150370157658],
    ]
    px, ok = kb3.project(points, GOPRO)
    assert ok.all()  # no image-bounds test: pixels outside 3840x2160 stay valid
    np.testing.assert_allclose(px, expected, rtol=0, atol=1e-8)


def test_folding_polynomial_limits_the_valid_range():
    # k1 = -0.3: d theta_d / d theta = 1 - 0.9 theta^2 vanishes at theta = 1/sqrt(0.9) ~ 60.4°.
    params = np.array([500.0, 500.0, 640.0, 480.0, -0.3, 0.0, 0.0, 0.0])
    theta_max = 1.0 / np.sqrt(0.9)
    angles = np.array([theta_max - 1e-3, theta_max + 1e-3, 1.4])
    points = np.stack([np.sin(angles), np.zeros(3), np.cos(angles)], axis=-1)
    _, ok = kb3.project(points, params)
    assert ok.tolist() == [True, False, False]
    r_max = 500.0 * theta_max * (1 - 0.3 * theta_max**2)  # largest radius the model reaches, px
    px = np.array([[640.0 + r_max - 0.01, 480.0], [640.0 + r_max + 0.01, 480.0]])
    rays, ok_rays = kb3.unproject(px, params)
    assert ok_rays.tolist() == [True, False]
    assert np.arccos(rays[0, 2]) == pytest.approx(theta_max, abs=1e-2)
