"""Image spaces against OpenCV's fisheye undistortion and projectaria-tools' linear camera."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from egoexo_kit.geometry import (
    Camera,
    PosedCamera,
    aria_linear_camera,
    convert_px,
    exo_undistorted_camera,
    look_at,
    sensor_to_mp4_px,
    undistort,
)

GOPRO = Camera(
    "kb3", [1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458], 3840, 2160
)
SMALL = GOPRO.scaled(width=384, height=216)


def _K(cam: Camera) -> np.ndarray:
    fx, fy, cx, cy = cam.params[:4]
    return np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])


def test_exo_undistorted_camera_is_opencv_k_new():
    und = exo_undistorted_camera(GOPRO)
    K_new = cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(
        _K(GOPRO), GOPRO.params[4:].reshape(4, 1), (3840, 2160), np.eye(3), balance=0.8
    )
    np.testing.assert_allclose(und.params, K_new[[0, 1, 0, 1], [0, 1, 2, 2]], rtol=0, atol=1e-9)
    assert (und.model, und.width, und.height) == ("pinhole", 3840, 2160)
    with pytest.raises(ValueError, match="kb3"):
        exo_undistorted_camera(aria_linear_camera())


def test_convert_px_matches_cv2_undistort_points():
    rng = np.random.default_rng(0)
    px = rng.uniform([200, 100], [3640, 2060], (500, 2))
    und = exo_undistorted_camera(GOPRO)
    ours, ok = convert_px(px, src=GOPRO, dst=und)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 100, 1e-15)
    ref = cv2.fisheye.undistortPoints(px[:, None], _K(GOPRO), GOPRO.params[4:], P=_K(und), criteria=criteria)[
        :, 0
    ]
    assert ok.all()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-6)
    back, ok_back = convert_px(ours, src=und, dst=GOPRO)
    assert ok_back.all()
    np.testing.assert_allclose(back, px, rtol=0, atol=1e-6)


def test_undistort_image_matches_cv2_remap():
    und = exo_undistorted_camera(SMALL)
    yy, xx = np.mgrid[0:216, 0:384]
    image = np.stack([xx % 256, yy % 256, (xx + yy) % 256], axis=-1).astype(np.uint8)
    ours, cam = undistort(image, src=SMALL, dst=und)
    m1, m2 = cv2.fisheye.initUndistortRectifyMap(
        _K(SMALL), SMALL.params[4:], np.eye(3), _K(und), (384, 216), cv2.CV_32FC1
    )
    ref = cv2.remap(image, m1, m2, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    assert cam is und and ours.shape == ref.shape
    inner = (slice(10, -10), slice(10, -10))
    assert np.abs(ours[inner].astype(int) - ref[inner].astype(int)).max() <= 1
    with pytest.raises(ValueError, match="source camera is 384x216"):
        undistort(image[:100], src=SMALL, dst=und)


def test_aria_linear_camera_matches_projectaria_tools():
    calibration = pytest.importorskip("projectaria_tools.core.calibration")
    ours = aria_linear_camera()
    theirs = calibration.get_linear_camera_calibration(512, 512, 150.0)
    rng = np.random.default_rng(1)
    pts = np.c_[rng.uniform(-1, 1, (50, 2)), rng.uniform(0.5, 3, 50)]
    ref = np.array([theirs.project_no_checks(p) for p in pts])
    px, ok = ours.project(pts, inside=False)
    assert ok.all()
    np.testing.assert_allclose(px, ref, rtol=0, atol=1e-6)


def test_posed_camera_project_rays_and_rotation():
    T = look_at([3.0, 1.0, 1.5], [0.0, 0.0, 1.0])
    cam = PosedCamera(view="cam01", space="raw", camera=SMALL, T_world_cam=T)
    rng = np.random.default_rng(2)
    world = rng.uniform([-0.5, -0.5, 0.5], [0.5, 0.5, 1.5], (100, 3))
    uv, vis = cam.project(world)
    assert vis.all() and uv.shape == (100, 2)
    origin, dirs, ok = cam.rays(uv)
    assert ok.all()
    to_points = world - origin
    cos = np.sum(dirs * to_points, axis=1) / np.linalg.norm(to_points, axis=1)
    np.testing.assert_allclose(cos, 1.0, atol=1e-12)
    behind = cam.project(2 * T[:3, 3] - world)[1]  # mirrored through the camera centre: behind it
    assert not behind.any()
    rot = PosedCamera(view="cam01", space="mp4", camera=SMALL, T_world_cam=T, rotated=True)
    uv_rot, vis_rot = rot.project(world)
    np.testing.assert_allclose(uv_rot, sensor_to_mp4_px(uv, sensor_size=(384, 216)), atol=1e-12)
    assert rot.size == (216, 384) and vis_rot.all()
    np.testing.assert_allclose(rot.rays(uv_rot)[1], dirs, atol=1e-12)
    d = rot.to_dict()
    assert d["width"] == 216 and d["rotated_90_cw"] and len(d["q_world_cam_xyzw"]) == 4
