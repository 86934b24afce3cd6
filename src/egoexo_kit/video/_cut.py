"""Cut whole groups of pictures out of a video by stream copy: a short, exact excerpt with no re-encode.

A rerun recording of two seconds of a twenty-minute take should carry two seconds of video, not the
file: :func:`cut_video` copies the compressed packets of the groups of pictures that cover a frame
range into a new in-memory MP4. Nothing is decoded or re-encoded, so every frame of the excerpt is
bit-for-bit the frame the source decodes to, and only the packets needed are read (with an ``opener``
over a remote MP4, the ``moov`` box and those packets' byte ranges).

Which packets: from the keyframe at or before the first wanted frame, in decode order, until every
frame displayed before the next keyframe after the last wanted frame has been copied (whole groups of
pictures). Packets displayed before the first keyframe (an open GOP's leading pictures, which
reference the previous group) are left out; packets the source's PTS table does not list (frames an
edit list hides) are kept when they come between, since later frames may reference them. The
excerpt's timestamps are shifted so its first keyframe is shown at 0.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from egoexo_kit.errors import FormatError, FrameIndexError
from egoexo_kit.video._meta import load_pts_table
from egoexo_kit.video._open import AV_ERRORS, Opener, open_video
from egoexo_kit.video._table import PtsTable

__all__ = ["VideoCut", "cut_video"]


@dataclass(frozen=True, repr=False)
class VideoCut:
    """An MP4 excerpt of a video (whole groups of pictures, stream-copied) and how its frames map back."""

    data: bytes
    """The MP4 file (one video stream)."""
    source_frames: np.ndarray
    """``(M,)`` int64: for each frame of the excerpt, in its display order, the source's display index
    (``-1`` for a frame the source's PTS table does not list, e.g. one its edit list hides)."""
    start: int
    """First source frame wanted (the excerpt may begin earlier, at a keyframe)."""
    stop: int
    """End (exclusive) of the source frames wanted, clamped to the video's length."""
    num_source_frames: int
    """Frames of the whole source video."""

    def __repr__(self) -> str:
        return (
            f"VideoCut(frames [{self.start}, {self.stop}) of {self.num_source_frames}, "
            f"{len(self.source_frames)} in the excerpt, {len(self.data)} bytes)"
        )

    def index_of(self, frames: Sequence[int] | np.ndarray) -> np.ndarray:
        """The excerpt's display indices of source ``frames`` (``(T,)`` int64).

        Raises:
            FrameIndexError: a frame is not in the excerpt.
        """
        frames = np.asarray(frames, dtype=np.int64)
        order = np.argsort(self.source_frames, kind="stable")
        ranked = self.source_frames[order]
        pos = np.clip(np.searchsorted(ranked, frames), 0, max(len(ranked) - 1, 0))
        missing = (ranked[pos] != frames) if len(ranked) else np.ones(frames.shape, bool)
        if np.any(missing):
            bad = int(frames[missing][0])
            raise FrameIndexError(
                f"frame {bad} is not in this excerpt (source frames {self.start}..{self.stop - 1} were cut)"
            )
        return order[pos].astype(np.int64)


def cut_video(
    path: str | Path, start: int, stop: int, *, stream: int = 0, opener: Opener | None = None
) -> VideoCut:
    """The whole groups of pictures covering source frames ``[start, stop)``, as a new MP4 (stream copy).

    Frames are display indices, as :class:`~egoexo_kit.video.VideoReader` numbers them; like a slice,
    ``stop`` past the end is clamped. Audio and other streams are left out.

    Args:
        path: the video (with ``opener``, only its name in messages).
        start: first frame wanted.
        stop: end (exclusive) of the frames wanted.
        stream: which video stream (index among the file's video streams).
        opener: read the video from the file objects it returns (a remote MP4,
            :meth:`egoexo_kit.remote.RemoteRelease.open_file`): only the ``moov`` box and the copied
            packets are read.

    Returns:
        The excerpt: its bytes and, for each of its frames, the source frame it is.

    Raises:
        FrameIndexError: ``start`` is negative or not before ``stop`` and the video's length.
        FormatError: the video cannot be read, or ends before the frames its tables list.
    """
    path = Path(path)
    with open_video(path, opener=opener) as container:
        videos = container.streams.video
        if not 0 <= stream < len(videos):
            raise FormatError(f"no video stream {stream}: the file has {len(videos)}", path=path)
        src = videos[stream]
        table = load_pts_table(container, src, path=path, index_dir=None, opener=opener)
        n = len(table.pts)
        stop = min(stop, n)
        if not 0 <= start < stop:
            raise FrameIndexError(
                f"empty or invalid frame range [{start}, {stop}) of a {n}-frame video", path=path
            )
        first, end = _group_bounds(table, start, stop)
        packets = _copy_packets(container, src, table, first=first, end=end, path=path)
        if packets is None:  # the seek landed after the first keyframe: read from the start instead
            with open_video(path, opener=opener) as again:
                packets = _copy_packets(
                    again, again.streams.video[stream], table, first=first, end=end, path=path, seek=False
                )
        if packets is None:
            raise FormatError(f"no keyframe at or before frame {first}", path=path, frame=first)
        shown = sorted(int(p.pts) for p in packets)
        data = _mux(src, packets, path=path)
    index_of = {int(p): i for i, p in enumerate(table.pts.tolist())}
    source_frames = np.array([index_of.get(p, -1) for p in shown], dtype=np.int64)
    return VideoCut(data=data, source_frames=source_frames, start=start, stop=stop, num_source_frames=n)


def _group_bounds(table: PtsTable, start: int, stop: int) -> tuple[int, int]:
    """``(keyframe at or before start (0 if none), next keyframe after stop - 1 (or the length))``."""
    kf = table.keyframes
    j = int(np.searchsorted(kf, start, side="right")) - 1
    first = int(kf[j]) if j >= 0 else 0
    k = int(np.searchsorted(kf, stop - 1, side="right"))
    end = int(kf[k]) if k < len(kf) else len(table.pts)
    return first, end


def _copy_packets(
    container: av.container.InputContainer,
    src: av.VideoStream,
    table: PtsTable,
    *,
    first: int,
    end: int,
    path: Path,
    seek: bool = True,
) -> list[av.Packet] | None:
    """Packets in decode order from the last keyframe shown at or before frame ``first`` to frame ``end``.

    Reading stops once every frame of ``[first, end)`` has come. ``None``: the first keyframe met is
    shown after frame ``first`` (the seek went too far).
    """
    first_pts = int(table.pts[first])
    wanted = set(table.pts[first:end].tolist())
    needed = set(wanted)
    kept: list[av.Packet] = []
    key_pts: int | None = None
    try:
        if seek:
            container.seek(first_pts, backward=True, any_frame=False, stream=src)
        for packet in container.demux(src):
            if packet.size == 0:  # the demuxer's end-of-stream marker, or an empty packet (never shown)
                continue
            if packet.pts is None:
                raise FormatError("a video packet has no pts: it cannot be placed in an excerpt", path=path)
            pts = int(packet.pts)
            if packet.is_keyframe and pts <= first_pts:  # a keyframe nearer the start: begin (again) here
                kept, key_pts, needed = [packet], pts, set(wanted)
            elif key_pts is None:
                if packet.is_keyframe:  # the seek went past the first keyframe needed
                    return None
                continue
            elif pts >= key_pts:  # not a leading picture of an open GOP (those need the previous group)
                kept.append(packet)
            else:
                continue
            needed.discard(pts)
            if not needed:
                return kept
    except AV_ERRORS as e:
        raise FormatError(f"cannot read video packets: {e}", path=path, frame=first) from e
    missing = min(needed)
    i = int(np.searchsorted(table.pts, missing))
    raise FormatError(f"the video ends before frame {i} (pts {missing}) comes", path=path, frame=i)


def _mux(src: av.VideoStream, packets: list[av.Packet], *, path: Path) -> bytes:
    """An MP4 of ``packets`` (decode order) in one stream like ``src``, shifted so the first is shown at 0.

    The packets' timestamps are changed in place.
    """
    shift = int(packets[0].pts)
    buf = io.BytesIO()
    try:
        with av.open(buf, mode="w", format="mp4") as out:
            dst = out.add_stream_from_template(src)
            for packet in packets:
                packet.pts -= shift
                if packet.dts is not None:  # Matroska leaves some unset: the muxer derives them
                    packet.dts -= shift
                packet.stream = dst
                out.mux(packet)
    except AV_ERRORS as e:
        raise FormatError(f"cannot write the excerpt: {e}", path=path) from e
    return buf.getvalue()
