"""The relation-mask codec of the release (FORMAT §7.6): COCO compressed RLE inside URI-safe LZString.

``encodedMask = LZString.compressToEncodedURIComponent(rle_counts)`` where ``rle_counts`` is the
pycocotools compressed counts string of the mask in column-major order, ``size = [height, width]``.

Readers accept every counts string pycocotools decodes, canonical or not (a zero-length run in the
middle, two runs of the same value not merged): the official evaluators only ``mask_utils.decode``
them (``EGO4D/ego-exo4d-relation: correspondence/evaluation/evaluate_egoexo.py``, BENCHMARKS §5), so only runs
that do not cover exactly ``height * width`` pixels are refused. Writers emit the canonical form.
"""

from __future__ import annotations

from array import array
from typing import Any

import lzstring
import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit.errors import FormatError
from egoexo_kit.limits import MASK_PIXELS

__all__ = [
    "decode_mask",
    "decompress_counts",
    "encode_mask",
    "is_canonical_counts",
    "mask_size",
    "parse_rle_counts",
    "rle_run_totals",
]

_LZ = lzstring.LZString()
_URI_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"
_URI_REVERSED = {c: int(f"{i & 63:06b}"[::-1], 2) for i, c in enumerate(_URI_ALPHABET)}
"""Each character's 6 bits in reading order (high bit first) as the low bits of an int. The 65th
character, ``$``, is never written; a reader sees only its low 6 bits (zero), as lzstring does."""
_CHUNK = 1 << 16
"""Characters of counts parsed at once by :func:`_rle_total` (bounds its memory)."""


def encode_mask(mask: np.ndarray) -> str:
    """Encode a ``(H, W)`` boolean/0-1 mask as an ``encodedMask`` string, byte-compatible with the release."""
    m = np.asarray(mask)
    if m.ndim != 2:
        raise ValueError(f"mask must be 2-D (H, W), got shape {m.shape}")
    rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
    return _LZ.compressToEncodedURIComponent(rle["counts"].decode("ascii"))


def _dimension(value: Any, name: str, *, path: Any, pointer: str | None) -> int:
    """A mask height or width as a positive int: ints, integral floats and digit strings are accepted."""
    v = value
    if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit():
        v = int(v.strip())
    elif isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise FormatError(
            f"mask {name} must be a positive integer, got {value!r:.40}", path=path, pointer=pointer
        )
    if v <= 0:
        raise FormatError(f"mask {name} must be a positive integer, got {v}", path=path, pointer=pointer)
    return v


def mask_size(height: Any, width: Any, *, path: Any = None, pointer: str | None = None) -> tuple[int, int]:
    """``(height, width)`` of a mask as written in a file, checked before anything is allocated.

    Raises:
        FormatError: a size is not a positive integer (ints, integral floats, digit strings pass).
        LimitError: ``height * width`` is over :data:`~egoexo_kit.limits.MASK_PIXELS`.
    """
    h = _dimension(height, "height", path=path, pointer=pointer)
    w = _dimension(width, "width", path=path, pointer=pointer)
    MASK_PIXELS.check(h * w, path=path, pointer=pointer)
    return h, w


class _NotCounts(ValueError):
    """A literal of the LZString stream is no COCO counts character (``48 + (0..63)``)."""


def _lz_codes(encoded: str, *, max_chars: int, counts: bool = False) -> array | None:
    """LZString ``decompressFromEncodedURIComponent``, as code points, stopping past ``max_chars``.

    The algorithm of ``lzstring`` (6 bits a character, read high bit first; codes 0 and 1 are 8-
    and 16-bit literals that also enter the dictionary, 2 ends the stream, the code width grows
    with the dictionary), written for hostile input:

    - the output may not pass ``max_chars`` (``OverflowError``): a short string cannot expand
      quadratically (an LZ "bomb");
    - each dictionary entry is a ``(start, length)`` slice of the output, since every entry is
      "the previous output entry plus one character" and so already lies in the output: memory is
      a few bytes a character, not a Python string per entry;
    - input that is not LZString gives ``None`` instead of ``KeyError``/``IndexError``;
    - ``counts=True`` keeps one byte a character and raises ``_NotCounts`` at the first literal
      that no COCO counts string holds (every other character is a copy of a literal).
    """
    try:
        values = [_URI_REVERSED[c] for c in encoded]
    except KeyError:
        return None
    n, pos, acc, nbits = len(values), 0, 0, 0

    def read(width: int) -> int | None:
        nonlocal pos, acc, nbits
        while nbits < width:
            if pos >= n:
                return None
            acc |= values[pos] << nbits
            nbits, pos = nbits + 6, pos + 1
        value = acc & ((1 << width) - 1)
        acc >>= width
        nbits -= width
        return value

    out = array("B" if counts else "I")
    starts, lengths = array("I"), array("I")  # dictionary entries 3, 4, … as slices of ``out``

    def checked(literal: int | None) -> int | None:
        if counts and literal is not None and not 48 <= literal <= 111:
            raise _NotCounts(literal)
        return literal

    first = read(2)
    if first not in (0, 1):
        return out if first == 2 else None
    literal = checked(read(8 if first == 0 else 16))
    if literal is None:
        return None
    out.append(literal)
    starts.append(0)
    lengths.append(1)
    w_len, width, enlarge = 1, 3, 4
    while True:
        code = read(width)
        if code is None:
            return None
        if code == 2:
            return out
        p = len(out)
        if code < 2:
            literal = checked(read(8 if code == 0 else 16))
            if literal is None:
                return None
            starts.append(p)
            lengths.append(1)
            enlarge -= 1
            if enlarge == 0:
                enlarge, width = 1 << width, width + 1
            out.append(literal)
            e_len = 1
        elif code < 3 + len(starts):
            s, e_len = starts[code - 3], lengths[code - 3]
            if p + e_len > max_chars:
                raise OverflowError(p + e_len)
            out.extend(out[s : s + e_len])
        elif code == 3 + len(starts):  # the entry being defined: previous entry + its first character
            e_len = w_len + 1
            if p + e_len > max_chars:
                raise OverflowError(p + e_len)
            out.extend(out[p - w_len : p])
            out.append(out[p - w_len])
        else:
            return None
        starts.append(p - w_len)  # the previous entry (just before p) plus this one's first character
        lengths.append(w_len + 1)
        enlarge -= 1
        w_len = e_len
        if enlarge == 0:
            enlarge, width = 1 << width, width + 1


def _lz_decompress(encoded: str, *, max_chars: int) -> str | None:
    """:func:`_lz_codes` as a string (``None``: not LZString; ``OverflowError`` past ``max_chars``)."""
    codes = _lz_codes(encoded, max_chars=max_chars)
    return None if codes is None else "".join(map(chr, codes))


def _max_counts_chars(pixels: int) -> int:
    """Longest counts string accepted for a mask of ``pixels``: 2 characters a pixel, plus slack.

    A canonical string needs at most about one character a pixel (alternating 1-pixel runs); the
    rest leaves room for the zero-length and unmerged runs pycocotools also decodes.
    """
    return 2 * pixels + 4096


def decompress_counts(
    encoded: Any, *, height: Any, width: Any, path: Any = None, pointer: str | None = None
) -> tuple[str, int, int]:
    """The COCO compressed counts string inside an ``encodedMask``, and the checked ``(height, width)``.

    Everything a file controls is checked before it costs memory: the sizes (:func:`mask_size`),
    the encoded length, and the decompressed length (at most about two characters a pixel).

    Raises:
        FormatError: a size is not a positive integer, ``encoded`` is not a string, does not
            decompress, or does not hold COCO counts characters.
        LimitError: ``height * width`` is over :data:`~egoexo_kit.limits.MASK_PIXELS`.
    """
    h, w = mask_size(height, width, path=path, pointer=pointer)
    if not isinstance(encoded, str):
        raise FormatError(
            f"encodedMask must be a string, got {type(encoded).__name__}", path=path, pointer=pointer
        )
    cap = _max_counts_chars(h * w)
    if len(encoded) > 3 * cap:
        raise FormatError(
            f"encodedMask of {len(encoded)} characters is too long for a {h}x{w} mask",
            path=path,
            pointer=pointer,
        )
    try:
        codes = _lz_codes(encoded.replace(" ", "+"), max_chars=cap, counts=True)
    except _NotCounts:
        raise FormatError("encodedMask does not hold COCO RLE counts", path=path, pointer=pointer) from None
    except OverflowError:
        raise FormatError(
            f"encodedMask decompresses to more than {cap} characters: too many runs for a {h}x{w} mask",
            path=path,
            pointer=pointer,
        ) from None
    if not codes:
        raise FormatError(
            "encodedMask does not decompress (not URI-component LZString)", path=path, pointer=pointer
        )
    return codes.tobytes().decode("ascii"), h, w


def decode_mask(
    encoded: Any, *, height: Any, width: Any, path: Any = None, pointer: str | None = None
) -> np.ndarray:
    """Decode an ``encodedMask`` string to a ``(height, width)`` bool array.

    Hostile input is refused before anything large is allocated: sizes over the cap, a string
    that decompresses to more runs than the mask has room for, runs that do not cover exactly
    ``height * width`` pixels (pycocotools would write past its buffer).

    Args:
        encoded: the ``encodedMask`` string (a ``+`` sent as a space is accepted).
        height: mask height in pixels, as written in the file.
        width: mask width in pixels.
        path: the file the mask is from, for error locations.
        pointer: JSON pointer of the mask inside ``path``.

    Raises:
        FormatError: a size is not a positive integer, the string does not decompress or its run
            lengths do not add up to ``height * width`` (a ``ValueError`` subclass).
        LimitError: ``height * width`` is over :data:`~egoexo_kit.limits.MASK_PIXELS`.
    """
    counts, h, w = decompress_counts(encoded, height=height, width=width, path=path, pointer=pointer)
    raw = counts.encode("ascii")
    total = _rle_total(raw)  # checked first: pycocotools writes past short buffers
    if total != h * w:
        got = "are malformed" if total < 0 else f"cover {total} pixels"
        raise FormatError(f"RLE run lengths {got}, not exactly {h}x{w}", path=path, pointer=pointer)
    try:
        m = mask_utils.decode({"size": [h, w], "counts": raw})
    except Exception as e:  # pycocotools raises bare Exceptions on malformed counts
        raise FormatError(f"RLE counts do not decode at size {h}x{w}: {e}", path=path, pointer=pointer) from e
    return m.astype(bool)


def is_canonical_counts(encoded: str, *, height: int, width: int) -> bool:
    """Whether an ``encodedMask`` holds the counts pycocotools itself would write for its mask."""
    counts, _, _ = decompress_counts(encoded, height=height, width=width)
    mask = decode_mask(encoded, height=height, width=width)
    return mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))["counts"].decode("ascii") == counts


def _chunk_values(buf: np.ndarray) -> np.ndarray | None:
    """Signed values of a counts chunk that ends on a value boundary (``None``: malformed)."""
    c = buf.astype(np.int64) - 48
    if c.size == 0:
        return np.zeros(0, dtype=np.int64)
    end = np.flatnonzero((c & 0x20) == 0)
    start = np.r_[0, end[:-1] + 1]
    length = end - start + 1
    if length.max() > 12:
        return None
    k = np.arange(c.size) - np.repeat(start, length)
    x = np.add.reduceat((c & 0x1F) << (5 * k), start)
    neg = (c[end] & 0x10) != 0
    return np.where(neg, x - (np.int64(1) << (5 * length)), x)


def _rle_total(counts: bytes) -> int:
    """Pixels covered by one compressed counts string (``-1`` if malformed), in bounded memory.

    Reads the string in chunks of :data:`_CHUNK` characters cut at value boundaries, carrying
    what the run lengths refer back to (each is a difference to the value two places before),
    so a long hostile string costs no more memory than a short one.
    """
    buf = np.frombuffer(counts, dtype=np.uint8)
    if buf.size and (int(buf[-1]) - 48) & 0x20:
        return -1  # the last value does not end
    total, m = 0, 0
    carry = {1: 0, 0: 0}  # last run length of the odd / even (>= 2) values
    at = 0
    while at < buf.size:
        stop = min(at + max(_CHUNK, 16), buf.size)  # a value has at most 12 characters
        if stop < buf.size:
            ends = np.flatnonzero(((buf[at:stop].astype(np.int64) - 48) & 0x20) == 0)
            if ends.size == 0:
                return -1
            stop = at + int(ends[-1]) + 1
        x = _chunk_values(buf[at:stop])
        if x is None:
            return -1
        idx = m + np.arange(x.size)
        cnts = np.empty_like(x)
        first = idx < 3
        cnts[first] = x[first] % (1 << 32)
        for parity in (1, 0):
            sel = (idx % 2 == parity) & (idx >= 1 + (parity == 0))
            if not sel.any():
                continue
            group_first = sel & first
            later = sel & ~first
            if group_first.any():
                carry[parity] = int(cnts[group_first][-1])
            if later.any():
                cnts[later] = (carry[parity] + np.cumsum(x[later])) % (1 << 32)
                carry[parity] = int(cnts[later][-1])
        total += int(cnts.sum())
        m += x.size
        at = stop
    return total


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
