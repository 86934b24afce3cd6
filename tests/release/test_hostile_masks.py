"""Hostile ``encodedMask`` (issue 19): sizes, garbage, non-strings, LZ bombs and runs past the image.

Sizes are checked before anything is allocated (a mask claiming 10⁵ × 10⁵ pixels costs nothing), a
string cannot decompress to more than the mask has room for, and run lengths must cover the image
exactly (pycocotools would write past its buffer). Every RLE pycocotools decodes at a legal size
still decodes: zero-length and unmerged runs (FORMAT §7.6).
"""

from __future__ import annotations

import tracemalloc

import lzstring
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools import mask as mask_utils

from egoexo_kit.errors import FormatError, LimitError
from egoexo_kit.release import _masks as masks
from egoexo_kit.release import decode_mask, encode_mask, mask_size, parse_rle_counts

LZ = lzstring.LZString()
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"


def small() -> tuple[str, np.ndarray]:
    m = np.zeros((6, 5), dtype=bool)
    m[1:4, 2:5] = True
    return encode_mask(m), m


def test_a_huge_claimed_size_is_refused_before_allocating():
    enc, _ = small()
    tracemalloc.start()
    try:
        with pytest.raises(LimitError, match="mask size 10000000000 pixels is over the cap") as e:
            decode_mask(enc, height=100_000, width=100_000, path="relations_train.json", pointer="/a/1")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000
    assert (e.value.path, e.value.pointer) == ("relations_train.json", "/a/1")
    assert "EGOEXO_KIT_MAX_MASK_PIXELS" in str(e.value)


@pytest.mark.parametrize("bad", [0, -5, 2.5, float("nan"), float("inf"), "six", None, [6], True, {"h": 6}])
def test_a_size_that_is_not_a_positive_integer_is_a_format_error(bad):
    enc, _ = small()
    with pytest.raises(FormatError, match="mask height must be a positive integer"):
        decode_mask(enc, height=bad, width=5)


def test_integral_floats_and_digit_strings_are_sizes():
    enc, m = small()
    assert np.array_equal(decode_mask(enc, height=6.0, width="5"), m)
    assert mask_size("6", 5.0) == (6, 5)


@pytest.mark.parametrize("bad", [None, 5, ["a"], b"bytes", {"counts": "x"}])
def test_an_encoded_mask_that_is_not_a_string_is_a_format_error(bad):
    with pytest.raises(FormatError, match="encodedMask must be a string"):
        decode_mask(bad, height=6, width=5)


@pytest.mark.parametrize(
    "bad", ["", "%%%", "\x00\x01", "é", "A", "AAAA", "\ud800", "N4Ig" * 3, "BAAAAAAAAAAAA"]
)
def test_garbage_strings_are_format_errors(bad):
    with pytest.raises(FormatError):
        decode_mask(bad, height=6, width=5)


def test_runs_summing_beyond_the_image_are_refused_before_pycocotools_writes():
    over = LZ.compressToEncodedURIComponent(
        mask_utils.encode(np.asfortranarray(np.ones((9, 9), np.uint8)))["counts"].decode()
    )
    with pytest.raises(FormatError, match="RLE run lengths cover 81 pixels, not exactly 6x5"):
        decode_mask(over, height=6, width=5)


def test_counts_characters_outside_the_rle_alphabet_are_refused():
    with pytest.raises(FormatError, match="does not hold COCO RLE counts"):
        decode_mask(LZ.compressToEncodedURIComponent("3\u0100 2"), height=6, width=5)


def test_an_lz_bomb_stops_at_the_room_the_mask_has():
    """A short string whose LZ output grows quadratically: stopped after 2 characters a pixel."""
    bomb = LZ.compressToEncodedURIComponent("0" * 400_000)  # about 2 KB that expands 200-fold
    assert len(bomb) < 5000
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="decompresses to more than 4156 characters"):
            decode_mask(bomb, height=6, width=5)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


def test_zero_length_and_unmerged_runs_still_decode():
    """Counts pycocotools decodes though it would not write them (real data first, FORMAT §7.6)."""
    # runs 3, 0, 0, 2, 25: a zero-length run in the middle, and two runs of the same value unmerged
    counts = b"3002i0"  # from the 4th value on, each is the difference to the one two places before
    runs = parse_rle_counts([counts])[0]
    assert runs.sum() == 30 and 0 in runs
    mask = decode_mask(LZ.compressToEncodedURIComponent(counts.decode()), height=6, width=5)
    assert np.array_equal(mask, mask_utils.decode({"size": [6, 5], "counts": counts}).astype(bool))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=0x3FF), max_size=300))
def test_the_bounded_decompressor_matches_lzstring_on_what_lzstring_writes(text):
    assert masks._lz_decompress(LZ.compressToEncodedURIComponent(text), max_chars=10**6) == text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_the_bounded_decompressor_never_raises_on_garbage(encoded):
    out = masks._lz_decompress(encoded, max_chars=10**5)
    try:
        ref = LZ.decompressFromEncodedURIComponent(encoded)
    except Exception:  # the library raises KeyError, IndexError, UnboundLocalError … on garbage
        return
    if ref:
        assert out == ref


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=60).map(lambda b: bytes(48 + x % 64 for x in b)),
    st.sampled_from([16, 17, 64]),
)
def test_streamed_run_totals_match_the_vectorized_parser(counts, chunk):
    old = masks._CHUNK
    masks._CHUNK = chunk
    try:
        assert masks._rle_total(counts) == int(parse_rle_counts([counts])[2][0])
    finally:
        masks._CHUNK = old


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.floats(0, 1), st.integers(0, 2**16))
def test_every_pycocotools_mask_round_trips(h, w, density, seed):
    m = np.random.default_rng(seed).random((h, w)) < density
    assert np.array_equal(decode_mask(encode_mask(m), height=h, width=w), m)
