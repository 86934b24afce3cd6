"""Audio of a take as numpy: the Aria WAV (7 microphones) and the GoPros' AAC tracks (FORMAT §4.1, §7.10)."""

from __future__ import annotations

import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
from av.stream import Discard

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


def _slice(
    samples: np.ndarray, *, rate: int, start_s: float | None, end_s: float | None, offset: int = 0
) -> Audio:
    """``samples`` (whose first is sample ``offset`` of the file) cut to ``[start_s, end_s)``."""
    n = offset + samples.shape[0]
    lo = 0 if start_s is None else max(0, int(round(start_s * rate)))
    hi = n if end_s is None else min(n, int(round(end_s * rate)))
    lo = min(lo, hi)  # a start past the end: nothing (an end before the start is refused by the caller)
    a, b = min(max(lo - offset, 0), samples.shape[0]), min(max(hi - offset, 0), samples.shape[0])
    return Audio(samples=np.ascontiguousarray(samples[a:b]), rate=rate, start_s=lo / rate)


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


PREROLL_S = 0.25
"""Audio decoded before a requested start and dropped: an AAC frame's output overlaps its predecessor's."""


def _to_float(data: np.ndarray) -> np.ndarray:
    if np.issubdtype(data.dtype, np.integer):  # s16/s32 sample formats: scale to [-1, 1]
        return data.astype(np.float32) / float(np.iinfo(data.dtype).max + 1)
    return data.astype(np.float32)


def _read_stream_audio(
    path: Path, *, opener: Callable[[], BinaryIO] | None, start_s: float | None, end_s: float | None
) -> tuple[np.ndarray, int, int]:
    """``(samples, rate, index of the first sample)`` of the MP4's audio track around ``[start_s, end_s)``.

    Only the packets of that span (plus :data:`PREROLL_S` before it) are demuxed, so a remote MP4 is
    read by the ranges holding them, not whole. Sample positions come from the frames' pts against the
    first frame's, and the pre-roll primes the decoder (an AAC frame overlaps its predecessor), so the
    samples equal a decode from the start bit for bit, except in bands the encoder coded as noise
    (AAC perceptual noise substitution): the decoder fills those from a generator whose state depends
    on where it started, a different draw of the same noise.
    """
    try:
        with av.open(opener() if opener is not None else str(path)) as container:
            if not container.streams.audio:
                raise FormatError("file has no audio stream", path=path)
            stream = container.streams.audio[0]
            video = container.streams.video[0] if container.streams.video else None
            rate, tb = stream.rate, stream.time_base
            # AAC pads its last frame; in a video file the audio ends with the pictures.
            limit = (
                int(round(video.frames / float(video.average_rate) * rate))
                if video is not None and video.frames and video.average_rate
                else None
            )
            for other in container.streams:
                if other is not stream:  # the demuxer skips their packets, not only PyAV: MP4 interleaves,
                    other.discard = Discard.all  # and a seek rewinds video to its keyframe, seconds back
            stop = limit if end_s is None else int(round(end_s * rate))
            stop = stop if limit is None or stop is None else min(stop, limit)
            chunks: list[tuple[int, np.ndarray]] = []
            origin = None
            seek_s = None if start_s is None else start_s - PREROLL_S
            for frame in container.decode(stream):
                if origin is None:
                    origin = frame.pts
                    if seek_s is not None and seek_s > float(frame.samples) / rate:
                        container.seek(origin + int(seek_s / tb), stream=stream, backward=True)
                        seek_s = None
                        continue
                first = int(round((frame.pts - origin) * tb * rate)) if frame.pts is not None else None
                if first is None:  # no pts: only the sequential count can place it
                    first = chunks[-1][0] + len(chunks[-1][1]) if chunks else 0
                if stop is not None and first >= stop:
                    break
                arr = frame.to_ndarray()
                chunks.append((first, arr.T if frame.format.is_planar else arr.reshape(-1, stream.channels)))
    except (av.FFmpegError, UnicodeDecodeError) as e:
        raise FormatError(f"cannot decode audio: {e}", path=path) from e
    if not chunks:
        return np.zeros((0, 1), np.float32), rate, 0
    offset = chunks[0][0]
    data = np.concatenate([c for _, c in chunks])
    return _to_float(data[: None if stop is None else max(0, stop - offset)]), rate, offset


def read_audio(
    path: str | Path,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    opener: Callable[[], BinaryIO] | None = None,
) -> Audio:
    """Read a WAV file or the audio track of an MP4 (GoPro AAC) between two times (seconds from file start).

    Args:
        path: ``audio/<aria>.wav`` of a take, or a frame-aligned GoPro MP4.
        start_s: first instant to keep (default: the beginning).
        end_s: instant to stop before (default: the end); both clipped to the recording.
        opener: read the MP4 from the file object it returns (a remote release's video, read by
            range: only the span's packets are fetched); ``path`` then only names it in messages.

    Raises:
        FormatError: missing file, no audio, undecodable data.
    """
    if start_s is not None and end_s is not None and end_s < start_s:
        raise ValueError(f"end_s ({end_s}) is before start_s ({start_s})")
    path = Path(path) if opener is not None else check_file(path)
    if path.suffix.lower() == ".wav" and opener is None:
        samples, rate = _read_wav(path)
        return _slice(samples, rate=rate, start_s=start_s, end_s=end_s)
    samples, rate, offset = _read_stream_audio(path, opener=opener, start_s=start_s, end_s=end_s)
    return _slice(samples, rate=rate, start_s=start_s, end_s=end_s, offset=offset)


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
