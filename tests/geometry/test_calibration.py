"""Released calibrations → stored-image cameras: portrait GoPros and projectaria's Aria RGB rescale."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.geometry import Camera
from egoexo_kit.geometry.calibration import (
    aria_factory_camera,
    aria_recorded_camera,
    gopro_camera,
    rescale,
)

KB3 = [0.036902, 0.057131, -0.057154, 0.018458]
PORTRAIT = [1761.3, 1761.3, 1079.2, 1921.4, *KB3]  # intrinsics in portrait pixels (cx ~ 1080)
FISHEYE = [
    1215.0,
    1442.1,
    1435.7,
    0.39,
    -0.31,
    -0.14,
    1.37,
    -1.86,
    0.75,
    3e-4,
    -2e-4,
    -5e-4,
    1e-4,
    2e-4,
    -1e-4,
]


def test_rgb_rescale_is_offset_then_scale_with_pixel_centres() -> None:
    """projectaria ``rescaleAriaRgb``: ``rescale((1408, 1408), 0.5, (32, 32))`` of the 2880² calibration."""
    cam = aria_recorded_camera("camera-rgb", FISHEYE)
    assert (cam.width, cam.height) == (1408, 1408)
    f, cx, cy = cam.params[:3]
    assert f == pytest.approx(1215.0 * 0.5)
    assert cx == pytest.approx(0.5 * (1442.1 - 32 + 0.5) - 0.5)
    assert cy == pytest.approx(0.5 * (1435.7 - 32 + 0.5) - 0.5)
    assert np.array_equal(cam.params[3:], FISHEYE[3:])  # distortion is scale-free
    # a size guessed from the principal point (2c + 1 = 2885) then resized: the focal is 14 px off
    guessed = Camera("fisheye624", FISHEYE, 2885, 2885).scaled(width=1408, height=1408)
    assert abs(guessed.params[0] - f) > 10


def test_rescale_refuses_an_inconsistent_size() -> None:
    with pytest.raises(ValueError, match="does not agree"):
        rescale(Camera("fisheye624", FISHEYE, 2880, 2880), size=(1440, 1440), scale=0.5, offset=(32, 32))


def test_recorded_camera_at_the_mp4_size_and_its_inverse() -> None:
    """2880² → 1408² → the MP4 size (448 downscaled); the writer's inverse gives the stored params back."""
    cam448 = aria_recorded_camera("camera-rgb", FISHEYE, (448, 448))
    assert (cam448.width, cam448.height) == (448, 448)
    assert np.allclose(
        cam448.params, aria_recorded_camera("camera-rgb", FISHEYE).scaled(width=448, height=448).params
    )
    assert np.allclose(aria_factory_camera(cam448, "camera-rgb").params, FISHEYE)
    slam = Camera("fisheye624", [120.0, 79.5, 59.5, *FISHEYE[3:]], 160, 120)
    stored = aria_factory_camera(slam, "camera-slam-left")
    assert (stored.width, stored.height) == (640, 480)
    assert np.allclose(
        aria_recorded_camera("camera-slam-left", stored.params, (160, 120)).params, slam.params
    )


def test_vrs_calibration_size_is_used_when_known() -> None:
    """A VRS read through projectaria-tools reports the (already rescaled) size: no second rescale."""
    cam = aria_recorded_camera("camera-rgb", FISHEYE, (1408, 1408), calib_size=(1408, 1408))
    assert np.array_equal(cam.params, FISHEYE)


@pytest.mark.parametrize("calib_size", [(3840, 2160), (2160, 3840), None])
def test_portrait_gopro_swaps_the_nominal_size_and_keeps_the_intrinsics(calib_size) -> None:
    """Official ``undistort_exocam``: swap DIM when the frame width differs; K is in portrait pixels."""
    full = gopro_camera(PORTRAIT, (2160, 3840), calib_size=calib_size)
    assert (full.width, full.height) == (2160, 3840)
    assert np.array_equal(full.params, PORTRAIT)
    small = gopro_camera(PORTRAIT, (448, 796), calib_size=calib_size)  # downscaled 448
    s = 448 / 2160  # one factor for x and y
    assert (small.width, small.height) == (448, 796)
    assert small.params[:2] == pytest.approx([1761.3 * s, 1761.3 * s])
    assert small.params[2:4] == pytest.approx([s * (1079.2 + 0.5) - 0.5, s * (1921.4 + 0.5) - 0.5])
    # the ray through a pixel is the same at both resolutions
    ray, _ = full.unproject([[1500.0, 700.0]])
    px, ok = small.project(ray)
    assert ok.all() and px[0] == pytest.approx([s * 1500.5 - 0.5, s * 700.5 - 0.5], abs=1e-6)


def test_landscape_gopro_and_aspect_mismatch() -> None:
    land = [1761.3, 1761.3, 1920.0, 1080.0, *KB3]
    cam = gopro_camera(land, (796, 448), calib_size=(3840, 2160))
    assert cam.params[0] == pytest.approx(1761.3 * 796 / 3840)
    assert np.array_equal(gopro_camera(land, None, calib_size=(3840, 2160)).params, land)
    with pytest.raises(ValueError, match="aspect ratio"):
        gopro_camera(land, (1000, 1000), calib_size=(3840, 2160))
