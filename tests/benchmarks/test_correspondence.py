"""Correspondence: hand-computed masks, edge cases of BENCHMARKS §5, cross-check, located errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks import InvalidSubmission, evaluate
from egoexo_kit.benchmarks._common import balanced_accuracy
from egoexo_kit.benchmarks._maskmetrics import (
    boundary_f,
    box_bounds,
    decode_rles,
    decode_rles_with_bounds,
    disk,
    nopad_size,
)
from egoexo_kit.benchmarks._reference import mask_scores_one
from egoexo_kit.benchmarks.correspondence import metric as corr_metric
from egoexo_kit.errors import FormatError

DIAG = math.sqrt(480**2 + 480**2)


def rle(mask):
    r = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": list(r["size"]), "counts": r["counts"].decode("ascii")}


def rect(h, w, y0, y1, x0, x1):
    m = np.zeros((h, w), dtype=bool)
    m[y0:y1, x0:x1] = True
    return m


def one_pair_files(gt_exo, pred_exo, *, conf=0.9, annotated=(0,), with_gt=True, ego_size=(480, 480)):
    """GT with one object seen in aria01_214-1 (query, frame 0) and cam01; an ego-exo submission."""
    masks = {"aria01_214-1": {"0": rle(np.ones(ego_size, dtype=bool))}, "cam01": {}}
    if with_gt:
        masks["cam01"]["0"] = rle(gt_exo)
    gt = {
        "annotations": {
            "take": {"masks": {"obj": masks}, "annotated_frames": {"obj": {"cam01": list(annotated)}}}
        }
    }
    pred = {
        "ego-exo": {
            "version": "xx",
            "challenge": "xx",
            "results": {
                "take": {
                    "masks": {
                        "obj": {"aria01_214-1_cam01": {"0": {"pred_mask": rle(pred_exo), "confidence": conf}}}
                    },
                    "subsample_idx": [0],
                }
            },
        }
    }
    return gt, pred


def test_hand_computed_rectangles():
    g = rect(480, 480, 100, 200, 100, 200)  # 10,000 px
    p = rect(480, 480, 150, 250, 100, 200)  # overlaps 5,000 px
    res = evaluate("correspondence", *one_pair_files(g, p))
    m = res.metrics
    assert m["ego-exo/iou"] == pytest.approx(5000 / (15000 + 1e-7), rel=1e-12)
    # bbox centres (149, 149) and (149, 199): 50 px apart
    assert m["ego-exo/location_error"] == pytest.approx(50 / DIAG, rel=1e-12)
    assert m["ego-exo/visibility_balanced_accuracy"] == 1.0
    assert 0 < m["ego-exo/contour_accuracy"] < 1
    assert set(m) == {
        "ego-exo/iou",
        "ego-exo/location_error",
        "ego-exo/contour_accuracy",
        "ego-exo/visibility_balanced_accuracy",
    }


def test_empty_prediction_on_16_9_exo_mask_swaps_centroid():
    g_full = rect(1080, 1920, 540, 1080, 960, 1920)  # bottom-right quarter
    empty = np.zeros((270, 480), dtype=bool)
    res = evaluate("correspondence", *one_pair_files(g_full, empty, conf=0.2))
    m = res.metrics
    assert m["ego-exo/iou"] == 0.0
    assert m["ego-exo/contour_accuracy"] == 0.0  # empty predicted boundary vs a GT one
    # GT resized: rows 135..269, cols 240..479 -> centre (359, 202), padded by 270 -> (629, 472);
    # empty mask -> (810 // 2, 1020 // 2) = (405, 510) returned as (x, y), x and y swapped
    assert m["ego-exo/location_error"] == pytest.approx(math.hypot(629 - 405, 472 - 510) / DIAG, rel=1e-12)
    # the object is visible, predicted invisible: recall of class "visible" = 0
    assert m["ego-exo/visibility_balanced_accuracy"] == 0.0


def test_confidence_exactly_half_is_not_visible_and_frame_without_gt_counts_for_visibility_only():
    gt, pred = one_pair_files(
        rect(480, 480, 0, 10, 0, 10), rect(480, 480, 0, 10, 0, 10), conf=0.5, with_gt=False
    )
    res = evaluate("correspondence", gt, pred)
    assert res.metrics["ego-exo/visibility_balanced_accuracy"] == 1.0  # (absent, not predicted)
    assert math.isnan(res.metrics["ego-exo/iou"])
    assert res.breakdown["ego-exo"] == {**res.breakdown["ego-exo"], "frames": 1, "visible_frames": 0}
    gt, pred = one_pair_files(
        rect(480, 480, 0, 10, 0, 10), rect(480, 480, 0, 10, 0, 10), conf=0.5000001, with_gt=False
    )
    assert evaluate("correspondence", gt, pred).metrics["ego-exo/visibility_balanced_accuracy"] == 0.0


def test_query_frame_not_annotated_in_target_is_skipped():
    gt, pred = one_pair_files(rect(480, 480, 0, 10, 0, 10), np.zeros((480, 480), bool), annotated=(30,))
    res = evaluate("correspondence", gt, pred)
    assert res.breakdown["ego-exo"]["frames"] == 0


def test_both_masks_empty_score_one():
    empty = np.zeros((480, 480), dtype=bool)
    res = evaluate("correspondence", *one_pair_files(empty, empty))
    assert res.metrics["ego-exo/iou"] == 1.0
    assert res.metrics["ego-exo/contour_accuracy"] == 1.0
    assert res.metrics["ego-exo/location_error"] == 0.0


def random_blob(rng, h, w):
    m = np.zeros((h, w), dtype=bool)
    if rng.random() < 0.1:
        return m
    for _ in range(rng.integers(1, 4)):
        y, x = rng.integers(0, h), rng.integers(0, w)
        m[
            max(0, y - rng.integers(3, h // 3)) : y + rng.integers(3, h // 3),
            max(0, x - rng.integers(3, w // 3)) : x + rng.integers(3, w // 3),
        ] = True
    return m


def test_matches_per_frame_reference_both_directions(monkeypatch):
    rng = np.random.default_rng(0)
    takes, results = {}, {"ego-exo": {}, "exo-ego": {}}
    refs = {"ego-exo": [], "exo-ego": []}
    vis = {"ego-exo": ([], []), "exo-ego": ([], [])}
    for t in range(3):
        masks = {"aria02_214-1": {}, "cam01": {}, "gp02": {}}
        sizes = {"aria02_214-1": (1408, 1408), "cam01": (1080, 1920), "gp02": (720, 1280)}
        full = {}
        for cam, (h, w) in sizes.items():
            for f in range(0, 300, 30):
                if rng.random() < 0.8:
                    full[(cam, f)] = random_blob(rng, h, w)
                    masks[cam][str(f)] = rle(full[(cam, f)])
        annotated = {cam: [f for f in range(0, 300, 30) if rng.random() < 0.9] for cam in sizes}
        takes[f"t{t}"] = {"masks": {"o": masks}, "annotated_frames": {"o": annotated}}
        for direction in ("ego-exo", "exo-ego"):
            pairs = {}
            for exo in ("cam01", "gp02"):
                query, target = ("aria02_214-1", exo) if direction == "ego-exo" else (exo, "aria02_214-1")
                key = f"{query}_{target}"
                h, w = sizes[target]
                eh, ew = nopad_size(h, w)
                pairs[key] = {}
                for f in masks[query]:
                    p = random_blob(rng, eh, ew)
                    c = float(rng.random())
                    pairs[key][f] = {"pred_mask": rle(p), "confidence": c}
                    if int(f) in annotated[target]:
                        g = full.get((target, int(f)))
                        vis[direction][0].append(g is not None)
                        vis[direction][1].append(c > 0.5)
                        if g is not None:
                            refs[direction].append(mask_scores_one(g, p))
            results[direction][f"t{t}"] = {"masks": {"o": pairs}, "subsample_idx": []}
    pred = {d: {"version": "xx", "challenge": "xx", "results": r} for d, r in results.items()}
    res = evaluate("correspondence", {"annotations": takes}, pred)
    for d in ("ego-exo", "exo-ego"):
        ref = np.array(refs[d])
        assert res.breakdown[d]["visible_frames"] == len(ref) > 10
        assert res.metrics[f"{d}/iou"] == pytest.approx(ref[:, 0].mean(), rel=1e-9)
        assert res.metrics[f"{d}/contour_accuracy"] == pytest.approx(ref[:, 1].mean(), rel=1e-9)
        assert res.metrics[f"{d}/location_error"] == pytest.approx(ref[:, 2].mean(), rel=1e-9)
        assert res.metrics[f"{d}/visibility_balanced_accuracy"] == pytest.approx(
            balanced_accuracy(np.array(vis[d][0]), np.array(vis[d][1])), rel=1e-12
        )
    # in small blocks and chunks, in worker processes or not: the same numbers
    monkeypatch.setattr(corr_metric, "PARALLEL_FRAMES", 1)
    monkeypatch.setattr(corr_metric, "BLOCK", 7)
    monkeypatch.setattr(corr_metric, "CHUNK", 3)
    serial = evaluate("correspondence", {"annotations": takes}, pred, workers=1)
    assert evaluate("correspondence", {"annotations": takes}, pred, workers=2).metrics == serial.metrics
    assert serial.metrics == pytest.approx(res.metrics, rel=1e-12)


def test_balanced_accuracy_matches_scikit_learn():
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(5)
    for _ in range(20):
        y, p = rng.random(50) < rng.random(), rng.random(50) < 0.5
        if y.all() or not y.any():
            continue
        assert balanced_accuracy(y, p) == pytest.approx(sklearn.balanced_accuracy_score(y, p), rel=1e-12)
    # one class in y_true: the recall of that class
    assert balanced_accuracy(np.array([True, True]), np.array([True, False])) == 0.5


def test_disk_matches_scikit_image():
    morphology = pytest.importorskip("skimage.morphology")
    for r in (1, 4, 5, 6, 6.0):
        assert np.array_equal(disk(r), morphology.disk(r).astype(np.uint8))


def test_boundary_f_batched_equals_per_mask():
    rng = np.random.default_rng(2)
    g = np.stack([random_blob(rng, 270, 480) for _ in range(12)])
    p = np.stack([random_blob(rng, 270, 480) for _ in range(12)])
    batched = boundary_f(g, p)
    single = [mask_scores_one(np.asarray(gi), pi)[1] for gi, pi in zip(g, p, strict=True)]
    assert batched == pytest.approx(single, rel=1e-12)


def test_decode_rles_flags_short_counts():
    good = rle(rect(4, 4, 0, 2, 0, 2))
    short = rle(np.ones((3, 3), bool)) | {"size": [4, 4]}
    out, bad = decode_rles([good, short, {"size": [4, 4], "counts": "garbage!!"}], height=4, width=4)
    assert bad == [1, 2] and out[0].sum() == 4 and not out[1].any()


def test_invalid_submission_lists_every_problem():
    g = rect(1080, 1920, 0, 100, 0, 100)
    gt, pred = one_pair_files(g, np.zeros((480, 480), bool))  # wrong size: 480x480 for a 16:9 GT
    gt["annotations"]["take2"] = gt["annotations"]["take"]
    entry = pred["ego-exo"]["results"]["take"]["masks"]["obj"]["aria01_214-1_cam01"]["0"]
    entry["confidence"] = float("nan")
    pred["ego-exo"]["results"]["extra"] = {}
    with pytest.raises(InvalidSubmission) as info:
        evaluate("correspondence", gt, pred)
    where = {p.where: p.message for p in info.value.problems}
    base = "/ego-exo/results/take/masks/obj/aria01_214-1_cam01/0"
    assert set(where) == {
        "/ego-exo/results/extra",
        "/ego-exo/results/take2",
        f"{base}/confidence",
        f"{base}/pred_mask/size",
    }
    assert "[270, 480]" in where[f"{base}/pred_mask/size"]


def test_missing_pair_frame_object_and_bad_rle():
    gt, pred = one_pair_files(rect(480, 480, 0, 9, 0, 9), rect(480, 480, 0, 9, 0, 9))
    gt["annotations"]["take"]["masks"]["obj2"] = gt["annotations"]["take"]["masks"]["obj"]
    gt["annotations"]["take"]["masks"]["obj"]["aria01_214-1"]["30"] = rle(np.ones((480, 480), bool))
    with pytest.raises(InvalidSubmission) as info:
        evaluate("correspondence", gt, pred)
    where = {p.where for p in info.value.problems}
    assert where == {
        "/ego-exo/results/take/masks/obj2",
        "/ego-exo/results/take/masks/obj/aria01_214-1_cam01/30",
    }
    gt, pred = one_pair_files(rect(480, 480, 0, 9, 0, 9), rect(480, 480, 0, 9, 0, 9))
    pred["ego-exo"]["results"]["take"]["masks"]["obj"]["aria01_214-1_cam01"]["0"]["pred_mask"]["counts"] = (
        "0`0"
    )
    with pytest.raises(InvalidSubmission, match="do not decode"):
        evaluate("correspondence", gt, pred)
    pred["ego-exo"]["results"]["take"]["masks"]["obj"] = {}
    with pytest.raises(InvalidSubmission, match="camera pair aria01_214-1_cam01 is missing"):
        evaluate("correspondence", gt, pred)


def test_decode_rles_equals_pycocotools():
    rng = np.random.default_rng(7)
    for h, w in ((1, 1), (5, 3), (270, 480), (97, 131)):
        masks = [random_blob(rng, h, w) if h > 6 else rng.random((h, w)) < 0.5 for _ in range(6)]
        masks.append(np.ones((h, w), bool))
        masks.append(np.zeros((h, w), bool))
        rles = [rle(m) for m in masks]
        out, bad = decode_rles(rles, height=h, width=w)
        assert bad == []
        for r, got in zip(rles, out, strict=True):
            assert np.array_equal(got.T, mask_utils.decode(r).astype(bool))


def test_bounds_from_runs_equal_pixel_bounds():
    rng = np.random.default_rng(11)
    for h, w in ((1, 1), (7, 5), (270, 480), (60, 61)):
        masks = [random_blob(rng, h, w) if h > 20 else rng.random((h, w)) < 0.5 for _ in range(10)]
        masks += [np.zeros((h, w), bool), np.ones((h, w), bool)]
        out, bad, (bounds, empty) = decode_rles_with_bounds([rle(m) for m in masks], height=h, width=w)
        want_bounds, want_empty = box_bounds(out)
        assert bad == [] and np.array_equal(empty, want_empty)
        assert np.array_equal(bounds[~empty], want_bounds[~empty])


def test_gt_mask_that_does_not_decode_is_named():
    gt, pred = one_pair_files(rect(480, 480, 0, 10, 0, 10), rect(480, 480, 0, 10, 0, 10))
    gt["annotations"]["take"]["masks"]["obj"]["cam01"]["0"]["counts"] = "3"
    with pytest.raises(FormatError, match="object obj, pair aria01_214-1_cam01, frame 0 does not decode"):
        evaluate("correspondence", gt, pred)
