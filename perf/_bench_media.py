"""Shared by the video benchmarks: test media encoded like the release, a release holding them, busy cores.

Media: ``testsrc2`` plus temporal noise from the system ``ffmpeg`` CLI, H.264 yuv420p CRF 24 as the
release (FORMAT §4.1: x264 preset slow; 4K uses a faster preset so that encoding stays minutes on 2
cores), each size with x264's default GOP and with a 1 s GOP (``keyint=30``). Files are cached in a
folder, so reruns skip encoding. Without the ``ffmpeg`` command the pictures come from numpy
(gradients plus noise) through :func:`egoexo_kit.video.encode_video`, and that is said.

The release: a one-take synthetic release (:mod:`egoexo_kit.synth`) whose 5 default views (Aria RGB
and 4 GoPros) are replaced by 5 encoded files of the same size (different noise seeds) with the same
frame count as the take, so ``take.frames`` / ``take.clip`` run the real code path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

import egoexo_kit as ek
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.video import encode_video


@dataclass(frozen=True)
class Size:
    """One test resolution: picture size, length, and the x264 preset used to encode it."""

    name: str
    width: int
    height: int
    frames: int
    preset: str


SIZES = {
    "448p": Size("448p", 796, 448, 300, "slow"),
    "1080p": Size("1080p", 1920, 1080, 150, "slow"),
    "1408": Size("1408", 1408, 1408, 150, "slow"),
    "4k": Size("4k", 3840, 2160, 120, "veryfast"),
}
"""Sizes and lengths: 448p is 10 s; the larger sizes are shorter (and 4K uses preset veryfast) so that
encoding all of them stays a few minutes on 2 cores (a synthetic take lasts at least 4 s). A take
shorter than x264's default keyframe interval (250) holds a single GOP under the default GOP."""

GOPS = {"default": None, "1s": 30}
"""x264 keyframe interval: default (250 with scene cuts) or 30 frames (1 s)."""

VIEWS = 5


def has_ffmpeg() -> bool:
    """Whether the ``ffmpeg`` command is installed."""
    return shutil.which("ffmpeg") is not None


def media_path(media: Path, size: Size, gop: str, seed: int) -> Path:
    """Where the encoded file of ``size`` / ``gop`` / noise ``seed`` is cached."""
    return media / f"{size.name}-{gop}-{size.width}x{size.height}-{size.frames}f-s{seed}.mp4"


def make_media(media: Path, size: Size, gop: str, seed: int) -> Path:
    """The encoded test file (made once, then reused)."""
    out = media_path(media, size, gop, seed)
    if out.is_file():
        return out
    media.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.mp4")
    keyint = GOPS[gop]
    if has_ffmpeg():
        src = f"testsrc2=size={size.width}x{size.height}:rate=30"
        cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", src]
        cmd += ["-vf", f"noise=alls=20:allf=t+u:all_seed={seed}", "-frames:v", str(size.frames)]
        cmd += ["-c:v", "libx264", "-preset", size.preset, "-crf", "24", "-pix_fmt", "yuv420p", "-an"]
        if keyint is not None:
            cmd += ["-x264-params", f"keyint={keyint}"]
        subprocess.run([*cmd, str(tmp)], check=True)
    else:
        encode_video(tmp, _numpy_frames(size, seed), preset=size.preset, crf=24, keyint=keyint)
    tmp.replace(out)
    return out


def _numpy_frames(size: Size, seed: int) -> Iterator[np.ndarray]:
    """Moving gradients plus noise (the fallback when there is no ``ffmpeg`` command)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0 : size.height, 0 : size.width].astype(np.float32)
    for i in range(size.frames):
        img = np.stack([(xx + 3 * i) % 256, (yy + 2 * i) % 256, ((xx + yy) / 2 + i) % 256], axis=-1)
        yield (img + rng.integers(0, 20, size=img.shape)).clip(0, 255).astype(np.uint8)


def make_release(media: Path, size: Size, gop: str, takes: int = 1) -> tuple[Path, list[Path]]:
    """A cached release of ``takes`` takes whose 5 default views are the encoded files (hard links).

    Returns the release root and the encoded files, in the order of the default views.
    """
    files = [make_media(media, size, gop, seed) for seed in range(1, VIEWS + 1)]
    suffix = f"{size.frames}f" + ("" if takes == 1 else f"-{takes}t")
    root = media / f"release-{size.name}-{gop}-{suffix}"
    done = ".bench-complete"
    if not (root / done).is_file():
        if root.exists():
            shutil.rmtree(root)
        # the release of the other GOP, if made, is the same synthetic release: hard-link it
        template = next(
            (r for r in media.glob(f"release-{size.name}-*-{suffix}") if (r / done).is_file()), None
        )
        if template is not None:
            shutil.copytree(template, root, copy_function=os.link)
            (root / done).unlink()
        else:
            synthesize_release(root, size.frames, takes)
        for take in ek.open_release(root).takes:
            if take.n_frames != size.frames:
                raise RuntimeError(f"synthetic take has {take.n_frames} frames, wanted {size.frames}")
            for view, src in zip(default_views(take), files, strict=True):
                view.path.unlink()
                try:
                    os.link(src, view.path)
                except OSError:
                    shutil.copyfile(src, view.path)
        shutil.rmtree(root / ".egoexo-kit", ignore_errors=True)  # no frame tables of the old files
        (root / done).write_text("ok\n")
    return root, files


def synthesize_release(root: Path, frames: int, takes: int = 1) -> None:
    """One capture of ``takes`` synthetic takes of ``frames`` frames each (tiny videos, to be replaced)."""
    config = SynthConfig(
        captures=1,
        takes_per_capture=takes,
        seconds=frames / 30,
        scenarios=("bike repair",),
        exo_size=(64, 36),
        ego_size=64,
        downscaled=False,
        clean=True,
    )
    generate_release(root, config)


def default_views(take: ek.Take) -> list:
    """The views ``take.frames()`` returns by default (Aria RGB and every exo), in its order."""
    views = take.select_views(None)
    if len(views) != VIEWS:
        raise RuntimeError(f"expected {VIEWS} default views, got {[v.key for v in views]}")
    return views


@contextlib.contextmanager
def busy_cores(on: bool) -> Iterator[int]:
    """One CPU-burning process per core for the duration of the block (when ``on``); yields their count.

    SIGTERM is turned into ``SystemExit`` so that a killed benchmark still stops its burners.
    """
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    procs: list[subprocess.Popen] = []
    try:
        if on:
            code = "while True: pass"
            procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(os.cpu_count() or 1)]
            time.sleep(0.5)
        yield len(procs)
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def keyframes_and_rate(path: Path) -> tuple[np.ndarray, float]:
    """Keyframe indices (display order) and single-threaded decode seconds per frame (no RGB conversion)."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        packets = [(p.pts, p.is_keyframe) for p in c.demux(s) if p.pts is not None]
    packets.sort()
    keys = np.array([i for i, (_, k) in enumerate(packets) if k], dtype=np.int64)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        t0 = time.perf_counter()
        n = sum(1 for _ in c.decode(s))
    return keys, (time.perf_counter() - t0) / n


def frames_to_decode(keys: np.ndarray, wanted: np.ndarray) -> int:
    """Frames decoded when each GOP is decoded from its keyframe up to its last wanted frame."""
    gop = np.searchsorted(keys, wanted, side="right") - 1
    return sum(int(wanted[gop == g].max()) - int(keys[g]) + 1 for g in np.unique(gop))


def load_average() -> str:
    """The 1/5/15-minute load averages, for the record."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())
