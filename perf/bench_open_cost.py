"""Open cost of a long video: bytes read and time to get the frame table, sample tables vs packet scan.

Run: ``python perf/bench_open_cost.py [--minutes 10] [--keep DIR]``. Makes a 10-minute 4K (3840×2160)
and a 10-minute 1408×1408 H.264 MP4 cheaply (a few seconds encoded with libx264 ultrafast, then its
packets repeated with shifted timestamps into a new MP4: a remux, no re-encode), and reports, for
opening each and getting its frame table:

* ``VideoReader`` open: PyAV's ``av.open`` plus the table read from the MP4 sample tables
  (``egoexo_kit.video``; no cache involved);
* the packet scan the reader used before (``av.open`` + demux every packet);
* ``av.open`` alone (the floor: FFmpeg itself reads the ``moov`` box);
* torchcodec's ``VideoDecoder`` with ``seek_mode="exact"`` (scans the file) and ``"approximate"``
  (header only), when torchcodec imports (it needs torch and a system FFmpeg; the line says so when
  it is missing).

Bytes read are the process's ``rchar`` deltas from ``/proc/self/io`` (every ``read`` syscall,
whatever library makes it), shown as a percentage of the file size; the goal is <= 1 %. Times are
wall-clock seconds, context only (DESIGN §5). Each measurement runs on a file whose pages were just
dropped from the page cache where the OS allows it (``posix_fadvise(DONTNEED)``), so a later run does
not look cheaper because an earlier one read the file. The files live in a temporary folder removed
at exit unless ``--keep`` names one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from egoexo_kit.video import VideoReader
from egoexo_kit.video._meta import scan_pts_table

FPS = 30
CLIP_S = 2


def rchar() -> int:
    """Bytes this process has read through ``read``-like syscalls so far (Linux ``/proc/self/io``)."""
    with open("/proc/self/io", encoding="ascii") as f:
        for line in f:
            if line.startswith("rchar:"):
                return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io")


def drop_cache(path: Path) -> None:
    """Ask the OS to forget the file's cached pages (best effort)."""
    with open(path, "rb") as f:
        if hasattr(os, "posix_fadvise"):
            os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def make_clip(path: Path, width: int, height: int) -> None:
    """``CLIP_S`` seconds of moving gradients, libx264 ultrafast, x264's default GOP and B-frames."""
    yy, xx = np.mgrid[0:height, 0:width]
    base = ((xx // 8 + yy // 8) % 256).astype(np.uint8)
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = width, height, "yuv420p"
        s.time_base = Fraction(1, FPS)
        s.options = {"preset": "ultrafast", "crf": "30", "x264-params": "bframes=3"}
        for i in range(CLIP_S * FPS):
            img = np.stack([np.roll(base, 4 * i, axis=1), np.roll(base, 2 * i, axis=0), base], axis=-1)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            c.mux(s.encode(frame))
        c.mux(s.encode(None))


def repeat_clip(clip: Path, out: Path, copies: int) -> int:
    """Write ``clip``'s video packets ``copies`` times back to back (timestamps shifted); frames written."""
    with av.open(str(clip)) as src:
        vs = src.streams.video[0]
        packets = [
            (bytes(p), p.pts, p.dts, p.is_keyframe, p.duration)
            for p in src.demux(vs)
            if p.size and p.pts is not None
        ]
        span = max(p[1] for p in packets) + packets[0][4] - min(p[1] for p in packets)
        with av.open(str(out), "w") as dst:
            os_ = dst.add_stream_from_template(vs)
            for k in range(copies):
                for data, pts, dts, key, dur in packets:
                    pkt = av.Packet(data)
                    pkt.pts, pkt.dts, pkt.duration = pts + k * span, dts + k * span, dur
                    pkt.time_base, pkt.is_keyframe, pkt.stream = vs.time_base, key, os_
                    dst.mux(pkt)
    return copies * len(packets)


def measure(path: Path, fn: Callable[[], object]) -> tuple[float, int, object]:
    drop_cache(path)
    before, t0 = rchar(), time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, rchar() - before, out


def open_reader(path: Path) -> int:
    with VideoReader(path) as r:
        return len(r)


def open_scan(path: Path) -> int:
    with av.open(str(path)) as c:
        return len(scan_pts_table(c, c.streams.video[0], path=path).pts)


def open_av(path: Path) -> int:
    with av.open(str(path)) as c:
        return c.streams.video[0].frames


def torchcodec_open(mode: str) -> Callable[[Path], int] | str:
    """A torchcodec opener for ``seek_mode=mode``, or why it cannot run here."""
    try:
        from torchcodec.decoders import VideoDecoder
    except Exception as e:  # torch missing, no system FFmpeg, version mismatch
        return f"torchcodec not importable ({type(e).__name__}: {str(e)[:60]})"

    def run(path: Path) -> int:
        return len(VideoDecoder(str(path), seek_mode=mode))

    return run


def report(label: str, path: Path, frames: int) -> None:
    size = path.stat().st_size
    print(f"\n{label}: {path.name}, {size / 1e6:.0f} MB, {frames} frames")
    print(f"  {'method':<34} {'frames':>7} {'bytes read':>13} {'% of file':>10} {'seconds':>8}")
    methods: list[tuple[str, Callable[[Path], int] | str]] = [
        ("VideoReader open (sample tables)", open_reader),
        ("packet scan (before)", open_scan),
        ("av.open alone", open_av),
        ("torchcodec exact", torchcodec_open("exact")),
        ("torchcodec approximate", torchcodec_open("approximate")),
    ]
    for name, fn in methods:
        if isinstance(fn, str):
            print(f"  {name:<34} {fn}")
            continue
        secs, read, n = measure(path, lambda fn=fn: fn(path))
        print(f"  {name:<34} {n:>7} {read:>13,} {100 * read / size:>9.3f}% {secs:>8.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="length of each test file (default 10)")
    ap.add_argument("--keep", type=Path, help="write the files here and keep them (default: a temp folder)")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="egoexo-open-cost-"))
    folder.mkdir(parents=True, exist_ok=True)
    copies = max(1, round(args.minutes * 60 / CLIP_S))
    try:
        for label, (w, h) in [("4K", (3840, 2160)), ("Aria 1408²", (1408, 1408))]:
            clip, long = folder / f"clip_{w}x{h}.mp4", folder / f"long_{w}x{h}.mp4"
            t0 = time.perf_counter()
            if not long.is_file():
                make_clip(clip, w, h)
                repeat_clip(clip, long, copies)
            with av.open(str(long)) as c:
                frames = c.streams.video[0].frames
            print(f"(made {long.name} in {time.perf_counter() - t0:.0f} s)")
            report(f"{label}, {args.minutes:g} min", long, frames)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
