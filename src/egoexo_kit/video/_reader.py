"""Frame-exact random access to one video stream with PyAV (DESIGN §5, §8).

Random access seeks to the keyframe at or before the wanted frame and decodes forward, matching the
decoded frames to the PTS table by pts (never by counting frames after a seek, which is what makes
decord and OpenCV inexact). The container stays open between calls, a small LRU keeps recently
decoded frames in their native pixel format (RGB conversion costs as much as decoding, so only the
frames returned are converted), and a request a little ahead of the decoder continues decoding
instead of seeking.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Literal

import av
import numpy as np

from egoexo_kit.errors import FormatError, FrameIndexError
from egoexo_kit.video._frame import Frame, FrameBatch, key_indices, normalize_indices
from egoexo_kit.video._meta import VideoMeta, load_pts_table, make_meta
from egoexo_kit.video._open import AV_ERRORS, Opener, open_video
from egoexo_kit.video._pixels import Converter, iter_arrays

__all__ = ["CACHE_BYTES", "VideoReader"]

CACHE_BYTES = 128 * 2**20
"""Most bytes of decoded frames one reader keeps for nearby requests (see ``cache_frames``)."""

PixelFormat = Literal["rgb24", "gray", "yuv420p"]
_FORMATS = ("rgb24", "gray", "yuv420p")


class VideoReader:
    """Exact frames of one video stream, indexed like a sequence.

    Example:
        >>> with VideoReader("cam01.mp4") as video:  # doctest: +SKIP
        ...     first, last = video[0], video[-1]  # (H, W, 3) uint8 RGB
        ...     clip = video[10:18]  # (8, H, W, 3)
        ...     batch = video.get_frames_at([90, 3, 3, 40])  # any order, duplicates allowed
        ...     pictures = batch.data  # (4, H, W, 3) uint8; batch.pts_s: when each is displayed

    Frame ``i`` is the frame with the ``i``-th smallest presentation timestamp (``reader.pts[i]``), which
    is also the ``i``-th frame a plain sequential decode outputs. The methods follow torchcodec's names:
    :meth:`get_frame_at` / :meth:`get_frames_at` by index, :meth:`get_frame_played_at` /
    :meth:`get_frames_played_at` by time. Prefer the batch methods (and slices) over many single
    lookups: a batch is sorted, and each group of pictures is decoded once.
    A random single frame costs about half a group of pictures of decoding.

    Args:
        path: the video file.
        stream: which video stream (index among the file's video streams).
        cache_frames: how many decoded frames (native pixel format) to keep for nearby requests;
            0 disables the cache. Memory is about ``1.5 * width * height`` bytes per frame for yuv420p;
            the cache never holds more than :data:`CACHE_BYTES` (about 10 frames of 4K), since every
            frame it holds is a buffer the decoder cannot reuse.
        threads: decoder threads for random access (FFmpeg frame threading); ``None`` picks one per
            core for frames of a megapixel or more and 1 below, where the views of a take already
            decode in parallel and a thread costs more than it gives.
        index_dir: folder to cache a scanned PTS table in (the facade passes the user cache,
            ``_io.cache_dir("frames")``); an MP4 whose sample tables give the table needs no cache.
            ``None`` keeps a scan in memory only, so nothing is written next to the user's files.
        opener: read the video from the file objects it returns (one per open) instead of ``path``,
            which then only names it: how a remote MP4 is read (:class:`egoexo_kit.remote.RemoteFile`).

    Raises:
        FormatError: the file does not exist, is not a readable video, or has no such stream.
        ValueError: ``cache_frames`` is negative or ``threads`` under 1.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        stream: int = 0,
        cache_frames: int = 64,
        index_dir: Path | None = None,
        opener: Opener | None = None,
        threads: int | None = None,
    ) -> None:
        self._path = Path(path)
        self._opener = opener
        if cache_frames < 0:
            raise ValueError(f"cache_frames must be >= 0, got {cache_frames}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        self._container = open_video(self._path, opener=opener)
        try:
            videos = self._container.streams.video
            if not videos:
                raise FormatError("file has no video stream", path=self._path)
            if not 0 <= stream < len(videos):
                raise FormatError(
                    f"no video stream {stream}: the file has {len(videos)} (valid: 0..{len(videos) - 1})",
                    path=self._path,
                )
            self._stream = videos[stream]
            table = load_pts_table(
                self._container, self._stream, path=self._path, index_dir=index_dir, opener=opener
            )
            self._meta = make_meta(self._path, self._stream, table, stream_number=stream)
        except BaseException:
            self._container.close()
            raise
        self._table = table
        self._pts_list = table.pts.tolist()
        self._index_of = {p: i for i, p in enumerate(self._pts_list)}
        self._times = table.pts * self._meta.time_base.numerator / self._meta.time_base.denominator
        self._durations = np.diff(self._times, append=self._meta.end_s)
        self._cache: OrderedDict[int, av.VideoFrame] = OrderedDict()
        self._converter = Converter()
        frame_bytes = max(1, self._meta.width * self._meta.height * 3 // 2)
        self._cache_size = min(cache_frames, max(1, CACHE_BYTES // frame_bytes)) if cache_frames else 0
        if threads is None:
            big = self._meta.width * self._meta.height >= 1_000_000
            threads = max(1, os.cpu_count() or 1) if big else 1
        if threads > 1:  # set before the first decode opens the codec
            self._stream.codec_context.thread_type = "FRAME"
            self._stream.codec_context.thread_count = threads
        self._frames: Iterator[av.VideoFrame] | None = None  # decoder output since the last seek
        self._pos = -1  # display index of the last frame the decoder output (-1: must seek)
        self._wanted_pts: set[int] = set()  # pts the decoder must not skip (see _decode_packets)
        self.decoded_frames = 0
        """Frames decoded by random access so far (for benchmarks and tests)."""
        self.seeks = 0
        """Seeks done by random access so far."""

    # ----------------------------------------------------------------------------------------- info
    @property
    def metadata(self) -> VideoMeta:
        """Header and content-measured properties of the stream."""
        return self._meta

    @property
    def pts(self) -> np.ndarray:
        """``(N,)`` int64 presentation timestamps of every frame in display order (``time_base`` units)."""
        return self._table.pts

    @property
    def keyframes(self) -> np.ndarray:
        """``(K,)`` int64 display indices of the keyframes."""
        return self._table.keyframes

    @property
    def path(self) -> Path:
        """The video file."""
        return self._path

    def __len__(self) -> int:
        return len(self._pts_list)

    def __repr__(self) -> str:
        m = self._meta
        return f"VideoReader({str(self._path)!r}, {len(self)} frames, {m.width}x{m.height}, {m.fps:.3f} fps)"

    # -------------------------------------------------------------------------------------- access
    def __getitem__(self, key: int | slice) -> np.ndarray:
        """``reader[i]`` is one ``(H, W, 3)`` uint8 RGB frame; ``reader[a:b:s]`` is ``(T, H, W, 3)``.

        Raises:
            FrameIndexError: ``i`` is outside ``[-len, len)``.
            TypeError: the key is neither an integer nor a slice.
        """
        indices, single = key_indices(key, len(self))
        frames = self._get(indices)
        return frames[0] if single else frames

    def _get(self, indices: Sequence[int], *, format: PixelFormat = "rgb24") -> np.ndarray:
        """The pixels of :meth:`get_frames_at` only (``(T, ...)`` uint8)."""
        if format not in _FORMATS:
            raise ValueError(f"unknown format {format!r}; supported: {', '.join(_FORMATS)}")
        idx = self._normalize(indices)
        frames = self._decode_sorted(np.unique(idx).tolist())
        if len(idx) == 0:
            shape = {
                "rgb24": (self._meta.height, self._meta.width, 3),
                "gray": (self._meta.height, self._meta.width),
            }
            return np.empty((0, *shape.get(format, (self._meta.height * 3 // 2, self._meta.width))), np.uint8)
        converted = {i: self._converter.array(f, format=format) for i, f in frames.items()}
        return np.stack([converted[i] for i in idx.tolist()])

    def get_frames_at(self, indices: Sequence[int], *, format: PixelFormat = "rgb24") -> FrameBatch:
        """Frames at ``indices`` (any order, duplicates and negative indices allowed), in the caller's order.

        Requests are sorted internally and each needed group of pictures is decoded once.

        Args:
            indices: frame indices in ``[-len, len)``.
            format: ``"rgb24"`` gives ``(T, H, W, 3)``; ``"gray"`` gives ``(T, H, W)`` (the luma plane);
                ``"yuv420p"`` gives ``(T, H * 3 // 2, W)`` (Y, then U, then V planes, as FFmpeg lays them).

        Returns:
            The frames (``.data``: uint8, one frame per index) with each index, pts and duration.

        Raises:
            FrameIndexError: an index is out of range (the message names the bound).
            ValueError: unknown ``format``.
            FormatError: the file cannot be decoded at some frame.
        """
        idx = self._normalize(indices)
        return FrameBatch(
            data=self._get(idx.tolist(), format=format),
            indices=idx,
            pts_s=self._times[idx],
            duration_s=self._durations[idx],
        )

    def get_frame_at(self, index: int, *, format: PixelFormat = "rgb24") -> Frame:
        """One frame by index (negative counts from the end); see :meth:`get_frames_at`."""
        return self.get_frames_at([index], format=format)[0]

    def get_frames_played_at(
        self, seconds: Sequence[float], *, tolerance_s: float | None = None, format: PixelFormat = "rgb24"
    ) -> FrameBatch:
        """The frames displayed at ``seconds``: for each ``t``, the frame with ``pts <= t < next pts``.

        Times are in the video's own clock (``pts * time_base``, so the first frame is at
        ``metadata.begin_s``, not necessarily 0); convert take or device time through ``timeline/``.

        Args:
            seconds: query times in seconds, any order.
            tolerance_s: if given, also refuse a time whose displayed frame started more than
                ``tolerance_s`` seconds earlier (a gap in the video, e.g. dropped frames).
            format: as in :meth:`get_frames_at`.

        Raises:
            FrameIndexError: a time lies outside ``[begin_s, end_s)`` or beyond the tolerance.
        """
        return self.get_frames_at(self.indices_at(seconds, tolerance_s=tolerance_s).tolist(), format=format)

    def get_frame_played_at(self, seconds: float, *, tolerance_s: float | None = None) -> Frame:
        """The one frame displayed at ``seconds`` (video clock); see :meth:`get_frames_played_at`."""
        return self.get_frames_played_at([seconds], tolerance_s=tolerance_s)[0]

    def indices_at(self, seconds: Sequence[float], *, tolerance_s: float | None = None) -> np.ndarray:
        """Frame indices displayed at ``seconds`` (see :meth:`get_frames_played_at`), as ``(T,)`` int64."""
        t = np.atleast_1d(np.asarray(seconds, dtype=np.float64))
        m = self._meta
        bad = ~((t >= m.begin_s) & (t < m.end_s))
        if np.any(bad):
            raise FrameIndexError(
                f"time {float(t[bad][0])!r} s is outside the video's range [{m.begin_s!r}, {m.end_s!r}) s",
                path=self._path,
            )
        idx = np.searchsorted(self._times, t, side="right") - 1
        if tolerance_s is not None:
            late = t - self._times[idx] > tolerance_s
            if np.any(late):
                j = int(np.flatnonzero(late)[0])
                raise FrameIndexError(
                    f"time {float(t[j])!r} s is {float(t[j] - self._times[idx[j]]):.6f} s after the start of "
                    f"frame {int(idx[j])} (at {float(self._times[idx[j]])!r} s), more than tolerance_s="
                    f"{tolerance_s}",
                    path=self._path,
                )
        return idx.astype(np.int64)

    def __iter__(self) -> Iterator[np.ndarray]:
        """Every frame as ``(H, W, 3)`` RGB, decoded sequentially with FFmpeg's threading (no seeking).

        Uses a separate decoder, so it does not disturb random access.
        """
        try:
            with open_video(self._path, opener=self._opener) as container:
                stream = container.streams.video[self._meta.stream]
                stream.thread_type = "AUTO"
                kept = (f for f in container.decode(stream) if f.pts is None or f.pts in self._index_of)
                yield from iter_arrays(kept)
        except AV_ERRORS as e:
            raise FormatError(f"cannot decode video: {e}", path=self._path) from e

    # ------------------------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Close the file and drop cached frames (idempotent)."""
        self._frames = None
        self._cache.clear()
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------------------------ internals
    def _normalize(self, indices: Sequence[int]) -> np.ndarray:
        """Indices as int64 in ``[0, len)``; :class:`FrameIndexError` naming the bound otherwise."""
        return normalize_indices(indices, len(self), path=self._path)

    def _remember(self, i: int, frame: av.VideoFrame) -> None:
        if self._cache_size:
            self._cache[i] = frame
            self._cache.move_to_end(i)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _decode_sorted(self, wanted: list[int]) -> dict[int, av.VideoFrame]:
        """Decoded frames for sorted unique display indices ``wanted``."""
        out: dict[int, av.VideoFrame] = {}
        wanted_set = set(wanted)
        for target in wanted:
            if target in out:  # decoded on the way to an earlier target
                continue
            hit = self._cache.get(target)
            if hit is not None:
                self._cache.move_to_end(target)
                out[target] = hit
                continue
            self._decode_to(target, wanted_set, out)
        return out

    def _keyframe_before(self, target: int) -> int:
        """Display index of the last keyframe at or before ``target`` (0 when there is none)."""
        kf = self._table.keyframes
        j = int(np.searchsorted(kf, target, side="right")) - 1
        return int(kf[j]) if j >= 0 else 0

    def _decode_to(self, target: int, wanted: set[int], out: dict[int, av.VideoFrame]) -> None:
        """Decode until frame ``target`` comes out, keeping every frame in ``wanted`` on the way."""
        start = self._keyframe_before(target)
        self._wanted_pts = {self._pts_list[i] for i in wanted if i >= target}
        # Continue the current decode when it is already inside the target's group of pictures.
        if self._frames is not None and start <= self._pos < target:
            if self._advance_to(target, wanted, out):
                return
            # The target's packet went by (skipped as unwanted) before it was asked for: decode again.
        self._seek(start)
        while True:
            if self._advance_to(target, wanted, out):
                return
            # The target did not come out of this keyframe's decode (e.g. an open GOP or a keyframe
            # flag the decoder does not honour): start one keyframe earlier.
            if start == 0:
                raise FormatError(
                    f"frame {target} (pts {self._pts_list[target]}) could not be decoded",
                    path=self._path,
                    frame=target,
                )
            start = self._keyframe_before(start - 1)
            self._seek(start)

    def _seek(self, start: int) -> None:
        try:
            self._container.seek(self._pts_list[start], backward=True, any_frame=False, stream=self._stream)
        except AV_ERRORS as e:
            raise FormatError(f"cannot seek: {e}", path=self._path, frame=start) from e
        self.seeks += 1
        self._frames = self._decode_packets()
        self._pos = -1

    def _decode_packets(self) -> Iterator[av.VideoFrame]:
        """Decoder output from the current position, skipping non-reference frames nobody asked for.

        A frame that no other frame references (most B-frames with x264's defaults) only has to be
        decoded if it is wanted; FFmpeg's ``skip_frame`` is set per packet, from the packet's pts,
        so random access decodes only the reference chain up to each target.
        """
        ctx = self._stream.codec_context
        for packet in self._container.demux(self._stream):
            skip = packet.pts is not None and packet.pts not in self._wanted_pts
            ctx.skip_frame = "NONREF" if skip else "DEFAULT"
            yield from packet.decode()

    def _advance_to(self, target: int, wanted: set[int], out: dict[int, av.VideoFrame]) -> bool:
        """Pull frames until ``target``; False if a later frame (or the end) comes first."""
        assert self._frames is not None
        try:
            for frame in self._frames:
                self.decoded_frames += 1
                i = self._index_of.get(frame.pts) if frame.pts is not None else None
                if i is None:
                    continue
                self._pos = i
                self._remember(i, frame)
                if i in wanted:
                    out[i] = frame
                if i == target:
                    return True
                if i > target:
                    return False
        except AV_ERRORS as e:
            self._frames = None
            raise FormatError(f"cannot decode video: {e}", path=self._path, frame=target) from e
        self._frames = None  # end of stream: the next request seeks
        return False
