"""Body pose: short-clip filter, micro MPJPE/MPJVE, scenario groups, located submission errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from egoexo_kit.benchmarks import InvalidGroundTruth, InvalidSubmission, evaluate
from egoexo_kit.benchmarks.body_pose import filter_short_clips, scenario_of


def take(name, frames, joints):
    return {"take_name": name, "body": {str(f): j.tolist() for f, j in zip(frames, joints, strict=True)}}


def test_filter_short_clips_hand_cases():
    kept = np.arange(0, 118, 3)  # 0..117: 117 - 0 + 3 = 120 -> kept
    short = np.arange(200, 315, 3)  # 200..314: 114 + 3 = 117 -> dropped
    assert filter_short_clips(kept).tolist() == kept.tolist()
    assert filter_short_clips(short).size == 0
    both = np.r_[kept, short]
    assert filter_short_clips(both).tolist() == kept.tolist()
    # a gap of 4 splits a run into two short ones
    split = np.r_[np.arange(0, 60, 3), np.arange(61, 121, 3)]
    assert filter_short_clips(split).size == 0
    assert filter_short_clips(split, min_clip_len=60).size == split.size


def test_scenario_of_order_and_case():
    assert scenario_of("UPenn_Basketball_01") == "basketball"
    assert scenario_of("georgiatech_covid_07_6") == "health"
    assert scenario_of("iiith_piano_1") == "music"
    assert scenario_of("cmu_bike01_2") == "bike"
    assert scenario_of("unknown_take") is None


def test_constant_offset_gives_5cm_and_zero_velocity_error():
    frames = np.arange(0, 120, 3)
    gt = np.zeros((len(frames), 17, 3))
    gt[:, :, 0] = frames[:, None] * 0.01  # moving joints
    pred = gt + np.array([0.03, 0.04, 0.0])
    res = evaluate("body-pose", {"u1": take("x_cooking_1", frames, gt)}, {"u1": take("", frames, pred)})
    assert res.metrics["mpjpe_cm"] == pytest.approx(5.0, rel=1e-12)
    assert res.metrics["mpjve_mps"] == pytest.approx(0.0, abs=1e-12)
    assert res.breakdown["overall"]["mpjpe_count"] == 40 * 17
    assert res.breakdown["overall"]["mpjve_count"] == 39 * 17
    assert res.breakdown["groups"]["procedural"]["mpjpe_cm"] == pytest.approx(5.0)
    assert math.isnan(res.breakdown["groups"]["physical"]["mpjpe_cm"])


def test_velocity_error_scaled_by_30_over_dt():
    frames = np.arange(0, 120, 3)
    gt = np.zeros((len(frames), 17, 3))
    pred = gt.copy()
    pred[:, :, 2] = np.arange(len(frames))[:, None] * 0.01  # drifts 1 cm per 3 frames
    res = evaluate("body-pose", {"u": take("soccer_1", frames, gt)}, {"u": take("", frames, pred)})
    assert res.metrics["mpjve_mps"] == pytest.approx(0.01 * 30 / 3, rel=1e-12)


def test_nan_gt_joints_skipped_and_gap_of_10_drops_velocity():
    frames = np.r_[np.arange(0, 120, 3), np.arange(127, 250, 3)]  # the jump 117 -> 127 is 10 frames
    assert filter_short_clips(frames).size == frames.size
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(len(frames), 17, 3))
    gt[:, 5] = np.nan
    gt[3, :, :] = np.nan
    pred = gt + 0.1
    pred = np.nan_to_num(pred)
    res = evaluate("body-pose", {"u": take("dance_2", frames, gt)}, {"u": take("", frames, pred)})
    n = len(frames)
    assert res.breakdown["overall"]["mpjpe_count"] == (n - 1) * 16
    # velocity pairs: n - 1 minus the 10-frame gap, minus both pairs touching the all-NaN frame 3
    assert res.breakdown["overall"]["mpjve_count"] == (n - 1 - 1 - 2) * 16


def reference_body(gt_all, pred_all, min_clip_len=120):
    """Straightforward per-frame, per-joint port of the documented semantics."""
    cats = {
        "basketball": ["basketball"],
        "bike": ["bike"],
        "cooking": ["cooking"],
        "dance": ["dance"],
        "soccer": ["soccer"],
        "health": ["cpr", "covid"],
        "bouldering": ["bouldering"],
        "music": ["piano", "violin", "guitar", "music"],
    }
    pe = pc = ve = vc = 0.0
    for uid, t in gt_all.items():
        assert any(s in t["take_name"].lower() for v in cats.values() for s in v)
        frames = sorted(int(f) for f in t["body"])
        runs, cur = [], [frames[0]]
        for f in frames[1:]:
            if f - cur[-1] > 3:
                runs.append(cur)
                cur = [f]
            else:
                cur.append(f)
        runs.append(cur)
        kept = [f for r in runs if r[-1] - r[0] + 3 >= min_clip_len for f in r]
        prev = None
        for f in kept:
            g = np.array(t["body"][str(f)], dtype=float)
            p = np.array(pred_all[uid]["body"][str(f)], dtype=float)
            for j in range(17):
                if not np.isnan(g[j][0]):
                    pe += np.linalg.norm(g[j] - p[j])
                    pc += 1
            if prev is not None and f - prev[0] < 10:
                for j in range(17):
                    if not np.isnan(g[j][0]) and not np.isnan(prev[1][j][0]):
                        ve += np.linalg.norm((g[j] - prev[1][j]) - (p[j] - prev[2][j])) * 30.0 / (f - prev[0])
                        vc += 1
            prev = (f, g, p)
    return pe / pc * 100, ve / vc


def test_matches_straightforward_reference_on_random_takes():
    rng = np.random.default_rng(1)
    gt_all, pred_all = {}, {}
    for i, name in enumerate(["a_basketball_1", "b_cooking_2", "c_covid_3", "d_violin_4", "e_bouldering"]):
        frames = np.sort(rng.choice(np.arange(0, 900), size=250, replace=False))
        frames = np.unique(np.r_[frames, np.arange(300, 600, 3)])
        g = rng.normal(size=(len(frames), 17, 3))
        g[rng.random((len(frames), 17)) < 0.2] = np.nan
        p = np.nan_to_num(g) + rng.normal(scale=0.05, size=g.shape)
        gt_all[f"u{i}"] = take(name, frames, g)
        pred_all[f"u{i}"] = take("ignored", frames, p)
    res = evaluate("body-pose", gt_all, pred_all)
    ref_pe, ref_ve = reference_body(gt_all, pred_all)
    assert res.metrics["mpjpe_cm"] == pytest.approx(ref_pe, rel=1e-9)
    assert res.metrics["mpjve_mps"] == pytest.approx(ref_ve, rel=1e-9)
    assert set(res.breakdown["scenarios"]) <= {"basketball", "cooking", "health", "music", "bouldering"}


def test_invalid_submission_lists_every_problem():
    frames = np.arange(0, 120, 3)
    gt = np.zeros((len(frames), 17, 3))
    gts = {"u1": take("soccer_1", frames, gt), "u2": take("soccer_2", frames, gt)}
    body = {str(f): gt[0].tolist() for f in frames}
    del body["6"]
    body["9"] = [[0, 0, 0]] * 16
    body["12"] = [[float("nan"), 0, 0]] + [[0, 0, 0]] * 16
    with pytest.raises(InvalidSubmission) as info:
        evaluate("body-pose", gts, {"u1": {"take_name": "x", "body": body}})
    where = {p.where: p.message for p in info.value.problems}
    assert set(where) == {"/u2", "/u1/body/6", "/u1/body/9", "/u1/body/12/0/0"}
    assert "missing" in where["/u2"] and "missing" in where["/u1/body/6"]
    assert "shape" in where["/u1/body/9"] and "NaN" in where["/u1/body/12/0/0"]


def test_frames_of_dropped_short_clips_need_no_prediction():
    frames = np.r_[np.arange(0, 120, 3), np.arange(500, 530, 3)]
    gt = np.zeros((len(frames), 17, 3))
    pred = {"u": {"body": {str(f): gt[0].tolist() for f in frames[:40]}}}
    res = evaluate("body-pose", {"u": take("bike_1", frames, gt)}, pred)
    assert res.metrics["mpjpe_cm"] == 0.0


def test_take_without_scenario_is_a_gt_error():
    frames = np.arange(0, 120, 3)
    gt = np.zeros((len(frames), 17, 3))
    with pytest.raises(InvalidGroundTruth, match="no scenario"):
        evaluate("body-pose", {"u": take("mystery", frames, gt)}, {"u": take("", frames, gt)})
