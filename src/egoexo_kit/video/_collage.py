"""Tile several synchronized frames into one labelled picture (``ego_preview``-style collages)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import cv2
import numpy as np

from egoexo_kit.errors import ArgumentError
from egoexo_kit.limits import IMAGE_SIDE
from egoexo_kit.video._encode import encode_video
from egoexo_kit.video._open import open_video
from egoexo_kit.video._pixels import iter_arrays

__all__ = ["collage_frame", "iter_synced", "write_collage"]


def grid_shape(n: int, *, tile: tuple[int, int], cols: int | None = None) -> tuple[int, int]:
    """``(rows, cols)`` of a grid of ``n`` cells of ``tile`` (width, height), checked before any pixel.

    Raises:
        ArgumentError: a tile side or ``cols`` that is not a positive integer.
        LimitError: a collage side over the ``image_side`` cap.
    """
    tw, th = tile
    if not all(isinstance(v, int) and v > 0 for v in (tw, th, cols or 1)):
        raise ArgumentError(
            f"collage tiles and columns must be positive integers, got tile {tile}, cols {cols}"
        )
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    IMAGE_SIDE.check(max(rows * th, cols * tw))
    return rows, cols


def collage_frame(
    frames: Sequence[np.ndarray],
    *,
    labels: Sequence[str] | None = None,
    tile: tuple[int, int] = (320, 180),
    cols: int | None = None,
    caption: str | None = None,
) -> np.ndarray:
    """A grid of ``frames`` (each ``(H, W, 3)`` uint8, any size) letterboxed into ``tile`` cells.

    Args:
        frames: the views, in grid order (row-major).
        labels: one label per frame, drawn in the top-left corner of its cell.
        tile: (width, height) of one cell; both even so the result encodes as yuv420p.
        cols: cells per row (default: ``ceil(sqrt(n))``).
        caption: text drawn at the bottom-left of the whole collage (a time stamp, say).

    Returns:
        ``(rows * tile_h, cols * tile_w, 3)`` uint8.
    """
    if not frames:
        raise ValueError("collage_frame needs at least one frame")
    tw, th = tile
    rows, cols = grid_shape(len(frames), tile=tile, cols=cols)
    out = np.zeros((rows * th, cols * tw, 3), np.uint8)
    scale_font = max(0.3, th / 360)
    for i, f in enumerate(frames):
        h, w = f.shape[:2]
        s = min(tw / w, th / h)
        nw, nh = max(1, int(round(w * s))), max(1, int(round(h * s)))
        small = cv2.resize(f, (nw, nh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
        r, c = divmod(i, cols)
        y0, x0 = r * th + (th - nh) // 2, c * tw + (tw - nw) // 2
        out[y0 : y0 + nh, x0 : x0 + nw] = small
        if labels:
            cv2.putText(
                out,
                labels[i],
                (c * tw + 4, r * th + int(14 * scale_font + 6)),
                cv2.FONT_HERSHEY_SIMPLEX,
                0.45 * scale_font,
                (255, 255, 0),
                1,
                cv2.LINE_AA,
            )
    if caption:
        cv2.putText(
            out,
            caption,
            (4, rows * th - 6),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.45 * scale_font,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
    return out


def iter_synced(paths: Sequence[str | Path]) -> Iterator[list[np.ndarray]]:
    """Decode several frame-aligned videos in lockstep: frame ``i`` of every file together (RGB).

    Sequential decoding only (no seeking), one open decoder per file; stops at the shortest file.
    """
    containers = []
    try:
        for p in paths:
            containers.append(open_video(p))
        decoders = [iter_arrays(c.decode(c.streams.video[0])) for c in containers]
        yield from (list(frames) for frames in zip(*decoders, strict=False))
    finally:
        for c in containers:
            c.close()


def write_collage(
    out: str | Path,
    *,
    videos: Sequence[str | Path],
    labels: Sequence[str],
    tile: tuple[int, int] = (320, 180),
    cols: int | None = None,
    fps: int = 30,
) -> int:
    """Write an ``ego_preview``-style MP4: every view tiled and labelled, with a time caption per frame.

    Returns:
        Frames written (the shortest input's length).
    """
    grid_shape(len(videos), tile=tile, cols=cols)  # before a video is opened
    if tile[0] % 2 or tile[1] % 2:
        raise ArgumentError(
            f"collage tiles must have even sides (the MP4 is yuv420p), got {tile[0]}x{tile[1]}"
        )
    frames = (
        collage_frame(views, labels=labels, tile=tile, cols=cols, caption=f"t={i / fps:7.2f}s  frame {i}")
        for i, views in enumerate(iter_synced(videos))
    )
    return encode_video(out, frames, fps=fps)
