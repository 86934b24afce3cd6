"""Windowed feature extraction in the official layout: one function per (take, view), resumable.

Each video is decoded sequentially in a background thread (PyAV and OpenCV release the GIL) that
prepares frames and assembles windows into batches, while the calling thread runs the backbone on
the previous batch; so decoding overlaps with compute. With ``decode_device="cuda"`` the video is
decoded by NVDEC (:class:`~egoexo_kit.video.CudaVideoReader`, the same frames) and resized on the GPU,
so the windows reach the model as device tensors without a copy through host memory. Each ``.pt``
is written atomically, and a finished file (present, loadable, with the expected row count) is
skipped on the next run.

A remote release (a mirror URL, or a ``Release`` opened from one) is read in place: each video is
decoded from a :class:`~egoexo_kit.remote.RemoteFile` (ranged GETs through the block cache), never
downloaded whole, and each worker process connects to the mirror itself. Its features are written
under ``out``, which is then required: the release's local shadow folder is a cache.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

import torch
from egoexo_kit._io import atomic_path, cache_dir, remove_stale_temps
from egoexo_kit._lock import folder_lock
from egoexo_kit._parallel import pool_map, ray_map
from egoexo_kit.errors import ArgumentError, EgoExoKitError, FormatError
from egoexo_kit.features._backbones import Backbone, load_backbone, resolve_decode_device, resolve_device
from egoexo_kit.features._layout import (
    FeatureConfig,
    FeatureKey,
    feature_path,
    num_windows,
    read_config,
    window_starts,
    write_config,
)
from egoexo_kit.features._reader import load_tensor
from egoexo_kit.release import ReleaseIndex, TakeEntry, View
from egoexo_kit.remote import Opening, RemoteRelease, is_remote, open_remote, reopen
from egoexo_kit.video import CudaVideoReader, Opener, VideoReader

__all__ = [
    "ViewJob",
    "ViewResult",
    "embed_video",
    "extract_features",
    "extract_view",
    "feature_views",
    "iter_frame_windows",
    "iter_windows",
]

Runner = Literal["local", "ray"]


@dataclass(frozen=True)
class ViewJob:
    """Everything one (take, view) extraction needs; plain values, so it pickles to workers and Ray."""

    release: Path
    """Release root (read); of a remote release, the parent's shadow folder (a worker uses its own)."""
    folder: Path
    """Model folder written: ``<out>/features/<name>``."""
    key: FeatureKey
    backbone: str
    """Backbone spec for :func:`~egoexo_kit.features.load_backbone`."""
    window: int
    stride: int
    device: str = "cpu"
    batch_size: int = 8
    size: int | None = None
    dtype: str = "float32"
    decode_device: str = "cpu"
    """``cpu`` (PyAV) or ``cuda`` (NVDEC), already resolved (see :func:`resolve_decode_device`)."""
    remote: Opening | None = None
    """The mirror of a remote release (how to connect, not a connection: each process opens its own);
    ``None`` for a release on disk."""


@dataclass(frozen=True)
class ViewResult:
    """What one job did."""

    key: FeatureKey
    path: Path
    rows: int
    frames: int
    skipped: bool
    """The file was already complete (resume)."""
    seconds: float
    decode_device: str = "cpu"
    """Where the video was decoded (``cpu`` or ``cuda``)."""


def feature_views(
    take: TakeEntry, views: Sequence[str] | None = None, *, remote: RemoteRelease | None = None
) -> list[View]:
    """The views features are extracted from (FORMAT §8).

    The given ``cam01`` / ``aria01`` / ``aria01/rgb`` specs, or by default every camera whose id
    contains ``cam``, ``aria`` or ``gp`` and its ``rgb`` or ``0`` stream
    (FORMAT §8), keeping those whose video is on disk (on the mirror, for a ``remote`` release).
    """
    if views:
        return [take.view(spec) for spec in views]
    return [
        v
        for v in take.views
        if any(p in v.cam_id for p in ("cam", "aria", "gp"))
        and v.readable_stream_id in ("rgb", "0")
        and _has_video(v, remote)
    ]


def _has_video(view: View, remote: RemoteRelease | None) -> bool:
    """Whether the view's full-resolution video is on disk, or listed by the mirror of ``remote``."""
    if remote is None:
        return view.exists
    return view.path is not None and remote.exists(view.path)


def iter_windows(
    reader: VideoReader,
    *,
    prepare: Callable[[np.ndarray], np.ndarray],
    window: int,
    stride: int,
    batch_size: int,
) -> Iterator[np.ndarray]:
    """Batches ``(B, window, h, w, 3)`` of prepared frames, in row order, from one sequential decode.

    Only the frames a later window still needs are kept. A video shorter than one window gives one
    window whose missing frames repeat its last frame.

    Raises:
        FormatError: the decode gives fewer frames than the video's PTS table lists.
    """
    prepared = (prepare(frame) for frame in reader)
    shape = {"n": len(reader), "window": window, "stride": stride, "batch_size": batch_size}
    return _windows(prepared, path=reader.path, stack=np.stack, **shape)


def iter_frame_windows(
    reader: CudaVideoReader,
    *,
    prepare_frames: Callable[[torch.Tensor], torch.Tensor],
    window: int,
    stride: int,
    batch_size: int,
    chunk: int | None = None,
) -> Iterator[torch.Tensor]:
    """:func:`iter_windows` for frames decoded on the reader's device: ``(B, window, h, w, 3)`` tensors there.

    The video is decoded ``chunk`` frames at a time and each chunk is prepared in one call
    (``Backbone.prepare_frames``), so nothing leaves the device. The default chunk holds about
    128 MB of decoded pixels (32 frames at 448², 5 at 4K), which bounds the device memory used.
    """
    if chunk is None:
        m = reader.metadata
        chunk = max(1, min(32, _CHUNK_BYTES // max(1, m.width * m.height * 3)))
    prepared = (frame for frames in reader.iter_chunks(chunk) for frame in prepare_frames(frames))
    shape = {"n": len(reader), "window": window, "stride": stride, "batch_size": batch_size}
    return _windows(prepared, path=reader.path, stack=torch.stack, **shape)


def _windows(
    prepared: Iterator[Any],
    *,
    n: int,
    path: Path,
    window: int,
    stride: int,
    batch_size: int,
    stack: Callable[[list[Any]], Any],
) -> Iterator[Any]:
    """Windows of the ``n`` prepared frames (arrays or tensors, joined by ``stack``) in batches."""
    starts = window_starts(n, window=window, stride=stride).tolist()
    buf: list[Any] = []
    base = k = decoded = 0
    batch: list[Any] = []
    for i, frame in enumerate(prepared):
        decoded = i + 1
        buf.append(frame)
        while k < len(starts) and starts[k] + window <= decoded:
            s = starts[k] - base
            batch.append(stack(buf[s : s + window]))
            k += 1
            if len(batch) == batch_size:
                yield stack(batch)
                batch = []
        keep_from = starts[k] if k < len(starts) else decoded
        if keep_from > base:
            del buf[: keep_from - base]
            base = keep_from
    if decoded != n:
        raise FormatError(f"decoded {decoded} frames, the video lists {n}", path=path, frame=decoded)
    for s in starts[k:]:  # only a video shorter than one window gets here
        part = buf[s - base :]
        batch.append(stack(part + [part[-1]] * (window - len(part))))
    if batch:
        yield stack(batch)


_CHUNK_BYTES = 128 << 20
"""Decoded RGB bytes per chunk of the GPU path (its float copy for resizing is four times that)."""

_DONE = object()


def _prefetch(it: Iterator[Any], *, depth: int = 2) -> Iterator[Any]:
    """Run ``it`` in a background thread, ``depth`` items ahead; re-raise its errors here."""
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in it:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_DONE)
        except BaseException as e:  # handed to the consumer
            q.put(e)

    thread = threading.Thread(target=work, name="egoexo-features-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def embed_video(
    path: Path,
    backbone: Backbone,
    *,
    window: int,
    stride: int,
    batch_size: int = 8,
    index_dir: Path | None = None,
    torchcodec_device: str | None = None,
    opener: Opener | None = None,
) -> tuple[np.ndarray, int]:
    """``(rows (N, D) float32, frames)`` of one video: decode in a thread, embed here, windows in order.

    Args:
        path: the video.
        backbone: what turns windows into rows.
        window: frames per window.
        stride: frames between window starts.
        batch_size: windows per ``backbone.embed`` call.
        index_dir: where the PTS table is cached.
        torchcodec_device: ``None`` decodes with PyAV on the CPU (host arrays); ``"cuda"`` decodes with
            NVDEC and keeps the frames on the GPU (``"cpu"`` runs the same tensor path on torchcodec's
            CPU decoder, for tests and comparisons).
        opener: read the video from the file objects it returns (a remote MP4 read by range);
            ``path`` then only names it.
    """
    shape = {"window": window, "stride": stride, "batch_size": batch_size}
    if torchcodec_device is None:
        with VideoReader(path, index_dir=index_dir, opener=opener) as reader:
            batches = iter_windows(reader, prepare=backbone.prepare, **shape)
            rows = [backbone.embed(b) for b in _prefetch(batches)]
            return np.concatenate(rows).astype(np.float32), len(reader)
    gpu = CudaVideoReader(path, device=torchcodec_device, index_dir=index_dir, opener=opener)
    with gpu as gpu_reader:
        tensors = iter_frame_windows(gpu_reader, prepare_frames=backbone.prepare_frames, **shape)
        rows = [backbone.embed(b) for b in _prefetch(tensors)]
        return np.concatenate(rows).astype(np.float32), len(gpu_reader)


_BACKBONES: dict[tuple[str, str, int | None], Backbone] = {}


def _backbone(job: ViewJob) -> Backbone:
    """One loaded backbone per process and spec (workers and Ray tasks reuse it)."""
    key = (job.backbone, job.device, job.size)
    if key not in _BACKBONES:
        _BACKBONES[key] = load_backbone(job.backbone, device=job.device, size=job.size)
    return _BACKBONES[key]


@functools.lru_cache(maxsize=4)
def _release(root: Path) -> ReleaseIndex:
    """One parse of ``takes.json`` per process and release (a real one is tens of MB; jobs are many)."""
    return ReleaseIndex.open(root)


_REMOTES: dict[Opening, RemoteRelease] = {}


def _remote(opening: Opening) -> RemoteRelease:
    """This process's remote release of ``opening``: opened once (its metadata into this machine's shadow).

    The parent seeds it with the release it opened; a forked worker inherits that copy, which connects
    again on first use (never sharing the parent's connections); a Ray task starts empty and opens its own.
    """
    if opening not in _REMOTES:
        _REMOTES[opening] = opening.open()
    return _REMOTES[opening]


def _complete_rows(path: Path, expected: int) -> bool:
    """A finished file: present, loadable and with the expected row count."""
    if not path.is_file():
        return False
    try:
        return len(load_tensor(path)) == expected
    except FormatError:
        return False  # a corrupt leftover is extracted again


def extract_view(job: ViewJob) -> ViewResult:
    """Extract one (take, view) into ``job.folder`` unless its file is already complete.

    This is the unit a build stage or a runner calls; it opens everything it needs from ``job``.

    Raises:
        NotFoundError: the take or view is not in the release.
        FormatError: its video is missing or cannot be decoded (the error names the file and frame).
    """
    start = time.perf_counter()
    remote = _remote(job.remote) if job.remote is not None else None
    take = _release(remote.shadow if remote is not None else job.release).take(job.key.take_uid)
    view = take.view(job.key.cam_id, job.key.stream)
    if not _has_video(view, remote):
        where = f"on the mirror {remote.url}" if remote is not None else "downloaded"
        raise FormatError(f"video of view {view.key} is not {where} (part 'takes')", path=view.path)
    opener = functools.partial(remote.open_file, view.path) if remote is not None else None
    out = feature_path(job.folder, job.key)
    index_dir = cache_dir("frames")  # the PTS cache the facade shares (user cache, not the release)
    with VideoReader(view.path, index_dir=index_dir, opener=opener) as reader:  # type: ignore[arg-type]
        n_frames = len(reader)
    expected = num_windows(n_frames, window=job.window, stride=job.stride)
    if _complete_rows(out, expected):
        return ViewResult(
            job.key, out, expected, n_frames, True, time.perf_counter() - start, job.decode_device
        )
    rows, n_frames = embed_video(
        view.path,  # type: ignore[arg-type]
        _backbone(job),
        window=job.window,
        stride=job.stride,
        batch_size=job.batch_size,
        index_dir=index_dir,
        torchcodec_device=None if job.decode_device == "cpu" else job.decode_device,
        opener=opener,
    )
    if len(rows) != expected:
        raise EgoExoKitError(f"extracted {len(rows)} rows, expected {expected}", path=view.path)
    with atomic_path(out) as tmp:
        torch.save(torch.from_numpy(rows).to(getattr(torch, job.dtype)), tmp)
    return ViewResult(
        job.key, out, len(rows), n_frames, False, time.perf_counter() - start, job.decode_device
    )


_PARENT = os.getpid()


def _extract_in_worker(job: ViewJob) -> ViewResult:
    """:func:`extract_view` in a forked worker of the local runner, with one intra-op torch thread.

    A fork inherits the parent's OpenMP state but not its threads: once the parent ran a parallel torch
    op (an earlier extraction in this process), the child's first one waits forever on a thread team
    that does not exist. One thread per worker avoids that team (the workers are the parallelism).
    """
    if os.getpid() != _PARENT and torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    return extract_view(job)


def _run_ray(
    jobs: list[ViewJob], *, address: str | None, on_done: Callable[[int], None] | None
) -> list[ViewResult]:
    """One Ray task per job (one GPU each on CUDA); starts a local Ray unless one runs or is named."""
    gpus = 1 if jobs and jobs[0].device == "cuda" else 0
    return ray_map(extract_view, jobs, address=address, num_gpus=gpus, on_done=on_done)


def _check_folder(folder: Path, config: FeatureConfig) -> None:
    """Refuse to mix rows of another window, stride or backbone into an existing folder."""
    if not (folder / "config.yaml").is_file():
        return
    old = read_config(folder)
    if (old.window, old.stride, old.backbone) != (config.window, config.stride, config.backbone):
        raise FormatError(
            f"the folder holds {old.backbone} features with window {old.window} and stride {old.stride}; "
            f"asked for {config.backbone} with window {config.window} and stride {config.stride} "
            "(choose another --name or delete the folder)",
            path=folder / "config.yaml",
        )


class OpenedRelease(Protocol):
    """What :func:`extract_features` needs of an opened release (``open_release``'s ``Release``)."""

    @property
    def root(self) -> Path:
        """Its folder (a remote release's local shadow)."""
        ...

    @property
    def remote(self) -> RemoteRelease | None:
        """Its mirror, when it was opened from a URL."""
        ...


def _open_source(
    release: str | Path | OpenedRelease, *, endpoint_url: str | None, profile: str | None, anonymous: bool
) -> tuple[Path, RemoteRelease | None]:
    """``(root to index, remote release or None)`` of a folder, a mirror URL, or an opened release.

    A remote release's shadow folder given as a path reopens its mirror (as ``open_release`` does).
    """
    if is_remote(release):
        remote = open_remote(str(release), endpoint_url=endpoint_url, profile=profile, anonymous=anonymous)
    elif isinstance(release, (str, Path)):
        remote = reopen(release)
        if remote is None:
            return Path(release), None
    else:
        remote = release.remote
        if remote is None:
            return Path(release.root), None
    return remote.shadow, remote


def extract_features(
    release: str | Path | OpenedRelease,
    *,
    backbone: str = "stats",
    name: str | None = None,
    views: Sequence[str] | None = None,
    takes: Sequence[str] | None = None,
    window: int = 32,
    stride: int = 16,
    device: str = "auto",
    decode_device: str = "auto",
    runner: Runner = "local",
    workers: int = 1,
    batch_size: int = 8,
    size: int | None = None,
    out: str | Path | None = None,
    ray_address: str | None = None,
    on_done: Callable[[int, int], None] | None = None,
    wait: float = 0.0,
    lock: bool = True,
    endpoint_url: str | None = None,
    profile: str | None = None,
    anonymous: bool = False,
) -> list[ViewResult]:
    """Extract features of every (take, view) into ``<out>/features/<name>/`` with its ``config.yaml``.

    The run holds that folder's writer lock (:func:`egoexo_kit._lock.folder_lock`), so two extractions
    never write one model folder at once; under it, the temp files a killed earlier run left go first.

    A remote release (a mirror URL, or a ``Release`` opened from one) is read in place: only the
    bytes of the chosen videos are fetched, by range; ``out`` is then required.

    Args:
        release: release root to read, a release URL (``s3://…``, ``https://…``, ``file://…``), or
            a ``Release`` from :func:`egoexo_kit.open_release`.
        backbone: ``stats``, ``ppocr-det`` or a local model file (see :func:`load_backbone`).
        name: model folder name (default: the backbone's name without its suffix).
        views: ``cam01``, ``aria01``, ``aria01/rgb`` …; default every camera's ``rgb``/``0`` stream.
        takes: take names or uids (default all).
        window: frames per window (official Omnivore: 32; MAWS: 1).
        stride: frames between windows (official Omnivore: 16; MAWS: 1).
        device: ``auto`` (CUDA when torch sees it), ``cpu`` or ``cuda``: where the model runs.
        decode_device: ``auto`` (the GPU when the model runs there and the ``[gpu]`` extra can decode
            there, else the CPU), ``cpu`` (PyAV) or ``cuda`` (NVDEC; an error when it cannot); see
            :func:`~egoexo_kit.features.resolve_decode_device`.
        runner: ``local`` (``workers`` forked processes, 1 = in this process) or ``ray``.
        workers: processes for the local runner.
        batch_size: windows per backbone call.
        size: square input side of model backbones (default 224).
        out: root to write ``features/`` under (default: the release itself; required for a remote
            release, whose local shadow folder is a cache that ``egoexo-kit cache`` may clear).
        ray_address: Ray cluster address (default: the running one, or a new local one).
        on_done: ``on_done(done, total)`` after each (take, view).
        wait: seconds to wait for another run holding the folder's lock; ``0`` refuses at once.
        lock: ``False`` only when the caller already holds the folder's lock (the build's ``features``
            stage, whose per-take units run in parallel under the lock the build took).
        endpoint_url: a release URL's S3-compatible endpoint (else ``$AWS_ENDPOINT_URL``).
        profile: a release URL's AWS profile.
        anonymous: unsigned S3 requests for a public bucket.

    Returns:
        One :class:`ViewResult` per (take, view), in take then view order.

    Raises:
        BusyError: another run holds the model folder's lock past ``wait``.
        ArgumentError: a remote release without ``out``.
        DownloadError: the mirror cannot be read.
    """
    if runner not in ("local", "ray"):
        raise ValueError(f"unknown runner {runner!r}; use local or ray")
    root, remote = _open_source(release, endpoint_url=endpoint_url, profile=profile, anonymous=anonymous)
    if remote is not None and out is None:
        raise ArgumentError(
            f"{remote.url} is a remote release: give the folder to write features/ under "
            "(out, --out); its local shadow folder is a cache"
        )
    rel = ReleaseIndex.open(root)
    dev = resolve_device(device)
    decode_on = resolve_decode_device(decode_device, model_device=dev)
    bb = load_backbone(backbone, device=dev, size=size)
    name = name or Path(bb.name).stem
    folder = Path(out or root) / "features" / name
    config = FeatureConfig(
        window=window,
        stride=stride,
        backbone=bb.name,
        input_size=bb.input_size,
        dim=bb.dim,
        device=dev,
        extra={**bb.describe(), "decode_device": decode_on},
    )
    num_windows(window, window=window, stride=stride)  # validates window/stride early
    selected = [t for t in rel.takes if not takes or t.name in takes or t.uid in takes]
    if takes and not selected:
        raise FormatError(f"no take among {list(takes)}", path=root / "takes.json")
    jobs = [
        ViewJob(
            release=root,
            folder=folder,
            key=FeatureKey(t.uid, v.cam_id, v.readable_stream_id),
            backbone=backbone,
            window=window,
            stride=stride,
            device=dev,
            batch_size=batch_size,
            size=size,
            decode_device=decode_on,
            remote=remote.opening if remote is not None else None,
        )
        for t in selected
        for v in feature_views(t, views, remote=remote)
    ]
    _BACKBONES[(backbone, dev, size)] = bb
    if remote is not None:
        _REMOTES[remote.opening] = remote  # this process (and forked workers) reuse it
    progress = (lambda n: on_done(n, len(jobs))) if on_done else None
    held = folder_lock(folder, what="egoexo-kit features", wait=wait) if lock else contextlib.nullcontext()
    with held:
        if lock:
            remove_stale_temps(folder)
        _check_folder(folder, config)
        write_config(folder, config)
        if runner == "ray":
            return _run_ray(jobs, address=ray_address, on_done=progress)
        return pool_map(_extract_in_worker, jobs, workers=workers, on_done=progress)
