"""Mask codec round trips (and matches the documented recipe); JSON errors are located; videos probe."""

from __future__ import annotations

import json

import lzstring
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as mask_utils

from egoexo_kit.errors import FormatError
from egoexo_kit.release import decode_mask, encode_mask, load_json
from egoexo_kit.video import encode_video, probe_video


@settings(max_examples=60, deadline=None)
@given(arrays(np.bool_, st.tuples(st.integers(1, 40), st.integers(1, 40))))
def test_mask_round_trip(mask):
    enc = encode_mask(mask)
    assert set(enc) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$")
    np.testing.assert_array_equal(decode_mask(enc, height=mask.shape[0], width=mask.shape[1]), mask)


def test_mask_matches_documented_recipe():
    """FORMAT §7.6: LZString(URI component) of the pycocotools compressed counts, Fortran order."""
    m = np.zeros((48, 64), np.uint8)
    m[5:30, 10:50] = 1
    m[40:, :3] = 1
    rle = mask_utils.encode(np.asfortranarray(m))
    expected = lzstring.LZString().compressToEncodedURIComponent(rle["counts"].decode("ascii"))
    assert encode_mask(m) == expected
    assert decode_mask(expected.replace("+", " "), height=48, width=64).sum() == m.sum()  # '+' sent as ' '


def test_mask_errors():
    with pytest.raises(ValueError, match="2-D"):
        encode_mask(np.zeros((2, 2, 2)))
    enc = encode_mask(np.ones((4, 4), bool))
    with pytest.raises(ValueError, match="not exactly 4x5"):
        decode_mask(enc, height=4, width=5)
    with pytest.raises(ValueError, match="does not decompress"):
        decode_mask("", height=4, width=4)


def test_load_json_errors(tmp_path):
    with pytest.raises(FormatError, match="file does not exist"):
        load_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "a": 1,\n  "b": \n}', encoding="utf-8")
    with pytest.raises(FormatError) as e:
        load_json(bad)
    assert (e.value.line, e.value.column) == (4, 1)
    assert str(e.value).startswith(f"{bad}:line 4, column 1: invalid JSON")
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps({"x": [1, 2]}), encoding="utf-8")
    assert load_json(ok) == {"x": [1, 2]}


def test_probe_video(tmp_path):
    frames = [np.full((24, 40, 3), i * 10, np.uint8) for i in range(12)]
    path = tmp_path / "v.mp4"
    assert encode_video(path, frames) == 12
    info = probe_video(path)
    assert (info.width, info.height, info.codec, info.pix_fmt) == (40, 24, "h264", "yuv420p")
    assert info.num_frames == 12  # counted from the content (the PTS table)
    assert info.num_frames_from_header == 12
    not_video = tmp_path / "x.mp4"
    not_video.write_bytes(b"\x00" * 100)
    with pytest.raises(FormatError, match="cannot read video"):
        probe_video(not_video)
    with pytest.raises(FormatError, match="does not exist"):
        probe_video(tmp_path / "none.mp4")


def test_encode_video_is_reproducible(tmp_path):
    frames = [np.random.default_rng(i).integers(0, 255, (32, 32, 3), dtype=np.uint8) for i in range(8)]
    encode_video(tmp_path / "a.mp4", frames)
    encode_video(tmp_path / "b.mp4", frames)
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()
    with pytest.raises(ValueError, match="even"):
        encode_video(tmp_path / "c.mp4", [np.zeros((5, 4, 3), np.uint8)])
    assert not (tmp_path / "c.mp4").exists()  # nothing half-written


def test_atomic_writes_are_readable_and_leave_nothing_behind(tmp_path):
    import os

    from egoexo_kit._io import atomic_path, write_json

    write_json(tmp_path / "a.json", {"x": 1})
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o666 & ~_umask()
    with pytest.raises(RuntimeError), atomic_path(tmp_path / "b.csv") as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert sorted(os.listdir(tmp_path)) == ["a.json"]


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_non_canonical_rle_decodes_like_pycocotools():
    """Zero-length runs inside and unmerged runs are what pycocotools decodes: accepted, same mask."""
    lz = lzstring.LZString()
    canonical = mask_utils.encode(np.asfortranarray(np.array([[0, 1], [1, 1]], np.uint8)))
    for runs in ([1, 3], [1, 0, 0, 3], [0, 0, 1, 1, 0, 2], [1, 1, 0, 1, 0, 1]):
        rle = mask_utils.frPyObjects({"counts": runs, "size": [2, 2]}, 2, 2)
        enc = lz.compressToEncodedURIComponent(rle["counts"].decode("ascii"))
        np.testing.assert_array_equal(decode_mask(enc, height=2, width=2), mask_utils.decode(canonical) > 0)
    short = mask_utils.frPyObjects({"counts": [1, 0, 2], "size": [2, 2]}, 2, 2)  # 3 of 4 pixels
    with pytest.raises(ValueError, match="cover 3 pixels"):
        decode_mask(lz.compressToEncodedURIComponent(short["counts"].decode()), height=2, width=2)
