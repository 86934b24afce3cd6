"""Keystep top-1, demonstrator proficiency (labels and logits), demonstration point mAP."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.benchmarks import InvalidGroundTruth, InvalidSubmission, evaluate
from egoexo_kit.benchmarks._reference import proficiency_one
from egoexo_kit.benchmarks.proficiency_demonstration import interpolated_ap


def keystep_gt():
    return {
        "segments": [{"ego_segment_name": f"s{i}", "label_id": lab} for i, lab in enumerate([3, 3, 7, 277])]
    }


def test_keystep_top1_counts_missing_as_wrong_and_accepts_a_list():
    res = evaluate("keystep-recognition", keystep_gt(), {"s0": 3, "s1": 4, "s2": 7})
    assert res.metrics == {"top1": 0.5}
    assert res.breakdown == {"segments": 4, "correct": 2, "missing": 1}
    assert evaluate("keystep-recognition", keystep_gt(), [3, 3, 7, 277]).metrics["top1"] == 1.0


def test_keystep_wrong_label_set_and_unknown_segment():
    with pytest.raises(InvalidSubmission) as info:
        evaluate("keystep-recognition", keystep_gt(), {"s0": 278, "s1": "3", "zz": 1})
    assert {p.where for p in info.value.problems} == {"/s0", "/s1", "/zz"}
    with pytest.raises(InvalidSubmission, match="one label per GT segment"):
        evaluate("keystep-recognition", keystep_gt(), [1, 2])


def demonstrator_gt():
    return {
        "videos": ["a", "b", "c", "d"],
        "gt_annotations": [0, 1, 3, 2],
        "scenario_names": ["Basketball", "Basketball", "Cooking", "Cooking"],
    }


def test_demonstrator_labels_ints_and_missing():
    pred = {"videos": ["a", "b", "c"], "predictions": ["Novice", 2, "Late Expert"]}
    res = evaluate("proficiency-demonstrator", demonstrator_gt(), pred)
    assert res.metrics == {"top1": 0.5}
    assert res.breakdown["scenarios"] == {"Basketball": 0.5, "Cooking": 0.5}
    assert res.breakdown["missing"] == 1


def test_demonstrator_release_gt_format():
    gt = {
        "annotations": [
            {
                "take_uid": "u1",
                "scenario_name": "Music",
                "proficiency_score": "Early Expert",
                "video_paths": {"ego": "takes/iiith_guitar_1/frame_aligned_videos/aria01_214-1.mp4"},
            },
        ]
    }
    assert (
        evaluate("proficiency-demonstrator", gt, {"videos": ["iiith_guitar_1"], "predictions": [1]}).metrics[
            "top1"
        ]
        == 1.0
    )


def test_demonstrator_logits_match_per_take_reference():
    rng = np.random.default_rng(0)
    n = 40
    gt = {
        "videos": [f"v{i}" for i in range(n)],
        "gt_annotations": rng.integers(0, 4, n).tolist(),
        "scenario_names": ["Dance"] * n,
    }
    ego = rng.normal(size=(n, 4)) * 3
    exo = rng.normal(size=(n, 4, 4)) * 3
    res = evaluate(
        "proficiency-demonstrator",
        gt,
        {
            "videos": gt["videos"],
            "ego_model_predictions": ego.tolist(),
            "exo_model_predictions": exo.tolist(),
        },
    )
    ref = np.array([proficiency_one(e, x) for e, x in zip(ego, exo, strict=True)])
    y = np.array(gt["gt_annotations"])
    assert res.metrics["top1_ego"] == pytest.approx((ref[:, 0] == y).mean())
    assert res.metrics["top1_exo"] == pytest.approx((ref[:, 1] == y).mean())
    assert res.metrics["top1_combined"] == pytest.approx((ref[:, 2] == y).mean())
    assert res.metrics["top1"] == res.metrics["top1_combined"]


def test_demonstrator_errors():
    with pytest.raises(InvalidSubmission) as info:
        evaluate(
            "proficiency-demonstrator",
            demonstrator_gt(),
            {"videos": ["a", "zz", "a"], "predictions": ["Expert", 1, 0]},
        )
    assert {p.where for p in info.value.problems} == {"/videos/1", "/videos/2", "/predictions/0"}
    with pytest.raises(InvalidSubmission) as info:
        evaluate(
            "proficiency-demonstrator",
            demonstrator_gt(),
            {
                "videos": ["a", "b", "c", "d"],
                "ego_model_predictions": [[0, 0, 0, 1]] * 4,
                "exo_model_predictions": [[[0, 0, 0, 1]] * 3] * 4,
            },
        )
    assert {p.where for p in info.value.problems} == {"/exo_model_predictions"}
    with pytest.raises(InvalidGroundTruth):
        evaluate(
            "proficiency-demonstrator", {"videos": ["a"], "gt_annotations": [9], "scenario_names": ["x"]}, {}
        )


def demonstration_gt():
    return {
        "annotations": [
            {
                "take_uid": "uidA",
                "good_executions": [
                    {"video_time": 10.0, "video_name": "takeA"},
                    {"video_time": 20.0, "video_name": "takeA"},
                ],
                "tips_for_improvement": [{"video_time": 15.0, "video_name": "takeA"}],
            }
        ]
    }


def test_demonstration_hand_computed_map():
    pred = [
        {"video-id": "takeA", "times": 10.2, "label": 0, "score": 0.9},  # TP at every threshold
        {"video-id": "uidA", "times": 20.6, "label": 0, "score": 0.8},  # 0.6 s away: TP only at 1.0
        {"video-id": "other", "times": 5.0, "label": 0, "score": 0.7},  # unknown video: FP
        {"video-id": "takeA", "times": 10.1, "label": 0, "score": 0.6},  # nearest GT taken: FP
        {"video-id": "takeA", "times": 15.4, "label": 1, "score": 0.5},  # 0.4 s: FP at 0.25, TP after
    ]
    res = evaluate("proficiency-demonstration", demonstration_gt(), pred)
    assert res.metrics == pytest.approx({"map_0.25": 0.25, "map_0.5": 0.75, "map_1.0": 1.0, "map_avg": 2 / 3})
    assert res.breakdown["predictions_in_unknown_videos"] == 1
    cols = {k: [p[k] for p in pred] for k in ("video-id", "times", "label", "score")}
    assert evaluate("proficiency-demonstration", demonstration_gt(), cols).metrics == res.metrics


def test_distance_exactly_at_threshold_matches():
    pred = [{"video-id": "takeA", "times": 10.25, "label": 0, "score": 1.0}]
    res = evaluate("proficiency-demonstration", demonstration_gt(), pred)
    assert res.breakdown["ap_per_class"]["good_execution"]["0.25"] == 0.5


def test_interpolated_ap_envelope():
    # precision 1, 0.5, 2/3 at recall 1/3, 1/3, 2/3: envelope makes the second point 2/3
    assert interpolated_ap(np.array([1.0, 0.5, 2 / 3]), np.array([1 / 3, 1 / 3, 2 / 3])) == pytest.approx(
        1 / 3 + 2 / 9
    )


def test_demonstration_errors_located():
    pred = [{"video-id": "takeA", "times": "x", "label": 2, "score": float("nan")}, {"times": 1.0}]
    with pytest.raises(InvalidSubmission) as info:
        evaluate("proficiency-demonstration", demonstration_gt(), pred)
    assert {p.where for p in info.value.problems} == {"/0/times", "/0/label", "/0/score", "/1/video-id"}


def anet_gt():
    """The same GT in the official ``ANETdetection`` layout (``{"database": …}``, label_id + segment)."""
    anns = [
        {"label_id": 0, "segment": 10.0},
        {"label_id": 0, "segment": [20.0]},
        {"label_id": 1, "segment": [15.0, 15.0]},
    ]
    return {"database": {"takeA": {"subset": "validation", "annotations": anns}}}


def test_demonstration_accepts_the_official_anet_ground_truth():
    pred = [
        {"video-id": "takeA", "times": 10.2, "label": 0, "score": 0.9},
        {"video-id": "takeA", "times": 20.6, "label": 0, "score": 0.8},
        {"video-id": "other", "times": 5.0, "label": 0, "score": 0.7},
        {"video-id": "takeA", "times": 10.1, "label": 0, "score": 0.6},
        {"video-id": "takeA", "times": 15.4, "label": 1, "score": 0.5},
    ]
    assert evaluate("proficiency-demonstration", anet_gt(), pred).metrics == pytest.approx(
        {"map_0.25": 0.25, "map_0.5": 0.75, "map_1.0": 1.0, "map_avg": 2 / 3}
    )
    bad = {"database": {"takeA": {"subset": "val", "annotations": [{"label_id": 3, "segment": [1, 2, 3]}]}}}
    with pytest.raises(InvalidGroundTruth) as info:
        evaluate("proficiency-demonstration", bad, pred)
    assert {p.where for p in info.value.problems} == {
        "/database/takeA/annotations/0/segment",
        "/database/takeA/annotations/0/label_id",
    }
