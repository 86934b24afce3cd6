"""Synchronized random access: the same instant from 5 views at random times, and random 8-frame clips.

Compares ``take.frames`` / ``take.clip`` (open decoders, GOP sharing, views decoded in parallel threads)
with the obvious alternative measured in the same run: for each request, open every view's file with
plain PyAV, seek backward to the keyframe and decode forward to the frame. Also reports the
decode-bound reference: frames that must be decoded ÷ sequential decode rate ÷ cores used.

Run: ``python benchmarks/bench_take_access.py [requests]`` (writes a small synthetic release first).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import av
import numpy as np

import egoexo_kit as ek
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.video import VideoReader


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


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as d:
        generate_release(
            d, SynthConfig(captures=1, takes_per_capture=1, seconds=10.0, scenarios=("bike repair",))
        )
        take = ek.open_release(d).takes[0]
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
        reader = VideoReader(views[1].path)
        t0 = time.perf_counter()
        for _ in reader:
            pass
        rate = len(reader) / (time.perf_counter() - t0)
        keys = reader.keyframes
        gop_cost = np.mean([f - keys[np.searchsorted(keys, f, side="right") - 1] + 1 for f in frames])
        bound = n * len(views) * gop_cost / rate / min(len(views), os.cpu_count() or 1)
        gop = np.diff(keys).mean() if len(keys) > 1 else len(reader)
        print(f"{len(views)} views, {n} random instants, mean GOP {gop:.0f} frames")
        print(
            f"  take.frames: {t_ours:.2f} s   plain PyAV open+seek per request: {t_plain:.2f} s "
            f"(ratio {t_plain / t_ours:.1f}x)   decode-bound reference {bound:.2f} s "
            f"(ours at {bound / t_ours:.2f} of it)"
        )
        starts = rng.integers(0, take.n_frames - 8, size=max(5, n // 3))
        t0 = time.perf_counter()
        for s in starts:
            take.clip(s / 30, (s + 8) / 30)
        t_clip = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in starts:
            for v in views:
                with av.open(str(v.path)) as c:
                    st = c.streams.video[0]
                    c.seek(0, stream=st)
                    got = [
                        f.to_ndarray(format="rgb24") for i, f in zip(range(s + 8), c.decode(st), strict=False)
                    ]
                    assert len(got[s:]) == 8
        t_clip_plain = time.perf_counter() - t0
        print(
            f"  8-frame clips: {len(starts) / t_clip:.1f} clips/s vs plain PyAV "
            f"{len(starts) / t_clip_plain:.1f} clips/s (ratio {t_clip_plain / t_clip:.1f}x)"
        )


if __name__ == "__main__":
    main()
