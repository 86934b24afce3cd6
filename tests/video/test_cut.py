"""cut_video: the excerpt holds whole groups of pictures, decodes to the source's exact frames, reads little.

Each test video stamps its frame index into the picture (tests/video/test_reader.py), so a frame of the
excerpt is identified without trusting the mapping under test; pixels are also compared with a plain
sequential decode of the source. B-frames (with a pyramid), open GOPs (leading pictures that reference the
previous group), an edit list from a non-zero start and a Matroska source are covered.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
import pytest
from tests.conftest import CountingOpener
from tests.video.test_reader import read_stamp, reference, stamp, write_video

from egoexo_kit.errors import FrameIndexError
from egoexo_kit.video import VideoReader, cut_video, encode_video

KINDS = {
    "encode_video-slow": None,  # our encoder, as the release's videos: B-frames
    "bframes3-pyramid": dict(n=150, params="bframes=3:b-pyramid=normal:keyint=30"),
    "open-gop": dict(n=150, params="bframes=3:keyint=30:min-keyint=30:open-gop=1:scenecut=0"),
    "start-pts-mp4": dict(n=120, params="bframes=3:keyint=40", start_pts=1000),
    "mkv": dict(n=120, params="bframes=2:keyint=25", suffix=".mkv"),
}


@pytest.fixture(scope="module", params=list(KINDS))
def video(request, tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    """``(path, reference frames)`` of each kind of test video."""
    spec = dict(KINDS[request.param] or {})
    folder = tmp_path_factory.mktemp(request.param)
    if spec:
        path = write_video(folder / ("v" + spec.pop("suffix", ".mp4")), **spec)
    else:
        path = folder / "v.mp4"
        encode_video(path, [stamp(i) for i in range(120)], preset="slow", keyint=30)
    return path, reference(path)


def decode(data: bytes) -> list[np.ndarray]:
    """Every frame of an MP4 in memory, in display order (plain PyAV)."""
    with av.open(io.BytesIO(data)) as c:
        frames = [(f.pts, f.to_ndarray(format="rgb24")) for f in c.decode(c.streams.video[0])]
    return [a for _, a in sorted(frames, key=lambda x: x[0])]


@pytest.mark.parametrize("span", [(0, 5), (33, 47), (59, 61), (70, 71), (-3, 10)])
def test_excerpt_is_whole_groups_with_the_exact_frames(video, span):
    path, ref = video
    n = len(ref)
    start, stop = (n + span[0], n + span[1]) if span[0] < 0 else span
    with VideoReader(path) as r:
        kf = r.keyframes
    cut = cut_video(path, start, stop)
    assert cut.stop == min(stop, n) and cut.num_source_frames == n
    got = decode(cut.data)
    assert len(got) == len(cut.source_frames)
    assert [read_stamp(f) for f in got] == cut.source_frames.tolist()  # each frame is the source's
    for i, src in enumerate(cut.source_frames.tolist()):
        np.testing.assert_array_equal(got[i], ref[src])
    wanted = np.arange(start, cut.stop)
    for i, f in zip(cut.index_of(wanted).tolist(), wanted.tolist(), strict=True):
        np.testing.assert_array_equal(got[i], ref[f])
    first = int(kf[kf <= start][-1])
    later = kf[kf > cut.stop - 1]
    end = int(later[0]) if len(later) else n
    assert cut.source_frames[0] == first  # from the keyframe at or before start …
    assert set(range(first, end)) <= set(cut.source_frames.tolist())  # … through the whole last group
    assert set(cut.source_frames.tolist()) <= set(range(first, end + 1))  # (+ an open GOP's keyframe)
    if end - first < n:
        assert len(cut.data) < path.stat().st_size


def test_index_of_refuses_a_frame_outside_and_a_bad_range(video):
    path, ref = video
    cut = cut_video(path, 0, 3)
    with pytest.raises(FrameIndexError, match="not in this excerpt"):
        cut.index_of([len(ref) - 1])
    with pytest.raises(FrameIndexError, match="invalid frame range"):
        cut_video(path, len(ref), len(ref) + 5)
    with pytest.raises(FrameIndexError, match="invalid frame range"):
        cut_video(path, 5, 5)


def test_an_opener_reads_only_the_needed_groups(tmp_path):
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    path = tmp_path / "long.mp4"
    frames = (np.roll(noise, 5 * i, axis=1) ^ np.uint8(i % 256) for i in range(600))
    encode_video(path, frames, keyint=30, preset="ultrafast")
    counting = CountingOpener(path)
    cut = cut_video("long.mp4", 150, 155, opener=counting)
    size = path.stat().st_size
    assert 0 < counting.bytes < size / 5  # the moov box and about one group of twenty (+ read-ahead)
    assert cut.source_frames[0] == cut_video(path, 150, 155).source_frames[0]
    assert decode(cut.data)[int(cut.index_of([152])[0])].shape == (96, 128, 3)
    with VideoReader(path) as r:
        np.testing.assert_array_equal(decode(cut.data)[int(cut.index_of([152])[0])], r[152])
