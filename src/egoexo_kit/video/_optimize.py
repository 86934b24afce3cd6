"""A training copy of a release: every aligned video re-encoded with a short GOP, all else hard-linked.

Exact random access decodes from the keyframe at or before the wanted frame, so its cost grows with
the keyframe interval (x264's default is 250 frames; the release keeps it). :func:`optimize_release`
writes a second release whose aligned videos have a keyframe at least every ``keyint`` frames,
frame for frame and at the same times as the source (same count, same pts × time base), and whose
other files are hard links to the source's (copies where a link cannot be made, e.g. across file
systems), so the copy is a complete release that ``validate`` and ``open_release`` accept.

Two resolutions:

- ``full``: ``takes/<take>/frame_aligned_videos/*.mp4`` re-encoded at their size with the release's
  x264 settings (preset slow, CRF 24, yuv420p) plus ``keyint``; GoPro audio is copied packet for
  packet (not re-encoded). A ``downscaled/448`` variant in the source is linked unchanged.
- ``448``: ``takes/<take>/frame_aligned_videos/downscaled/448/*.mp4`` (part
  ``downscaled_takes/448``) written from the full-resolution video (from the source's 448p file
  where only that was downloaded) with the ``downscale`` settings (bicubic, CRF 23, preset medium,
  no audio) plus ``keyint``. The full-resolution videos are linked unchanged, so reading at full
  resolution still works and the copy costs no space for them on the same file system (a copy
  across file systems does cost their bytes).

Nothing in the source is ever written. The ``<part>/manifest.json`` of the part whose files are
re-encoded is left out (its sizes and hashes describe the source's files); the source's caches
(``.egoexo-kit/``) are left out too (rebuilt on use). A rerun skips every video whose output still
verifies (same frame times as its source, keyframe gaps within ``keyint``, the expected size), so
a killed run resumes; outputs are written atomically, and what a killed run left half-written is
deleted under the output folder's writer lock.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from egoexo_kit._io import atomic_path, is_temp_name, remove_stale_temps
from egoexo_kit._lock import LOCK_NAME, folder_lock
from egoexo_kit._parallel import run_units
from egoexo_kit.errors import ArgumentError, FormatError
from egoexo_kit.release import ReleaseIndex
from egoexo_kit.video._downscale import downscaled_size, reencode_video
from egoexo_kit.video._reader import VideoReader

__all__ = ["RESOLUTIONS", "OptimizeResult", "optimize_release", "verify_reencoded"]

Resolution = Literal["full", "448"]
RESOLUTIONS: tuple[str, ...] = ("full", "448")
"""What :func:`optimize_release` re-encodes: the full-resolution aligned videos, or their 448p variants."""

_SETTINGS: dict[str, dict] = {
    "full": {"short": None, "crf": 24, "preset": "slow", "copy_audio": True},  # the release (FORMAT §4.1)
    "448": {"short": 448, "crf": 23, "preset": "medium", "copy_audio": False},  # ``downscale`` (§4.3)
}
_PART = {"full": "takes", "448": "downscaled_takes/448"}
_CACHE_DIRS = {".egoexo-kit"}


@dataclass
class OptimizeResult:
    """What one :func:`optimize_release` run did."""

    out: Path
    """The training copy."""
    resolution: str
    """``full`` or ``448``."""
    keyint: int
    """Largest keyframe interval of the re-encoded videos, in frames."""
    reencoded: list[Path] = field(default_factory=list)
    """Videos this run wrote."""
    skipped: list[Path] = field(default_factory=list)
    """Videos a previous run finished (their output still verifies)."""
    linked: int = 0
    """Other files hard-linked from the source (this run)."""
    copied: int = 0
    """Other files copied because a hard link could not be made (this run)."""
    kept: int = 0
    """Other files already in place from a previous run."""
    bytes_in: int = 0
    """Bytes of the source videos the re-encoded videos come from (all of them, skipped included)."""
    bytes_out: int = 0
    """Bytes of the re-encoded videos (all of them, skipped included)."""

    def summary(self) -> dict:
        """A JSON-ready dict: counts, bytes and their ratio."""
        return {
            "out": str(self.out),
            "resolution": self.resolution,
            "keyint": self.keyint,
            "reencoded": len(self.reencoded),
            "skipped": len(self.skipped),
            "linked": self.linked,
            "copied": self.copied,
            "kept": self.kept,
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "size_ratio": self.bytes_out / self.bytes_in if self.bytes_in else None,
        }


@dataclass(frozen=True)
class _Job:
    """One video to re-encode (picklable: it travels to a worker process or a Ray task)."""

    src: Path
    dst: Path
    keyint: int
    resolution: str


def optimize_release(
    release: str | Path,
    out: str | Path,
    *,
    keyint: int = 30,
    resolution: Resolution = "full",
    takes: list[str] | None = None,
    workers: int = 0,
    runner: str = "local",
    address: str | None = None,
    wait: float = 0.0,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> OptimizeResult:
    """Write a training copy of ``release`` into ``out`` (see the module docstring for what it holds).

    Args:
        release: the source release folder (never written).
        out: the copy's folder (created; neither the source nor inside it, nor holding it).
        keyint: largest number of frames between keyframes (30: a keyframe every second at 30 fps).
        resolution: ``full`` or ``448``: which aligned videos are re-encoded.
        takes: take names or uids whose videos are re-encoded (default: all); the other takes'
            videos are linked unchanged, so ``out`` is a complete release either way.
        workers: parallel encoders (0: one per core, at most 8); each x264 runs single-threaded.
        runner: ``local`` (a process pool) or ``ray`` (one task per video; ``address``: the cluster).
        address: a Ray cluster address (default: a local Ray with ``workers`` CPUs).
        wait: seconds to wait for another run holding ``out``'s writer lock.
        on_progress: ``on_progress(stage, done, total)`` for ``linking`` and ``re-encoding``.

    Returns:
        What was re-encoded, skipped, linked, and the bytes in and out.

    Raises:
        ArgumentError: a bad keyint or resolution, or ``out`` overlaps the source.
        BusyError: another run writes ``out``.
        FormatError: the source is not a release, or a video in it cannot be decoded.
    """
    if isinstance(keyint, bool) or not isinstance(keyint, int) or keyint < 1:
        raise ArgumentError(f"keyint must be a whole number >= 1, got {keyint!r}")
    if resolution not in RESOLUTIONS:
        raise ArgumentError(f"resolution must be one of {', '.join(RESOLUTIONS)}, got {resolution!r}")
    src_root, out_root = Path(os.path.realpath(release)), Path(os.path.realpath(out))  # a link loop: no raise
    if out_root == src_root or out_root.is_relative_to(src_root) or src_root.is_relative_to(out_root):
        raise ArgumentError(
            f"the training copy {out_root} overlaps the source release {src_root}: "
            "write it to a folder outside the source that does not contain it"
        )
    index = ReleaseIndex.open(src_root)
    jobs = _jobs(index, out_root, keyint=keyint, resolution=resolution, takes=takes)
    result = OptimizeResult(out=out_root, resolution=resolution, keyint=keyint)
    with folder_lock(out_root, what="egoexo-kit optimize", wait=wait):
        remove_stale_temps(out_root)
        leave_out = {j.dst.relative_to(out_root) for j in jobs} | {Path(_PART[resolution]) / "manifest.json"}
        _link_tree(src_root, out_root, leave_out=leave_out, result=result, on_progress=on_progress)
        count = workers if workers > 0 else max(1, min(8, os.cpu_count() or 1))
        done = run_units(
            _optimize_one,
            jobs,
            runner=runner,
            workers=count,
            address=address,
            on_done=(lambda n: on_progress("re-encoding", n, len(jobs))) if on_progress else None,
        )
    for job, (wrote, size_in, size_out) in zip(jobs, done, strict=True):
        (result.reencoded if wrote else result.skipped).append(job.dst)
        result.bytes_in += size_in
        result.bytes_out += size_out
    return result


def _jobs(
    index: ReleaseIndex, out: Path, *, keyint: int, resolution: str, takes: list[str] | None
) -> list[_Job]:
    """One job per present aligned video of the chosen takes, each output once."""
    chosen = [index.take(t) for t in takes] if takes else list(index.takes)
    jobs: dict[Path, _Job] = {}
    for take in chosen:
        for view in take.views:
            if resolution == "full":
                src, target = (view.path, view.path) if view.exists else (None, None)
            else:
                target = view.path_448
                src = view.path if view.exists else (view.path_448 if view.exists_448 else None)
            if src is None or target is None:
                continue
            dst = out / target.relative_to(index.root)
            jobs.setdefault(dst, _Job(src=src, dst=dst, keyint=keyint, resolution=resolution))
    return list(jobs.values())


def _optimize_one(job: _Job) -> tuple[bool, int, int]:
    """Re-encode one video unless its output already verifies: ``(written, source bytes, output bytes)``."""
    settings = _SETTINGS[job.resolution]
    wrote = False
    if not verify_reencoded(job.src, job.dst, keyint=job.keyint, short=settings["short"]):
        reencode_video(job.src, job.dst, keyint=job.keyint, **settings)
        wrote = True
        if not verify_reencoded(job.src, job.dst, keyint=job.keyint, short=settings["short"]):
            job.dst.unlink(missing_ok=True)
            raise FormatError(
                "the re-encoded video does not keep the source's frames (count, times or keyframes)",
                path=job.src,
            )
    return wrote, job.src.stat().st_size, job.dst.stat().st_size


def verify_reencoded(src: str | Path, dst: str | Path, *, keyint: int, short: int | None = None) -> bool:
    """Whether ``dst`` is a finished re-encode of ``src``: same frame times, keyframe gaps <= ``keyint``.

    Also checks the size (``src``'s, or :func:`downscaled_size` of it with ``short``). A missing,
    truncated or undecodable ``dst`` is not finished (``False``); a broken ``src`` raises.

    Raises:
        FormatError: ``src`` cannot be read.
    """
    if not Path(dst).is_file():
        return False
    with VideoReader(src) as a:
        want_pts, want_tb, meta = a.pts, a.metadata.time_base, a.metadata
    try:
        with VideoReader(dst) as b:
            got_pts, got_tb, keyframes, got = b.pts, b.metadata.time_base, b.keyframes, b.metadata
    except FormatError:
        return False
    size = (meta.width, meta.height)
    if short is not None:
        size = downscaled_size(*size, short=short)
    if (got.width, got.height) != size or len(got_pts) != len(want_pts) or len(keyframes) == 0:
        return False
    # exact: pts_a * num_a / den_a == pts_b * num_b / den_b, cross-multiplied in integers
    same_times = np.array_equal(
        want_pts.astype(object) * (want_tb.numerator * got_tb.denominator),
        got_pts.astype(object) * (got_tb.numerator * want_tb.denominator),
    )
    gaps = np.diff(np.append(keyframes, len(got_pts)))
    return bool(same_times and keyframes[0] == 0 and gaps.max() <= keyint)


def _link_tree(
    src: Path,
    out: Path,
    *,
    leave_out: set[Path],
    result: OptimizeResult,
    on_progress: Callable[[str, int, int], None] | None,
) -> None:
    """Hard-link (else copy) every file of ``src`` into ``out`` but ``leave_out``, caches, locks and temps."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(src):
        here = Path(dirpath).relative_to(src)
        top = here == Path()
        dirnames[:] = sorted(d for d in dirnames if not is_temp_name(d) and not (top and d in _CACHE_DIRS))
        for name in sorted(filenames):
            rel = here / name
            if is_temp_name(name) or rel in leave_out or (top and name == LOCK_NAME):
                continue
            files.append(rel)
    for n, rel in enumerate(files, start=1):
        how = _link_or_copy(src / rel, out / rel)
        result.linked += how == "linked"
        result.copied += how == "copied"
        result.kept += how == "kept"
        if on_progress:
            on_progress("linking", n, len(files))


def _link_or_copy(src: Path, dst: Path) -> str:
    """Put ``src`` at ``dst`` atomically: ``kept`` (already there), ``linked`` or ``copied``."""
    try:
        if dst.samefile(src):
            return "kept"
        a, b = src.stat(), dst.stat()
        if (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns):  # a copy made by an earlier run
            return "kept"
    except FileNotFoundError:
        pass
    with atomic_path(dst) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
            return "linked"
        except OSError:  # across file systems, or a file system without hard links
            shutil.copy2(src, tmp)
            return "copied"
