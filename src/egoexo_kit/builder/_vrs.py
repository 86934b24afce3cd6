"""Aria VRS input through ``projectaria-tools`` (optional): the RGB stream's frames and device timestamps.

A raw capture's Aria may be a ``.vrs`` (the manifest's aria entry has ``"vrs"`` instead of ``"file"`` and
``"timestamps"``). Only the RGB stream (``214-1``) is read from it, frames in sensor orientation like the
raw MP4, timestamps on the device clock; the audio stays a WAV beside it (``"audio"``), since the sync
reads the chirp from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import cv2
import numpy as np

from egoexo_kit.errors import FormatError, MissingExtraError, NotFoundError
from egoexo_kit.sensors import open_vrs
from egoexo_kit.video import FrameBatch
from egoexo_kit.vocab import RGB_STREAM_ID

__all__ = ["RGB_STREAM", "VrsFrames", "vrs_timestamps_ns"]

RGB_STREAM = RGB_STREAM_ID
"""VRS stream id of the Aria RGB camera."""


def _provider(path: Path) -> Any:
    """The VRS provider (:func:`egoexo_kit.sensors.open_vrs`); every failure is a build input error here."""
    try:
        return open_vrs(path)
    except MissingExtraError as e:
        raise FormatError(str(e), path=path) from None
    except NotFoundError as e:  # the build reports a missing file the same way as an unreadable one
        raise FormatError("cannot open the VRS recording", path=path) from e


def _stream(provider: Any, path: Path) -> Any:
    from projectaria_tools.core.stream_id import StreamId

    stream = StreamId(RGB_STREAM)
    if stream not in provider.get_all_streams():
        raise FormatError(f"the VRS recording has no RGB stream {RGB_STREAM}", path=path)
    return stream


def vrs_timestamps_ns(path: str | Path) -> np.ndarray:
    """Device-clock ns of every RGB frame of a VRS recording."""
    from projectaria_tools.core.sensor_data import TimeDomain

    path = Path(path)
    provider = _provider(path)
    ns = provider.get_timestamps_ns(_stream(provider, path), TimeDomain.DEVICE_TIME)
    return np.asarray(ns, dtype=np.int64)


class VrsFrames:
    """The RGB frames of a VRS recording by index.

    The subset of :class:`~egoexo_kit.video.VideoReader` the build uses (``len``, ``get_frames_at``,
    context manager).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._provider = _provider(self.path)
        self._stream = _stream(self._provider, self.path)

    def __len__(self) -> int:
        return int(self._provider.get_num_data(self._stream))

    def get_frames_at(self, indices: Sequence[int], *, format: str = "rgb24") -> FrameBatch:
        """Frames at ``indices``: ``.data`` is ``(T, H, W, 3)`` (``rgb24``) or ``(T, H, W)`` luma (``gray``).

        ``pts_s`` is the capture time on the device clock in seconds; ``duration_s`` is unknown (0).
        """
        out, times = [], []
        for k in indices:
            image, record = self._provider.get_image_data_by_index(self._stream, int(k))
            rgb = np.asarray(image.to_numpy_array(), dtype=np.uint8)
            if rgb.ndim == 2:
                rgb = np.repeat(rgb[..., None], 3, axis=-1)
            out.append(rgb if format == "rgb24" else cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
            times.append(int(getattr(record, "capture_timestamp_ns", 0)) / 1e9)
        n = len(out)
        return FrameBatch(
            data=np.stack(out),
            indices=np.asarray(indices, dtype=np.int64).reshape(n),
            pts_s=np.asarray(times, dtype=np.float64),
            duration_s=np.zeros(n),
        )

    def __enter__(self) -> VrsFrames:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._provider = None
