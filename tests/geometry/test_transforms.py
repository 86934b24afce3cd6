"""Quaternions, poses, look-at and pose interpolation; scipy's Rotation is the independent reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from egoexo_kit.geometry import (
    interpolate_poses,
    invert_pose,
    kb3,
    look_at,
    make_pose,
    matrix_to_quat,
    pinhole,
    pose_from_quat_t,
    quat_to_matrix,
    slerp,
    transform_points,
)

GOPRO = np.array([1761.275757, 1761.275757, 1920.0, 1080.0, 0.036902, 0.057131, -0.057154, 0.018458])
seeds = st.integers(0, 2**32 - 1)


def random_quats(rng: np.random.Generator, n: int) -> np.ndarray:
    q = rng.normal(size=(n, 4))
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def random_poses(rng: np.random.Generator, n: int) -> np.ndarray:
    return pose_from_quat_t(random_quats(rng, n), rng.uniform(-5, 5, size=(n, 3)))


@settings(max_examples=30, deadline=None)
@given(seed=seeds)
def test_quat_matrix_round_trip_and_scipy(seed):
    q = random_quats(np.random.default_rng(seed), 200)
    R = quat_to_matrix(q)
    np.testing.assert_allclose(R, Rotation.from_quat(q).as_matrix(), atol=1e-12)
    np.testing.assert_allclose(R @ np.swapaxes(R, -1, -2), np.broadcast_to(np.eye(3), R.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-12)
    q_back = matrix_to_quat(R)
    assert (q_back[:, 3] >= 0).all()
    np.testing.assert_allclose(q_back, np.where(q[:, 3:] < 0, -q, q), atol=1e-12)
    np.testing.assert_allclose(quat_to_matrix(-q), R, atol=1e-15)  # q and -q are the same rotation


def test_matrix_to_quat_stable_near_180_degrees():
    # Trace -1 (180° turns) is where the naive w-first formula divides by ~0.
    for axis in np.eye(3):
        R = Rotation.from_rotvec(np.pi * axis).as_matrix()
        np.testing.assert_allclose(matrix_to_quat(R), [*axis, 0.0], atol=1e-12)
    rng = np.random.default_rng(0)
    axes = rng.normal(size=(100, 3))
    axes /= np.linalg.norm(axes, axis=-1, keepdims=True)
    R = Rotation.from_rotvec((np.pi - 1e-9) * axes).as_matrix()
    np.testing.assert_allclose(quat_to_matrix(matrix_to_quat(R)), R, atol=1e-12)


def test_known_rotation_and_shapes():
    q = [0.0, 0.0, np.sin(np.pi / 4), np.cos(np.pi / 4)]  # +90° about z
    np.testing.assert_allclose(quat_to_matrix(q) @ [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], atol=1e-15)
    assert quat_to_matrix(np.zeros((2, 5, 4)) + [0, 0, 0, 1]).shape == (2, 5, 3, 3)
    assert matrix_to_quat(np.broadcast_to(np.eye(3), (2, 5, 3, 3))).shape == (2, 5, 4)
    with pytest.raises(ValueError, match=r"q_xyzw must have shape \(\.\.\., 4\); got shape \(3,\)"):
        quat_to_matrix([0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"R must have shape \(\.\.\., 3, 3\); got shape \(3, 4\)"):
        matrix_to_quat(np.zeros((3, 4)))


def test_make_pose_broadcasts():
    T = make_pose(np.eye(3), np.arange(6.0).reshape(2, 3))
    assert T.shape == (2, 4, 4)
    np.testing.assert_array_equal(T[1, :3, 3], [3.0, 4.0, 5.0])
    np.testing.assert_array_equal(T[:, 3], [[0, 0, 0, 1], [0, 0, 0, 1]])
    T = pose_from_quat_t([0.0, 0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(T, make_pose(np.eye(3), [1.0, 2.0, 3.0]))


@settings(max_examples=20, deadline=None)
@given(seed=seeds)
def test_invert_pose(seed):
    T = random_poses(np.random.default_rng(seed), 50)
    T_inv = invert_pose(T)
    np.testing.assert_allclose(T_inv, np.linalg.inv(T), atol=1e-12)
    np.testing.assert_allclose(T @ T_inv, np.broadcast_to(np.eye(4), T.shape), atol=1e-12)
    T34 = invert_pose(T[:, :3])  # (N, 3, 4) in, (N, 3, 4) out
    assert T34.shape == (50, 3, 4)
    np.testing.assert_allclose(T34, T_inv[:, :3], atol=1e-15)


@settings(max_examples=20, deadline=None)
@given(seed=seeds)
def test_transform_points(seed):
    rng = np.random.default_rng(seed)
    T = random_poses(rng, 4)
    points = rng.normal(size=(4, 30, 3))
    expected = np.einsum("bij,bnj->bni", T, np.concatenate([points, np.ones((4, 30, 1))], axis=-1))[..., :3]
    np.testing.assert_allclose(transform_points(T, points), expected, atol=1e-12)
    np.testing.assert_allclose(transform_points(T[:, :3], points), expected, atol=1e-12)
    # One pose for a (B, N, 3) batch, and round trip through the inverse.
    out = transform_points(T[0], points)
    assert out.shape == (4, 30, 3)
    np.testing.assert_allclose(transform_points(invert_pose(T[0]), out), points, atol=1e-12)
    with pytest.raises(
        ValueError, match=r"T must have shape \(\.\.\., 4, 4\) or \(\.\.\., 3, 4\); got shape \(3, 3\)"
    ):
        transform_points(np.eye(3), points)
    with pytest.raises(ValueError, match=r"points must have shape \(\.\.\., N, 3\); got shape \(3,\)"):
        transform_points(T[0], np.zeros(3))


@settings(max_examples=30, deadline=None)
@given(seed=seeds)
def test_look_at_puts_target_on_optical_axis(seed):
    rng = np.random.default_rng(seed)
    eye = rng.uniform(-5, 5, 3)
    target = eye + rng.uniform(0.5, 5.0) * np.r_[rng.normal(size=2), rng.uniform(-1.0, 1.0)]
    T_world_cam = look_at(eye, target)
    R = T_world_cam[:3, :3]
    np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
    assert np.linalg.det(R) == pytest.approx(1.0)
    T_cam_world = invert_pose(T_world_cam)
    points_cam = transform_points(T_cam_world, np.stack([target, target + [0.0, 0.0, 0.1]]))
    for model, params, centre in (
        (kb3, GOPRO, GOPRO[2:4]),
        (pinhole, [500.0, 500.0, 320.0, 240.0], [320, 240]),
    ):
        px, ok = model.project(points_cam, params)
        assert ok.all()
        np.testing.assert_allclose(px[0], centre, atol=1e-6)
        assert px[1, 1] < px[0, 1]  # world up is image up (smaller y)


def test_look_at_axes_and_errors():
    T = look_at([0.0, 0.0, 1.0], [0.0, 5.0, 1.0])  # look along world +y, z up
    np.testing.assert_allclose(T[:3, :3], [[1, 0, 0], [0, 0, 1], [0, -1, 0]], atol=1e-15)
    np.testing.assert_array_equal(T[:3, 3], [0.0, 0.0, 1.0])
    assert look_at(np.zeros((3, 3)), np.eye(3) + [0.5, 0, 0]).shape == (3, 4, 4)
    with pytest.raises(ValueError, match="parallel to up"):
        look_at([0.0, 0.0, 0.0], [0.0, 0.0, -2.0])
    with pytest.raises(ValueError, match="eye and target must differ"):
        look_at([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])


def test_slerp():
    q0 = np.array([0.0, 0.0, 0.0, 1.0])
    q1 = Rotation.from_rotvec([0.0, 0.0, np.pi / 2]).as_quat()
    np.testing.assert_allclose(slerp(q0, q1, 0.0), q0, atol=1e-15)
    np.testing.assert_allclose(slerp(q0, q1, 1.0), q1, atol=1e-15)
    mid = Rotation.from_rotvec([0.0, 0.0, np.pi / 4]).as_quat()
    np.testing.assert_allclose(slerp(q0, q1, 0.5), mid, atol=1e-15)
    np.testing.assert_allclose(slerp(q0, -q1, 0.5), mid, atol=1e-15)  # shorter arc despite the sign
    out = slerp(q0, np.stack([q1, q1, q0]), np.array([0.25, 0.75, 0.3]))  # batched, identical inputs too
    np.testing.assert_allclose(
        Rotation.from_quat(out).magnitude(), [np.pi / 8, 3 * np.pi / 8, 0.0], atol=1e-12
    )


def test_interpolate_poses_endpoints_midpoint_and_clamp():
    times = np.array([1_000_000_000, 2_000_000_000, 4_000_000_000], dtype=np.int64)  # ns
    T = np.stack(
        [
            pose_from_quat_t([0, 0, 0, 1], [0.0, 0.0, 0.0]),
            pose_from_quat_t(Rotation.from_rotvec([0, 0, np.pi / 2]).as_quat(), [2.0, 0.0, 0.0]),
            pose_from_quat_t(Rotation.from_rotvec([0, 0, np.pi / 2]).as_quat(), [2.0, 4.0, 0.0]),
        ]
    )
    query = np.array(
        [0, 1_000_000_000, 1_500_000_000, 2_000_000_000, 3_000_000_000, 5_000_000_000], dtype=np.int64
    )
    out = interpolate_poses(query, times, T)
    assert out.shape == (6, 4, 4)
    np.testing.assert_allclose(out[[0, 1, 3, 5]], T[[0, 0, 1, 2]], atol=1e-12)  # samples; clamped ends
    np.testing.assert_allclose(out[2, :3, 3], [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(
        out[2, :3, :3], Rotation.from_rotvec([0, 0, np.pi / 4]).as_matrix(), atol=1e-12
    )
    np.testing.assert_allclose(out[4, :3, 3], [2.0, 2.0, 0.0], atol=1e-12)
    # Integer nanoseconds keep full precision: 1 ns after a sample moves by exactly 1 ns of motion.
    one_ns = interpolate_poses(np.array([1_000_000_001]), times, T)
    assert one_ns[0, 0, 3] == pytest.approx(2.0e-9, rel=1e-6)
    # 3x4 input, a single sample, float seconds.
    np.testing.assert_allclose(interpolate_poses([0.5, 7.0], [1.0], T[:1, :3]), T[[0, 0]], atol=1e-15)


def test_interpolate_poses_errors():
    T = np.broadcast_to(np.eye(4), (3, 4, 4))
    with pytest.raises(
        ValueError, match=r"times must be strictly increasing; times\[1\] = 2.0 >= times\[2\] = 2.0"
    ):
        interpolate_poses([1.0], [1.0, 2.0, 2.0], T)
    with pytest.raises(ValueError, match="N = len\\(times\\) = 2"):
        interpolate_poses([1.0], [1.0, 2.0], T)
    with pytest.raises(ValueError, match="must be 1-D"):
        interpolate_poses([[1.0]], [1.0, 2.0, 3.0], T)
