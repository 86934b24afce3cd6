"""Encode frames to H.264 MP4 with PyAV, reproducibly (DESIGN §8: single-threaded, ``mbtree=0``)."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from egoexo_kit._io import atomic_path

__all__ = ["encode_video"]


def encode_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    *,
    fps: int = 30,
    crf: int = 24,
    preset: str = "slow",
) -> int:
    """Write RGB frames (``(H, W, 3)`` uint8, even H and W) as H.264 yuv420p at a constant ``fps``.

    The release's aligned videos use x264 preset slow, CRF 24, yuv420p (FORMAT §4.1). Encoding is
    single-threaded with ``mbtree=0`` so the same frames give the same bytes run to run.

    Returns:
        The number of frames written.
    """
    n = 0
    with atomic_path(path) as tmp, av.open(str(tmp), mode="w", format="mp4") as container:
        stream = None
        for frame in frames:
            if stream is None:
                h, w = frame.shape[:2]
                if h % 2 or w % 2:
                    raise ValueError(f"frame size must be even for yuv420p, got {w}x{h}")
                stream = container.add_stream("libx264", rate=fps)
                stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
                stream.time_base = Fraction(1, fps)
                stream.codec_context.thread_count = 1
                stream.options = {"crf": str(crf), "preset": preset, "x264-params": "mbtree=0:threads=1"}
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame, dtype=np.uint8), format="rgb24")
            vf.pts = n
            container.mux(stream.encode(vf))
            n += 1
        if stream is None:
            raise ValueError("no frames to encode")
        container.mux(stream.encode(None))
    return n
