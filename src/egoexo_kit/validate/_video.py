"""MP4 payload checks of ``validate``: decode packets and locate those the decoder refuses or conceals.

A bit-flipped MP4 usually still demuxes (the container's tables are intact), so counting packets
(:func:`~egoexo_kit.video.probe_video`) does not see it. H.264 has no checksum either: the decoder
*conceals* most damage (it logs "error while decoding MB …", "Reference … >= …" and outputs a
patched frame) and raises only on some packets. A packet is therefore reported when decoding it
raises **or** makes libav log an error; both are located by the frame (display index) and pts.

Cost, measured on the demo release (88 MP4s, 8,990 frames of up to 448 px, one core, a shared
machine): the PTS table (demux only) 0.2-0.3 s, decoding :data:`QUICK_PACKETS` packets at each end
0.4 s, decoding every packet 2.1-4.6 s (about 2,000-4,000 frames/s; a 4K release decodes far slower
per frame). So by default only the start of the first and of the last GOP is decoded (is the
stream decodable at all, does its end decode), and ``deep=True`` (``validate --deep``) decodes
every packet. Damage that decodes cleanly (a flipped bit in residual data) is only found by
comparing with a manifest checksum (``_manifests``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import av
import av.logging
import numpy as np

from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.release import FPS, TakeEntry
from egoexo_kit.validate._context import READ_FAILURES, Ctx
from egoexo_kit.video import VideoMeta, VideoReader

__all__ = ["QUICK_PACKETS", "BadPacket", "check_take_videos", "decode_problems"]

QUICK_PACKETS = 10
"""Packets decoded at the start of the first and of the last GOP by the default (not deep) check."""
FPS_TOLERANCE = 0.5
"""Frames per second a frame-aligned video may differ from 30 before a warning (FORMAT §3.3: the
real videos are "variable frame rate", so the measured average is not exactly 30)."""


def check_take_videos(ctx: Ctx, t: TakeEntry) -> None:
    """Every MP4 of a take: frame count against the window (FORMAT §3.2), codec, size, fps, payload."""
    videos: list[tuple[Path, str]] = []
    for v in t.views:
        if v.exists:
            videos.append((v.path, v.key))  # type: ignore[arg-type]
        if v.exists_448:
            videos.append((v.path_448, v.key + " (448)"))  # type: ignore[arg-type]
    if t.collage_path is not None and t.collage_path.is_file():
        videos.append((t.collage_path, "collage"))
    for path, label in videos:
        try:
            with VideoReader(path) as reader:  # one demux pass: metadata and the PTS table
                info, pts, keyframes = reader.metadata, reader.pts, reader.keyframes
            _check_meta(ctx, t, info, label=label)
            for bad in decode_problems(path, pts=pts, keyframes=keyframes, deep=ctx.deep):
                ctx.report.add_row("error", path, f"{label}: {bad.message}", where=bad.where)
        except EgoExoKitError as e:
            ctx.report.exception(e)
        except (av.FFmpegError, *READ_FAILURES) as e:  # PyAV decodes container tags as UTF-8, …
            ctx.report.error(path, f"{label}: cannot be read as a video ({type(e).__name__}: {str(e)[:120]})")


def _check_meta(ctx: Ctx, t: TakeEntry, info: VideoMeta, *, label: str) -> None:
    """Codec, 448p size, 30 fps and the frame count the take's timesync window implies (±1: warning)."""
    path = info.path
    if info.codec != "h264":
        ctx.report.warn(path, f"codec is {info.codec}, the release uses h264")
    if "(448)" in label and not (
        min(info.width, info.height) == 448 and max(info.width, info.height) % 2 == 0
    ):
        ctx.report.warn(
            path, f"448p variant is {info.width}x{info.height}: short side should be 448, long side even"
        )
    if info.num_frames > 1 and not abs(info.fps - FPS) <= FPS_TOLERANCE:
        ctx.report.warn(path, f"{label}: {info.fps:.3f} frames per second; frame-aligned videos are {FPS:g}")
    n = t.n_frames
    if n is None or info.num_frames == n:
        return
    msg = (
        f"{label}: {info.num_frames} frames, the timesync window "
        f"[{t.record.timesync_start_idx}, {t.record.timesync_end_idx}] implies {n}"
    )
    (ctx.report.warn if abs(info.num_frames - n) == 1 else ctx.report.error)(path, msg, where=f"frame {n}")


@dataclass(frozen=True)
class BadPacket:
    """One video packet the decoder refused or had to conceal."""

    frame: int | None
    """Display index of the packet's frame (``None`` when the demuxer itself failed)."""
    pts: int | None
    """The packet's presentation timestamp, in the stream's time base."""
    message: str

    @property
    def where(self) -> str:
        """``frame N (pts P)``, ``pts P`` (a packet outside the PTS table), or where demuxing stopped."""
        if self.frame is not None:
            return f"frame {self.frame} (pts {self.pts})"
        return f"pts {self.pts}" if self.pts is not None else "after the last readable packet"


@contextmanager
def _libav_errors() -> Iterator[list[tuple[int, str, str]]]:
    """Collect what libav logs at error level in this thread (logging is off by default in PyAV)."""
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture() as logs:
            yield logs
    finally:
        av.logging.set_level(previous)


def decode_problems(path: Path, *, pts: np.ndarray, keyframes: np.ndarray, deep: bool) -> Iterator[BadPacket]:
    """Decode the packets of the first video stream of ``path`` and yield each one that is damaged.

    Args:
        path: the MP4 (already probed: it opens and has a video stream).
        pts: its PTS table in display order (``VideoReader.pts``), to name frames by display index.
        keyframes: display indices of its keyframes (``VideoReader.keyframes``).
        deep: decode every packet; else the first :data:`QUICK_PACKETS` of the first and last GOP.
    """
    index = {int(p): i for i, p in enumerate(pts)}
    starts: list[int | None] = [None]  # None: from the start of the file, no seek
    if not deep and len(keyframes) and keyframes[-1] != keyframes[0]:
        starts.append(int(keyframes[-1]))
    with _libav_errors() as logs, av.open(str(path), metadata_errors="replace") as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1  # decode in this thread: its log lines are this packet's
        for start in starts:
            if start is not None:
                container.seek(int(pts[start]), backward=True, any_frame=False, stream=stream)
                stream.codec_context.flush_buffers()
            limit = None if deep else QUICK_PACKETS
            yield from _decode_run(container, stream, logs=logs, index=index, limit=limit)


def _decode_run(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    *,
    logs: list[tuple[int, str, str]],
    index: dict[int, int],
    limit: int | None,
) -> Iterator[BadPacket]:
    """Decode packets from the current position (at most ``limit``) and yield the damaged ones."""
    done = 0
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's end-of-stream packet
                break
            seen = len(logs)
            try:
                packet.decode()
                refused = ""
            except av.FFmpegError as e:
                refused = f"{type(e).__name__}: {e}"
            logged = [msg.strip() for level, _, msg in logs[seen:] if level <= av.logging.ERROR]
            if refused or logged:
                frame = index.get(packet.pts) if packet.pts is not None else None
                what = "does not decode" if refused else "decodes only with errors concealed"
                detail = "; ".join(([refused] if refused else []) + logged[:2])
                yield BadPacket(frame, packet.pts, f"packet {what} ({detail})")
            done += 1
            if limit is not None and done >= limit:
                break
    except av.FFmpegError as e:
        yield BadPacket(None, None, f"cannot demux the rest of the file ({type(e).__name__}: {e})")
