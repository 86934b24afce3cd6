"""Video metadata and the PTS table: every frame's presentation timestamp, found by demuxing (no decode).

The table is what makes exact random access possible: frame ``i`` is the ``i``-th smallest packet
pts, and frame ``i`` is decodable by seeking to the keyframe at or before it and decoding forward
until a frame with exactly that pts comes out (DESIGN §8). For an MP4/MOV the table is read from the
sample tables in its ``moov`` box (:mod:`egoexo_kit.video._mp4`: a fraction of a percent of a long
file, no cache needed); any other file, or an MP4 whose tables that reader does not reproduce exactly,
is scanned packet by packet, and that scan can be cached as a small ``.npz`` in a caller-chosen folder
(the facade uses the user cache, ``_io.cache_dir("frames")``, never the release), keyed by the file's
resolved path, size, ``mtime_ns`` and a hash of its first 64 KiB so that a changed file is scanned again.
"""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from egoexo_kit._io import atomic_path
from egoexo_kit.errors import EgoExoKitError, FormatError, WriteError
from egoexo_kit.video._mp4 import read_mp4_pts_table
from egoexo_kit.video._open import AV_ERRORS, Opener, open_video
from egoexo_kit.video._table import PtsTable

__all__ = [
    "PtsTable",
    "VideoMeta",
    "load_pts_table",
    "make_meta",
    "probe_video",
    "scan_pts_table",
    "table_from_sample_tables",
]

_CACHE_VERSION = 2
_HEAD_BYTES = 64 * 1024
"""How much of the file's start the cache key hashes (an MP4 rewritten in place with the same size and
mtime still changes its header)."""


@dataclass(frozen=True)
class VideoMeta:
    """What one video stream is: header values and values measured from its content, kept apart."""

    path: Path
    """The video file."""
    stream: int
    """Index of the video stream among the file's video streams."""
    width: int
    """Frame width in pixels (decoded, before any rotation a player would apply)."""
    height: int
    """Frame height in pixels."""
    num_frames: int
    """Frames counted from content (the PTS table); this is what ``len(reader)`` returns."""
    num_frames_from_header: int | None
    """Frames the container header claims (``None`` when it says nothing)."""
    fps: float
    """Average frame rate measured from content: ``(num_frames - 1) / (last pts - first pts)``; falls back
    to the header's average rate for single-frame videos."""
    fps_from_header: float | None
    """The container's average frame rate, if it states one."""
    time_base: Fraction
    """Unit of every pts, in seconds."""
    codec: str
    """Decoder name, e.g. ``h264``."""
    pix_fmt: str | None
    """Native pixel format, e.g. ``yuv420p``."""
    begin_s: float
    """Presentation time of the first frame (``pts[0] * time_base``), in seconds; not always 0."""
    end_s: float
    """End of the last frame's display interval (its pts plus its duration), in seconds."""

    @property
    def duration_s(self) -> float:
        """Displayed duration measured from content, ``end_s - begin_s``, in seconds."""
        return self.end_s - self.begin_s


def scan_pts_table(container: av.container.InputContainer, stream: av.VideoStream, *, path: Path) -> PtsTable:
    """Demux every packet of ``stream`` (no decoding) and sort their pts into display order.

    Packets the demuxer marks as discard (e.g. cut by an MP4 edit list) and empty packets are left out:
    the decoder never outputs a frame for them. ``container`` is rewound afterwards.

    Raises:
        FormatError: the stream has no frames, a packet has no pts, or two packets share a pts.
    """
    pts_list: list[int] = []
    key_list: list[bool] = []
    durations: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.size == 0 or packet.is_discard:
                continue
            if packet.pts is None:
                raise FormatError("a video packet has no pts: exact frame access needs one", path=path)
            pts_list.append(packet.pts)
            key_list.append(packet.is_keyframe)
            durations.append(packet.duration or 0)
        container.seek(0, backward=True, any_frame=False, stream=stream)
    except AV_ERRORS as e:
        raise FormatError(f"cannot demux video: {e}", path=path) from e
    if not pts_list:
        raise FormatError("video stream has no frames", path=path)
    pts = np.asarray(pts_list, dtype=np.int64)
    order = np.argsort(pts, kind="stable")
    pts = pts[order]
    if np.any(np.diff(pts) <= 0):
        dup = int(pts[1:][np.diff(pts) <= 0][0])
        raise FormatError(f"two video packets share pts {dup}: frames cannot be told apart", path=path)
    keyframes = np.flatnonzero(np.asarray(key_list, dtype=bool)[order]).astype(np.int64)
    last_duration = int(np.asarray(durations, dtype=np.int64)[order][-1])
    if last_duration <= 0:
        last_duration = int(np.median(np.diff(pts))) if len(pts) > 1 else 1
    return PtsTable(pts=pts, keyframes=keyframes, last_duration=last_duration)


def _cache_file(index_dir: Path, path: Path, stream: int) -> tuple[Path, str]:
    """The cache file for ``path`` and the prefix shared by all its (older) versions.

    The name holds a hash of the resolved path (the prefix), then the size, ``mtime_ns`` and a hash of
    the first :data:`_HEAD_BYTES` bytes, so the entry is valid only for the very same file.
    """
    st = path.stat()
    resolved = str(path.resolve())
    digest = hashlib.sha1(resolved.encode("utf-8"), usedforsecurity=False).hexdigest()[:12]
    with open(path, "rb") as f:
        head = hashlib.sha1(f.read(_HEAD_BYTES), usedforsecurity=False).hexdigest()[:12]
    prefix = f"{path.name}.{digest}.s{stream}."
    return index_dir / f"{prefix}{st.st_size}.{st.st_mtime_ns}.{head}.npz", prefix


def table_from_sample_tables(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    *,
    path: Path,
    opener: Opener | None = None,
) -> PtsTable | None:
    """The PTS table read from an MP4/MOV's sample tables (:mod:`._mp4`), or ``None``.

    ``None``: not such a file, or tables that reader does not reproduce exactly; the caller scans the
    packets instead. ``opener``: read the file object it returns instead of ``path`` (a remote MP4);
    its transfer errors are raised, not taken for "no tables".
    """
    if not container.format.name.startswith("mov"):
        return None
    try:
        with opener() if opener is not None else open(path, "rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(0)
            return read_mp4_pts_table(
                f,
                stream_index=stream.index,
                track_id=stream.id,
                time_base=stream.time_base,
                file_size=size,
                path=path,
            )
    except EgoExoKitError:
        raise
    except OSError:
        return None


def load_pts_table(
    container: av.container.InputContainer,
    stream: av.VideoStream,
    *,
    path: Path,
    index_dir: Path | None,
    opener: Opener | None = None,
) -> PtsTable:
    """The PTS table of ``stream``: from the MP4 sample tables, else cached in ``index_dir``, else scanned.

    An MP4/MOV is read from its ``moov`` box (:func:`table_from_sample_tables`) and nothing is
    written. Otherwise the packet scan is cached in ``index_dir`` (when given) under a name that
    holds a hash of the resolved path plus the file's size, ``mtime_ns`` and a hash of its first
    64 KiB, so a file that changes gets a fresh scan; stale entries for the same file are deleted. A
    cache file that cannot be read is ignored and rewritten; a folder that cannot be written is
    skipped silently (the table is then kept in memory only). Writes are atomic. A video read through
    ``opener`` (a remote MP4) is never scanned into ``index_dir``: it has no local stamp to key on.
    """
    table = table_from_sample_tables(container, stream, path=path, opener=opener)
    if table is not None:
        return table
    if index_dir is None or opener is not None:  # a remote file: its scan is not cached (no stat)
        return scan_pts_table(container, stream, path=path)
    index_dir = Path(index_dir)
    try:
        cache, prefix = _cache_file(index_dir, path, stream.index)
    except OSError:
        return scan_pts_table(container, stream, path=path)
    if cache.is_file():
        try:
            with np.load(cache, allow_pickle=False) as z:
                if int(z["version"]) == _CACHE_VERSION:
                    return PtsTable(
                        pts=z["pts"].astype(np.int64),
                        keyframes=z["keyframes"].astype(np.int64),
                        last_duration=int(z["last_duration"]),
                    )
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass  # unreadable cache: rebuild it below
    table = scan_pts_table(container, stream, path=path)
    pattern = re.compile(re.escape(prefix) + r"\d+\.\d+\.[0-9a-f]+\.npz")
    try:
        if index_dir.is_dir():
            for old in index_dir.iterdir():
                if old != cache and pattern.fullmatch(old.name):
                    old.unlink(missing_ok=True)
        with atomic_path(cache) as tmp, open(tmp, "wb") as f:
            np.savez(
                f,
                version=np.int64(_CACHE_VERSION),
                pts=table.pts,
                keyframes=table.keyframes,
                last_duration=np.int64(table.last_duration),
            )
    except (OSError, WriteError):
        pass  # a folder that cannot be written: the cache is an optimisation, keep the table in memory only
    return table


def make_meta(path: Path, stream: av.VideoStream, table: PtsTable, *, stream_number: int) -> VideoMeta:
    """The :class:`VideoMeta` of ``stream``: header values, and counts and times from its PTS table."""
    ctx = stream.codec_context
    if ctx is None:  # a codec id FFmpeg does not know (a flipped byte in the sample description)
        raise FormatError("video stream has no decoder: unknown codec", path=path)
    tb = stream.time_base
    if tb is None:
        raise FormatError("video stream has no time base", path=path)
    pts = table.pts
    n = len(pts)
    header_fps = float(stream.average_rate) if stream.average_rate else None
    fps = float((n - 1) / (int(pts[-1] - pts[0]) * tb)) if n > 1 else (header_fps or 0.0)
    begin = int(pts[0]) * tb.numerator / tb.denominator
    end = (int(pts[-1]) + table.last_duration) * tb.numerator / tb.denominator
    return VideoMeta(
        path=path,
        stream=stream_number,
        width=ctx.width,
        height=ctx.height,
        num_frames=n,
        num_frames_from_header=stream.frames or None,
        fps=fps,
        fps_from_header=header_fps,
        time_base=tb,
        codec=ctx.name,
        pix_fmt=ctx.pix_fmt,
        begin_s=begin,
        end_s=end,
    )


def probe_video(path: str | Path, *, stream: int = 0, index_dir: Path | None = None) -> VideoMeta:
    """What a video file is, without decoding pixels: its :class:`VideoMeta` (sample tables or a demux).

    The frame count is the number of frames the decoder will output (the PTS table, FORMAT §3.3
    trusts no header). ``index_dir``: where to cache the PTS table (see :func:`load_pts_table`).

    Raises:
        FormatError: the file does not exist, is not a readable video, or has no such stream.
    """
    path = Path(path)
    try:
        with open_video(path) as container:
            videos = container.streams.video
            if not videos:
                raise FormatError("file has no video stream", path=path)
            if not 0 <= stream < len(videos):
                raise FormatError(
                    f"no video stream {stream}: the file has {len(videos)} (valid: 0..{len(videos) - 1})",
                    path=path,
                )
            table = load_pts_table(container, videos[stream], path=path, index_dir=index_dir)
            return make_meta(path, videos[stream], table, stream_number=stream)
    except AV_ERRORS as e:
        raise FormatError(f"cannot read video: {e}", path=path) from e
