"""Aria sensor <-> MP4 pixel mapping (FORMAT §4.1) checked against np.rot90 on small images."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import mp4_to_sensor_px, sensor_to_mp4_px


@pytest.mark.parametrize(("width", "height"), [(4, 3), (3, 5), (6, 6)])
def test_matches_rot90_clockwise(width, height):
    sensor = np.arange(width * height).reshape(height, width)  # unique value per pixel; rows = v, cols = u
    mp4 = np.rot90(sensor, k=-1)  # the MP4 is the sensor image rotated 90° clockwise
    assert mp4.shape == (width, height)
    v, u = np.mgrid[0:height, 0:width]
    px_raw = np.stack([u, v], axis=-1).reshape(-1, 2).astype(float)
    px_mp4 = sensor_to_mp4_px(px_raw, sensor_size=(width, height))
    x, y = px_mp4[:, 0].astype(int), px_mp4[:, 1].astype(int)
    np.testing.assert_array_equal(mp4[y, x], sensor[v.ravel(), u.ravel()])


@pytest.mark.parametrize(("width", "height"), [(4, 3), (3, 5)])
def test_inverse_matches_rot90_counter_clockwise(width, height):
    mp4 = np.arange(width * height).reshape(width, height)  # MP4 is `height` wide, `width` tall
    sensor = np.rot90(mp4)  # back to sensor orientation (FORMAT §4.1: np.rot90(frame))
    assert sensor.shape == (height, width)
    y, x = np.mgrid[0:width, 0:height]
    px_mp4 = np.stack([x, y], axis=-1).reshape(-1, 2).astype(float)
    px_raw = mp4_to_sensor_px(px_mp4, sensor_size=(width, height))
    u, v = px_raw[:, 0].astype(int), px_raw[:, 1].astype(int)
    np.testing.assert_array_equal(sensor[v, u], mp4[y.ravel(), x.ravel()])


@settings(max_examples=50, deadline=None)
@given(
    size=st.tuples(st.integers(1, 4000), st.integers(1, 4000)),
    seed=st.integers(0, 2**32 - 1),
)
def test_round_trip_and_batch_shape(size, seed):
    px = np.random.default_rng(seed).uniform(-10, 4000, size=(2, 7, 2))
    out = sensor_to_mp4_px(px, sensor_size=size)
    assert out.shape == (2, 7, 2)
    np.testing.assert_allclose(mp4_to_sensor_px(out, sensor_size=size), px, rtol=0, atol=1e-9)


def test_aria_rgb_corner():
    # 1408x1408 RGB: the sensor's top-left pixel lands at the MP4's top-right.
    np.testing.assert_array_equal(sensor_to_mp4_px([0.0, 0.0], sensor_size=(1408, 1408)), [1407.0, 0.0])


def test_errors():
    with pytest.raises(ValueError, match=r"px_raw must have shape \(\.\.\., 2\); got shape \(3,\)"):
        sensor_to_mp4_px([1.0, 2.0, 3.0], sensor_size=(10, 10))
    with pytest.raises(ValueError, match="sensor_size must be \\(width, height\\)"):
        mp4_to_sensor_px([1.0, 2.0], sensor_size=(0, 10))
