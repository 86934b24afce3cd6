"""Hostile MP4s (issue 19): opening or probing a broken file is one located FormatError, never a PyAV error.

Zero-length files, other bytes named ``.mp4``, truncated headers, a mangled ``moov`` atom and
container tags that are not UTF-8 (PyAV raised ``UnicodeDecodeError``) are refused at our boundary
(``video._open.open_video``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.video import VideoReader, probe_video

REAL = Path(__file__).resolve().parents[1] / "fixtures/real_release/takes/cmu_bike01_2/frame_aligned_videos"


def variant(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "cam01.mp4"
    path.write_bytes(data)
    return path


def seed() -> bytes:
    return (REAL / "cam01.mp4").read_bytes()


@pytest.mark.parametrize(
    "make",
    [
        lambda d: b"",
        lambda d: b'{"not": "a video"}',
        lambda d: d[:32],
        lambda d: d[: d.find(b"moov") + 8],
        lambda d: d.replace(b"moov", b"xxxx"),
        lambda d: b"\x00" * len(d),
        lambda d: d.replace(b"stsd", b"Stsd"),  # found by the fuzzer: PyAV gives a stream without a codec
    ],
    ids=["zero-length", "json named mp4", "header cut", "moov cut", "moov renamed", "zeros", "stsd renamed"],
)
@pytest.mark.parametrize("open_", [probe_video, VideoReader], ids=["probe", "reader"])
def test_a_broken_mp4_is_one_located_format_error(tmp_path, make, open_):
    path = variant(tmp_path, make(seed()))
    with pytest.raises(FormatError, match="cannot (read|demux) video|has no video stream|no decoder") as e:
        open_(path)
    assert e.value.path == str(path)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("open_", [probe_video, VideoReader], ids=["probe", "reader"])
def test_tags_that_are_not_utf8_are_one_located_error(tmp_path, open_):
    """Before: PyAV's metadata decoding raised UnicodeDecodeError out of av.open."""
    data = seed()
    at = data.find(b"Lavf")
    path = variant(tmp_path, data[:at] + b"\xe9" + data[at + 1 :])
    with pytest.raises(FormatError, match="container tags are not UTF-8") as e:
        open_(path)
    assert e.value.path == str(path)


def test_a_flipped_payload_decodes_or_is_refused_in_one_line(tmp_path):
    data = bytearray(seed())
    start = data.find(b"mdat") + 4
    for i in range(start + 20, start + 400, 7):
        data[i] ^= 0x5A
    path = variant(tmp_path, bytes(data))
    try:
        with VideoReader(path) as video:
            frames = [video[i] for i in range(len(video))]
    except FormatError as e:
        assert e.path == str(path)
    else:
        assert len(frames) == probe_video(REAL / "cam01.mp4").num_frames
