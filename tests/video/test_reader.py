"""VideoReader: exact random access checked against a plain sequential PyAV decode and stamped indices.

Every test video stamps its frame index into the picture (9 black/white 16×16 blocks), so a frame can be
identified without trusting any decoder, and decoded frames are compared for exact equality with a
reference sequential decode.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egoexo_kit.errors import FormatError, FrameIndexError
from egoexo_kit.video import Frame, FrameBatch, VideoReader, encode_video
from egoexo_kit.video import _meta as meta_module

H, W, BITS = 64, 96, 9


def stamp(i: int) -> np.ndarray:
    """An RGB frame whose blocks spell ``i`` in binary over a frame-dependent gray background."""
    img = np.full((H, W, 3), 40 + (i * 7) % 160, np.uint8)
    img[40:, :, 0] = (i * 13) % 256  # some colour so chroma differs between frames too
    for b in range(BITS):
        r, c = divmod(b, 6)
        img[r * 16 : r * 16 + 16, c * 16 : c * 16 + 16] = 255 if (i >> b) & 1 else 0
    return img


def read_stamp(img: np.ndarray) -> int:
    """The index stamped by :func:`stamp`, read back from a decoded frame."""
    value = 0
    for b in range(BITS):
        r, c = divmod(b, 6)
        if img[r * 16 + 4 : r * 16 + 12, c * 16 + 4 : c * 16 + 12].mean() > 128:
            value |= 1 << b
    return value


def write_video(
    path: Path, n: int, *, params: str = "", start_pts: int = 0, steps: list[int] | None = None
) -> Path:
    """A libx264 video with the given ``x264-params`` and pts ``start_pts + cumsum(steps)``."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.time_base = Fraction(1, 30)
        s.codec_context.thread_count = 1
        s.options = {"x264-params": ":".join(x for x in (params, "threads=1") if x)}
        pts = start_pts
        for i in range(n):
            vf = av.VideoFrame.from_ndarray(stamp(i), format="rgb24")
            vf.pts = pts
            pts += steps[i] if steps else 1
            c.mux(s.encode(vf))
        c.mux(s.encode(None))
    return path


def reference(path: Path) -> list[np.ndarray]:
    """Plain sequential PyAV decode: the ground truth for exact equality."""
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]


KINDS = {
    "encode_video": None,
    "x264-default": dict(n=300),
    "bframes3": dict(n=240, params="bframes=3:keyint=30"),
    "gop250": dict(n=300, params="bframes=0:keyint=250:scenecut=0"),
    "bframes3-gop250": dict(n=300, params="bframes=3:b-pyramid=normal:keyint=250:scenecut=0"),
    "keyint1": dict(n=90, params="keyint=1"),
    "start-pts-mp4": dict(n=120, params="bframes=3:keyint=40", start_pts=1000),
    "start-pts-mkv": dict(n=120, params="bframes=3:keyint=40", start_pts=1000, suffix=".mkv"),
}


@pytest.fixture(scope="session", params=list(KINDS))
def video(request, tmp_path_factory) -> tuple[Path, list[np.ndarray]]:
    """``(path, reference frames)`` for each kind of test video."""
    kind = request.param
    spec = dict(KINDS[kind] or {})
    folder = tmp_path_factory.mktemp(kind)
    if kind == "encode_video":
        path = folder / "v.mp4"
        encode_video(path, [stamp(i) for i in range(150)], preset="ultrafast")
    else:
        path = write_video(folder / ("v" + spec.pop("suffix", ".mp4")), **spec)
    return path, reference(path)


def test_reference_is_in_display_order(video):
    path, ref = video
    assert [read_stamp(f) for f in ref] == list(range(len(ref)))


def test_metadata_and_pts_table(video):
    path, ref = video
    with VideoReader(path) as r:
        m = r.metadata
        assert len(r) == m.num_frames == len(ref)
        assert (m.width, m.height, m.codec, m.pix_fmt) == (W, H, "h264", "yuv420p")
        assert r.pts.dtype == np.int64 and np.all(np.diff(r.pts) > 0)
        assert r.keyframes[0] == 0 and set(r.keyframes.tolist()) <= set(range(len(r)))
        assert m.fps == pytest.approx(30, rel=0.02)
        assert m.duration_s == pytest.approx(len(ref) / 30, rel=0.02)
        assert m.begin_s == pytest.approx(float(r.pts[0] * m.time_base))
        assert "frames" in repr(r)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_single_frames_are_exact(video, data):
    path, ref = video
    n = len(ref)
    with VideoReader(path, cache_frames=data.draw(st.sampled_from([0, 4, 64]))) as r:
        for i in data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=12)):
            np.testing.assert_array_equal(r[i], ref[i])


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_frame_threads_give_the_same_frames(video, data):
    """FFmpeg frame threading (big frames use it by default) keeps random access exact."""
    path, ref = video
    n = len(ref)
    with VideoReader(path, threads=data.draw(st.sampled_from([2, 3])), cache_frames=0) as r:
        wanted = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=10))
        for i in wanted:
            np.testing.assert_array_equal(r[i], ref[i])
        np.testing.assert_array_equal(r.get_frames_at(wanted).data, np.stack([ref[i] for i in wanted]))


def test_cache_is_bounded_in_bytes_and_threads_checked(tmp_path, monkeypatch):
    import egoexo_kit.video._reader as reader_module

    path = write_video(tmp_path / "v.mp4", 30, params="keyint=30")
    monkeypatch.setattr(reader_module, "CACHE_BYTES", 5 * W * H * 3 // 2)
    with VideoReader(path, cache_frames=64) as r:
        r[0:20]
        assert len(r._cache) == 5  # 64 asked, 5 frames' worth of bytes allowed
    with pytest.raises(ValueError, match="threads"):
        VideoReader(path, threads=0)


def test_first_last_negative_and_reverse_order(video):
    path, ref = video
    n = len(ref)
    with VideoReader(path, cache_frames=0) as r:
        for i in [n - 1, 0, -1, -n, n // 2, 1, n - 2, n // 2 - 1]:
            np.testing.assert_array_equal(r[i], ref[i])
            assert read_stamp(r[i]) == i % n


def test_slices(video):
    path, ref = video
    n = len(ref)
    with VideoReader(path) as r:
        for sl in [slice(0, 8), slice(n - 5, None), slice(10, 40, 3), slice(-12, -2), slice(None, None, 37)]:
            got = r[sl]
            want = np.stack(ref[sl])
            assert got.shape == want.shape
            np.testing.assert_array_equal(got, want)
        assert r[5:5].shape == (0, H, W, 3)


def test_batched_get_unsorted_duplicates(video):
    path, ref = video
    n = len(ref)
    idx = np.random.default_rng(0).integers(-n, n, size=40).tolist() + [3, 3, n - 1, 0, -1]
    with VideoReader(path) as batch, VideoReader(path, cache_frames=0) as single:
        got = batch.get_frames_at(idx).data
        assert got.shape == (len(idx), H, W, 3)
        for k, i in enumerate(idx):
            np.testing.assert_array_equal(got[k], ref[i])
            np.testing.assert_array_equal(got[k], single[i])


def test_batch_decodes_each_gop_once(video):
    path, ref = video
    with VideoReader(path, cache_frames=0) as r:
        r.get_frames_at(list(range(len(ref)))[::-1])
        assert r.decoded_frames <= len(ref) + 8  # a few extra at most (decoder delay after a seek)


def test_other_formats(video):
    path, ref = video
    with VideoReader(path) as r, av.open(str(path)) as c:
        frames = list(c.decode(c.streams.video[0]))
        idx = [7, 2, len(ref) - 1]
        gray, yuv = r.get_frames_at(idx, format="gray").data, r.get_frames_at(idx, format="yuv420p").data
        assert gray.shape == (3, H, W) and yuv.shape == (3, H * 3 // 2, W)
        for k, i in enumerate(idx):
            np.testing.assert_array_equal(gray[k], frames[i].to_ndarray(format="gray"))
            np.testing.assert_array_equal(yuv[k], frames[i].to_ndarray(format="yuv420p"))
        with pytest.raises(ValueError, match="unknown format 'bgr'"):
            r.get_frames_at([0], format="bgr")


def test_get_at_times_between_frames(video):
    path, ref = video
    with VideoReader(path) as r:
        tb = r.metadata.time_base
        starts = [float(p * tb) for p in r.pts]
        idx = [0, 5, len(ref) - 1, 17, 5]
        t = [starts[i] for i in idx] + [starts[i] + 0.9 * (starts[i + 1] - starts[i]) for i in (3, 20)]
        got = r.get_frames_played_at(t).data
        for k, i in enumerate([*idx, 3, 20]):
            np.testing.assert_array_equal(got[k], ref[i])
        assert r.indices_at([r.metadata.end_s - 1e-6]).tolist() == [len(ref) - 1]
        with pytest.raises(FrameIndexError, match=r"outside the video's range \["):
            r.get_frames_played_at([r.metadata.end_s])
        with pytest.raises(FrameIndexError, match="outside"):
            r.get_frames_played_at([r.metadata.begin_s - 0.001])


def test_single_frame_twins(video):
    """``get_frame_at`` / ``get_frame_played_at``: the torchcodec-named single-item methods (issue 17)."""
    path, ref = video
    with VideoReader(path) as r:
        f = r.get_frame_at(-1)
        np.testing.assert_array_equal(f.data, ref[-1])
        assert f.index == len(ref) - 1 and f.duration_s > 0
        g = r.get_frame_played_at(f.pts_s + f.duration_s / 2)
        assert g.index == f.index
        np.testing.assert_array_equal(g.data, f.data)


def test_iteration_equals_reference(video):
    path, ref = video
    with VideoReader(path) as r:
        r[len(ref) // 2]  # iteration is independent of the random-access decoder
        got = list(r)
    assert len(got) == len(ref)
    for a, b in zip(got, ref, strict=True):
        np.testing.assert_array_equal(a, b)


def test_nearby_requests_continue_instead_of_seeking(tmp_path):
    path = write_video(tmp_path / "v.mp4", 120, params="bframes=0:keyint=60:scenecut=0")
    ref = reference(path)
    with VideoReader(path, cache_frames=8) as r:
        for i in range(10, 50, 3):  # same GOP, moving forward: one seek in all
            np.testing.assert_array_equal(r[i], ref[i])
        assert r.seeks == 1
        np.testing.assert_array_equal(r[47], ref[47])  # in the LRU: no decode
        assert r.seeks == 1
        r[70]  # next GOP: cheaper to seek than to decode through
        assert r.seeks == 2


def test_unwanted_non_reference_frames_are_skipped(tmp_path):
    path = write_video(tmp_path / "b.mp4", 120, params="bframes=3:b-pyramid=none:keyint=120:scenecut=0")
    ref = reference(path)
    with VideoReader(path, cache_frames=0) as r:
        np.testing.assert_array_equal(r[100], ref[100])
        assert r.decoded_frames < 101 * 0.6  # only the reference chain (I/P frames) and the target
        # One frame at a time, forward: a wanted B-frame whose packet already went by unwanted is
        # decoded again by a fresh seek, never returned wrong or missing.
        for i in range(60, 80):
            np.testing.assert_array_equal(r[i], ref[i])


def test_encode_video_keyint(tmp_path):
    frames = [stamp(i) for i in range(95)]
    encode_video(tmp_path / "k.mp4", frames, keyint=30, preset="veryfast")
    with VideoReader(tmp_path / "k.mp4") as r:
        keys = r.keyframes
        assert keys[0] == 0 and np.diff(np.append(keys, len(r))).max() <= 30  # x264 may add scene cuts
    with pytest.raises(ValueError, match="keyint"):
        encode_video(tmp_path / "bad.mp4", frames, keyint=0)


def test_gap_in_pts_and_tolerance(tmp_path):
    steps = [1] * 29 + [10] + [1] * 30  # frame 29 is displayed for 10 frame periods
    path = write_video(tmp_path / "gap.mp4", 60, params="bframes=2:keyint=20", steps=steps)
    ref = reference(path)
    with VideoReader(path) as r:
        t29 = float(r.pts[29] * r.metadata.time_base)
        np.testing.assert_array_equal(r.get_frames_played_at([t29 + 0.2]).data[0], ref[29])
        assert r.metadata.fps < 30
        with pytest.raises(FrameIndexError, match="tolerance_s=0.05"):
            r.get_frames_played_at([t29 + 0.2], tolerance_s=0.05)
        np.testing.assert_array_equal(r.get_frames_played_at([t29 + 0.02], tolerance_s=0.05).data[0], ref[29])


def test_synthetic_release_videos(tiny_release_ro):
    videos = sorted(tiny_release_ro.rglob("*.mp4"))[:3]
    assert videos
    for path in videos:
        ref = reference(path)
        with VideoReader(path) as r:
            assert len(r) == len(ref)
            for i in np.random.default_rng(1).permutation(len(ref))[:10].tolist() + [-1]:
                np.testing.assert_array_equal(r[i], ref[i])


# ------------------------------------------------------------------------------------------ index cache
def test_index_cache_round_trip_and_invalidation(tmp_path, monkeypatch):
    # Matroska: an MP4's table comes from its sample tables and is never scanned nor cached
    path = write_video(tmp_path / "v.mkv", 60, params="bframes=3:keyint=20")
    index_dir = tmp_path / "index"
    calls = []
    real_scan = meta_module.scan_pts_table

    def counting_scan(*args, **kwargs):
        calls.append(1)
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(meta_module, "scan_pts_table", counting_scan)
    with VideoReader(path, index_dir=index_dir) as r:
        pts, keys = r.pts.copy(), r.keyframes.copy()
    assert len(calls) == 1
    cached = list(index_dir.iterdir())
    assert len(cached) == 1 and cached[0].name.startswith("v.mkv.") and cached[0].suffix == ".npz"

    with VideoReader(path, index_dir=index_dir) as r:  # served from the cache: no demux scan
        np.testing.assert_array_equal(r.pts, pts)
        np.testing.assert_array_equal(r.keyframes, keys)
        np.testing.assert_array_equal(r[-1], reference(path)[-1])
    assert len(calls) == 1

    st_ = path.stat()
    os.utime(path, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**9))  # touched: scanned again
    with VideoReader(path, index_dir=index_dir):
        pass
    assert len(calls) == 2
    assert len(list(index_dir.iterdir())) == 1  # the stale entry was replaced

    list(index_dir.iterdir())[0].write_bytes(b"garbage")  # unreadable cache: rebuilt, not an error
    with VideoReader(path, index_dir=index_dir) as r:
        np.testing.assert_array_equal(r.pts, pts)
    assert len(calls) == 3


def test_no_index_dir_writes_nothing(tmp_path):
    path = write_video(tmp_path / "v.mp4", 10)
    with VideoReader(path) as r:
        r[3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.mp4"]


def test_same_name_in_two_folders_does_not_collide(tmp_path):
    a = write_video((tmp_path / "a").mkdir() or tmp_path / "a" / "cam01.mkv", 20)  # scanned, cached
    b = write_video((tmp_path / "b").mkdir() or tmp_path / "b" / "cam01.mkv", 30)
    os.utime(b, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns))
    for p, n in [(a, 20), (b, 30), (a, 20)]:
        with VideoReader(p, index_dir=tmp_path / "index") as r:
            assert len(r) == n


# ----------------------------------------------------------------------------------------------- errors
def test_missing_file(tmp_path):
    with pytest.raises(FormatError, match="does not exist") as e:
        VideoReader(tmp_path / "nope.mp4")
    assert "nope.mp4" in str(e.value)


def test_random_bytes(tmp_path):
    path = tmp_path / "junk.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    with pytest.raises(FormatError, match=r"junk\.mp4.*cannot"):
        VideoReader(path)


def test_truncated_file(tmp_path):
    path = write_video(tmp_path / "cut.mp4", 60)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(FormatError, match=r"cut\.mp4"):
        with VideoReader(path) as r:
            r.get_frames_at(range(len(r)))


def test_no_such_stream(tmp_path):
    path = write_video(tmp_path / "v.mp4", 5)
    with pytest.raises(FormatError, match=r"no video stream 1: the file has 1"):
        VideoReader(path, stream=1)


def test_index_errors(tmp_path):
    path = write_video(tmp_path / "v.mp4", 12)
    with VideoReader(path) as r:
        with pytest.raises(FrameIndexError, match=r"frame index 12 is out of range .*valid: -12\.\.11") as e:
            r[12]
        assert isinstance(e.value, IndexError) and e.value.frame == 12
        with pytest.raises(FrameIndexError, match=r"-13"):
            r.get_frames_at([0, -13])
        with pytest.raises(TypeError, match="int or a slice"):
            r[1.5]
        with pytest.raises(TypeError, match="int or a slice"):
            r[True]
        with pytest.raises(TypeError, match="sequence of ints"):
            r.get_frames_at([0.5])
    with pytest.raises(ValueError, match="cache_frames must be >= 0"):
        VideoReader(path, cache_frames=-1)


# ------------------------------------------------------------------------------------------ results
def test_frame_batch_carries_index_and_time(video):
    path, ref = video
    with VideoReader(path) as r:
        batch = r.get_frames_at([5, -1, 5])
        assert len(batch) == 3 and batch.indices.tolist() == [5, len(ref) - 1, 5]
        data, index, pts_s, duration_s = batch[1]  # a Frame unpacks like a tuple
        np.testing.assert_array_equal(data, ref[-1])
        assert index == len(ref) - 1 and pts_s == pytest.approx(float(r.pts[-1] * r.metadata.time_base))
        assert pts_s + duration_s == pytest.approx(r.metadata.end_s)
        assert "FrameBatch(3 frames" in repr(batch) and "data=(" in repr(batch[0])
        played = r.get_frames_played_at([batch.pts_s[0] + 0.25 * batch.duration_s[0]])
        assert played.indices.tolist() == [5]
        np.testing.assert_array_equal(played.data[0], ref[5])
        gray = r.get_frames_at([2], format="gray")
        assert gray.data.shape == (1, H, W)
    with pytest.raises(ValueError, match="indices must have shape"):
        FrameBatch(
            data=np.zeros((2, 4, 4, 3), np.uint8),
            indices=np.zeros(3),
            pts_s=np.zeros(2),
            duration_s=np.zeros(2),
        )
    with pytest.raises(ValueError, match="uint8"):
        Frame(data=np.zeros((4, 4, 3)), index=0, pts_s=0.0, duration_s=0.0)
