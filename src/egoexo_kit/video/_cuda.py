"""Exact frames decoded on the GPU (NVDEC) through torchcodec, as uint8 tensors on the device.

Frame ``i`` here is :class:`~egoexo_kit.video.VideoReader`'s frame ``i``: the frame with the ``i``-th
smallest pts of our PTS table. torchcodec is handed that table as its *custom frame mappings*, so its
index ``i`` *is* the frame whose pts is ``pts[i]`` (not the ``i``-th frame it happens to count), and
every pts it returns is checked against the table. Edit-list, B-frame and open-GOP files therefore stay
exact, and opening needs no second scan of the file.

Pixels: NVDEC outputs NV12 and torchcodec converts it to RGB with its own CUDA kernel, while
:class:`VideoReader` converts with FFmpeg's swscale; the two may differ by a few levels per channel
(docs/design.md states the tolerance). On ``device="cpu"`` torchcodec decodes with FFmpeg and gives
exactly VideoReader's pixels, which is how the index mapping is tested on machines without a GPU.

Needs the ``[gpu]`` extra (torch and torchcodec, a CUDA build of torchcodec for ``device="cuda"``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from types import ModuleType, TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.errors import EgoExoKitError, FormatError, FrameIndexError
from egoexo_kit.extras import require
from egoexo_kit.video._frame import key_indices, normalize_indices
from egoexo_kit.video._meta import VideoMeta
from egoexo_kit.video._open import AV_ERRORS, Opener, open_video
from egoexo_kit.video._reader import VideoReader

if TYPE_CHECKING:
    import torch

__all__ = ["CudaVideoReader", "check_cuda_decoding", "check_decoded_pts", "frame_mappings"]

_WHAT = "decoding on the GPU (torchcodec on CUDA)"
_CUDA_BUILD = (
    "pip install torchcodec --index-url https://download.pytorch.org/whl/cu126 (matching your torch)"
)


def check_cuda_decoding(device: str = "cuda") -> ModuleType:
    """The ``torchcodec.decoders`` module, once everything decoding on ``device`` needs is there.

    Args:
        device: ``"cuda"``, ``"cuda:N"``, or ``"cpu"`` (torchcodec's FFmpeg decoder: same index mapping).

    Raises:
        MissingExtraError: torch or torchcodec is not installed (names ``pip install 'egoexo-kit[gpu]'``).
        EgoExoKitError: torchcodec cannot load FFmpeg, is a CPU-only build, or torch sees no CUDA device.
    """
    torch_mod = require("torch", extra="gpu", what=_WHAT)
    cpu = device.startswith("cpu")
    no_cuda = "" if cpu or torch_mod.cuda.is_available() else " (and torch sees no CUDA device)"
    tc = require("torchcodec", extra="gpu", what=_WHAT, hint=no_cuda)
    try:
        decoders = require("torchcodec.decoders", extra="gpu", what=_WHAT)
    except (RuntimeError, OSError) as e:  # the wheel loads the system FFmpeg libraries on import
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise EgoExoKitError(f"torchcodec is installed but cannot load FFmpeg's libraries: {first}") from e
    if cpu:
        return decoders
    if no_cuda:
        raise EgoExoKitError(f"{_WHAT} needs a CUDA device, and torch sees none (decode on the CPU instead)")
    version = getattr(tc, "__version__", "")
    if "+cpu" in version:
        raise EgoExoKitError(
            f"torchcodec {version} is a CPU-only build; {_WHAT} needs its CUDA build: {_CUDA_BUILD}"
        )
    return decoders


def frame_mappings(pts: np.ndarray, keyframes: np.ndarray, *, end_pts: int) -> str:
    """Our PTS table as torchcodec's ``custom_frame_mappings`` JSON (ffprobe's ``-show_frames`` shape).

    Args:
        pts: ``(N,)`` strictly increasing int64 pts in display order (``VideoReader.pts``).
        keyframes: display indices of the keyframes (``VideoReader.keyframes``).
        end_pts: end of the last frame's display interval (its pts plus its duration), in pts units.

    Returns:
        ``{"frames": [{"pts", "duration", "key_frame"}, ...]}``, one entry per frame in display order,
        so that torchcodec's frame index ``i`` is the frame whose pts is ``pts[i]``.

    Raises:
        ValueError: ``pts`` is empty or not strictly increasing, or ``end_pts`` is not after its last pts.
    """
    pts = np.asarray(pts, dtype=np.int64)
    if pts.ndim != 1 or len(pts) == 0 or np.any(np.diff(pts) <= 0):
        raise ValueError("pts must be a non-empty, strictly increasing 1-D sequence")
    if end_pts <= int(pts[-1]):
        raise ValueError(f"end_pts {end_pts} must be after the last pts {int(pts[-1])}")
    durations = np.diff(pts, append=np.int64(end_pts))
    key = np.zeros(len(pts), dtype=bool)
    key[np.asarray(keyframes, dtype=np.int64)] = True
    frames = [
        {"pts": int(p), "duration": int(d), "key_frame": int(k)}
        for p, d, k in zip(pts.tolist(), durations.tolist(), key.tolist(), strict=True)
    ]
    return json.dumps({"frames": frames})


def check_decoded_pts(
    decoded_s: np.ndarray, indices: np.ndarray, *, pts: np.ndarray, time_base: Fraction, path: Path
) -> None:
    """Refuse decoder output whose pts is not the table's pts of the frame asked for.

    Args:
        decoded_s: ``(T,)`` presentation times the decoder returned, in seconds.
        indices: ``(T,)`` our frame indices that were asked for.
        pts: the PTS table (``(N,)`` int64, ``time_base`` units).
        time_base: seconds per pts unit.
        path: the video file (for the error).

    Raises:
        FormatError: a returned time is more than half a pts unit away from ``pts[index] * time_base``
            (the decoder gave another frame than the one asked for); names the first such frame.
    """
    expected = pts[indices] * (time_base.numerator / time_base.denominator)
    off = np.abs(np.asarray(decoded_s, dtype=np.float64) - expected) > 0.5 * float(time_base)
    if np.any(off):
        j = int(np.flatnonzero(off)[0])
        i = int(indices[j])
        raise FormatError(
            f"the GPU decoder returned the frame at {float(decoded_s[j])!r} s for frame {i}, "
            f"whose pts {int(pts[i])} is at {float(expected[j])!r} s",
            path=path,
            frame=i,
        )


class CudaVideoReader:
    """Exact frames of one video decoded by torchcodec on ``device``, as uint8 ``(T, 3, H, W)`` tensors.

    Example:
        >>> with CudaVideoReader("cam01.mp4") as video:  # doctest: +SKIP
        ...     batch = video.get_frames_at([90, 3, 40])  # (3, 3, H, W) uint8 on cuda
        ...     for chunk in video.iter_chunks(32):  # the whole video, sequentially
        ...         ...

    Same indices and frames as :class:`~egoexo_kit.video.VideoReader` (see the module docstring for the
    colour tolerance on CUDA); the frames stay on the device, so a model there gets them without a copy
    through host memory.

    Args:
        path: the video file.
        stream: which video stream (index among the file's video streams).
        device: ``"cuda"`` / ``"cuda:N"`` (NVDEC), or ``"cpu"`` (torchcodec's FFmpeg decoder).
        index_dir: where the PTS table is cached (as for :class:`VideoReader`).
        num_threads: FFmpeg threads of the CPU decoder (unused by NVDEC).
        opener: read the video from the file objects it returns instead of ``path`` (a remote MP4,
            :class:`egoexo_kit.remote.RemoteFile`): torchcodec reads a file object on demand, so the
            GPU decodes a mirror's video by range too.

    Raises:
        MissingExtraError, EgoExoKitError: what decoding on ``device`` needs is missing
            (see :func:`check_cuda_decoding`).
        FormatError: the file is not a readable video, or has no such stream.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        stream: int = 0,
        device: str = "cuda",
        index_dir: Path | None = None,
        num_threads: int = 1,
        opener: Opener | None = None,
    ) -> None:
        decoders = check_cuda_decoding(device)
        self._path = Path(path)
        self._device = device
        with VideoReader(
            self._path, stream=stream, cache_frames=0, index_dir=index_dir, opener=opener
        ) as table:
            self._meta = table.metadata
            self._pts = table.pts
            keyframes = table.keyframes
        tb = self._meta.time_base
        end_pts = round(Fraction(self._meta.end_s) / tb)
        try:
            with open_video(self._path, opener=opener) as container:
                stream_index = container.streams.video[stream].index  # torchcodec counts all streams
        except AV_ERRORS as e:
            raise FormatError(f"cannot read video: {e}", path=self._path) from e
        self._file = opener() if opener is not None else None  # closed with the reader
        try:
            self._decoder: Any = decoders.VideoDecoder(
                self._file if self._file is not None else str(self._path),
                stream_index=stream_index,
                device=device,
                num_ffmpeg_threads=num_threads,
                custom_frame_mappings=frame_mappings(
                    self._pts, keyframes, end_pts=max(end_pts, int(self._pts[-1]) + 1)
                ),
            )
        except (RuntimeError, ValueError) as e:
            self.close()
            raise EgoExoKitError(
                f"torchcodec cannot open this video on {device}: {e}", path=self._path
            ) from e

    # ----------------------------------------------------------------------------------------- info
    @property
    def metadata(self) -> VideoMeta:
        """Header and content-measured properties of the stream (the same as VideoReader's)."""
        return self._meta

    @property
    def pts(self) -> np.ndarray:
        """``(N,)`` int64 presentation timestamps in display order (``time_base`` units)."""
        return self._pts

    @property
    def path(self) -> Path:
        """The video file."""
        return self._path

    @property
    def device(self) -> str:
        """Where frames are decoded and returned."""
        return self._device

    @property
    def fallback(self) -> str:
        """What torchcodec says on whether a CUDA decode fell back to the CPU (after a first decode)."""
        return str(self._decoder.cpu_fallback)

    def __len__(self) -> int:
        return len(self._pts)

    def __repr__(self) -> str:
        m = self._meta
        return (
            f"CudaVideoReader({str(self._path)!r}, {len(self)} frames, {m.width}x{m.height}, {self._device})"
        )

    # -------------------------------------------------------------------------------------- access
    def __getitem__(self, key: int | slice) -> torch.Tensor:
        """``reader[i]`` is one ``(3, H, W)`` frame; ``reader[a:b:s]`` is ``(T, 3, H, W)``."""
        indices, single = key_indices(key, len(self))
        frames = self.get_frames_at(indices)
        return frames[0] if single else frames

    def get_frames_at(self, indices: Sequence[int]) -> torch.Tensor:
        """Frames at ``indices`` (any order, duplicates and negative indices allowed), in the caller's order.

        Raises:
            FrameIndexError: an index is out of range.
            FormatError: the video cannot be decoded there, or the decoder returned another frame.
        """
        idx = normalize_indices(indices, len(self), path=self._path)
        if len(idx) == 0:
            torch_mod = require("torch", extra="gpu", what=_WHAT)
            m = self._meta
            return torch_mod.empty((0, 3, m.height, m.width), dtype=torch_mod.uint8, device=self._device)
        return self._checked(lambda: self._decoder.get_frames_at(idx.tolist()), idx)

    def get_frames_in_range(self, start: int, stop: int) -> torch.Tensor:
        """Frames ``[start, stop)`` decoded sequentially (one seek at most), as ``(stop - start, 3, H, W)``.

        Raises:
            FrameIndexError: the range is not inside ``[0, len]`` or is empty.
        """
        n = len(self)
        if not 0 <= start < stop <= n:
            raise FrameIndexError(
                f"frame range [{start}, {stop}) is not a non-empty part of [0, {n})",
                path=self._path,
                frame=start,
            )
        idx = np.arange(start, stop, dtype=np.int64)
        return self._checked(lambda: self._decoder.get_frames_in_range(start, stop), idx)

    def iter_chunks(self, size: int = 32) -> Iterator[torch.Tensor]:
        """Every frame in order, ``size`` at a time (the last chunk may be shorter), decoded sequentially."""
        if size < 1:
            raise ValueError(f"chunk size must be >= 1, got {size}")
        for start in range(0, len(self), size):
            yield self.get_frames_in_range(start, min(start + size, len(self)))

    def _checked(self, decode: Any, idx: np.ndarray) -> torch.Tensor:
        """Run ``decode`` (a torchcodec batch call), check its pts against ours, return its pixels."""
        try:
            batch = decode()
        except (RuntimeError, IndexError, ValueError) as e:
            raise FormatError(f"cannot decode video on {self._device}: {e}", path=self._path) from e
        check_decoded_pts(
            batch.pts_seconds.cpu().numpy(),
            idx,
            pts=self._pts,
            time_base=self._meta.time_base,
            path=self._path,
        )
        return batch.data

    # ------------------------------------------------------------------------------------ lifetime
    def close(self) -> None:
        """Release the decoder and the file object it read (idempotent)."""
        self._decoder = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> CudaVideoReader:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
