"""Pinhole camera against hand-computed values and cv2.projectPoints."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import pinhole

# EgoPose Aria linear camera (FORMAT §7.9): f = 150, c = (512 - 1) / 2.
EGOPOSE = np.array([150.0, 150.0, 255.5, 255.5])


def test_hand_computed():
    px, ok = pinhole.project([[1.0, -2.0, 4.0], [0.0, 0.0, 1.0]], [100.0, 200.0, 50.0, 60.0])
    assert ok.all()
    np.testing.assert_array_equal(px, [[75.0, -40.0], [50.0, 60.0]])
    rays, ok = pinhole.unproject([[75.0, -40.0]], [100.0, 200.0, 50.0, 60.0])
    np.testing.assert_allclose(rays, [[1.0 / 21**0.5, -2.0 / 21**0.5, 4.0 / 21**0.5]], atol=1e-15)


@settings(max_examples=30, deadline=None)
@given(
    f=st.floats(50.0, 3000.0),
    aspect=st.floats(0.9, 1.1),
    c=st.tuples(st.floats(0.0, 2000.0), st.floats(0.0, 2000.0)),
    seed=st.integers(0, 2**32 - 1),
)
def test_matches_cv2_project_points(f, aspect, c, seed):
    params = np.array([f, f * aspect, *c])
    rng = np.random.default_rng(seed)
    points = rng.uniform([-5.0, -5.0, 0.1], [5.0, 5.0, 10.0], size=(200, 3))
    K = np.array([[params[0], 0.0, params[2]], [0.0, params[1], params[3]], [0.0, 0.0, 1.0]])
    expected, _ = cv2.projectPoints(points[:, None, :], np.zeros(3), np.zeros(3), K, None)
    px, ok = pinhole.project(points, params)
    assert ok.all()
    np.testing.assert_allclose(px, expected[:, 0], rtol=1e-12, atol=1e-6)
    rays, _ = pinhole.unproject(px, params)
    np.testing.assert_allclose(rays, points / np.linalg.norm(points, axis=-1, keepdims=True), atol=1e-9)


def test_egopose_image_corners_round_trip():
    corners = np.array([[0.0, 0.0], [511.0, 0.0], [0.0, 511.0], [511.0, 511.0]])
    rays, ok = pinhole.unproject(corners, EGOPOSE)
    assert ok.all()
    back, _ = pinhole.project(rays, EGOPOSE)
    np.testing.assert_allclose(back, corners, atol=1e-9)
