"""Tile several synchronized frames into one labelled picture (``ego_preview``-style collages)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

__all__ = ["collage_frame"]


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
    cols = cols or math.ceil(math.sqrt(len(frames)))
    rows = math.ceil(len(frames) / cols)
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
