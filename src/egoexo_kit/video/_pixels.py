"""Decoded frames to numpy with one reused conversion context per decoder.

``VideoFrame.to_ndarray(format=...)`` builds a new swscale context for every frame, which costs more
than decoding a small frame; a :class:`~av.video.reformatter.VideoReformatter` kept per decoder gives
the same pixels about ten times faster.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import av
import numpy as np
from av.video.reformatter import VideoReformatter

__all__ = ["Converter", "iter_arrays"]


class Converter:
    """Converts frames of one stream to numpy, reusing its swscale context (not thread-safe)."""

    def __init__(self) -> None:
        self._reformatter = VideoReformatter()

    def array(self, frame: av.VideoFrame, *, format: str = "rgb24") -> np.ndarray:
        """``frame`` as ``format``: ``rgb24`` (H, W, 3), ``gray`` (H, W) or ``yuv420p`` planes."""
        return self._reformatter.reformat(frame, format=format).to_ndarray()

    def scaled(
        self, frame: av.VideoFrame, *, width: int, height: int, format: str = "yuv420p"
    ) -> av.VideoFrame:
        """``frame`` resized (bicubic, like ffmpeg's ``scale`` filter) and converted to ``format``."""
        return self._reformatter.reformat(
            frame, width=width, height=height, format=format, interpolation="BICUBIC"
        )


def iter_arrays(frames: Iterable[av.VideoFrame], *, format: str = "rgb24") -> Iterator[np.ndarray]:
    """The frames of one stream as numpy arrays, through one reused converter."""
    converter = Converter()
    for frame in frames:
        yield converter.array(frame, format=format)
