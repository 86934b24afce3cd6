"""Masks as RLE-run rectangles: painted windows, bounds and crop scores equal the decoded-frame ones."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks._maskmetrics import (
    boundary_f,
    box_bounds,
    crop_scores,
    crop_scores_boxes,
    disk,
    disk_rects,
    nearest_resize_index,
    paint_boxes,
    rle_boxes,
)
from egoexo_kit.benchmarks._reference import mask_scores_one


def _rles(masks: list[np.ndarray]) -> list[dict]:
    out = []
    for m in masks:
        rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
        out.append({"size": list(m.shape), "counts": rle["counts"].decode()})
    return out


@pytest.mark.parametrize(
    ("h", "w", "eh", "ew"), [(50, 70, 50, 70), (90, 160, 27, 48), (40, 40, 96, 96), (33, 17, 20, 11)]
)
def test_boxes_match_decoded_masks(h: int, w: int, eh: int, ew: int) -> None:
    rng = np.random.default_rng(h * w)
    masks = []
    for i in range(30):
        m = rng.random((h, w)) < rng.choice([0.0, 0.02, 0.3, 0.9, 1.0])  # empty, sparse, dense, full
        if i % 5 == 0:
            m[:] = False
            m[3:9, 2:5] = True
        masks.append(m)
    shifted = [np.roll(m, 3, axis=1) for m in masks]
    xs, ys = nearest_resize_index(w, ew), nearest_resize_index(h, eh)
    full = np.stack([m[ys][:, xs].T for m in masks])  # transposed (N, W, H), as the metric reads them
    full2 = np.stack([m[ys][:, xs].T for m in shifted])
    boxes = rle_boxes(_rles(masks), height=h, width=w, out_size=(eh, ew))
    boxes2 = rle_boxes(_rles(shifted), height=h, width=w, out_size=(eh, ew))
    idx = np.arange(30)
    zero = np.zeros(30, dtype=np.int64)
    assert (paint_boxes(boxes, idx, ya=zero, xa=zero, size=(ew, eh)) == full).all()
    bounds, empty = box_bounds(full)
    assert (empty == boxes.empty).all() and (bounds[~empty] == boxes.bounds[~empty]).all()
    ya, xa = rng.integers(0, ew // 2, 30), rng.integers(0, eh // 2, 30)
    win = paint_boxes(boxes, idx, ya=ya, xa=xa, size=(ew // 2, eh // 2))
    for i in range(30):
        assert (win[i] == full[i, ya[i] : ya[i] + ew // 2, xa[i] : xa[i] + eh // 2]).all()
    iou, f = crop_scores(full, full2)
    iou_b, f_b = crop_scores_boxes(boxes, boxes2)
    assert (iou == iou_b).all() and (f == f_b).all()


def test_malformed_rle_is_listed() -> None:
    good = _rles([np.ones((4, 4), dtype=bool)])[0]
    boxes = rle_boxes([good, {"size": [4, 4], "counts": "3"}], height=4, width=4)
    assert boxes.bad == [1] and boxes.empty.tolist() == [False, True]


@pytest.mark.parametrize("radius", [1, 2, 5, 6, 6.0, 9, 13])
def test_disk_rects_cover_the_disk_exactly(radius: float) -> None:
    r = int(radius)
    painted = np.zeros((2 * r + 1, 2 * r + 1), dtype=np.uint8)
    for dy, dx in disk_rects(radius):
        painted[r - dy : r + dy + 1, r - dx : r + dx + 1] = 1
    assert (painted == disk(radius)).all()


def test_crop_scores_equal_per_frame_reference_on_ragged_masks_at_the_edges() -> None:
    """Noisy, holed masks (boundary pixels everywhere), many touching the frame edges, some empty."""
    rng = np.random.default_rng(7)
    h, w = 270, 480
    gt, pred = np.zeros((2, 24, h, w), dtype=bool)
    for i in range(24):
        if i % 12 == 5:  # both empty; below, an empty prediction and an empty GT
            continue
        base = np.zeros((h, w), dtype=bool)
        y, x = rng.integers(0, h), rng.integers(0, w)
        hh, ww = rng.integers(2, 90, 2)
        base[max(0, y - hh) : y + hh, max(0, x - ww) : x + ww] = True
        if i % 4 == 0:
            base[:, : rng.integers(1, 4)] = True  # left edge
            base[-rng.integers(1, 4) :, :] = True  # bottom edge
        gt[i] = base & (rng.random((h, w)) < rng.choice([0.7, 0.97, 1.0]))
        shift = rng.integers(-12, 13, 2)
        pred[i] = np.roll(base, shift, axis=(0, 1)) & (rng.random((h, w)) < rng.choice([0.7, 0.97, 1.0]))
    pred[3], gt[7] = False, False
    iou, f = crop_scores(gt, pred)
    ref = np.array([mask_scores_one(g, p)[:2] for g, p in zip(gt, pred, strict=True)])
    assert iou == pytest.approx(ref[:, 0], rel=1e-12)
    assert f == pytest.approx(ref[:, 1], rel=1e-12)
    assert f[[5, 3, 7]].tolist() == [1.0, 0.0, 0.0]
    assert (boundary_f(gt, pred) == f).all()  # the full frames give the same values as the crops
    alone = crop_scores(gt, pred, group=1)  # each crop exactly its own window, none enlarged
    assert (alone[0] == iou).all() and (alone[1] == f).all()
    assert len(np.unique(np.round(f, 6))) > 10  # many distinct, non-trivial values
