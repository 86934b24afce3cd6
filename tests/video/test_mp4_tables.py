"""The frame table read from MP4 sample tables: equal to the packet scan, a sliver read, nothing written.

Every file is made here with PyAV's bundled libx264 (no ffmpeg CLI): B-frames with the edit list
their delay needs, no B-frames, open GOP, 1 s GOP, all-intra (no ``stss``), ``moov`` at the front and
at the end, a start offset (empty edit), negative composition offsets, variable frame durations, an
edit list that cuts into a GOP (discarded packets), audio before video, QuickTime MOV, and files the
reader must leave to the scan (fragmented MP4, Matroska).
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from egoexo_kit._io import cache_dir
from egoexo_kit.video import VideoReader
from egoexo_kit.video._meta import load_pts_table, scan_pts_table
from egoexo_kit.video._mp4 import read_mp4_pts_table

REPO = Path(__file__).resolve().parents[2]
W, H = 64, 48


def write(
    path: Path,
    n: int = 60,
    *,
    params: str = "",
    options: dict[str, str] | None = None,
    start_pts: int = 0,
    steps: list[int] | None = None,
    audio_first: bool = False,
    size: tuple[int, int] = (W, H),
    preset: str | None = None,
) -> Path:
    """A libx264 video of moving noise (so x264 really uses B-frames) with the given settings."""
    w, h = size
    fmt = "mov" if path.suffix == ".mov" else None
    with av.open(str(path), "w", format=fmt, options=options or {}) as c:
        audio = c.add_stream("aac", rate=48000) if audio_first else None
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.time_base = Fraction(1, 30)
        s.codec_context.thread_count = 1
        s.options = {"x264-params": ":".join(x for x in (params, "threads=1") if x), "preset": "ultrafast"}
        if preset or ("bframes=0" not in params and "keyint=1" not in params):
            s.options = {**s.options, "preset": preset or "medium"}  # medium: x264 really uses B-frames
        rng = np.random.default_rng(0)
        base = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        pts = start_pts
        for i in range(n):
            arr = (np.roll(base, 2 * i, axis=1) // 2 + rng.integers(0, 40, (h, w, 3))).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            frame.pts = pts
            pts += steps[i] if steps else 1
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
        if audio is not None:
            af = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            af.sample_rate, af.pts = 48000, 0
            c.mux(audio.encode(af))
            c.mux(audio.encode(None))
    return path


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, list[tuple[int, int]]]:
    """``type -> [(payload start, end)]`` for every box of the moov tree (a test-side walker)."""
    end = len(data) if end is None else end
    out: dict[bytes, list[tuple[int, int]]] = {}
    while start + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, start)
        head = 16 if size == 1 else 8
        size = struct.unpack_from(">Q", data, start + 8)[0] if size == 1 else size or end - start
        out.setdefault(kind, []).append((start + head, start + size))
        if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"):
            for k, v in boxes(data, start + head, start + size).items():
                out.setdefault(k, []).extend(v)
        start += size
    return out


def cut_edit(src: Path, dst: Path, *, frames: int, keep_ms: int) -> Path:
    """Copy ``src`` with its (single) edit moved ``frames`` frames later and shortened to ``keep_ms``."""
    data = bytearray(src.read_bytes())
    ((body, _),) = boxes(bytes(data))[b"elst"]
    assert data[body] == 0 and struct.unpack_from(">I", data, body + 4)[0] == 1
    _, media_time, *_ = struct.unpack_from(">Ii", data, body + 8)
    struct.pack_into(">Ii", data, body + 8, keep_ms, media_time + 512 * frames)  # 512 = 15360 / 30
    dst.write_bytes(bytes(data))
    return dst


def tables(path: Path, *, stream: int = 0):
    """(sample-table table or None, scan table) of video stream ``stream``."""
    with av.open(str(path)) as c:
        s = c.streams.video[stream]
        scan = scan_pts_table(c, s, path=path)
        with open(path, "rb") as f:
            got = read_mp4_pts_table(
                f,
                stream_index=s.index,
                track_id=s.id,
                time_base=s.time_base,
                file_size=path.stat().st_size,
            )
    return got, scan


def assert_same(got, scan) -> None:
    assert got is not None, "the sample tables were not used"
    np.testing.assert_array_equal(got.pts, scan.pts)
    np.testing.assert_array_equal(got.keyframes, scan.keyframes)
    assert got.last_duration == scan.last_duration


CASES = {
    "x264-default": dict(n=90),
    "bframes0": dict(params="bframes=0"),
    "open-gop": dict(n=90, params="open-gop=1:keyint=20:bframes=3"),
    "keyint30": dict(n=90, params="keyint=30"),
    "b-pyramid": dict(n=90, params="bframes=5:b-pyramid=strict:keyint=40"),
    "faststart": dict(options={"movflags": "faststart"}),
    "start-offset": dict(start_pts=17),
    "negative-ctts": dict(options={"movflags": "negative_cts_offsets"}, params="bframes=3:keyint=25"),
    "variable-durations": dict(steps=[1 + (i % 3) for i in range(60)]),
    "audio-first": dict(audio_first=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_tables_equal_the_scan(tmp_path, name):
    path = write(tmp_path / f"{name}.mp4", **CASES[name])
    assert_same(*tables(path))


def test_file_shapes_are_what_the_cases_claim(tmp_path):
    """The cases really exercise what they are named for (moov first, empty edit, negative ctts …)."""
    default = write(tmp_path / "d.mp4", 90).read_bytes()
    b = boxes(default)
    assert b[b"moov"][0][0] > b[b"mdat"][0][0]  # moov at the end
    assert b"ctts" in b and b"stss" in b and b"elst" in b
    with av.open(str(tmp_path / "d.mp4")) as c:
        assert any(p.pts != p.dts for p in c.demux(c.streams.video[0]) if p.size)  # B-frames reorder
    fast = boxes(write(tmp_path / "f.mp4", options={"movflags": "faststart"}).read_bytes())
    assert fast[b"moov"][0][0] < fast[b"mdat"][0][0]
    data = write(tmp_path / "s.mp4", start_pts=17).read_bytes()
    ((body, _),) = boxes(data)[b"elst"]
    assert struct.unpack_from(">I", data, body + 4)[0] == 2  # an empty edit, then the media
    data = write(
        tmp_path / "n.mp4", options={"movflags": "negative_cts_offsets"}, params="bframes=3"
    ).read_bytes()
    ((body, end),) = boxes(data)[b"ctts"]
    offsets = np.frombuffer(data[body + 8 : end], dtype=">i4")[1::2]
    assert data[body] == 1 and offsets.min() < 0  # ctts version 1 with negative offsets


def test_all_intra_without_stss(tmp_path):
    path = write(tmp_path / "intra.mp4", params="keyint=1")
    assert b"stss" not in boxes(path.read_bytes())
    got, scan = tables(path)
    assert_same(got, scan)
    assert len(got.keyframes) == len(got.pts)


def test_mov_container(tmp_path):
    assert_same(*tables(write(tmp_path / "v.mov", params="bframes=3:keyint=25:open-gop=1")))


@pytest.mark.parametrize(("frames", "keep_ms"), [(5, 1000), (29, 900), (30, 2000), (31, 1), (0, 1500)])
def test_edit_list_cutting_into_a_gop(tmp_path, frames, keep_ms):
    """An edit that starts mid-GOP: FFmpeg keeps the GOP's start as discarded packets; they are left out."""
    src = write(tmp_path / "src.mp4", 60, params="bframes=3:keyint=30")
    for base in (
        src,
        write(
            tmp_path / "neg.mp4",
            60,
            params="bframes=3:keyint=30",
            options={"movflags": "negative_cts_offsets"},
        ),
    ):
        path = cut_edit(base, tmp_path / f"cut_{base.name}", frames=frames, keep_ms=keep_ms)
        got, scan = tables(path)
        assert_same(got, scan)
        if frames:
            assert len(scan.pts) < 60
        if frames % 30:  # the edit starts inside a GOP: its start is demuxed as discarded packets
            with av.open(str(path)) as c:
                assert any(p.is_discard for p in c.demux(c.streams.video[0]))


def test_fragmented_mp4_falls_back_to_the_scan(tmp_path):
    path = write(tmp_path / "frag.mp4", options={"movflags": "frag_keyframe+empty_moov"})
    got, scan = tables(path)
    assert got is None
    with av.open(str(path)) as c:
        table = load_pts_table(c, c.streams.video[0], path=path, index_dir=None)
    np.testing.assert_array_equal(table.pts, scan.pts)
    with VideoReader(path) as r:
        assert len(r) == 60


def test_other_containers_are_left_to_the_scan(tmp_path):
    path = write(tmp_path / "v.mkv")
    with av.open(str(path)) as c, open(path, "rb") as f:
        assert (
            read_mp4_pts_table(
                f, stream_index=0, track_id=None, time_base=None, file_size=path.stat().st_size
            )
            is None
        )
        assert len(load_pts_table(c, c.streams.video[0], path=path, index_dir=None).pts) == 60


def test_a_stream_index_that_is_not_its_trak_is_refused(tmp_path):
    path = write(tmp_path / "a.mp4", audio_first=True)
    size = path.stat().st_size
    with av.open(str(path)) as c, open(path, "rb") as f:
        video = c.streams.video[0]
        assert video.index == 1
        for index, track_id in [(0, None), (1, video.id + 1), (5, None)]:  # the audio trak, a wrong id, none
            f.seek(0)
            assert (
                read_mp4_pts_table(f, stream_index=index, track_id=track_id, time_base=None, file_size=size)
                is None
            )


def release_mp4s(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.mp4") if ".egoexo-kit" not in p.parts)


def test_every_fixture_and_release_mp4(tiny_release_ro):
    paths = release_mp4s(REPO / "tests" / "fixtures") + release_mp4s(tiny_release_ro)
    assert len(paths) >= 5
    for path in paths:
        with av.open(str(path)) as c:
            n = len(c.streams.video)
        for stream in range(n):
            assert_same(*tables(path, stream=stream))


class CountingReader:
    """A binary file that counts the bytes read through it."""

    def __init__(self, path: Path) -> None:
        self.f = open(path, "rb")
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.read_bytes += len(data)
        return data

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.f.seek(pos, whence)

    def tell(self) -> int:
        return self.f.tell()


@pytest.mark.parametrize("faststart", [False, True])
def test_bytes_read_on_open_are_a_sliver_of_the_file(tmp_path, faststart):
    path = write(
        tmp_path / "big.mp4",
        40,
        params="bframes=3:keyint=10:crf=4",
        size=(640, 360),
        options={"movflags": "faststart"} if faststart else None,
        preset="ultrafast",
    )
    size = path.stat().st_size
    assert size > 2_000_000
    reader = CountingReader(path)
    try:
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            table = read_mp4_pts_table(
                reader, stream_index=0, track_id=s.id, time_base=s.time_base, file_size=size
            )
    finally:
        reader.f.close()
    assert table is not None and len(table.pts) == 40
    assert reader.read_bytes < 0.05 * size, f"read {reader.read_bytes} of {size} bytes"


def test_take_frames_write_nothing_into_the_release(tiny_release, tmp_path, monkeypatch):
    import egoexo_kit as ek

    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "cache"))
    before = sorted(p.relative_to(tiny_release) for p in tiny_release.rglob("*"))
    take = ek.open_release(tiny_release).takes[0]
    frames = take.frames(frame=3)
    assert frames
    after = sorted(p.relative_to(tiny_release) for p in tiny_release.rglob("*"))
    assert after == before
    assert not (tmp_path / "cache").exists()  # MP4s need no cache at all


def test_cache_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "own"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir("frames") == tmp_path / "own" / "frames"
    monkeypatch.delenv("EGOEXO_KIT_CACHE_DIR")
    assert cache_dir("frames") == tmp_path / "xdg" / "egoexo-kit" / "frames"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "egoexo-kit"


def test_scan_fallback_caches_in_the_user_folder_keyed_by_content(tmp_path, monkeypatch):
    from egoexo_kit.video import _meta

    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "cache"))
    path = write(tmp_path / "v.mkv", 30)
    calls: list[int] = []
    real = _meta.scan_pts_table

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_meta, "scan_pts_table", counting)
    folder = cache_dir("frames")
    for _ in range(2):
        with VideoReader(path, index_dir=folder) as r:
            assert len(r) == 30
    assert len(calls) == 1 and len(list(folder.iterdir())) == 1

    st = path.stat()  # same size and mtime, different first bytes: scanned again
    data = bytearray(path.read_bytes())
    i = data.index(b"Lavf")
    data[i : i + 4] = b"LAVF"
    path.write_bytes(bytes(data))
    import os

    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with VideoReader(path, index_dir=folder):
        pass
    assert len(calls) == 2 and len(list(folder.iterdir())) == 1  # the stale entry was replaced


def test_unwritable_cache_folder_is_skipped(tmp_path):
    path = write(tmp_path / "v.mkv", 20)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with VideoReader(path, index_dir=blocker / "frames") as r:  # cannot be created: no error, no cache
        assert len(r) == 20
