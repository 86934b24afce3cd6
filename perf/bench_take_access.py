"""Synchronized random access: the same instant from 5 views at random times, and random 8-frame clips.

Compares ``take.frames`` / ``take.clip`` (open decoders, GOP sharing, views decoded in parallel threads)
with the obvious alternative measured in the same run: for each request, open every view's file with
plain PyAV, seek backward to the keyframe and decode forward to the frame. Also reports the
every-frame decode bound: for each request and view, the frames from the keyframe to the wanted one,
at that view's single-threaded decode rate, divided by the cores used (the reader skips unwanted
non-reference frames and shares decoded groups of pictures between requests, so it can beat it).
Runs twice: on the release as written (x264's default keyframe interval) and on a copy whose views
are re-encoded with a 1 s GOP (``encode_video(keyint=30)``).

Run: ``python perf/bench_take_access.py [requests]`` (writes a small synthetic release first).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

import egoexo_kit as ek
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.video import VideoReader, encode_video


def plain_pyav(path: str, index: int, count: int = 1) -> list[np.ndarray]:
    """Open, find the frame's pts, seek back to a keyframe, decode forward: the obvious exact way."""
    with av.open(path) as c:
        s = c.streams.video[0]
        pts = sorted(p.pts for p in c.demux(s) if p.pts is not None)
        c.seek(pts[index], stream=s, backward=True, any_frame=False)
        wanted = set(pts[index : index + count])
        out = []
        for f in c.decode(s):
            if f.pts in wanted:
                out.append(f.to_ndarray(format="rgb24"))
                if len(out) == count:
                    return out
    raise RuntimeError("frame not found")


def decode_seconds_per_frame(path: str) -> float:
    """Single-threaded decode time per frame, without RGB conversion."""
    with av.open(path) as c:
        s = c.streams.video[0]
        t0 = time.perf_counter()
        n = sum(1 for _ in c.decode(s))
    return (time.perf_counter() - t0) / n


def reencode_views(root: Path, *, keyint: int) -> None:
    """Re-encode every aligned video of the release in place with a shorter keyframe interval."""
    take = ek.open_release(root).takes[0]
    for v in take.views:
        if v.path is not None and v.path.is_file():
            with VideoReader(v.path) as r:
                frames = list(r)
            encode_video(v.path, frames, keyint=keyint)


def measure(root: Path, n: int, label: str) -> None:
    """Random instants and random clips on the first take of ``root``."""
    take = ek.open_release(root).takes[0]
    views = [v for v in take.views if v.readable_stream_id in ("rgb", "0")]
    rng = np.random.default_rng(0)
    frames = rng.integers(0, take.n_frames, size=n)
    take.frames(frame=0)  # open the decoders and build the PTS tables once
    t0 = time.perf_counter()
    for f in frames:
        ours = take.frames(frame=int(f))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    for f in frames:
        plain = {v.key: plain_pyav(str(v.path), int(f))[0] for v in views}
    t_plain = time.perf_counter() - t0
    assert all(np.array_equal(a, b) for a, b in zip(ours.values(), plain.values(), strict=True))
    bound = 0.0
    gops = []
    for v in views:
        with VideoReader(v.path) as r:
            keys = r.keyframes
        gops.append(np.diff(np.append(keys, take.n_frames)).mean())
        need = sum(int(f) - int(keys[np.searchsorted(keys, f, side="right") - 1]) + 1 for f in frames)
        bound += need * decode_seconds_per_frame(str(v.path))
    bound /= min(len(views), os.cpu_count() or 1)
    print(f"{label}: {len(views)} views, {n} random instants, mean GOP {np.mean(gops):.0f} frames")
    print(
        f"  take.frames: {t_ours:.2f} s   plain PyAV open+seek per request: {t_plain:.2f} s "
        f"(ratio {t_plain / t_ours:.1f}x)   every-frame decode bound {bound:.2f} s "
        f"(bound / ours = {bound / t_ours:.2f})"
    )
    starts = rng.integers(0, take.n_frames - 8, size=max(5, n // 3))
    t0 = time.perf_counter()
    for s in starts:
        take.clip(s / 30, (s + 8) / 30)
    t_clip = time.perf_counter() - t0
    t0 = time.perf_counter()
    for s in starts:
        for v in views:
            assert len(plain_pyav(str(v.path), int(s), 8)) == 8
    t_clip_plain = time.perf_counter() - t0
    print(
        f"  8-frame clips: {len(starts) / t_clip:.1f} clips/s vs plain PyAV open+seek "
        f"{len(starts) / t_clip_plain:.1f} clips/s (ratio {t_clip_plain / t_clip:.1f}x)"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "release"
        generate_release(
            root, SynthConfig(captures=1, takes_per_capture=1, seconds=10.0, scenarios=("bike repair",))
        )
        short = Path(d) / "release-gop30"
        shutil.copytree(root, short)
        reencode_views(short, keyint=30)
        measure(root, n, "x264 default GOP (as released)")
        measure(short, n, "1 s GOP (keyint 30)")


if __name__ == "__main__":
    main()
