"""Synthetic sensor sizes keep the real aspect ratios, so factory calibrations scale by one factor."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.geometry import Camera
from egoexo_kit.geometry.calibration import aria_factory_camera, aria_recorded_camera
from egoexo_kit.synth import SynthConfig


@pytest.mark.parametrize("ego_size", [64, 128, 200, 256, 512, 1408])
def test_slam_size_is_four_by_three_and_round_trips_the_factory_calibration(ego_size: int) -> None:
    w, h = SynthConfig(ego_size=ego_size).slam_size
    assert w * 3 == h * 4 and w % 2 == 0 and h % 2 == 0
    cam = Camera("fisheye624", np.r_[w * 0.37, w / 2, h / 2, np.zeros(12)], w, h)
    factory = aria_factory_camera(cam, "camera-slam-left")  # raised for 116x88 (the demo's default)
    assert (factory.width, factory.height) == (640, 480)
    back = aria_recorded_camera("camera-slam-left", factory.params, size=(w, h))
    np.testing.assert_allclose(back.params, cam.params, atol=1e-9)


def test_rgb_factory_calibration_round_trips() -> None:
    cam = Camera("fisheye624", np.r_[100.0, 127.2, 128.9, np.zeros(12)], 256, 256)
    factory = aria_factory_camera(cam, "camera-rgb")
    assert (factory.width, factory.height) == (2880, 2880)
    back = aria_recorded_camera("camera-rgb", factory.params, size=(256, 256))
    np.testing.assert_allclose(back.params, cam.params, atol=1e-9)
