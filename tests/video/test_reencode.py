"""Re-encoding keeps every frame at its time (variable rate included) and copies audio bit for bit."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from egoexo_kit.errors import ArgumentError
from egoexo_kit.sensors import read_audio
from egoexo_kit.video import VideoReader, encode_video, reencode_video, verify_reencoded

TB = Fraction(1, 90000)


def vfr_video(path, n: int = 24) -> list[int]:
    """A video with irregular frame intervals in a 1/90000 time base; returns the pts given."""
    pts = [1000 + 3000 * i + 7 * (i % 3) for i in range(n)]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.time_base = s.codec_context.time_base = TB
        for i, p in enumerate(pts):
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 9 * i, np.uint8), format="rgb24")
            f.pts, f.time_base = p, TB
            c.mux(s.encode(f))
        c.mux(s.encode(None))
    return pts


def times(path) -> list[Fraction]:
    with VideoReader(path) as r:
        return [p * r.metadata.time_base for p in r.pts.tolist()]


@pytest.mark.parametrize("short", [None, 448])
def test_reencode_keeps_variable_frame_times_and_caps_the_gop(tmp_path, short):
    src, dst = tmp_path / "vfr.mp4", tmp_path / "out.mp4"
    vfr_video(src)
    assert len(set(np.diff([float(t) for t in times(src)]).round(6))) > 1  # really variable
    size = reencode_video(src, dst, short=short, keyint=8)
    assert size == ((64, 48) if short is None else (598, 448))
    assert times(dst) == times(src)
    with VideoReader(dst) as r:
        assert r.keyframes.tolist() == [0, 8, 16]
    assert verify_reencoded(src, dst, keyint=8, short=short)
    assert not verify_reencoded(src, dst, keyint=4, short=short)  # gaps of 8 are too long for 4
    assert not verify_reencoded(src, dst, keyint=8, short=224 if short else 448)  # wrong size


def test_verify_refuses_a_missing_truncated_or_different_output(tmp_path):
    src, dst = tmp_path / "vfr.mp4", tmp_path / "out.mp4"
    vfr_video(src)
    assert not verify_reencoded(src, dst, keyint=30)
    encode_video(dst, [np.zeros((48, 64, 3), np.uint8)] * 24)  # same count, constant 30 fps times
    assert not verify_reencoded(src, dst, keyint=250)
    reencode_video(src, dst, keyint=30)
    assert verify_reencoded(src, dst, keyint=30)
    dst.write_bytes(dst.read_bytes()[:-200])
    assert not verify_reencoded(src, dst, keyint=30)


def test_audio_is_copied_packet_for_packet(tmp_path):
    src, dst = tmp_path / "gopro.mp4", tmp_path / "out.mp4"
    t = np.arange(48000) / 48000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], axis=1) * 0.5
    encode_video(src, [np.full((48, 64, 3), 4 * i, np.uint8) for i in range(30)], audio=(stereo, 48000))
    reencode_video(src, dst, keyint=10, copy_audio=True)
    a, b = read_audio(src), read_audio(dst)
    assert b.rate == 48000 and np.array_equal(a.samples, b.samples)
    reencode_video(src, tmp_path / "mute.mp4", keyint=10)
    with av.open(str(tmp_path / "mute.mp4")) as c:
        assert not c.streams.audio


def test_keeping_times_needs_decoded_frames_with_pts(tmp_path):
    with pytest.raises(ArgumentError, match="pts"):
        encode_video(tmp_path / "x.mp4", [np.zeros((16, 16, 3), np.uint8)], time_base=TB)
    with pytest.raises(ArgumentError, match="not both"):
        encode_video(
            tmp_path / "y.mp4",
            [np.zeros((16, 16, 3), np.uint8)],
            audio=(np.zeros((10, 2)), 48000),
            copy_audio_from=tmp_path,
        )
