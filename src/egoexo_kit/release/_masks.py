"""The relation-mask codec of the release (FORMAT §7.6): COCO compressed RLE inside URI-safe LZString.

``encodedMask = LZString.compressToEncodedURIComponent(rle_counts)`` where ``rle_counts`` is the
pycocotools compressed counts string of the mask in column-major order, ``size = [height, width]``.

Readers accept every counts string pycocotools decodes, canonical or not (a zero-length run in the
middle, two runs of the same value not merged): the official evaluators only ``mask_utils.decode``
them (``EGO4D/ego-exo4d-relation: correspondence/evaluation/evaluate_egoexo.py``, BENCHMARKS §5), so only runs
that do not cover exactly ``height * width`` pixels are refused. Writers emit the canonical form.
"""

from __future__ import annotations

import lzstring
import numpy as np
from pycocotools import mask as mask_utils

__all__ = ["decode_mask", "encode_mask", "is_canonical_counts", "parse_rle_counts", "rle_run_totals"]

_LZ = lzstring.LZString()


def encode_mask(mask: np.ndarray) -> str:
    """Encode a ``(H, W)`` boolean/0-1 mask as an ``encodedMask`` string, byte-compatible with the release."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {m.shape}")
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    return _LZ.compressToEncodedURIComponent(rle["counts"].decode("ascii"))


def decode_mask(encoded: str, *, height: int, width: int) -> np.ndarray:
    """Decode an ``encodedMask`` string to a ``(height, width)`` bool array.

    Raises:
        ValueError: the string does not decompress, or its run lengths do not add up to ``height * width``.
    """
    counts = _LZ.decompressFromEncodedURIComponent(encoded.replace(" ", "+"))
    if not counts:
        raise ValueError("encodedMask does not decompress (not URI-component LZString)")
    rle = {"size": [int(height), int(width)], "counts": counts.encode("ascii")}
    total = int(rle_run_totals([rle["counts"]])[0])  # checked first: pycocotools writes past short buffers
    if total != height * width:
        raise ValueError(f"RLE run lengths cover {total} pixels, not exactly {height}x{width}")
    try:
        m = mask_utils.decode(rle)
    except Exception as e:  # pycocotools raises bare Exceptions on malformed counts
        raise ValueError(f"RLE counts do not decode at size {height}x{width}: {e}") from e
    return m.astype(bool)


def is_canonical_counts(encoded: str, *, height: int, width: int) -> bool:
    """Whether an ``encodedMask`` holds the counts pycocotools itself would write for its mask."""
    counts = _LZ.decompressFromEncodedURIComponent(encoded.replace(" ", "+")) or ""
    mask = decode_mask(encoded, height=height, width=width)
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode("ascii") == counts


def rle_run_totals(counts: list[str | bytes]) -> np.ndarray:
    """Pixels covered by each compressed COCO RLE counts string (``-1`` if malformed), vectorized."""
    return parse_rle_counts(counts)[2]


def parse_rle_counts(counts: list[str | bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run lengths of many compressed COCO RLE counts strings at once, without a Python loop.

    Reads pycocotools' string code: 5 bits per character after subtracting 48, bit 0x20 = more
    characters follow, bit 0x10 of the last one = negative; from the 4th value on, each is a
    difference to the value two places before. Run lengths are unsigned 32-bit, as there.

    Returns:
        ``runs`` (all strings' run lengths, concatenated), ``owner`` (the string index of each
        run) and ``totals`` (pixels per string, ``-1`` when malformed).
    """
    enc = [c.encode("latin-1") if isinstance(c, str) else bytes(c) for c in counts]
    n = len(enc)
    lengths = np.fromiter(map(len, enc), dtype=np.int64, count=n)
    totals = np.full(n, -1, dtype=np.int64)
    if lengths.sum() == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.where(lengths == 0, 0, totals)
    buf = np.frombuffer(b"".join(enc), dtype=np.uint8).astype(np.int64) - 48
    sid = np.repeat(np.arange(n), lengths)
    end = (buf & 0x20) == 0
    last = np.cumsum(lengths)[lengths > 0] - 1
    malformed = np.zeros(n, dtype=bool)
    np.logical_or.at(malformed, sid, (buf < 0) | (buf > 63))
    malformed[sid[last]] |= ~end[last]
    end[last] = True
    v_end = np.flatnonzero(end)
    v_start = np.r_[0, v_end[:-1] + 1]
    vid = np.repeat(np.arange(len(v_end)), v_end - v_start + 1)
    k = np.arange(buf.size) - v_start[vid]
    np.logical_or.at(malformed, sid, k >= 12)
    x = np.add.reduceat((buf & 0x1F) << (5 * np.minimum(k, 11)), v_start)
    neg = (buf[v_end] & 0x10) != 0
    x = np.where(neg, x - (np.int64(1) << (5 * np.minimum(v_end - v_start + 1, 12))), x)
    vsid = sid[v_start]
    first = np.searchsorted(vsid, np.arange(n))
    m = np.arange(len(x)) - first[vsid]
    group = vsid * 3 + np.where(m == 0, 0, np.where(m % 2 == 1, 1, 2))
    order = np.argsort(group, kind="stable")
    xs = x[order]
    csum = np.cumsum(xs)
    g_sorted = group[order]
    starts = np.r_[0, np.flatnonzero(np.diff(g_sorted)) + 1]
    offset = np.repeat(csum[starts] - xs[starts], np.diff(np.r_[starts, len(xs)]))
    cnts = np.empty_like(x)
    cnts[order] = csum - offset
    cnts %= 1 << 32
    has = lengths > 0
    sums = np.add.reduceat(cnts, first[has])
    totals[has] = sums
    totals[lengths == 0] = 0
    return cnts, vsid, np.where(malformed, -1, totals)
