"""``downscale`` scaling: N files with 1 and W workers, and the release machinery's overhead.

Compares ``downscale_release`` (probe, skip-if-done, process pool) with calling ``downscale_video``
on the same files directly in one process (the per-file work without any orchestration; no ffmpeg
CLI is installed on this machine class, so the encoder itself is the same in both).

Run: ``python benchmarks/bench_downscale.py [workers]``.
"""

from __future__ import annotations

import os
import shutil
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


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else (os.cpu_count() or 2)
    with tempfile.TemporaryDirectory() as d:
        base = write_tiny_release(Path(d) / "base", seconds=3.0)
        rel = ek.open_release(base)
        pairs = [(v.path, v.path_448) for t in rel.takes for v in t.views]
        t0 = time.perf_counter()
        for src, dst in pairs:
            downscale_video(src, Path(d) / "direct" / dst.name)
        direct = time.perf_counter() - t0
        timings = {}
        for w in sorted({1, workers}):
            root = fresh(base, Path(d) / f"w{w}")
            t0 = time.perf_counter()
            written = downscale_release(ek.open_release(root), workers=w)
            timings[w] = time.perf_counter() - t0
            assert len(written) == len(pairs)
        print(f"{len(pairs)} files (tiny release, 3 s takes)")
        print(f"  direct downscale_video loop: {direct:.2f} s")
        print(f"  downscale_release, 1 worker: {timings[1]:.2f} s (overhead {timings[1] / direct - 1:+.0%})")
        if workers > 1:
            print(
                f"  downscale_release, {workers} workers: {timings[workers]:.2f} s "
                f"(speed-up {timings[1] / timings[workers]:.2f}x of {workers} ideal)"
            )


if __name__ == "__main__":
    main()
