"""The mask metrics read non-canonical RLEs (what pycocotools decodes) exactly like canonical ones."""

from __future__ import annotations

import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks._maskmetrics import decode_rles_with_bounds
from egoexo_kit.synth.irregular._irr_masks import noncanonical_counts


def test_noncanonical_gt_rle_gives_the_same_mask_and_box() -> None:
    m = np.zeros((7, 9), np.uint8)
    m[2:5, 3:8] = 1
    canonical = mask_utils.encode(np.asfortranarray(m))["counts"].decode()
    split = noncanonical_counts(canonical, height=7, width=9)
    unmerged = mask_utils.frPyObjects(
        {"counts": [20, 0, 3, 3, 4, 3, 4, 3, 4, 3, 4, 3, 9], "size": [7, 9]}, 7, 9
    )
    rles = [{"size": [7, 9], "counts": c} for c in (canonical, split, unmerged["counts"])]
    masks, bad, (bounds, empty) = decode_rles_with_bounds(rles, height=7, width=9)
    assert bad == []
    for k in range(3):
        assert np.array_equal(masks[k].T, m), k
    assert (bounds == bounds[0]).all() and not empty.any()
