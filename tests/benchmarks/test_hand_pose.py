"""Hand pose: per-hand MPJPE / PA-MPJPE in mm, the offset mode, Procrustes, located errors."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.benchmarks import InvalidGroundTruth, InvalidSubmission, evaluate
from egoexo_kit.benchmarks._reference import hand_scores_one
from egoexo_kit.benchmarks.hand_pose import procrustes_align


def gt_file(frames):
    """frames: {(take, frame): {"right": (joints, valid) | None, "left": ...}}"""
    out = {}
    for (take, frame), hands in frames.items():
        ann = {}
        for hand in ("right", "left"):
            h = hands.get(hand)
            ann[f"{hand}_hand_3d"] = [] if h is None else h[0].tolist()
            ann[f"{hand}_hand_valid_3d"] = [] if h is None else [bool(v) for v in h[1]]
        out.setdefault(take, {})[frame] = ann
    return out


def pred_file(frames):
    out = {}
    for (take, frame), hands in frames.items():
        out.setdefault(take, {})[frame] = {
            f"{h}_hand_3d": ([] if hands.get(h) is None else hands[h].tolist()) for h in ("right", "left")
        }
    return out


def reference_pa(pred, gt):
    return hand_scores_one(pred, gt, np.ones(len(gt), dtype=bool))[1]


def test_hand_computed_mpjpe_and_similarity_invariance():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(21, 3)) * 0.05
    valid = np.ones(21, dtype=bool)
    # prediction = GT shifted by 3 mm along x: MPJPE 3 mm, PA-MPJPE 0
    res = evaluate(
        "hand-pose",
        gt_file({("t", "0"): {"right": (g, valid)}}),
        pred_file({("t", "0"): {"right": g + [0.003, 0, 0]}}),
    )
    assert res.metrics["mpjpe_mm"] == pytest.approx(3.0, rel=1e-9)
    assert res.metrics["pa_mpjpe_mm"] == pytest.approx(0.0, abs=1e-9)
    # rotated, scaled and translated copy: PA-MPJPE is 0
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]])
    p = 1.7 * g @ rot.T + 0.2
    res = evaluate(
        "hand-pose", gt_file({("t", "0"): {"right": (g, valid)}}), pred_file({("t", "0"): {"right": p}})
    )
    assert res.metrics["pa_mpjpe_mm"] == pytest.approx(0.0, abs=1e-9)
    assert res.metrics["mpjpe_mm"] > 100


def test_reflection_is_not_allowed_by_procrustes():
    rng = np.random.default_rng(3)
    g = rng.normal(size=(21, 3))
    mirrored = g * np.array([-1.0, 1.0, 1.0])
    aligned = procrustes_align(mirrored[None], g[None], np.ones((1, 21), dtype=bool))[0]
    assert np.linalg.norm(aligned - g, axis=1).mean() > 0.1
    assert np.linalg.norm(aligned - g, axis=1).mean() == pytest.approx(reference_pa(mirrored, g), rel=1e-9)


def test_invalid_joints_ignored_and_final_mean_is_per_hand():
    rng = np.random.default_rng(1)
    frames, preds = {}, {}
    ref_pe, ref_pa = [], []
    for i in range(30):
        g = rng.normal(size=(21, 3)) * 0.05
        valid = rng.random(21) > 0.3
        valid[0] = True
        g_nan = g.copy()
        g_nan[~valid] = np.nan
        p = g + rng.normal(scale=0.01, size=(21, 3))
        hand = "left" if i % 3 else "right"
        frames[("t", str(i))] = {hand: (g_nan, valid)}
        preds[("t", str(i))] = {hand: p}
        ref_pe.append(np.linalg.norm((p - g)[valid] * 1000, axis=1).mean())
        ref_pa.append(reference_pa(p[valid] * 1000, g[valid] * 1000))
    res = evaluate("hand-pose", gt_file(frames), pred_file(preds))
    assert res.metrics["mpjpe_mm"] == pytest.approx(np.mean(ref_pe), rel=1e-9)
    assert res.metrics["pa_mpjpe_mm"] == pytest.approx(np.mean(ref_pa), rel=1e-9)
    assert res.breakdown["per_hand"]["right"]["hands"] == 10
    assert res.breakdown["per_hand"]["left"]["hands"] == 20


def test_offset_adds_gt_wrist():
    g = np.random.default_rng(2).normal(size=(21, 3))
    rel = g - g[0]
    gt = gt_file({("t", "5"): {"left": (g, np.ones(21))}})
    res = evaluate("hand-pose", gt, pred_file({("t", "5"): {"left": rel}}), offset=True)
    assert res.metrics["mpjpe_mm"] == pytest.approx(0.0, abs=1e-9)
    res = evaluate("hand-pose", gt, pred_file({("t", "5"): {"left": rel}}))
    assert res.metrics["mpjpe_mm"] == pytest.approx(np.linalg.norm(g[0]) * 1000, rel=1e-9)


def test_null_invalid_joints_and_int_flags_in_gt_are_read():
    g = np.random.default_rng(4).normal(size=(21, 3))
    gt = gt_file({("t", "0"): {"right": (g, np.ones(21))}})
    ann = gt["t"]["0"]
    ann["right_hand_3d"][20] = [None, None, None]
    ann["right_hand_valid_3d"] = [1] * 20 + [0]
    res = evaluate("hand-pose", gt, pred_file({("t", "0"): {"right": g}}))
    assert res.metrics["mpjpe_mm"] == pytest.approx(0.0, abs=1e-12)


def test_unevaluated_hands_need_no_prediction_and_errors_are_located():
    g = np.zeros((21, 3))
    gt = gt_file(
        {
            ("t", "0"): {"right": (g, np.ones(21))},
            ("t", "1"): {"left": (g, np.ones(21))},
            ("u", "2"): {"left": (g, np.ones(21))},
        }
    )
    pred = {
        "t": {
            "0": {"right_hand_3d": [], "left_hand_3d": [[1, 2, 3]] * 21},
            "1": {"left_hand_3d": [[0, 0, float("inf")]] * 21},
        }
    }
    with pytest.raises(InvalidSubmission) as info:
        evaluate("hand-pose", gt, pred)
    where = {p.where: p.message for p in info.value.problems}
    assert set(where) == {"/t/0/right_hand_3d", "/t/1/left_hand_3d/0/2", "/u"}
    assert "shape" in where["/t/0/right_hand_3d"]


def test_gt_valid_joint_that_is_nan_is_a_gt_error():
    g = np.zeros((21, 3))
    g[4] = np.nan
    with pytest.raises(InvalidGroundTruth, match="valid is NaN"):
        evaluate("hand-pose", gt_file({("t", "0"): {"right": (g, np.ones(21))}}), {})
