"""Skeleton: FORMAT §7.9 joint names and orders, proportions, and posing invariants."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from egoexo_kit.geometry import make_pose
from egoexo_kit.synth.motion._skeleton import (
    BODY_BONES,
    BODY_INDEX,
    BODY_JOINTS,
    COCO_SKELETON,
    HAND_BONES,
    HAND_INDEX,
    HAND_JOINTS,
    HAND_JOINTS_PER_SIDE,
    HEAD_JOINTS,
    Body,
    pose_skeleton,
    two_bone_ik,
)
from egoexo_kit.synth.motion._tracks import rot_y, rot_z

# FORMAT §7.9, canonical COCO order table.
COCO = (
    "nose", "left-eye", "right-eye", "left-ear", "right-ear", "left-shoulder", "right-shoulder",
    "left-elbow", "right-elbow", "left-wrist", "right-wrist", "left-hip", "right-hip",
    "left-knee", "right-knee", "left-ankle", "right-ankle",
)  # fmt: skip


def bone_lengths(points: np.ndarray, bones: tuple[tuple[int, int], ...]) -> np.ndarray:
    idx = np.array(bones)
    return np.linalg.norm(points[:, idx[:, 0]] - points[:, idx[:, 1]], axis=-1)


def random_inputs(seed: int, n: int = 40) -> dict[str, np.ndarray]:
    """Arbitrary (not smooth, partly unreachable) inputs: the invariants must hold for any of them."""
    rng = np.random.default_rng(seed)
    yaw, lean = rng.uniform(-np.pi, np.pi, n), rng.uniform(-0.3, 0.9, n)
    pelvis = rng.uniform([-2, -2, 0.6], [2, 2, 1.1], (n, 3))
    T = make_pose(rot_z(yaw) @ rot_y(lean), pelvis)
    return {
        "T_world_pelvis": T,
        "grip_world": pelvis[:, None] + rng.uniform(-1.2, 1.2, (n, 2, 3)),
        "closure": rng.uniform(0, 1, (n, 2)),
        "ankles_world": np.concatenate(
            [pelvis[:, None, :2] + rng.uniform(-0.5, 0.5, (n, 2, 2)), rng.uniform(0.05, 0.4, (n, 2, 1))],
            axis=-1,
        ),  # fmt: skip
        "look_at_world": pelvis + rng.uniform(-3, 3, (n, 3)),
    }


def test_body_joints_are_the_canonical_coco_order():
    assert BODY_JOINTS == COCO
    assert all(BODY_INDEX[name] == i for i, name in enumerate(COCO))
    assert tuple(BODY_JOINTS[i] for i in HEAD_JOINTS) == (
        "nose",
        "left-eye",
        "right-eye",
        "left-ear",
        "right-ear",
    )


def test_hand_joints_names_and_order():
    fingers = ("thumb", "index", "middle", "ring", "pinky")
    per_side = ("wrist",) + tuple(f"{f}_{k}" for f in fingers for k in (1, 2, 3, 4))
    assert HAND_JOINTS_PER_SIDE == per_side
    assert HAND_JOINTS == tuple(f"right_{j}" for j in per_side) + tuple(f"left_{j}" for j in per_side)
    assert len(HAND_JOINTS) == 42 and HAND_INDEX["right_wrist"] == 0 and HAND_INDEX["left_wrist"] == 21
    # FORMAT §7.9: 0 wrist, 1–4 thumb, 5–8 index, 9–12 middle, 13–16 ring, 17–20 pinky.
    assert [HAND_JOINTS_PER_SIDE[i] for i in (1, 5, 9, 13, 17, 20)] == [
        "thumb_1", "index_1", "middle_1", "ring_1", "pinky_1", "pinky_4",
    ]  # fmt: skip


def test_bones():
    assert len(COCO_SKELETON) == 19 and len(BODY_BONES) == 17
    assert set(BODY_BONES) <= set(COCO_SKELETON)
    assert (3, 5) not in BODY_BONES and (4, 6) not in BODY_BONES
    assert len(HAND_BONES) == 40
    # Every hand joint but the wrists is reached by exactly one bone (a tree rooted at each wrist).
    children = sorted(j for _, j in HAND_BONES)
    assert children == sorted(set(range(42)) - {0, 21})
    assert (HAND_INDEX["right_index_3"], HAND_INDEX["right_index_4"]) in HAND_BONES
    assert (HAND_INDEX["left_wrist"], HAND_INDEX["left_thumb_1"]) in HAND_BONES


def test_body_proportions():
    short, tall = Body.from_height(1.55), Body.from_height(1.95)
    assert tall.upper_arm_m / short.upper_arm_m == pytest.approx(1.95 / 1.55)
    b = Body.from_height(1.75)
    assert 0.45 < b.leg_m / b.height_m < 0.56
    assert 0.30 < b.reach_m / b.height_m < 0.42
    assert b.ankle_height_m < b.standing_pelvis_z < b.leg_m
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.height_m = 2.0  # type: ignore[misc]


def test_body_sample_and_jitter_are_deterministic():
    a, b = Body.sample(np.random.default_rng(7)), Body.sample(np.random.default_rng(7))
    assert a == b
    assert 1.55 <= a.height_m <= 1.95
    jittered = Body.from_height(1.7, rng=np.random.default_rng(1))
    plain = Body.from_height(1.7)
    assert jittered != plain
    assert jittered.thigh_m == pytest.approx(plain.thigh_m, rel=0.051)


@pytest.mark.parametrize("height", [1.5, 2.0, float("nan")])
def test_body_height_out_of_range(height):
    with pytest.raises(ValueError, match="outside the supported range"):
        Body.from_height(height)


def test_body_rejects_non_positive_lengths():
    b = Body.from_height(1.7)
    with pytest.raises(ValueError, match="positive"):
        dataclasses.replace(b, forearm_m=0.0)


def test_rest_pose():
    body = Body.from_height(1.75)
    pose = body.rest_pose()
    j = pose.body_world[0]
    assert pose.body_world.shape == (1, 17, 3) and pose.hands_world.shape == (1, 42, 3)
    # Facing +x with +y on the left.
    for name in ("eye", "ear", "shoulder", "elbow", "wrist", "hip", "knee", "ankle"):
        assert j[BODY_INDEX[f"left-{name}"], 1] > 0 > j[BODY_INDEX[f"right-{name}"], 1]
    assert j[BODY_INDEX["nose"], 0] > j[BODY_INDEX["left-ear"], 0]
    np.testing.assert_allclose(j[[15, 16], 2], body.ankle_height_m, atol=1e-12)
    assert 0.86 < j[BODY_INDEX["left-eye"], 2] / body.height_m < 0.96
    assert 0.75 < j[BODY_INDEX["left-shoulder"], 2] / body.height_m < 0.85
    T = pose.T_world_head[0]
    np.testing.assert_allclose(T[:3, :3].T @ T[:3, :3], np.eye(3), atol=1e-12)
    assert np.linalg.det(T[:3, :3]) == pytest.approx(1.0)
    assert T[0, 2] > 0.9  # z (looking direction) ahead
    assert T[1, 0] < -0.99  # x to the wearer's right (-y)
    assert T[2, 1] < 0  # y points down
    eyes = j[[1, 2]].mean(axis=0)
    assert 0.0 < (T[:3, 3] - eyes) @ T[:3, 2] < 0.03


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(1.55, 1.95))
def test_bone_lengths_are_exactly_constant(seed, height):
    body = Body.from_height(height, rng=np.random.default_rng(seed))
    pose = pose_skeleton(body, **random_inputs(seed))
    for points, bones in ((pose.body_world, BODY_BONES), (pose.hands_world, HAND_BONES)):
        lengths = bone_lengths(points, bones)
        np.testing.assert_allclose(lengths, np.broadcast_to(lengths[0], lengths.shape), rtol=0, atol=1e-9)
    lengths = bone_lengths(pose.body_world, BODY_BONES)[0]
    expect = {
        (5, 7): body.upper_arm_m,
        (7, 9): body.forearm_m,
        (11, 13): body.thigh_m,
        (13, 15): body.shank_m,
    }
    index = {tuple(sorted(b)): i for i, b in enumerate(BODY_BONES)}
    for bone, length in expect.items():
        assert lengths[index[bone]] == pytest.approx(length, abs=1e-12)
    R = pose.T_world_head[:, :3, :3]
    np.testing.assert_allclose(np.swapaxes(R, 1, 2) @ R, np.broadcast_to(np.eye(3), R.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_ankles_never_pass_their_target_downward(seed):
    body = Body.from_height(1.7)
    inputs = random_inputs(seed)
    pose = pose_skeleton(body, **inputs)
    ankles = pose.body_world[:, [16, 15]]
    assert np.all(
        ankles[..., 2]
        >= np.minimum(inputs["ankles_world"][..., 2], inputs["T_world_pelvis"][:, None, 2, 3]) - 1e-9
    )


def test_reachable_grip_targets_are_reached_exactly():
    body = Body.from_height(1.7)
    rng = np.random.default_rng(0)
    n = 200
    T = make_pose(np.broadcast_to(np.eye(3), (n, 3, 3)), np.array([0.0, 0.0, body.standing_pelvis_z]))
    shoulders = np.array([[0, -body.shoulder_half_width_m, 0], [0, body.shoulder_half_width_m, 0]])
    shoulders = shoulders + np.array([0, 0, body.standing_pelvis_z + body.torso_m])
    direction = rng.normal(size=(n, 2, 3))
    direction /= np.linalg.norm(direction, axis=-1, keepdims=True)
    targets = shoulders + rng.uniform(0.2, 0.95, (n, 2, 1)) * body.reach_m * direction
    pose = pose_skeleton(body, T_world_pelvis=T, grip_world=targets)
    np.testing.assert_allclose(pose.grip_world, targets, atol=1e-12)
    middle = pose.hands_world[:, [HAND_INDEX["right_middle_1"], HAND_INDEX["left_middle_1"]]]
    np.testing.assert_allclose(middle, targets, atol=1e-12)


def test_two_bone_ik_never_overshoots():
    root = np.zeros((5, 3))
    target = np.array([[0, 0, d] for d in (0.1, 0.5, 0.9, 1.2, 5.0)])
    middle, end, normal = two_bone_ik(root, target, np.array([1.0, 0, 0]), lengths=(0.5, 0.5))
    np.testing.assert_allclose(np.linalg.norm(middle, axis=1), 0.5)
    np.testing.assert_allclose(np.linalg.norm(end - middle, axis=1), 0.5)
    np.testing.assert_allclose(end[:3], target[:3], atol=1e-12)
    assert np.all(np.linalg.norm(end, axis=1) < 1.0)
    assert np.all(middle[:, 0] > 0)  # bends toward the pole
    np.testing.assert_allclose(np.linalg.norm(normal, axis=1), 1.0)


def test_head_turns_toward_the_look_at_point():
    body = Body.from_height(1.7)
    n = 3
    T = make_pose(np.broadcast_to(np.eye(3), (n, 3, 3)), np.array([0.0, 0.0, body.standing_pelvis_z]))
    look = np.array([[3.0, 1.0, 1.2], [3.0, -1.0, 1.5], [2.0, 0.0, 0.2]])
    pose = pose_skeleton(body, T_world_pelvis=T, look_at_world=look)
    fwd = pose.T_world_head[:, :3, 2]
    assert fwd[0, 1] > 0.2 and fwd[1, 1] < -0.2 and fwd[2, 2] < -0.3


def test_pose_skeleton_rejects_bad_shapes():
    body = Body.from_height(1.7)
    T = np.broadcast_to(np.eye(4), (4, 4, 4))
    with pytest.raises(ValueError, match=r"T_world_pelvis must be \(T, 4, 4\)"):
        pose_skeleton(body, T_world_pelvis=np.eye(4))
    with pytest.raises(ValueError, match="grip_world must have shape"):
        pose_skeleton(body, T_world_pelvis=T, grip_world=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="closure must have shape"):
        pose_skeleton(body, T_world_pelvis=T, closure=np.zeros(4))
