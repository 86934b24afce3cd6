"""Masks as RLE-run rectangles: painted windows, bounds and crop scores equal the decoded-frame ones."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks._maskmetrics import (
    box_bounds,
    crop_scores,
    crop_scores_boxes,
    nearest_resize_index,
    paint_boxes,
    rle_boxes,
)


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
