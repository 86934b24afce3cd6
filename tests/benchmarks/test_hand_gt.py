"""Hand-pose GT builder: the official bone-length/angle check and 30 px reprojection filter."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from egoexo_kit import open_release
from egoexo_kit.benchmarks.hand_pose.gt import build_hand_gt, implausible_joints
from egoexo_kit.vocab import HAND_JOINTS

F, C, DEPTH = 150.0, 255.5, 0.4  # the tiny release's Aria camera_pose: identity pose at frame 0


def flat_hand() -> np.ndarray:
    """A plausible right hand in the plane z = 0.4 m facing the camera: straight fingers (180°).

    Thumb: base bone 4 cm; index..pinky: wrist to base 9 cm; every phalanx 3 cm.
    """
    pts = np.zeros((21, 3))
    pts[:, 2] = DEPTH
    for finger, angle in enumerate(np.radians([-60, -20, 0, 20, 40])):
        d = np.array([np.sin(angle), -np.cos(angle), 0.0])
        first = 0.04 if finger == 0 else 0.09
        for k in range(4):
            pts[1 + 4 * finger + k] = pts[0] + d * (first + 0.03 * k)
    return pts


def project(pts: np.ndarray) -> np.ndarray:
    return F * pts[:, :2] / pts[:, 2:] + C


def write_hand(
    release: Path,
    world: np.ndarray,
    uv: np.ndarray,
    *,
    views: list[int] | None = None,
    source: str = "annotation",
) -> None:
    """(Re)write the ``source`` hand file of the tiny release's val take: right hand only, frame 0."""
    cam_pose = next(release.glob("annotations/ego_pose/val/camera_pose/*.json"))
    aria = next(k for k in json.loads(cam_pose.read_text()) if k.startswith("aria"))
    names = HAND_JOINTS[:21]
    ann3d = {
        n: {"x": p[0], "y": p[1], "z": p[2], "num_views_for_3d": v}
        for n, p, v in zip(names, world.tolist(), views or [3] * 21, strict=True)
    }
    ann2d = {
        n: {"x": q[0], "y": q[1], "placement": "manual"}
        for n, q in zip(names, uv.tolist(), strict=True)
        if np.isfinite(q).all()
    }
    out = cam_pose.parents[1] / "hand" / source / cam_pose.name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"0": [{"annotation3D": ann3d, "annotation2D": {aria: ann2d}}]}))


def right_hand(release: Path, **options: object) -> tuple[list, list]:
    gt = build_hand_gt(open_release(release), split="val", **options)
    frame = (
        next(iter(next(iter(gt.values())).values()))
        if gt
        else {"right_hand_3d": [], "right_hand_valid_3d": []}
    )
    return frame["right_hand_3d"], frame["right_hand_valid_3d"]


def test_plausible_hand_with_exact_annotation_keeps_every_joint(tiny_release: Path) -> None:
    hand = flat_hand()
    write_hand(tiny_release, hand, project(hand))
    joints, valid = right_hand(tiny_release)
    assert valid == [True] * 21
    assert np.allclose(joints, hand)
    assert not implausible_joints(hand).any()


def test_too_long_bone_drops_that_joint_only(tiny_release: Path) -> None:
    hand = flat_hand()
    tip = 4 + 4 * 1  # index tip: its bone grows from 3 cm to 9 cm along the finger (angle stays 180°)
    hand[tip] = hand[tip - 1] + (hand[tip] - hand[tip - 1]) * 3
    write_hand(tiny_release, hand, project(hand))
    joints, valid = right_hand(tiny_release)
    assert [j for j in range(21) if not valid[j]] == [tip]
    assert np.isnan(joints[tip]).all()
    # with the check off, the joint is kept (its projection matches its annotation)
    assert right_hand(tiny_release, bone_check=False)[1] == [True] * 21


def test_bone_and_angle_limits() -> None:
    hand = flat_hand()
    assert implausible_joints(hand).sum() == 0
    short = hand.copy()
    short[2] = short[1] + (short[2] - short[1]) * 0.1  # thumb 1→2: 3 mm < 5 mm
    assert np.flatnonzero(implausible_joints(short)).tolist() == [2]  # the angles stay 180°
    palm = hand.copy()
    palm[9:13] += (palm[9] - palm[0]) * (0.13 / 0.09 - 1)  # middle base 13 cm from the wrist > 12 cm
    assert np.flatnonzero(implausible_joints(palm)).tolist() == [9]
    bent = hand.copy()
    # index: fold the middle phalanx back so the angle at joint 6 is 45° < 70°
    d1 = (bent[5] - bent[6]) / np.linalg.norm(bent[5] - bent[6])
    rot = np.array(
        [[np.cos(np.pi / 4), -np.sin(np.pi / 4), 0], [np.sin(np.pi / 4), np.cos(np.pi / 4), 0], [0, 0, 1]]
    )
    bent[7] = bent[6] + rot @ d1 * 0.03
    bent[8] = bent[7] + rot @ d1 * 0.03
    assert np.flatnonzero(implausible_joints(bent)).tolist() == [6]
    missing = hand.copy()
    missing[3] = np.nan  # tests involving a missing joint do not fail
    assert not implausible_joints(missing).any()


def test_reprojection_over_30px_drops_the_joint_and_the_wrist_is_exempt(tiny_release: Path) -> None:
    hand = flat_hand()
    uv = project(hand)
    uv[7] += [30.0, 0.0]  # exactly 30 px: kept
    uv[12] += [24.0, 18.01]  # just over 30 px: dropped
    uv[0] += [100.0, 0.0]  # the wrist is exempt
    uv[16] = np.nan  # not annotated in the Aria view: dropped
    write_hand(tiny_release, hand, uv)
    joints, valid = right_hand(tiny_release)
    assert [j for j in range(21) if not valid[j]] == [12, 16]
    assert np.allclose(joints[0], hand[0]) and np.isnan(joints[12]).all()
    assert right_hand(tiny_release, reproj_px=None)[1] == [True] * 21


def test_hand_left_with_fewer_than_10_valid_joints_is_dropped(tiny_release: Path) -> None:
    hand = flat_hand()
    uv = project(hand)
    uv[1:12] += 50.0  # 11 joints off: 10 valid remain, the hand is kept
    write_hand(tiny_release, hand, uv)
    assert sum(right_hand(tiny_release)[1]) == 10
    uv[12] += 50.0  # 9 valid: dropped
    write_hand(tiny_release, hand, uv)
    assert right_hand(tiny_release) == ([], [])


def test_wrist_seen_in_fewer_than_3_views_drops_the_hand(tiny_release: Path) -> None:
    hand = flat_hand()
    write_hand(tiny_release, hand, project(hand), views=[2] + [3] * 20)
    assert right_hand(tiny_release) == ([], [])
    write_hand(tiny_release, hand, project(hand), views=[3] * 20 + [2])  # the pinky tip only
    assert right_hand(tiny_release)[1] == [True] * 20 + [False]


def test_automatic_hands_are_not_filtered_by_the_view_count(tiny_release: Path) -> None:
    """Official loader: ``num_views_for_3d >= 3 or anno_type == "auto"``; manual keeps the rule."""
    hand = flat_hand()
    write_hand(tiny_release, hand, project(hand), views=[1] * 21, source="automatic")
    joints, valid = right_hand(tiny_release, source="automatic")
    assert valid == [True] * 21 and np.allclose(joints, hand)
    write_hand(tiny_release, hand, project(hand), views=[1] * 21)
    assert right_hand(tiny_release) == ([], [])


def test_undistorted_aria_image_is_512_wide_not_2cx(tiny_release: Path) -> None:
    """A joint projecting to x = 511.3 is inside the official 512×512 image (2·cx = 511 is not)."""
    hand = flat_hand()
    hand += [(511.3 - C) * DEPTH / F - hand[20, 0], 0.0, 0.0]  # the pinky tip lands at x = 511.3
    assert project(hand)[:, 0].max() == project(hand)[20, 0]
    write_hand(tiny_release, hand, project(hand))
    assert right_hand(tiny_release)[1] == [True] * 21
