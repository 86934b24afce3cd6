"""The 3D pose pipeline on synthetic skeletons: accuracy against ground truth, EgoPose I/O, hostile input."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.geometry import Camera, exo_undistorted_camera, invert_pose, look_at, make_pose
from egoexo_kit.geometry.triangulate import triangulate
from egoexo_kit.pose import (
    PoseOptions,
    annotation_3d,
    fit_bone_lengths,
    keypoints_from_json,
    reconstruct_pose,
    synthetic_keypoints,
)
from egoexo_kit.vocab import BODY_BONES, BODY_JOINTS

GOPRO = Camera(
    "kb3", [1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458], 3840, 2160
)
UNDISTORTED = exo_undistorted_camera(GOPRO)
# A standing COCO skeleton (metres, z up, facing +x): nose, eyes, ears, shoulders, elbows, wrists, hips,
# knees, ankles.
TEMPLATE = np.array([
    [0.10, 0.00, 1.60], [0.08, 0.03, 1.63], [0.08, -0.03, 1.63], [0.02, 0.07, 1.61], [0.02, -0.07, 1.61],
    [0.00, 0.19, 1.42], [0.00, -0.19, 1.42], [0.05, 0.25, 1.15], [0.05, -0.25, 1.15], [0.20, 0.22, 0.98],
    [0.20, -0.22, 0.98], [0.00, 0.11, 0.95], [0.00, -0.11, 0.95], [0.03, 0.12, 0.52], [0.03, -0.12, 0.52],
    [0.00, 0.12, 0.08], [0.00, -0.12, 0.08],
])  # fmt: skip


def walking_skeleton(frames: int = 90) -> np.ndarray:
    """``(F, 17, 3)``: the template walking a slow arc while turning (bone lengths constant)."""
    t = np.arange(frames) / 30.0
    yaw = 0.4 * t
    R = np.stack([np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]]) for a in yaw])
    centre = np.c_[0.3 * np.sin(0.5 * t), 0.4 * t - 0.5, np.zeros_like(t)]
    return np.einsum("fij,kj->fki", R, TEMPLATE) + centre[:, None]


def exo_ring(n: int = 4) -> np.ndarray:
    angles = np.linspace(0, 2 * np.pi, n, endpoint=False) + 0.3
    eyes = np.c_[4 * np.cos(angles), 4 * np.sin(angles), 1.6 + 0.4 * np.sin(2 * angles)]
    return invert_pose(np.stack([look_at(e, [0.0, 0.0, 1.0]) for e in eyes]))


def mpjpe(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.nanmean(np.linalg.norm(a - b, axis=-1)))


def test_pipeline_reaches_the_noise_floor_on_corrupted_input():
    """2 px noise + 10 % dropouts + 5 % gross outliers: within 1.5× of plain DLT on clean 2 px input."""
    rng = np.random.default_rng(0)
    gt = walking_skeleton()
    T = exo_ring()
    cams = [UNDISTORTED] * 4
    clean = synthetic_keypoints(gt, cameras=cams, T_cam_world=T, rng=rng, noise_px=2.0)
    bad = synthetic_keypoints(
        gt, cameras=cams, T_cam_world=T, rng=rng, noise_px=2.0, missing=0.1, outliers=0.05
    )
    floor = triangulate(np.swapaxes(clean, 1, 2), cameras=cams, T_cam_world=T, robust=False, refine=False)
    naive = triangulate(np.swapaxes(bad, 1, 2), cameras=cams, T_cam_world=T, robust=False, refine=False)
    track = reconstruct_pose(bad, cameras=cams, T_cam_world=T, frames=np.arange(len(gt)), bones=BODY_BONES)
    assert np.isfinite(track.points).all()
    assert mpjpe(track.points, gt) <= 1.5 * mpjpe(floor.points, gt)
    assert mpjpe(track.points, gt) < 0.2 * mpjpe(naive.points, gt)
    assert (track.n_views[track.n_views > 0] >= 2).all()


def test_per_frame_cameras_and_sparse_frames():
    """Moving cameras (per-frame poses) and frames with gaps: each run is cleaned on its own."""
    rng = np.random.default_rng(1)
    gt = walking_skeleton(60)
    T = np.stack([exo_ring() @ make_pose(np.eye(3), [0.01 * f, 0, 0]) for f in range(60)])
    frames = np.r_[np.arange(30), np.arange(40, 70)]
    px = synthetic_keypoints(gt, cameras=[UNDISTORTED] * 4, T_cam_world=T, rng=rng, noise_px=1.0)
    track = reconstruct_pose(px, cameras=[UNDISTORTED] * 4, T_cam_world=T, frames=frames, bones=BODY_BONES)
    assert mpjpe(track.points, gt) < 0.01


def test_confidence_drops_detections():
    rng = np.random.default_rng(2)
    gt = walking_skeleton(20)
    T = exo_ring(3)
    px = synthetic_keypoints(gt, cameras=[UNDISTORTED] * 3, T_cam_world=T, rng=rng, noise_px=0.5)
    conf = np.ones(px.shape[:-1])
    conf[:, 1:, 0] = 0.1  # the nose is confidently seen by one view only
    track = reconstruct_pose(
        px, cameras=[UNDISTORTED] * 3, T_cam_world=T, frames=np.arange(20), bones=BODY_BONES, confidence=conf
    )
    assert (track.n_views[:, 0] == 0).all() and np.isnan(track.points[:, 0]).all()
    assert (track.n_views[:, 1:] == 3).all()


def test_bone_fit_restores_lengths_with_small_moves():
    rng = np.random.default_rng(3)
    gt = walking_skeleton(10)
    lengths = np.linalg.norm(gt[0, [b for _, b in BODY_BONES]] - gt[0, [a for a, _ in BODY_BONES]], axis=-1)
    noisy = gt + rng.normal(0, 0.01, gt.shape)
    fitted = fit_bone_lengths(noisy, BODY_BONES, lengths=lengths, iterations=50)
    got = np.linalg.norm(
        fitted[:, [b for _, b in BODY_BONES]] - fitted[:, [a for a, _ in BODY_BONES]], axis=-1
    )
    np.testing.assert_allclose(got, np.broadcast_to(lengths, got.shape), atol=2e-3)
    assert mpjpe(fitted, gt) < mpjpe(noisy, gt) * 1.2


def test_egopose_layout_round_trip_and_errors():
    data = {
        "7": [{"annotation2D": {"cam01": {"nose": {"x": 1.5, "y": 2.5, "placement": "manual"}},
                                "cam02": {"left-eye": {"x": 3.0, "y": 4.0, "confidence": 0.25}}}}],
        "3": {"annotation2D": {"cam02": {"nose": {"x": 5.0, "y": 6.0}}}},
        "5": [],  # an empty frame, as real files have (issue 16 item 4): skipped
    }  # fmt: skip
    kp = keypoints_from_json(data, kind="body")
    assert kp.frames.tolist() == [3, 7] and kp.views == ("cam01", "cam02")
    assert kp.px[1, 0, 0].tolist() == [1.5, 2.5] and kp.confidence[1, 1, 1] == 0.25
    assert np.isnan(kp.px[0, 0]).all()
    points = np.full((2, 17, 3), np.nan)
    points[1, 0] = [0.1, 0.2, 0.3]
    ann = annotation_3d(kp.frames, points, np.full((2, 17), 2), joints=BODY_JOINTS, keypoints=kp)
    assert list(ann) == ["7"]
    assert ann["7"][0]["annotation3D"] == {"nose": {"x": 0.1, "y": 0.2, "z": 0.3, "num_views_for_3d": 2}}
    assert ann["7"][0]["annotation2D"]["cam01"]["nose"]["x"] == 1.5
    with pytest.raises(FormatError, match="numeric x and y") as e:
        keypoints_from_json({"1": [{"annotation2D": {"cam01": {"nose": {"x": "a"}}}}]}, kind="body")
    assert e.value.pointer == "/1/0/annotation2D/cam01/nose"
    with pytest.raises(FormatError, match="not an integer"):
        keypoints_from_json({"one": []}, kind="body")
    with pytest.raises(ValueError, match="body' or 'hand"):
        keypoints_from_json({}, kind="feet")


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match=r"\(F, V, J, 2\)"):
        reconstruct_pose(np.zeros((3, 2, 17)), cameras=[UNDISTORTED] * 2, T_cam_world=exo_ring(2),
                         frames=np.arange(3), bones=BODY_BONES, options=PoseOptions())  # fmt: skip
