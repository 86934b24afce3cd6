"""``downscale`` scaling: N files with 1 and W workers, and the release machinery's overhead.

Compares ``downscale_release`` (probe, skip-if-done, process pool) with calling ``downscale_video``
on the same files directly in one process (the per-file work without any orchestration), and, when
the ``ffmpeg`` command is installed (``apt-get install ffmpeg``), with running ffmpeg itself on the
same files with the same settings (bicubic scale, libx264 CRF 23 preset medium, one encoder thread,
``mbtree=0`` as our reproducible encoder uses).

Run: ``python perf/bench_downscale.py [workers]``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import egoexo_kit as ek
from egoexo_kit.synth import write_tiny_release
from egoexo_kit.video import downscale_release, downscale_video


def fresh(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def ffmpeg_one(src: Path, dst: Path) -> float | None:
    """Seconds for the ffmpeg command to downscale one file (None without the command)."""
    exe = shutil.which("ffmpeg")
    if exe is None:
        return None
    info = ek.video.probe_video(src)
    w, h = ek.video.downscaled_size(info.width, info.height)
    cmd = [exe, "-y", "-v", "error", "-i", str(src), "-vf", f"scale={w}:{h}:flags=bicubic", "-an"]
    cmd += ["-c:v", "libx264", "-crf", "23", "-preset", "medium", "-x264-params", "threads=1:mbtree=0"]
    dst.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    subprocess.run([*cmd, "-pix_fmt", "yuv420p", str(dst)], check=True)
    return time.perf_counter() - t0


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else (os.cpu_count() or 2)
    with tempfile.TemporaryDirectory() as d:
        base = write_tiny_release(Path(d) / "base", seconds=6.0)
        rel = ek.open_release(base)
        pairs = [(v.path, v.path_448) for t in rel.takes for v in t.views]
        direct, t_ffmpeg = 0.0, 0.0
        for src, dst in pairs:  # interleaved per file, so background load hits both alike
            t0 = time.perf_counter()
            downscale_video(src, Path(d) / "direct" / dst.name)
            direct += time.perf_counter() - t0
            t_one = ffmpeg_one(src, Path(d) / "ffmpeg" / dst.name)
            t_ffmpeg = None if t_one is None else t_ffmpeg + t_one
        timings = {}
        for w in sorted({1, workers}):
            root = fresh(base, Path(d) / f"w{w}")
            t0 = time.perf_counter()
            written = downscale_release(ek.open_release(root), workers=w)
            timings[w] = time.perf_counter() - t0
            assert len(written) == len(pairs)
        print(f"{len(pairs)} files (tiny release, 6 s takes)")
        print(f"  direct downscale_video loop: {direct:.2f} s")
        if t_ffmpeg is None:
            print("  ffmpeg command loop: (ffmpeg not installed)")
        else:
            print(
                f"  ffmpeg command loop: {t_ffmpeg:.2f} s "
                f"(downscale_video loop / ffmpeg = {direct / t_ffmpeg:.2f})"
            )
        print(f"  downscale_release, 1 worker: {timings[1]:.2f} s (overhead {timings[1] / direct - 1:+.0%})")
        if workers > 1:
            print(
                f"  downscale_release, {workers} workers: {timings[workers]:.2f} s "
                f"(speed-up {timings[1] / timings[workers]:.2f}x of {workers} ideal)"
            )


if __name__ == "__main__":
    main()
