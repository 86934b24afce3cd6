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
from dataclasses import dataclass

import cv2
import numpy as np

from egoexo_kit.release import parse_rle_counts, rle_run_totals

__all__ = [
    "RunBoxes",
    "bbox_centres",
    "boundary_f",
    "boundary_map",
    "boundary_radius",
    "box_bounds",
    "centres_from_bounds",
    "crop_scores",
    "crop_scores_boxes",
    "paint_boxes",
    "rle_boxes",
    "decode_rles",
    "decode_rles_with_bounds",
    "parse_rle_counts",
    "rle_run_totals",
    "disk",
    "disk_rects",
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
    """Decode COCO RLEs (all ``[height, width]``) to a **transposed** ``(N, W, H)`` bool stack.

    RLE runs are column-major, so painting them in order gives the transposed masks directly (one
    ``np.repeat`` for the whole stack); every metric here is symmetric under transposition. RLEs
    whose runs do not cover exactly ``H·W`` pixels decode as all-False and their indices are returned.
    """
    masks, bad, _ = decode_rles_with_bounds(rles, height=height, width=width)
    return masks, bad


def decode_rles_with_bounds(
    rles: list[dict], *, height: int, width: int
) -> tuple[np.ndarray, list[int], tuple[np.ndarray, np.ndarray]]:
    """:func:`decode_rles` plus :func:`box_bounds` of the transposed stack, read from the runs.

    The bounds come from the run positions, without a pass over the pixels.
    """
    runs, owner, totals = parse_rle_counts([r["counts"] for r in rles])
    n = len(rles)
    ok = totals == height * width
    bad = np.flatnonzero(~ok).tolist()
    keep = ok[owner]
    runs, owner = runs[keep], owner[keep]
    first = np.searchsorted(owner, owner)  # index of each run's string's first run
    value = ((np.arange(len(runs)) - first) % 2).astype(bool)
    masks = np.repeat(value, runs).reshape(-1, width, height)
    ends = np.cumsum(runs)
    starts = ends - runs - (ends - runs)[first]
    fg = value & (runs > 0)
    s0, s1, who = starts[fg], starts[fg] + runs[fg] - 1, owner[fg]
    r0, r1 = s0 // height, s1 // height
    spans = r1 > r0
    c0 = np.where(spans, 0, s0 % height)
    c1 = np.where(spans, height - 1, s1 % height)
    bounds = np.zeros((n, 4), dtype=np.int64)
    lo = np.full((n, 2), np.iinfo(np.int64).max)
    hi = np.full((n, 2), -1)
    np.minimum.at(lo, who, np.stack([r0, c0], axis=1))
    np.maximum.at(hi, who, np.stack([r1, c1], axis=1))
    empty = hi[:, 0] < 0
    bounds[:, 0], bounds[:, 1], bounds[:, 2], bounds[:, 3] = lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1]
    bounds[empty] = 0
    if not bad:
        return masks, bad, (bounds, empty)
    out = np.zeros((n, width, height), dtype=bool)
    out[ok] = masks
    return out, bad, (bounds, empty)


def boundary_map(masks: np.ndarray) -> np.ndarray:
    """One-pixel boundaries of each mask of ``(..., H, W)`` (the DAVIS ``seg2bmap`` at native size).

    A pixel is on the boundary if it differs from its right, lower or lower-right neighbour
    (outside the image counts as background); the last row only compares with the right
    neighbour, the last column only with the lower one, and the corner is never a boundary.
    """
    seg = np.asarray(masks, dtype=bool)
    h, w = seg.shape[-2:]
    padded = np.zeros((*seg.shape[:-2], h + 1, w + 1), dtype=bool)
    padded[..., :h, :w] = seg
    right, down, diag = padded[..., :h, 1:], padded[..., 1:, :w], padded[..., 1:, 1:]
    b = seg ^ right
    b |= seg ^ down
    b |= seg ^ diag
    b[..., -1, :] = seg[..., -1, :] ^ right[..., -1, :]
    b[..., :, -1] = seg[..., :, -1] ^ down[..., :, -1]
    b[..., -1, -1] = False
    return b


def disk(radius: float) -> np.ndarray:
    """Disk structuring element (``x² + y² <= r²`` on the integer grid ``-r..r``) as uint8."""
    r = int(radius)
    grid = np.arange(-r, r + 1)
    return (grid[None, :] ** 2 + grid[:, None] ** 2 <= radius**2).astype(np.uint8)


def disk_rects(radius: float) -> list[tuple[int, int]]:
    """The :func:`disk` as a union of centred rectangles ``(half_height, half_width)``.

    The disk's row half-widths shrink with ``|dy|``, so the disk is exactly the union, over its
    distinct half-widths ``w``, of the rectangle ``|dy| <= (last row as wide as w), |dx| <= w``.
    """
    widths = (disk(radius)[int(radius) :].sum(axis=1) - 1) // 2  # half-width of rows dy = 0..r
    return [(int(np.flatnonzero(widths >= w).max()), int(w)) for w in np.unique(widths)]


def _near_counts(src: np.ndarray, other: np.ndarray, *, radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Per map of ``(N, H, W)``: on-pixels of ``src`` and how many have an ``other`` pixel in the disk.

    The same counts as ``src & dilate(other, disk(radius))``, but the dilation is only looked up
    at ``src``'s pixels (boundaries are sparse): a summed-area table of ``other``, zero-padded by
    ``radius`` so that no rectangle leaves its map, answers "any pixel in this rectangle?" for
    each rectangle of :func:`disk_rects`.
    """
    n, h, w = src.shape
    r = int(radius)
    hp, wp = h + 2 * r, w + 2 * r
    padded = np.zeros((n, hp, wp), dtype=np.uint8)
    padded[:, r : r + h, r : r + w] = other
    table = cv2.integral(padded.reshape(n * hp, wp)).ravel()
    item, rest = np.divmod(np.flatnonzero(src), h * w)
    y, x = np.divmod(rest, w)
    w1 = wp + 1  # the table's row stride
    corner = (item * hp + y + r) * w1 + x + r  # each pixel's own table entry
    hit = np.zeros(len(corner), dtype=bool)
    todo = np.arange(len(corner))
    # largest rectangles first; each later one only looks at the pixels still unmatched
    for dy, dx in sorted(disk_rects(radius), key=lambda q: -(2 * q[0] + 1) * (2 * q[1] + 1)):
        c, top, bottom = corner[todo], -dy * w1, (dy + 1) * w1
        total = (
            table[c + bottom + dx + 1]
            - table[c + top + dx + 1]
            - table[c + bottom - dx]
            + table[c + top - dx]
        )
        found = total > 0
        hit[todo[found]] = True
        todo = todo[~found]
    return np.bincount(item, minlength=n), np.bincount(item[hit], minlength=n)


def boundary_radius(height: int, width: int, *, bound_th: float = 0.008) -> int:
    """Tolerance of the boundary match in pixels: ``ceil(bound_th · diagonal)`` (or ``bound_th`` if >= 1)."""
    return int(bound_th if bound_th >= 1 else math.ceil(bound_th * math.hypot(height, width)))


def boundary_f(
    gt: np.ndarray, pred: np.ndarray, *, bound_th: float = 0.008, radius: int | None = None
) -> np.ndarray:
    """DAVIS boundary F-measure per mask pair of ``(N, H, W)``.

    ``radius`` overrides the tolerance derived from ``(H, W)``: for crops of larger images.
    """
    n, h, w = gt.shape
    if radius is None:
        radius = boundary_radius(h, w, bound_th=bound_th)
    fg_b = boundary_map(pred)
    gt_b = boundary_map(gt)
    n_fg, fg_match = _near_counts(fg_b, gt_b, radius=int(radius))
    n_gt, gt_match = _near_counts(gt_b, fg_b, radius=int(radius))
    n_fg, n_gt = n_fg.astype(np.float64), n_gt.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(n_fg > 0, fg_match / n_fg, 1.0)
        recall = np.where(n_gt > 0, gt_match / n_gt, 1.0)
        precision = np.where((n_fg == 0) & (n_gt > 0), 1.0, precision)
        recall = np.where((n_fg == 0) & (n_gt > 0), 0.0, recall)
        precision = np.where((n_fg > 0) & (n_gt == 0), 0.0, precision)
        recall = np.where((n_fg > 0) & (n_gt == 0), 1.0, recall)
        f = 2 * precision * recall / (precision + recall)
    return np.where(precision + recall == 0, 0.0, f)


def box_bounds(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per mask ``(N, 4)`` int bounds ``ymin, ymax, xmin, xmax`` (inclusive) and an ``(N,)`` empty flag."""
    n, h, w = masks.shape
    rows = masks.any(axis=2)
    cols = masks.any(axis=1)
    empty = ~rows.any(axis=1)
    bounds = np.stack(
        [
            rows.argmax(axis=1),
            h - 1 - rows[:, ::-1].argmax(axis=1),
            cols.argmax(axis=1),
            w - 1 - cols[:, ::-1].argmax(axis=1),
        ],
        axis=1,
    )
    return bounds.astype(np.int64), empty


def _windows(
    shape: tuple[int, int], bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], *, margin: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Crop windows ``y0, y1, x0, x1`` (end exclusive): both boxes' union widened by ``margin``, clipped."""
    h, w = shape
    bg, eg, bp, ep = bounds
    big = np.where(eg[:, None], bp, bg)
    bpp = np.where(ep[:, None], bg, bp)
    y0 = np.maximum(np.minimum(big[:, 0], bpp[:, 0]) - margin, 0)
    y1 = np.minimum(np.maximum(big[:, 1], bpp[:, 1]) + margin + 1, h)
    x0 = np.maximum(np.minimum(big[:, 2], bpp[:, 2]) - margin, 0)
    x1 = np.minimum(np.maximum(big[:, 3], bpp[:, 3]) + margin + 1, w)
    return y0, y1, x0, x1


def _crop_groups(
    shape: tuple[int, int],
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    crops: object,
    *,
    eps: float,
    group: int,
) -> tuple[np.ndarray, np.ndarray]:
    """IoU and boundary F per pair on equal-size windows per group; ``crops`` gives their (g, p) stacks."""
    h, w = shape
    radius = boundary_radius(h, w)
    y0, y1, x0, x1 = _windows(shape, bounds, margin=1)
    n = len(y0)
    ious = np.ones(n)
    fs = np.ones(n)
    todo = np.flatnonzero(~(bounds[1] & bounds[3]))
    # equal-size windows per group (items sorted by crop size), shifted inside the image: a
    # larger window only adds background or real image rows/columns, which change nothing
    todo = todo[np.argsort((y1 - y0)[todo] * (x1 - x0)[todo], kind="stable")]
    for start in range(0, len(todo), group):
        idx = todo[start : start + group]
        hc, wc = int((y1 - y0)[idx].max()), int((x1 - x0)[idx].max())
        ya, xa = np.minimum(y0[idx], h - hc), np.minimum(x0[idx], w - wc)
        g, p = crops(idx, ya=ya, xa=xa, size=(hc, wc))  # type: ignore[operator]
        union = np.count_nonzero(g | p, axis=(1, 2))
        ious[idx] = np.count_nonzero(g & p, axis=(1, 2)) / (union + eps)
        fs[idx] = boundary_f(g, p, radius=radius)
    return ious, fs


def crop_scores(
    gt: np.ndarray,
    pred: np.ndarray,
    *,
    eps: float = 1e-7,
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
    group: int = 64,
) -> tuple[np.ndarray, np.ndarray]:
    """IoU and boundary F of ``(N, H, W)`` pairs, each computed on a crop around both masks.

    The crop is the union of both bounding boxes widened by 1 px (and clipped to the image): every
    boundary pixel lies inside it (a background pixel left of or above the mask can be one) and
    its last row and column are background, so the boundary maps, and the tolerance matches
    between them (looked up only inside the crop), equal the full-frame ones. ``bounds`` takes
    precomputed :func:`box_bounds` of both stacks (gt bounds, gt empty, pred bounds, pred empty).
    """
    bounds = bounds if bounds is not None else (*box_bounds(gt), *box_bounds(pred))

    def crops(
        idx: np.ndarray, *, ya: np.ndarray, xa: np.ndarray, size: tuple[int, int]
    ) -> tuple[np.ndarray, ...]:
        hc, wc = size
        g = np.empty((len(idx), hc, wc), dtype=bool)
        p = np.empty((len(idx), hc, wc), dtype=bool)
        for j, (i, a, b) in enumerate(zip(idx.tolist(), ya.tolist(), xa.tolist(), strict=True)):
            g[j] = gt[i, a : a + hc, b : b + wc]
            p[j] = pred[i, a : a + hc, b : b + wc]
        return g, p

    return _crop_groups(gt.shape[1:], bounds, crops, eps=eps, group=group)


@dataclass(frozen=True)
class RunBoxes:
    """The foreground of N RLE masks as disjoint rectangles of their **transposed** ``(W, H)`` stack.

    Rectangle ``k`` of mask ``item[k]`` covers rows ``a0..a1`` (image columns) and columns ``b0..b1``
    (image rows), inclusive; ``bounds``/``empty`` are :func:`box_bounds` of the transposed stack.
    """

    n: int
    shape: tuple[int, int]
    item: np.ndarray
    a0: np.ndarray
    a1: np.ndarray
    b0: np.ndarray
    b1: np.ndarray
    bounds: np.ndarray
    empty: np.ndarray
    bad: list[int]


def rle_boxes(
    rles: list[dict], *, height: int, width: int, out_size: tuple[int, int] | None = None
) -> RunBoxes:
    """Rectangles of many ``[height, width]`` COCO RLEs, optionally nearest-resized to ``out_size`` (H, W).

    A foreground run of the column-major RLE covers one image column or a few whole ones; each
    (run, column) piece is one rectangle, mapped through the nearest-neighbour index of the resize.
    No pixel is painted. RLEs that do not cover exactly ``height·width`` pixels are empty and listed
    in ``bad``.
    """
    runs, owner, totals = parse_rle_counts([r["counts"] for r in rles])
    n = len(rles)
    ok = totals == height * width
    keep = ok[owner]
    runs, owner = runs[keep], owner[keep]
    first = np.searchsorted(owner, owner)
    value = ((np.arange(len(runs)) - first) % 2).astype(bool)
    ends = np.cumsum(runs)
    starts = ends - runs - (ends - runs)[first]
    fg = value & (runs > 0)
    s0, who = starts[fg], owner[fg]
    s1 = s0 + runs[fg] - 1
    r0, r1 = s0 // height, s1 // height
    rows = r1 - r0 + 1
    piece = np.repeat(np.arange(len(s0)), rows)
    r = r0[piece] + np.arange(len(piece)) - np.repeat(np.cumsum(rows) - rows, rows)
    c0 = np.where(r == r0[piece], s0[piece] % height, 0)
    c1 = np.where(r == r1[piece], s1[piece] % height, height - 1)
    who = who[piece]
    eh, ew = out_size or (height, width)
    if (eh, ew) == (height, width):
        a0, a1, b0, b1 = r, r, c0, c1
    else:
        xs, ys = nearest_resize_index(width, ew), nearest_resize_index(height, eh)
        a0, a1 = np.searchsorted(xs, r, "left"), np.searchsorted(xs, r, "right") - 1
        b0, b1 = np.searchsorted(ys, c0, "left"), np.searchsorted(ys, c1, "right") - 1
        hit = (a1 >= a0) & (b1 >= b0)
        a0, a1, b0, b1, who = a0[hit], a1[hit], b0[hit], b1[hit], who[hit]
    lo = np.full((n, 2), np.iinfo(np.int64).max)
    hi = np.full((n, 2), -1)
    np.minimum.at(lo, who, np.stack([a0, b0], axis=1))
    np.maximum.at(hi, who, np.stack([a1, b1], axis=1))
    empty = hi[:, 0] < 0
    bounds = np.stack([lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1]], axis=1)
    bounds[empty] = 0
    return RunBoxes(n, (ew, eh), who, a0, a1, b0, b1, bounds, empty, np.flatnonzero(~ok).tolist())


def paint_boxes(
    boxes: RunBoxes, idx: np.ndarray, *, ya: np.ndarray, xa: np.ndarray, size: tuple[int, int]
) -> np.ndarray:
    """Windows ``size`` at ``(ya, xa)`` of masks ``idx`` of the transposed stack, painted from rectangles."""
    hc, wc = size
    g = len(idx)
    pos = np.full(boxes.n, -1)
    pos[idx] = np.arange(g)
    k = pos[boxes.item]
    sel = k >= 0
    k = k[sel]
    top, left = ya[k], xa[k]
    a0 = np.maximum(boxes.a0[sel], top) - top
    a1 = np.minimum(boxes.a1[sel], top + hc - 1) - top
    b0 = np.maximum(boxes.b0[sel], left) - left
    b1 = np.minimum(boxes.b1[sel], left + wc - 1) - left
    keep = (a1 >= a0) & (b1 >= b0)
    k, a0, a1, b0, b1 = k[keep], a0[keep], a1[keep], b0[keep], b1[keep]
    rows = a1 - a0 + 1  # rectangles spanning several rows (upscaled masks) become one segment per row
    seg = np.repeat(np.arange(len(k)), rows)
    a = a0[seg] + np.arange(len(seg)) - np.repeat(np.cumsum(rows) - rows, rows)
    start = (k[seg] * hc + a) * wc + b0[seg]
    length = (b1 - b0 + 1)[seg]
    ends = np.cumsum(length)
    flat = np.repeat(start - (ends - length), length) + np.arange(int(ends[-1]) if len(ends) else 0)
    out = np.zeros(g * hc * wc, dtype=bool)
    out[flat] = True
    return out.reshape(g, hc, wc)


def crop_scores_boxes(
    gt: RunBoxes, pred: RunBoxes, *, eps: float = 1e-7, group: int = 64
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`crop_scores` of two transposed stacks given as :class:`RunBoxes`: only windows are painted."""

    def crops(
        idx: np.ndarray, *, ya: np.ndarray, xa: np.ndarray, size: tuple[int, int]
    ) -> tuple[np.ndarray, ...]:
        return paint_boxes(gt, idx, ya=ya, xa=xa, size=size), paint_boxes(pred, idx, ya=ya, xa=xa, size=size)

    bounds = (gt.bounds, gt.empty, pred.bounds, pred.empty)
    return _crop_groups(gt.shape, bounds, crops, eps=eps, group=group)


def bbox_centres(masks: np.ndarray, *, pad: int) -> np.ndarray:
    """``(N, 2)`` integer ``(x, y)`` bbox centres in a frame padded by ``pad`` on every side.

    An empty mask gets ``(Hp // 2, Wp // 2)`` of the padded ``(Hp, Wp)`` array *as (x, y)*,
    i.e. with x and y swapped, as the evaluators' ``compute_size_boundry_centroid`` returns it.
    """
    n, h, w = masks.shape
    bounds, empty = box_bounds(masks)
    return centres_from_bounds(bounds, empty, shape=(h, w), pad=pad)


def centres_from_bounds(
    bounds: np.ndarray, empty: np.ndarray, *, shape: tuple[int, int], pad: int
) -> np.ndarray:
    """:func:`bbox_centres` from precomputed :func:`box_bounds`."""
    h, w = shape
    cx = (bounds[:, 2] + bounds[:, 3]) // 2 + pad
    cy = (bounds[:, 0] + bounds[:, 1]) // 2 + pad
    hp, wp = h + 2 * pad, w + 2 * pad
    cx = np.where(empty, hp // 2, cx)
    cy = np.where(empty, wp // 2, cy)
    return np.stack([cx, cy], axis=1).astype(np.int64)
