"""Exact frame access: egoexo-kit's VideoReader vs plain PyAV, on a 448×448 H.264 video made at run time.

Run: ``python perf/bench_video_access.py [frames]``. Prints seconds and ratios (ratio > 1: we are
faster) for two encodings of the same pictures: x264's default keyframe interval (250, as the release)
and a 1 s GOP (``encode_video(keyint=30)``). Also prints how random access compares with the
every-frame decode bound (each group of pictures decoded from its keyframe up to the last wanted frame,
at the single-threaded decode rate; the reader skips unwanted non-reference frames, so it can beat it),
and, when the ``ffmpeg`` command is installed (``apt-get install ffmpeg``), sequential decode against
``ffmpeg -threads 1 -pix_fmt rgb24 -f null``; torchcodec is compared when it imports.
Absolute numbers are context only (DESIGN §5).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

from egoexo_kit.video import VideoReader, encode_video

SIZE = 448


def make_video(path: Path, n: int, keyint: int | None = None) -> None:
    """Moving gradients, shapes and a little noise; x264's default GOP (keyint 250, scenecut) unless given."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    noise = rng.integers(0, 12, size=(8, SIZE, SIZE, 3), dtype=np.uint8)

    def frames():
        for i in range(n):
            img = np.empty((SIZE, SIZE, 3), np.uint8)
            img[..., 0] = (xx + 3 * i) % 256
            img[..., 1] = (yy + 2 * i) % 256
            img[..., 2] = ((xx + yy) / 2 + i) % 256
            cx, cy = (50 + 4 * i) % SIZE, (200 + 40 * np.sin(i / 20)) % SIZE
            img[(xx - cx) ** 2 + (yy - cy) ** 2 < 900] = (255, 255, 255)
            yield img + noise[i % 8]

    encode_video(path, frames(), preset="veryfast", crf=23, keyint=keyint)


def ffmpeg_rgb(path: Path) -> float | None:
    """Seconds for ``ffmpeg -threads 1`` to decode every frame to rgb24 (None: no ffmpeg command)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        return None
    cmd = [exe, "-v", "error", "-threads", "1", "-i", str(path), "-pix_fmt", "rgb24", "-f", "null", "-"]
    t, _ = timed(lambda: subprocess.run(cmd, check=True))
    return t


def torchcodec_exact(path: Path, indices: np.ndarray) -> tuple[float, list[np.ndarray]] | str:
    """torchcodec exact-mode random access (seconds, frames), or why it cannot run here."""
    try:
        from torchcodec.decoders import VideoDecoder
    except Exception as e:
        return f"{type(e).__name__}: {str(e).splitlines()[0][:100]}"
    dec = VideoDecoder(str(path), seek_mode="exact", dimension_order="NHWC")
    t, batch = timed(lambda: dec.get_frames_at(indices.tolist()).data.numpy())
    return t, list(batch)


def timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def plain_sequential(path: Path, *, threads: bool) -> int:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        if threads:
            s.thread_type = "AUTO"
        return sum(1 for f in c.decode(s) if f.to_ndarray(format="rgb24") is not None)


def decode_only_rate(path: Path) -> float:
    """Single-threaded decode, no RGB conversion: frames per second (the random-access lower bound)."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        t, n = timed(lambda: sum(1 for _ in c.decode(s)))
    return n / t


def plain_seek(path: Path, index: int, count: int = 1) -> list[np.ndarray]:
    """The obvious per-request approach: open, seek to the frame's time, decode forward to its pts."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        step = int(round(1 / (s.average_rate * s.time_base)))
        first = int(s.start_time or 0)
        target = first + index * step
        c.seek(target, backward=True, any_frame=False, stream=s)
        out = []
        for f in c.decode(s):
            if f.pts >= target:
                out.append(f.to_ndarray(format="rgb24"))
                if len(out) == count:
                    break
        return out


def must_decode(keyframes: np.ndarray, wanted: np.ndarray) -> int:
    """Frames an ideal exact reader decodes: per GOP, from its keyframe to the last wanted frame."""
    gop = np.searchsorted(keyframes, wanted, side="right") - 1
    total = 0
    for g in np.unique(gop):
        total += int(wanted[gop == g].max()) - int(keyframes[g]) + 1
    return total


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    with tempfile.TemporaryDirectory() as tmp:
        for keyint in (None, 30):
            print(f"\n=== {'x264 default GOP' if keyint is None else f'keyint {keyint} (1 s GOP)'} ===")
            run(Path(tmp) / f"bench-{keyint}.mp4", n, keyint=keyint)


def run(path: Path, n: int, *, keyint: int | None) -> None:
    """All measurements on one file."""
    rng = np.random.default_rng(0)
    t_make, _ = timed(lambda: make_video(path, n, keyint))
    t_open, reader = timed(lambda: VideoReader(path))
    with reader as r:
        print(
            f"video: {SIZE}x{SIZE} H.264, {len(r)} frames, {len(r.keyframes)} keyframes "
            f"(at {r.keyframes.tolist()[:6]}), {os.cpu_count()} CPUs; made in {t_make:.1f} s, "
            f"VideoReader opened (PTS scan) in {t_open * 1e3:.1f} ms"
        )
        rate_bound = decode_only_rate(path)
        print(f"single-threaded decode without RGB conversion: {rate_bound:.0f} frames/s")

        # (1) sequential RGB decode: best of 3 interleaved rounds, so background load hits all alike
        runs: dict[str, list[float]] = {"ours": [], "plain": [], "plain_mt": [], "ffmpeg": []}
        for _ in range(3):
            runs["ours"].append(timed(lambda: sum(1 for _ in r))[0])
            runs["plain"].append(timed(lambda: plain_sequential(path, threads=False))[0])
            runs["plain_mt"].append(timed(lambda: plain_sequential(path, threads=True))[0])
            t_ff = ffmpeg_rgb(path)
            if t_ff is not None:
                runs["ffmpeg"].append(t_ff)
        t_ours, t_plain, t_plain_mt = min(runs["ours"]), min(runs["plain"]), min(runs["plain_mt"])
        t_ff = min(runs["ffmpeg"], default=None)
        print("\n(1) sequential RGB decode (best of 3)")
        print(f"  VideoReader iteration        {n / t_ours:8.0f} frames/s   (FFmpeg threads on)")
        print(f"  plain PyAV                   {n / t_plain:8.0f} frames/s   ratio {t_plain / t_ours:5.2f}x")
        print(
            f"  plain PyAV, thread_type AUTO {n / t_plain_mt:8.0f} frames/s   "
            f"ratio {t_plain_mt / t_ours:5.2f}x"
        )
        if t_ff is None:
            print("  ffmpeg -threads 1 rgb24      (ffmpeg command not installed)")
        else:
            print(f"  ffmpeg -threads 1 rgb24      {n / t_ff:8.0f} frames/s   ratio {t_ff / t_ours:5.2f}x")

        # (2) 200 random frames
        idx = rng.integers(0, n, size=200)
        with VideoReader(path, cache_frames=64) as fresh:
            t_batch, got = timed(lambda: fresh.get_frames_at(idx.tolist()).data)
        with VideoReader(path, cache_frames=64) as fresh:
            t_single, _ = timed(lambda: [fresh[int(i)] for i in idx])
        t_naive, naive = timed(lambda: [plain_seek(path, int(i))[0] for i in idx])
        exact = all(np.array_equal(a, b) for a, b in zip(got, naive, strict=True))
        need = must_decode(r.keyframes, np.unique(idx))
        bound = need / rate_bound
        print(f"\n(2) 200 random frames (plain PyAV gives the same pixels: {exact})")
        print(f"  VideoReader.get (batch)      {t_batch:7.3f} s")
        print(f"  VideoReader[i] one by one    {t_single:7.3f} s   (unsorted, each request alone)")
        print(
            f"  plain PyAV open+seek+decode  {t_naive:7.3f} s   ratio vs get {t_naive / t_batch:6.1f}x, "
            f"vs one by one {t_naive / t_single:5.1f}x"
        )
        print(
            f"  decode-bound lower bound     {bound:7.3f} s   ({need} frames must be decoded); "
            f"get takes {t_batch / bound:4.2f}x the bound (which leaves out RGB conversion)"
        )
        tc = torchcodec_exact(path, idx)
        if isinstance(tc, str):
            print(f"  torchcodec exact mode        not measurable here ({tc})")
        else:
            same = all(np.array_equal(a, b) for a, b in zip(got, tc[1], strict=True))
            print(
                f"  torchcodec exact get_frames_at {tc[0]:6.3f} s   ratio vs get {tc[0] / t_batch:5.1f}x "
                f"(same pixels: {same})"
            )

        # (3) 50 random 8-frame clips
        starts = rng.integers(0, n - 8, size=50)
        with VideoReader(path) as fresh:
            t_clips, clips = timed(lambda: [fresh[int(s) : int(s) + 8] for s in starts])
        t_naive_c, naive_c = timed(lambda: [np.stack(plain_seek(path, int(s), 8)) for s in starts])
        exact = all(np.array_equal(a, b) for a, b in zip(clips, naive_c, strict=True))
        need = sum(must_decode(r.keyframes, np.arange(s, s + 8)) for s in starts)
        bound = need / rate_bound
        print(f"\n(3) 50 random 8-frame clips, requested one clip at a time (same pixels: {exact})")
        print(f"  VideoReader[a:a+8]           {t_clips:7.3f} s")
        print(f"  plain PyAV open+seek+decode  {t_naive_c:7.3f} s   ratio {t_naive_c / t_clips:5.1f}x")
        print(
            f"  decode-bound lower bound     {bound:7.3f} s   (each clip alone: {need} frames); "
            f"ours takes {t_clips / bound:4.2f}x the bound"
        )


if __name__ == "__main__":
    main()
