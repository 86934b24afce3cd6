"""The release's 448p variants: short side 448, long side even, ffmpeg default x264 settings (FORMAT §4.3)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from egoexo_kit._parallel import pool_map
from egoexo_kit.errors import FormatError
from egoexo_kit.release import ReleaseIndex
from egoexo_kit.video._encode import encode_video
from egoexo_kit.video._meta import probe_video
from egoexo_kit.video._open import AV_ERRORS, open_video
from egoexo_kit.video._pixels import Converter, iter_arrays

__all__ = ["downscale_release", "downscale_video", "downscaled_size", "read_rgb_frames"]


def downscaled_size(width: int, height: int, *, short: int = 448) -> tuple[int, int]:
    """Output size of ``scale=w=if(lt(iw,ih),448,-2):h=if(lt(iw,ih),-2,448)`` for a ``width x height`` input.

    ffmpeg's ``-2`` keeps the aspect ratio and rounds to the nearest multiple of 2
    (``round(short * long / (other * 2)) * 2``): 3840×2160 → 796×448, 480×640 → 448×598.
    """
    if width < height:
        return short, int(np.floor(short * height / (width * 2) + 0.5)) * 2
    return int(np.floor(short * width / (height * 2) + 0.5)) * 2, short


def read_rgb_frames(path: str | Path) -> list[np.ndarray]:
    """Every frame of a video as ``(H, W, 3)`` uint8 RGB, in presentation order (small files only)."""
    try:
        with open_video(path) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            return list(iter_arrays(container.decode(stream)))
    except (*AV_ERRORS, IndexError) as e:
        raise FormatError(f"cannot decode video: {e}", path=path) from e


def downscale_video(
    src: str | Path, dst: str | Path, *, short: int = 448, preset: str = "medium"
) -> tuple[int, int]:
    """Write the 448p variant of ``src`` to ``dst`` (bicubic scaling, x264 CRF 23, ffmpeg's default preset).

    Frames stream from the decoder through the scaler (in YUV, as ffmpeg's ``scale`` filter works) into
    the encoder, so memory stays flat whatever the length. ``preset`` trades speed for size; the
    release used ffmpeg's default, ``medium``.

    Returns:
        The (width, height) written.

    Raises:
        FormatError: ``src`` cannot be opened or decoded, or has no frames.
    """
    try:
        with open_video(src) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            size = downscaled_size(stream.codec_context.width, stream.codec_context.height, short=short)
            frames = container.decode(stream)
            first = next(frames, None)
            if first is None:
                raise FormatError("video has no frames", path=src)
            converter = Converter()
            scaled = (
                converter.scaled(f, width=size[0], height=size[1]) for f in itertools.chain([first], frames)
            )
            encode_video(dst, scaled, crf=23, preset=preset)
    except (*AV_ERRORS, IndexError) as e:
        raise FormatError(f"cannot decode video: {e}", path=src) from e
    return size


def downscale_release(
    release: ReleaseIndex,
    *,
    takes: list[str] | None = None,
    workers: int = 0,
    on_done: Callable[[int, int], None] | None = None,
) -> list[Path]:
    """Write the missing ``downscaled/448`` variant of every present aligned video (FORMAT §4.3).

    Collages are skipped, as the official script skips them. A variant that already exists with the
    full-resolution video's frame count is kept, so a run can be resumed.

    Args:
        release: the release to complete.
        takes: take names or uids (default: every take).
        workers: processes (0: one per core); files are independent, so this scales with cores.
        on_done: ``on_done(done, total)`` after each file.

    Returns:
        The 448p files written by this call.
    """
    chosen = [release.take(t) for t in takes] if takes else list(release.takes)
    todo = []
    for take in chosen:
        for view in take.views:
            if not view.exists or view.path_448 is None:
                continue
            if view.exists_448 and probe_video(view.path_448).num_frames == probe_video(view.path).num_frames:
                continue
            todo.append((view.path, view.path_448))
    count = workers if workers > 0 else max(1, min(8, os.cpu_count() or 1))
    pool_map(
        _downscale_pair, todo, workers=count, on_done=(lambda n: on_done(n, len(todo))) if on_done else None
    )
    return [dst for _, dst in todo]


def _downscale_pair(pair: tuple[Path, Path]) -> None:
    downscale_video(pair[0], pair[1])
