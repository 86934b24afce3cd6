"""Encode frames to H.264 MP4 with PyAV, reproducibly (DESIGN §8: single-threaded, ``mbtree=0``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from fractions import Fraction
from numbers import Integral
from pathlib import Path

import av
import numpy as np

from egoexo_kit._io import atomic_path
from egoexo_kit.errors import ArgumentError
from egoexo_kit.video._open import open_video

__all__ = ["encode_video"]


def encode_video(
    path: str | Path,
    frames: Iterable[np.ndarray | av.VideoFrame],
    *,
    fps: int = 30,
    crf: int = 24,
    preset: str = "slow",
    audio: tuple[np.ndarray, int] | None = None,
    keyint: int | None = None,
    time_base: Fraction | None = None,
    copy_audio_from: str | Path | None = None,
) -> int:
    """Write frames (RGB ``(H, W, 3)`` uint8 arrays or decoded frames; even H and W) as H.264 yuv420p.

    The release's aligned videos use x264 preset slow, CRF 24, yuv420p (FORMAT §4.1). Encoding is
    single-threaded with ``mbtree=0`` so the same frames give the same bytes run to run.

    Args:
        path: the MP4 to write (atomically).
        frames: the pictures, in order.
        fps: constant frame rate.
        crf: x264 quality (lower is better).
        preset: x264 speed/size trade-off.
        audio: optional ``(samples (S, C) float in [-1, 1], rate)`` muxed as AAC (GoPros carry
            stereo 48 kHz AAC, FORMAT §4.1).
        keyint: maximum frames between keyframes; ``None`` keeps x264's default (250, as the
            release). A short interval (e.g. ``fps``: a 1 s GOP) makes exact random access several
            times cheaper (about half a GOP is decoded per random frame) for somewhat larger files.
        time_base: ``None``: frame ``n`` is shown at ``n / fps``. A fraction: ``frames`` are decoded
            frames whose own ``pts`` (in this unit) are kept, so a re-encode shows every frame at
            exactly the source's time (variable frame rate and a non-zero start included).
        copy_audio_from: a file whose audio streams are copied into the output packet for packet
            (no re-encode: the samples stay bit-identical); not with ``audio``.

    Returns:
        The number of frames written.
    """
    if keyint is not None and keyint < 1:
        raise ArgumentError(f"keyint must be >= 1, got {keyint}")
    if audio is not None and copy_audio_from is not None:
        raise ArgumentError("give audio samples or a file to copy audio from, not both")
    if not (isinstance(fps, Integral) and fps >= 1):
        raise ArgumentError(f"an MP4 frame rate is a whole number >= 1, got {fps}")
    n = 0
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(atomic_path(path))
        container = stack.enter_context(av.open(str(tmp), mode="w", format="mp4"))
        source = stack.enter_context(open_video(copy_audio_from)) if copy_audio_from is not None else None
        stream = None
        copied: list[av.stream.Stream] = []
        for frame in frames:
            if stream is None:
                h, w = (frame.height, frame.width) if isinstance(frame, av.VideoFrame) else frame.shape[:2]
                if h % 2 or w % 2:
                    raise ArgumentError(f"frame size must be even for yuv420p, got {w}x{h}")
                stream = container.add_stream("libx264", rate=fps)
                stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
                stream.time_base = time_base or Fraction(1, fps)
                if time_base is not None:
                    stream.codec_context.time_base = time_base
                stream.codec_context.thread_count = 1
                params = "mbtree=0:threads=1" + (f":keyint={keyint}" if keyint else "")
                stream.options = {"crf": str(crf), "preset": preset, "x264-params": params}
                audio_stream = _audio_stream(container, *audio) if audio is not None else None
                if source is not None:  # added before the first packet: MP4 headers are written then
                    copied = [container.add_stream_from_template(a) for a in source.streams.audio]
            vf = _as_frame(frame)
            if time_base is None:
                vf.pts, vf.time_base = n, Fraction(1, fps)
            elif isinstance(frame, av.VideoFrame) and frame.pts is not None:
                vf.pts, vf.time_base = frame.pts, time_base
            else:
                raise ArgumentError("time_base keeps each frame's pts: give decoded frames that have one")
            container.mux(stream.encode(vf))
            n += 1
        if stream is None:
            raise ArgumentError("no frames to encode")
        container.mux(stream.encode(None))
        if audio is not None:
            _mux_audio(container, audio_stream, samples=audio[0], rate=audio[1])
        if source is not None and copied:
            _copy_packets(container, source, copied)
    return n


def _copy_packets(
    container: av.container.OutputContainer,
    source: av.container.InputContainer,
    streams: list[av.stream.Stream],
) -> None:
    """Mux every audio packet of ``source`` into ``streams`` (made from its audio streams, in order)."""
    into = {a.index: out for a, out in zip(source.streams.audio, streams, strict=True)}
    for packet in source.demux(source.streams.audio):
        if packet.dts is None:  # the demuxer's end-of-stream marker
            continue
        packet.stream = into[packet.stream.index]
        container.mux(packet)


def _as_frame(frame: np.ndarray | av.VideoFrame) -> av.VideoFrame:
    """A frame the encoder takes, without the picture type a decoder left on it (x264 would force it)."""
    if isinstance(frame, av.VideoFrame):
        vf = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
        vf.pict_type = av.video.frame.PictureType.NONE
        return vf
    return av.VideoFrame.from_ndarray(np.ascontiguousarray(frame, dtype=np.uint8), format="rgb24")


def _audio_stream(container: av.container.OutputContainer, samples: np.ndarray, rate: int) -> av.AudioStream:
    """An AAC stream for ``(S, C)`` samples (added before the first packet: MP4 headers are written then)."""
    channels = np.asarray(samples).shape[1]
    stream = container.add_stream("aac", rate=rate)
    stream.layout = "stereo" if channels == 2 else ("mono" if channels == 1 else f"{channels}c")
    stream.codec_context.flags |= av.codec.context.Flags.bitexact
    return stream


def _mux_audio(
    container: av.container.OutputContainer, stream: av.AudioStream, *, samples: np.ndarray, rate: int
) -> None:
    """Encode ``(S, C)`` float samples in [-1, 1] into ``stream`` in 1024-sample frames."""
    samples = np.asarray(samples, dtype=np.float32)
    planar = np.ascontiguousarray(np.clip(samples, -1, 1).T)
    for start in range(0, planar.shape[1], 1024):
        chunk = np.ascontiguousarray(planar[:, start : start + 1024])
        frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=stream.layout.name)
        frame.sample_rate = rate
        frame.pts = start
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))
