"""Audio of a take as numpy: the Aria WAV (7 microphones) and the GoPros' AAC tracks (FORMAT §4.1, §7.10)."""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.release import check_file
from egoexo_kit.sensors._source import SensorSource, sensors_of

__all__ = ["Audio", "audio", "read_audio"]


@dataclass(frozen=True)
class Audio:
    """Samples of one recording between two instants."""

    samples: np.ndarray
    """(S, C) float32 in [-1, 1]."""
    rate: int
    """Samples per second."""
    start_s: float
    """Time of the first sample, seconds from the start of the file (= take start for take files)."""

    def __post_init__(self) -> None:
        if self.samples.ndim != 2:
            raise ValueError(f"samples must be (S, C), got shape {self.samples.shape}")

    @property
    def channels(self) -> int:
        """Number of channels."""
        return self.samples.shape[1]

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.samples.shape[0] / self.rate

    def __repr__(self) -> str:
        return f"Audio(samples={self.samples.shape}, rate={self.rate}, start_s={self.start_s:.3f})"


def _slice(samples: np.ndarray, *, rate: int, start_s: float | None, end_s: float | None) -> Audio:
    lo = 0 if start_s is None else max(0, int(round(start_s * rate)))
    hi = samples.shape[0] if end_s is None else min(samples.shape[0], int(round(end_s * rate)))
    if hi < lo:
        raise ValueError(f"end_s ({end_s}) is before start_s ({start_s})")
    return Audio(samples=np.ascontiguousarray(samples[lo:hi]), rate=rate, start_s=lo / rate)


def _read_wav(path: Path) -> tuple[np.ndarray, int]:
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (wave.Error, EOFError, RuntimeError, struct.error) as e:  # wave's chunk reader raises all four
        raise FormatError(f"not a PCM WAV file: {str(e) or type(e).__name__}", path=path) from e
    if channels < 1 or width < 1:
        raise FormatError(f"WAV header gives {channels} channels of {width}-byte samples", path=path)
    raw = raw[: len(raw) // (width * channels) * (width * channels)]  # a cut-off last frame is dropped
    if width == 2:
        data = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    elif width == 4:
        data = np.frombuffer(raw, "<i4").astype(np.float32) / 2.0**31
    elif width == 1:
        data = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise FormatError(f"unsupported WAV sample width: {width} bytes", path=path)
    return data.reshape(-1, channels), rate


def _read_stream_audio(path: Path) -> tuple[np.ndarray, int]:
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise FormatError("file has no audio stream", path=path)
            stream = container.streams.audio[0]
            video = container.streams.video[0] if container.streams.video else None
            # AAC pads its last frame; in a video file the audio ends with the pictures.
            limit = (
                int(round(video.frames / float(video.average_rate) * stream.rate))
                if video is not None and video.frames and video.average_rate
                else None
            )
            chunks = []
            for frame in container.decode(stream):
                arr = frame.to_ndarray()
                chunks.append(arr.T if frame.format.is_planar else arr.reshape(-1, stream.channels))
            rate = stream.rate
    except (av.FFmpegError, UnicodeDecodeError) as e:
        raise FormatError(f"cannot decode audio: {e}", path=path) from e
    if not chunks:
        return np.zeros((0, 1), np.float32), rate
    data = np.concatenate(chunks)[:limit]
    if np.issubdtype(data.dtype, np.integer):  # s16/s32 sample formats: scale to [-1, 1]
        return data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1), rate
    return data.astype(np.float32), rate


def read_audio(path: str | Path, *, start_s: float | None = None, end_s: float | None = None) -> Audio:
    """Read a WAV file or the audio track of an MP4 (GoPro AAC) between two times (seconds from file start).

    Args:
        path: ``audio/<aria>.wav`` of a take, or a frame-aligned GoPro MP4.
        start_s: first instant to keep (default: the beginning).
        end_s: instant to stop before (default: the end); both clipped to the recording.

    Raises:
        FormatError: missing file, no audio, undecodable data.
    """
    path = check_file(path)
    samples, rate = _read_wav(path) if path.suffix.lower() == ".wav" else _read_stream_audio(path)
    return _slice(samples, rate=rate, start_s=start_s, end_s=end_s)


def audio(src: SensorSource, t0: float | None = None, t1: float | None = None) -> Audio:
    """The take's Aria audio (``audio/*.wav``, 7 microphones) over ``[t0, t1)`` seconds from take start.

    The take's WAV starts at the take start (frame 0 of the aligned videos), so file time is take time.
    A GoPro's AAC track is :func:`read_audio` of its frame-aligned MP4 (``take.audio(view=...)``).

    Raises:
        NotFoundError: The take has no ``audio/*.wav`` (part ``take_audio``).
        FormatError: The file is malformed.
    """
    s = sensors_of(src)
    paths = s.take.audio_paths
    if not paths:
        raise NotFoundError(f"take {s.take.name} has no audio/*.wav (part 'take_audio')")
    return read_audio(paths[0], start_s=t0, end_s=t1)
