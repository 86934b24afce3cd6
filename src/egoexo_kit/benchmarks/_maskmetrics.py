"""Batched mask metrics shared by correspondence and translation (DAVIS J / boundary F, bbox centroids).

Every function takes a stack ``(N, H, W)`` of boolean masks and returns ``(N,)`` values equal,
mask by mask, to the DAVIS-style per-frame definitions the relation evaluators use:
- J = ``inter / (union + eps)``, 1 when the union is empty;
- boundary F with a disk tolerance of ``ceil(0.008 · image diagonal)`` px, P = 1, R = 0 for an
  empty prediction boundary against a non-empty GT one, 1 when both are empty;
- the "centroid" is the bounding-box centre ``((xmin + xmax) // 2, (ymin + ymax) // 2)``.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from pycocotools import mask as mask_utils

__all__ = [
    "bbox_centres",
    "boundary_f",
    "boundary_map",
    "decode_rles",
    "disk",
    "iou",
    "nearest_resize_index",
    "nopad_size",
]


def nopad_size(height: int, width: int, *, max_dim: int = 480) -> tuple[int, int]:
    """The size the evaluator resizes a GT mask to: long side ``max_dim``, ``int()`` truncation."""
    ratio = 1.0 / (height if height > width else width) * max_dim
    return int(height * ratio), int(width * ratio)


def nearest_resize_index(src: int, dst: int) -> np.ndarray:
    """Source index of each destination pixel along one axis, exactly as ``cv2.INTER_NEAREST`` picks it."""
    row = np.arange(src, dtype=np.float32)[None, :]
    return cv2.resize(row, (dst, 1), interpolation=cv2.INTER_NEAREST)[0].astype(np.int64)


def decode_rles(rles: list[dict], *, height: int, width: int) -> tuple[np.ndarray, list[int]]:
    """Decode COCO RLEs (all ``[height, width]``) to ``(N, H, W)`` bool; also the indices that failed.

    A failed RLE (bad counts, runs that do not cover exactly ``H·W`` pixels) decodes as all-False
    and is listed, so the caller can report it.
    """
    out = np.zeros((len(rles), height, width), dtype=bool)
    bad: list[int] = []
    if not rles:
        return out, bad
    try:
        dec = mask_utils.decode(rles)
        good = list(range(len(rles)))
    except Exception:  # pycocotools raises bare Exceptions; fall back to locate the bad ones
        dec, good = None, []
        for i, r in enumerate(rles):
            try:
                mask_utils.decode(r)
                good.append(i)
            except Exception:
                bad.append(i)
        if good:
            dec = mask_utils.decode([rles[i] for i in good])
    if dec is None:
        return out, bad
    re = mask_utils.encode(np.asfortranarray(dec))
    for j, i in enumerate(good):
        counts = rles[i]["counts"]
        counts = counts.encode("ascii") if isinstance(counts, str) else counts
        if re[j]["counts"] != counts:
            bad.append(i)
        else:
            out[i] = dec[:, :, j]
    return out, sorted(bad)


def iou(gt: np.ndarray, pred: np.ndarray, *, eps: float = 1e-7) -> np.ndarray:
    """DAVIS J per mask: ``inter / (union + eps)``, 1 where the union is empty."""
    inter = np.count_nonzero(gt & pred, axis=(-2, -1))
    union = np.count_nonzero(gt | pred, axis=(-2, -1))
    j = inter / (union + eps)
    return np.where(union == 0, 1.0, j)


def boundary_map(masks: np.ndarray) -> np.ndarray:
    """One-pixel boundaries of each mask (the DAVIS ``seg2bmap`` at native size)."""
    seg = masks.astype(bool)
    e = np.zeros_like(seg)
    s = np.zeros_like(seg)
    se = np.zeros_like(seg)
    e[..., :, :-1] = seg[..., :, 1:]
    s[..., :-1, :] = seg[..., 1:, :]
    se[..., :-1, :-1] = seg[..., 1:, 1:]
    b = (seg ^ e) | (seg ^ s) | (seg ^ se)
    b[..., -1, :] = seg[..., -1, :] ^ e[..., -1, :]
    b[..., :, -1] = seg[..., :, -1] ^ s[..., :, -1]
    b[..., -1, -1] = False
    return b


def disk(radius: float) -> np.ndarray:
    """Disk structuring element (``x² + y² <= r²`` on the integer grid ``-r..r``) as uint8."""
    r = int(radius)
    grid = np.arange(-r, r + 1)
    return (grid[None, :] ** 2 + grid[:, None] ** 2 <= radius**2).astype(np.uint8)


def _dilate_stack(bmaps: np.ndarray, radius: int) -> np.ndarray:
    """Dilate every map of ``(N, H, W)`` by a disk with one cv2 call: maps stacked with zero gaps."""
    n, h, w = bmaps.shape
    gap = radius + 1
    tall = np.zeros((n, h + gap, w), dtype=np.uint8)
    tall[:, :h] = bmaps
    dil = cv2.dilate(tall.reshape(n * (h + gap), w), disk(radius))
    return dil.reshape(n, h + gap, w)[:, :h].astype(bool)


def boundary_f(gt: np.ndarray, pred: np.ndarray, *, bound_th: float = 0.008) -> np.ndarray:
    """DAVIS boundary F-measure per mask pair of ``(N, H, W)``."""
    n, h, w = gt.shape
    radius = bound_th if bound_th >= 1 else math.ceil(bound_th * math.hypot(h, w))
    fg_b = boundary_map(pred)
    gt_b = boundary_map(gt)
    fg_dil = _dilate_stack(fg_b, int(radius))
    gt_dil = _dilate_stack(gt_b, int(radius))
    n_fg = np.count_nonzero(fg_b, axis=(1, 2)).astype(np.float64)
    n_gt = np.count_nonzero(gt_b, axis=(1, 2)).astype(np.float64)
    fg_match = np.count_nonzero(fg_b & gt_dil, axis=(1, 2))
    gt_match = np.count_nonzero(gt_b & fg_dil, axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(n_fg > 0, fg_match / n_fg, 1.0)
        recall = np.where(n_gt > 0, gt_match / n_gt, 1.0)
        precision = np.where((n_fg == 0) & (n_gt > 0), 1.0, precision)
        recall = np.where((n_fg == 0) & (n_gt > 0), 0.0, recall)
        precision = np.where((n_fg > 0) & (n_gt == 0), 0.0, precision)
        recall = np.where((n_fg > 0) & (n_gt == 0), 1.0, recall)
        f = 2 * precision * recall / (precision + recall)
    return np.where(precision + recall == 0, 0.0, f)


def bbox_centres(masks: np.ndarray, *, pad: int) -> np.ndarray:
    """``(N, 2)`` integer ``(x, y)`` bbox centres in a frame padded by ``pad`` on every side.

    An empty mask gets ``(Hp // 2, Wp // 2)`` of the padded ``(Hp, Wp)`` array *as (x, y)*,
    i.e. with x and y swapped, as the evaluators' ``compute_size_boundry_centroid`` returns it.
    """
    n, h, w = masks.shape
    rows = masks.any(axis=2)
    cols = masks.any(axis=1)
    empty = ~rows.any(axis=1)
    ymin = rows.argmax(axis=1)
    ymax = h - 1 - rows[:, ::-1].argmax(axis=1)
    xmin = cols.argmax(axis=1)
    xmax = w - 1 - cols[:, ::-1].argmax(axis=1)
    cx = (xmin + xmax) // 2 + pad
    cy = (ymin + ymax) // 2 + pad
    hp, wp = h + 2 * pad, w + 2 * pad
    cx = np.where(empty, hp // 2, cx)
    cy = np.where(empty, wp // 2, cy)
    return np.stack([cx, cy], axis=1).astype(np.int64)
