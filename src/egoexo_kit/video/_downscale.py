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

__all__ = ["downscale_release", "downscale_video", "downscaled_size", "read_rgb_frames", "reencode_video"]


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
    src: str | Path, dst: str | Path, *, short: int = 448, preset: str = "medium", keyint: int | None = None
) -> tuple[int, int]:
    """Write the 448p variant of ``src`` to ``dst`` (bicubic scaling, x264 CRF 23, ffmpeg's default preset).

    ``preset`` trades speed for size; the release used ffmpeg's default, ``medium``. ``keyint`` caps
    the frames between keyframes (``None``: x264's 250, as the release). Every frame keeps the
    source's presentation time. Audio is not carried over (the full-resolution file keeps it).

    Returns:
        The (width, height) written.

    Raises:
        FormatError: ``src`` cannot be opened or decoded, or has no frames.
    """
    return reencode_video(src, dst, short=short, crf=23, preset=preset, keyint=keyint)


def reencode_video(
    src: str | Path,
    dst: str | Path,
    *,
    short: int | None = None,
    crf: int = 24,
    preset: str = "slow",
    keyint: int | None = None,
    copy_audio: bool = False,
) -> tuple[int, int]:
    """Re-encode ``src`` as H.264 yuv420p into ``dst``, frame for frame, at the same times.

    Frames stream from the decoder (through the bicubic scaler when ``short`` is given, in YUV, as
    ffmpeg's ``scale`` filter works) into :func:`~egoexo_kit.video.encode_video`, so memory stays
    flat whatever the length. Every output frame keeps its source frame's pts and time base, so the
    two PTS tables give the same times (frame exactness: same count, same timing).

    Args:
        src: the video to read.
        dst: the MP4 to write (atomically).
        short: scale so the short side is this (long side even, :func:`downscaled_size`); ``None``
            keeps the size.
        crf: x264 quality (release aligned videos: 24; ffmpeg's default, used for 448p: 23).
        preset: x264 speed/size trade-off (release: ``slow``).
        keyint: maximum frames between keyframes (``None``: x264's default 250).
        copy_audio: copy ``src``'s audio streams packet for packet (GoPro AAC), without re-encoding.

    Returns:
        The (width, height) written.

    Raises:
        FormatError: ``src`` cannot be opened or decoded, or has no frames.
    """
    try:
        with open_video(src) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            width, height = stream.codec_context.width, stream.codec_context.height
            size = (width, height) if short is None else downscaled_size(width, height, short=short)
            frames = container.decode(stream)
            first = next(frames, None)
            if first is None:
                raise FormatError("video has no frames", path=src)
            pictures = itertools.chain([first], frames)
            if size != (width, height):
                converter = Converter()
                pictures = (converter.scaled(f, width=size[0], height=size[1]) for f in pictures)
            encode_video(
                dst,
                pictures,
                crf=crf,
                preset=preset,
                keyint=keyint,
                time_base=stream.time_base,
                copy_audio_from=src if copy_audio else None,
            )
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
