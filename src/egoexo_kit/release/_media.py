"""Container-level facts about an MP4 without decoding pixels (for validation and ``info``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from egoexo_kit.errors import FormatError

__all__ = ["VideoInfo", "probe_video"]


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its first video stream, and what a packet scan measured."""

    path: Path
    width: int
    height: int
    codec: str
    pix_fmt: str | None
    average_fps: float | None
    """Container's average rate; not trusted for timing (FORMAT §3.3)."""
    frames_from_header: int | None
    """Frame count the container header declares (``None`` when it declares none)."""
    frames_from_content: int
    """Frames counted by demuxing every video packet (no decode)."""

    @property
    def num_frames(self) -> int:
        """The measured count (the header can be stale; the packet scan cannot)."""
        return self.frames_from_content


def probe_video(path: str | Path) -> VideoInfo:
    """Open ``path`` with PyAV and count its video packets; :class:`FormatError` if it is not a video."""
    path = Path(path)
    if not path.is_file():
        raise FormatError("video file does not exist", path=path)
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise FormatError("file has no video stream", path=path)
            stream = container.streams.video[0]
            ctx = stream.codec_context
            count = sum(1 for packet in container.demux(stream) if packet.size > 0)
            return VideoInfo(
                path=path,
                width=ctx.width,
                height=ctx.height,
                codec=ctx.name,
                pix_fmt=ctx.pix_fmt,
                average_fps=float(stream.average_rate) if stream.average_rate else None,
                frames_from_header=stream.frames or None,
                frames_from_content=count,
            )
    except av.FFmpegError as e:
        raise FormatError(f"cannot read video: {e}", path=path) from e
