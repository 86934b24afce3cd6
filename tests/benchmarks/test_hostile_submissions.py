"""Hostile submissions for every JSON task: each bad value is one located problem, never a crash or a NaN.

For each task a minimal valid (GT, prediction) pair is scored, then one value of the prediction
(and of the GT) is replaced: numbers out of range (1e308, inf, NaN, a 400-digit integer),
strings, booleans, nulls, lists at the wrong depth, missing and extra keys. The outcome must be an
``InvalidSubmission`` (``InvalidGroundTruth``) that names the replaced value's place, or a score
whose metrics are all finite; a string or a boolean is never read as a number.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks import InvalidGroundTruth, InvalidSubmission, evaluate
from egoexo_kit.benchmarks.hand_pose import procrustes_align
from egoexo_kit.errors import EgoExoKitError, SubmissionError


def _rle(mask: np.ndarray) -> dict[str, Any]:
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(r["size"]), "counts": r["counts"].decode("ascii")}


def _square(size: int, lo: int, hi: int) -> np.ndarray:
    m = np.zeros((size, size), dtype=bool)
    m[lo:hi, lo:hi] = True
    return m


_RNG = np.random.default_rng(0)
_HAND = (_RNG.normal(size=(21, 3)) * 0.05).tolist()
_BODY_FRAMES = [str(f) for f in range(0, 12, 3)]


def _cases() -> dict[str, tuple[Any, Any, dict[str, Any], list[tuple[Any, ...]]]]:
    """Task → (GT, prediction, options, the prediction's numeric leaves a metric reads)."""
    corr_gt = {
        "annotations": {
            "t": {
                "masks": {
                    "o": {
                        "aria01_214-1": {"0": _rle(_square(480, 0, 480))},
                        "cam01": {"0": _rle(_square(480, 10, 60))},
                    }
                },
                "annotated_frames": {"o": {"cam01": [0]}},
            }
        }
    }
    corr_pred = {
        "ego-exo": {
            "results": {
                "t": {
                    "masks": {
                        "o": {
                            "aria01_214-1_cam01": {
                                "0": {"pred_mask": _rle(_square(480, 20, 70)), "confidence": 0.9}
                            }
                        }
                    },
                    "subsample_idx": [0],
                }
            }
        }
    }
    procedure = {"previous": [0, 1], "missing": [1, 0], "future": [0, 1], "optional": 1, "mistake": 0}
    return {
        "body-pose": (
            {
                "u": {
                    "take_name": "cmu_soccer_1",
                    "body": {f: np.zeros((17, 3)).tolist() for f in _BODY_FRAMES},
                }
            },
            {"u": {"take_name": "x", "body": {f: np.full((17, 3), 0.01).tolist() for f in _BODY_FRAMES}}},
            {"min_clip_len": 1},
            [("u", "body", "3", 0, 0), ("u", "body", "3", 16, 2)],
        ),
        "hand-pose": (
            {"t": {"0": {"right_hand_3d": _HAND, "right_hand_valid_3d": [True] * 21, "left_hand_3d": []}}},
            {"t": {"0": {"right_hand_3d": (np.asarray(_HAND) + 0.003).tolist(), "left_hand_3d": []}}},
            {},
            [("t", "0", "right_hand_3d", 0, 0), ("t", "0", "right_hand_3d", 20, 1)],
        ),
        "correspondence": (
            corr_gt,
            corr_pred,
            {},
            [("ego-exo", "results", "t", "masks", "o", "aria01_214-1_cam01", "0", "confidence")],
        ),
        "keystep-recognition": ({"a": 1, "b": 2}, {"a": 1, "b": 0}, {}, [("a",)]),
        "energy-efficient-keystep": (
            {"takes": {"t": [0, 1, 1, 0]}},
            {"mean_power_mw": 5.0, "takes": {"t": [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6], [0.7, 0.3]]}},
            {},
            [("takes", "t", 1, 1), ("mean_power_mw",)],
        ),
        "procedure-understanding": (
            {"segments": {"s0": procedure, "s1": {**procedure, "optional": 0, "mistake": 1}}},
            {
                "segments": {
                    s: {
                        "previous": [0.2, 0.7],
                        "missing": [0.6, 0.1],
                        "future": [0.3, 0.9],
                        "optional": 0.5,
                        "mistake": 0.4,
                    }
                    for s in ("s0", "s1")
                }
            },
            {},
            [("segments", "s0", "previous", 1), ("segments", "s1", "optional")],
        ),
        "proficiency-demonstrator": (
            {"videos": ["a", "b"], "gt_annotations": [0, 3], "scenario_names": ["x", "y"]},
            {
                "videos": ["a", "b"],
                "ego_model_predictions": [[2.0, 0, 0, 0], [0, 0, 0, 1.0]],
                "exo_model_predictions": [
                    [[1.0, 0, 0, 0] for _ in range(4)],
                    [[0, 0, 0, 1.0] for _ in range(4)],
                ],
            },
            {},
            [("ego_model_predictions", 0, 0), ("exo_model_predictions", 1, 3, 3)],
        ),
        "proficiency-demonstration": (
            [{"video-id": "a", "times": 1.0, "label": 0}, {"video-id": "a", "times": 4.0, "label": 1}],
            [
                {"video-id": "a", "times": 1.2, "label": 0, "score": 0.8},
                {"video-id": "a", "times": 3.9, "label": 1, "score": 0.6},
            ],
            {},
            [(0, "times"), (1, "score")],
        ),
    }


CASES = _cases()
COORDINATE_TASKS = {"body-pose", "hand-pose"}
DELETABLE = {"keystep-recognition", "proficiency-demonstration"}
"""Tasks whose predictions are a mapping or list where a missing item is scored (as wrong), not refused."""
NOT_NUMBERS: list[Any] = [
    "1",
    "x",
    True,
    False,
    None,
    [],
    {},
    [[1.0]],
    math.inf,
    -math.inf,
    math.nan,
    10**400,
]
"""Never a number: each must be refused where it stands."""
HUGE: list[Any] = [1e308, -1e308, 10**300]
"""Numbers: refused as coordinates (beyond ±1e6 m), else scored with finite metrics."""


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(obj)
    cur = out
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return out


def _pointer(path: tuple[Any, ...]) -> str:
    return "".join(f"/{p}" for p in path)


def _score(task: str, gt: Any, pred: Any, options: dict[str, Any]) -> Any:
    """Evaluate through a JSON round trip, as the CLI reads the files (NaN/inf spelled as Python does)."""
    return evaluate(task, json.loads(json.dumps(gt)), json.loads(json.dumps(pred)), **options)


def _assert_finite(result: Any) -> None:
    assert all(math.isfinite(v) for v in result.metrics.values()), result.metrics


@pytest.mark.parametrize("task", CASES)
def test_the_valid_pair_scores_finite(task):
    gt, pred, options, _ = CASES[task]
    _assert_finite(_score(task, gt, pred, options))


@pytest.mark.parametrize("task", CASES)
@pytest.mark.parametrize("value", NOT_NUMBERS, ids=repr)
def test_a_non_number_in_a_scored_value_is_refused_where_it_stands(task, value):
    gt, pred, options, leaves = CASES[task]
    for leaf in leaves:
        with pytest.raises(InvalidSubmission) as err:
            _score(task, gt, _set(pred, leaf, value), options)
        wheres = [p.where for p in err.value.problems]
        assert any(w.startswith(_pointer(leaf)) for w in wheres), (leaf, wheres)


@pytest.mark.parametrize("task", CASES)
@pytest.mark.parametrize("value", HUGE, ids=repr)
def test_a_huge_number_is_refused_as_a_coordinate_or_scored_finite(task, value):
    gt, pred, options, leaves = CASES[task]
    for leaf in leaves:
        try:
            result = _score(task, gt, _set(pred, leaf, value), options)
        except InvalidSubmission as err:
            assert any(p.where.startswith(_pointer(leaf)) for p in err.problems)
        else:
            assert task not in COORDINATE_TASKS, "a coordinate of 1e308 was scored"
            _assert_finite(result)


@pytest.mark.parametrize("task", CASES)
@pytest.mark.parametrize("replacement", ["x", 1, [], {}, None, "DELETE"], ids=repr)
def test_every_container_on_the_way_to_a_value_is_checked(task, replacement):
    """Each object/list above a scored value, replaced by a wrong type or deleted: a located problem."""
    gt, pred, options, leaves = CASES[task]
    leaf = leaves[0]
    for depth in range(len(leaf) - 1):
        path = leaf[: depth + 1]
        if replacement == "DELETE":
            broken = copy.deepcopy(pred)
            cur = broken
            for k in path[:-1]:
                cur = cur[k]
            del cur[path[-1]]
        else:
            broken = _set(pred, path, replacement)
        try:
            result = _score(task, gt, broken, options)
        except SubmissionError:
            continue
        # only a deletion may leave a valid file: one prediction fewer in a list or a mapping
        assert replacement == "DELETE" and task in DELETABLE, (path, replacement)
        _assert_finite(result)


@pytest.mark.parametrize("task", CASES)
def test_extra_keys_everywhere_never_crash(task):
    gt, pred, options, leaves = CASES[task]
    for depth in range(len(leaves[0]) - 1):
        path = leaves[0][:depth]
        broken = copy.deepcopy(pred)
        cur = broken
        for k in path:
            cur = cur[k]
        if isinstance(cur, dict):
            cur["zz-extra"] = {"nested": [1, "x", None]}
        else:
            cur.append({"zz-extra": 1})
        try:
            _assert_finite(_score(task, gt, broken, options))
        except InvalidSubmission as err:
            assert err.problems


@pytest.mark.parametrize("task", CASES)
@pytest.mark.parametrize("value", ["1", True, None, 10**400, [[[1]]], 1e308], ids=repr)
def test_hostile_ground_truth_is_a_located_error(task, value):
    """The GT is a file the user gives too: the same values there are refused, or scored finite."""
    gt, pred, options, _ = CASES[task]
    leaves = [p for p in _numeric_leaves(gt)][:3]
    assert leaves
    for leaf in leaves:
        try:
            result = _score(task, _set(gt, leaf, value), pred, options)
        except EgoExoKitError:
            continue
        explained = {m for n in result.notes for m in n.metrics}
        assert all(math.isfinite(v) or k in explained for k, v in result.metrics.items()), (leaf, result)


def _numeric_leaves(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in _numeric_leaves(v, (*path, k))]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj[:2]) for p in _numeric_leaves(v, (*path, i))]
    return [path] if type(obj) in (int, float) else []


def test_an_all_zero_hand_is_scored_not_a_linalg_error():
    """An all-zero prediction has no spread: it aligns to the GT centroid (the definition's limit)."""
    gt, pred, _, _ = CASES["hand-pose"]
    zero = _set(pred, ("t", "0", "right_hand_3d"), [[0.0, 0.0, 0.0]] * 21)
    result = _score("hand-pose", gt, zero, {})
    g = np.asarray(_HAND) * 1000
    assert result.metrics["mpjpe_mm"] == pytest.approx(np.linalg.norm(g, axis=1).mean())
    assert result.metrics["pa_mpjpe_mm"] == pytest.approx(np.linalg.norm(g - g.mean(axis=0), axis=1).mean())


def test_procrustes_of_a_single_valid_joint_is_exact():
    """One valid joint (no spread in the GT either): the alignment puts it on the GT joint."""
    g = np.asarray(_HAND)[None]
    p = g * 3 + 1
    valid = np.zeros((1, 21), dtype=bool)
    valid[0, 4] = True
    aligned = procrustes_align(p, g, valid)
    assert np.allclose(aligned[0, 4], g[0, 4])
    assert np.isfinite(aligned).all()


def test_booleans_in_binary_ground_truth_vectors_are_still_read():
    """Binary GT may spell 0/1 as booleans (a real-release variant); predictions may not."""
    gt, pred, options, _ = CASES["procedure-understanding"]
    as_bools = _set(gt, ("segments", "s0", "previous"), [False, True])
    assert _score("procedure-understanding", as_bools, pred, options).metrics == pytest.approx(
        _score("procedure-understanding", gt, pred, options).metrics
    )
    with pytest.raises(InvalidSubmission, match="got bool"):
        _score("procedure-understanding", gt, _set(pred, ("segments", "s0", "optional"), True), options)


def test_energy_rates_and_duties_are_checked():
    gt, pred, options, _ = CASES["energy-efficient-keystep"]
    base = {k: v for k, v in pred.items() if k != "mean_power_mw"}
    for energy, where in (
        ({"macs_per_s": 1e308, "dram_bytes_per_s": 1e308, "sensor_duty": {}}, "/energy"),
        ({"macs_per_s": -5, "dram_bytes_per_s": 0, "sensor_duty": {}}, "/energy/macs_per_s"),
        (
            {"macs_per_s": 1, "dram_bytes_per_s": 0, "sensor_duty": {"rgb": math.nan}},
            "/energy/sensor_duty/rgb",
        ),
        ({"macs_per_s": 1, "dram_bytes_per_s": 0, "sensor_duty": {"rgb": 2}}, "/energy/sensor_duty/rgb"),
        ({"macs_per_s": 1, "dram_bytes_per_s": 0, "sensor_duty": {"rgb": "1"}}, "/energy/sensor_duty/rgb"),
        ({"macs_per_s": 1, "dram_bytes_per_s": 0, "sensor_duty": {"lidar": 1}}, "/energy/sensor_duty/lidar"),
    ):
        with pytest.raises(InvalidSubmission) as err:
            _score("energy-efficient-keystep", gt, {**base, "energy": energy}, options)
        assert [p.where for p in err.value.problems] == [where], energy
    with pytest.raises(InvalidSubmission, match=">= 0"):
        _score("energy-efficient-keystep", gt, {**pred, "mean_power_mw": -1.0}, options)


def test_a_huge_frame_number_or_label_is_a_located_problem():
    gt, pred, options, _ = CASES["body-pose"]
    huge = copy.deepcopy(gt)
    huge["u"]["body"]["9" * 30] = huge["u"]["body"]["0"]
    with pytest.raises(InvalidGroundTruth, match="EGOEXO_KIT_MAX_FRAME_COUNT"):
        _score("body-pose", huge, pred, options)
    gt, pred, options, _ = CASES["energy-efficient-keystep"]
    with pytest.raises(InvalidGroundTruth, match="label ids"):
        _score("energy-efficient-keystep", _set(gt, ("takes", "t", 0), 10**30), pred, options)


def test_correspondence_masks_over_the_pixel_cap_and_bad_annotated_frames():
    gt, pred, options, _ = CASES["correspondence"]
    huge = _set(
        gt, ("annotations", "t", "masks", "o", "cam01", "0"), {"size": [100_000, 100_000], "counts": "0"}
    )
    with pytest.raises(InvalidGroundTruth, match="EGOEXO_KIT_MAX_MASK_PIXELS"):
        _score("correspondence", huge, pred, options)
    for bad in (1e308, "x", {"cam01": 5}, {"cam01": ["0"]}):
        with pytest.raises(InvalidGroundTruth) as err:
            _score(
                "correspondence", _set(gt, ("annotations", "t", "annotated_frames", "o"), bad), pred, options
            )
        assert err.value.problems[0].where.startswith("/annotations/t/annotated_frames/o")


def _png(path, size, value=0):
    Image.fromarray(np.full(size[::-1], value, dtype=np.uint8)).save(path)


def test_translation_refuses_oversized_and_corrupt_pngs(tmp_path):
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    gt_dir.mkdir(), pred_dir.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        _png(gt_dir / name, (64, 64), 255)
    _png(pred_dir / "a.png", (9000, 1), 255)  # a tiny file declaring a side over the image_side cap
    (pred_dir / "b.png").write_bytes((gt_dir / "b.png").read_bytes()[:40])  # truncated
    (pred_dir / "c.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\xff" * 64)  # header, then garbage
    with pytest.raises(InvalidSubmission) as err:
        evaluate("translation", gt_dir, pred_dir)
    problems = {p.where: p.message for p in err.value.problems}
    assert set(problems) == {"/a.png", "/b.png", "/c.png"}
    assert "EGOEXO_KIT_MAX_IMAGE_SIDE" in problems["/a.png"]


def test_translation_perfect_clip_psnr_is_explained(tmp_path):
    gt_dir, pred_dir = tmp_path / "gt", tmp_path / "pred"
    gt_dir.mkdir(), pred_dir.mkdir()
    _png(gt_dir / "a.png", (32, 32), 7)
    _png(pred_dir / "a.png", (32, 32), 7)
    result = evaluate("translation", gt_dir, pred_dir, clip=True)
    assert math.isinf(result.metrics["psnr"]) and result.metrics["ssim"] == pytest.approx(1.0)
    assert [n.metrics for n in result.notes] == [("psnr",)] and "infinite" in result.notes[0].message
