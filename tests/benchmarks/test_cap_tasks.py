"""Calibrated AP (ties, classes without positives, random ≈ 0.5), procedure understanding, energy task."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.benchmarks import InvalidSubmission, evaluate
from egoexo_kit.benchmarks._cap import average_precision, calibrated_ap, mean_calibrated_ap
from egoexo_kit.benchmarks.energy_efficient_keystep import EnergyModel, tier_of


def test_cap_hand_computed():
    # balanced: w = 1, plain AP = 0.5 * 1 + 0.5 * 2/3
    assert calibrated_ap(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1])) == pytest.approx(5 / 6)
    # 1 positive, 3 negatives: w = 3; the positive is ranked 2nd -> cPrec = 3 / (3 + 1)
    assert calibrated_ap(np.array([1, 0, 0, 0]), np.array([0.5, 0.9, 0.1, 0.2])) == pytest.approx(0.75)
    assert average_precision(np.array([1, 0, 0, 0]), np.array([0.5, 0.9, 0.1, 0.2]), calibrated=False) == 0.5


def test_cap_ties_form_one_threshold():
    assert calibrated_ap(np.array([1, 0]), np.array([0.5, 0.5])) == 0.5
    assert calibrated_ap(np.array([0, 1]), np.array([0.5, 0.5])) == 0.5
    y = np.array([1, 0, 0, 1, 0])
    s = np.array([0.3, 0.3, 0.3, 0.9, 0.1])
    # thresholds 0.9 (TP) and 0.3 (TP=2, FP=2); w = 3/2: cPrec = 1, then 3 / (3 + 2)
    assert calibrated_ap(y, s) == pytest.approx(0.5 * 1 + 0.5 * 0.6)


def test_cap_class_without_positives_and_without_negatives():
    y = np.array([[0, 1], [0, 1], [0, 1]])
    s = np.array([[0.2, 0.1], [0.9, 0.5], [0.4, 0.3]])
    value, per = mean_calibrated_ap(y, s)
    assert per.tolist() == [0.0, 1.0]  # no positives -> 0; all positives -> ordinary precision 1
    assert value == 0.5
    assert mean_calibrated_ap(y, s, skip_without_positives=True)[0] == 1.0


def test_cap_of_random_scores_is_about_half_at_any_positive_rate():
    rng = np.random.default_rng(0)
    for rate in (0.5, 0.1, 0.02):
        y = rng.random(100_000) < rate
        assert calibrated_ap(y, rng.random(100_000)) == pytest.approx(0.5, abs=0.02)


def test_uncalibrated_ap_matches_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    for _ in range(10):
        y = rng.random(300) < 0.3
        s = np.round(rng.random(300), 2)  # with ties
        assert average_precision(y, s, calibrated=False) == pytest.approx(
            metrics.average_precision_score(y, s), rel=1e-12
        )


def procedure_files(k=3):
    gt = {
        "segments": {
            "s1": {
                "previous": [0, 0, 0],
                "optional": 0,
                "mistake": False,
                "missing": [0, 0, 0],
                "future": [1, 0, 0],
            },
            "s2": {
                "previous": [1, 0, 0],
                "optional": 1,
                "mistake": False,
                "missing": [0, 1, 0],
                "future": [0, 1, 0],
            },
            "s3": {
                "previous": [1, 1, 0],
                "optional": 0,
                "mistake": True,
                "missing": [0, 0, 0],
                "future": [0, 0, 1],
            },
            "s4": {
                "previous": [1, 1, 1],
                "optional": 0,
                "mistake": False,
                "missing": [0, 0, 0],
                "future": [0, 0, 0],
            },
        }
    }
    perfect = {
        "segments": {
            sid: {key: (np.asarray(v, dtype=float) * 0.8 + 0.1).tolist() for key, v in seg.items()}
            for sid, seg in gt["segments"].items()
        }
    }
    return gt, perfect


def test_procedure_understanding_perfect_scores_and_macro_with_absent_keystep():
    gt, pred = procedure_files()
    res = evaluate("procedure-understanding", gt, pred)
    assert set(res.metrics) == {"cap_previous", "cap_optional", "cap_mistake", "cap_missing", "cap_future"}
    assert res.metrics["cap_previous"] == 1.0 and res.metrics["cap_optional"] == 1.0
    # "missing" has positives only in keystep 1: macro over 3 columns = (0 + 1 + 0) / 3
    assert res.metrics["cap_missing"] == pytest.approx(1 / 3)
    assert (
        evaluate("procedure-understanding", gt, pred, averaging="macro-present").metrics["cap_missing"] == 1.0
    )
    assert evaluate("procedure-understanding", gt, pred, averaging="micro").metrics["cap_missing"] == 1.0


def test_procedure_understanding_located_errors():
    gt, pred = procedure_files()
    del pred["segments"]["s2"]
    pred["segments"]["s1"]["previous"] = [0.1, 0.2]
    pred["segments"]["s3"]["optional"] = "high"
    pred["segments"]["s9"] = {}
    with pytest.raises(InvalidSubmission) as info:
        evaluate("procedure-understanding", gt, pred)
    assert {p.where for p in info.value.problems} == {
        "/segments/s2",
        "/segments/s1/previous",
        "/segments/s3/optional",
        "/segments/s9",
    }


def test_energy_model_and_tiers():
    model = EnergyModel()
    power = model.mean_power_mw(macs_per_s=1e9, dram_bytes_per_s=1e8, sensor_duty={"rgb": 0.5, "audio": 1.0})
    assert power == pytest.approx(4.6 + 8.0 + 7.5 + 0.5)
    assert tier_of(power) == "high-performance"
    assert tier_of(20.0) == "high-efficiency"
    assert tier_of(2800.1) is None


def test_energy_efficient_keystep_mcap_and_power():
    gt = {"takes": {"a": [0, 0, 1, 1, 2], "b": [2, 2, 0]}}
    onehot = np.eye(4)
    scores = {t: (onehot[labels] * 0.9 + 0.05).tolist() for t, labels in gt["takes"].items()}
    res = evaluate("energy-efficient-keystep", gt, {"mean_power_mw": 19.7, "takes": scores})
    assert res.metrics == {"mcap": 1.0, "mean_power_mw": 19.7}
    assert res.breakdown["tier"] == "high-efficiency"
    assert res.breakdown["classes_with_positives"] == 3
    # column 3 has no positive frame: counted as 0 only with all_classes
    assert (
        evaluate(
            "energy-efficient-keystep", gt, {"mean_power_mw": 1, "takes": scores}, all_classes=True
        ).metrics["mcap"]
        == 0.75
    )
    res = evaluate(
        "energy-efficient-keystep",
        gt,
        {"energy": {"macs_per_s": 1e9, "dram_bytes_per_s": 0, "sensor_duty": {"audio": 1}}, "takes": scores},
    )
    assert res.metrics["mean_power_mw"] == pytest.approx(5.1)


def test_energy_efficient_keystep_errors():
    gt = {"takes": {"a": [0, 1], "b": [1]}}
    with pytest.raises(InvalidSubmission) as info:
        evaluate("energy-efficient-keystep", gt, {"takes": {"a": [[0.1, 0.9]], "c": []}})
    assert {p.where for p in info.value.problems} == {"/mean_power_mw", "/takes/a", "/takes/b", "/takes/c"}
