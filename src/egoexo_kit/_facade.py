"""The take users get from ``egoexo_kit.open_release``: metadata plus time-synced frames, clips and audio.

It wires ``release`` (paths), ``timeline`` (t ↔ frame) and ``video`` (exact decoding) together and
holds none of their logic (STYLE §1). Decoders stay open in a small shared cache, so repeated
requests on the same views are cheap.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from egoexo_kit import sensors as _sensors
from egoexo_kit.errors import NotFoundError
from egoexo_kit.features import FeatureKey, FeatureRows, FeatureSet
from egoexo_kit.geometry import Camera, PosedCamera, Space, TakeCameras, undistort
from egoexo_kit.release import Release as _ReleaseBase
from egoexo_kit.release import Take as _ReleaseTake
from egoexo_kit.release import View
from egoexo_kit.sensors import Audio, read_audio
from egoexo_kit.timeline import TakeTimeline, resolve_row_offset
from egoexo_kit.video import VideoReader

if TYPE_CHECKING:
    import duckdb

    from egoexo_kit.annotations import SearchHit, TakeAnnotations
    from egoexo_kit.timeline import RowOffsetCheck

__all__ = ["Release", "Take", "open_release"]

Resolution = Literal["full", "448"]
Orientation = Literal["mp4", "sensor"]


class _ReaderCache:
    """A locked LRU of open :class:`VideoReader` objects (size: ``EGOEXO_KIT_DECODERS``, default 16)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._readers: OrderedDict[tuple[Path, Path | None], tuple[VideoReader, threading.Lock]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def get(self, path: Path, *, index_dir: Path | None) -> tuple[VideoReader, threading.Lock]:
        """The open reader of ``path`` and the lock to hold while using it (readers are not thread-safe)."""
        key = (path, index_dir)
        with self._lock:
            if os.getpid() != self._pid:  # a forked DataLoader worker: never share the parent's decoders
                self._readers = OrderedDict()
                self._pid = os.getpid()
            entry = self._readers.pop(key, None)
            if entry is None:
                entry = (VideoReader(path, index_dir=index_dir), threading.Lock())
            self._readers[key] = entry
            while len(self._readers) > self._size:
                _, (old, old_lock) = self._readers.popitem(last=False)
                with old_lock:
                    old.close()
            return entry


_READERS = _ReaderCache(int(os.environ.get("EGOEXO_KIT_DECODERS", "16")))
_THREADS = max(1, os.cpu_count() or 1)
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _decode_pool() -> ThreadPoolExecutor:
    """This process's shared decode threads (a forked worker makes its own: threads do not survive a fork)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(os.getpid())
        if pool is None:
            _POOLS.clear()
            pool = _POOLS[os.getpid()] = ThreadPoolExecutor(_THREADS, thread_name_prefix="egoexo-decode")
        return pool


def view_name(view: View) -> str:
    """Name of a view in results: ``aria01_214-1`` for Aria streams, the plain ``cam01`` for GoPros."""
    return f"{view.cam_id}_{view.stream_id}" if view.stream_id != "0" else view.cam_id


class Take(_ReleaseTake):
    """A take with time-synced access to every view: :meth:`frames`, :meth:`clip` and :meth:`audio`."""

    @cached_property
    def annotations(self) -> TakeAnnotations:
        """Every annotation family of this take (``take.annotations.keysteps``, ``.pose("hand")`` …)."""
        from egoexo_kit.annotations import TakeAnnotations, release_annotations  # annotations sit above

        return TakeAnnotations(self, release_annotations(self.release))

    @cached_property
    def timeline(self) -> TakeTimeline:
        """Conversions between take time, aligned frame index and device clocks (reads timesync once).

        Frame ``i`` is timesync row ``start + row_offset + i``: the release's ``row_offset`` (see
        :func:`open_release`), else ``$EGOEXO_KIT_ROW_OFFSET``, else +1 (FORMAT §3.2).
        """
        return TakeTimeline.from_take(self)

    def detect_row_offset(self) -> RowOffsetCheck:
        """Measure which timesync row is frame 0 from the trajectory and EgoPose ``camera_pose`` (§11 C1)."""
        from egoexo_kit._frame0 import detect_row_offset

        return detect_row_offset(self)

    @cached_property
    def geometry(self) -> TakeCameras:
        """Every calibrated camera of the take at any instant (calibration files are read once)."""
        return TakeCameras(self, self.timeline)

    def camera(
        self, view: str, *, t: float | None = None, frame: int | None = None, space: Space = "raw"
    ) -> PosedCamera:
        """The calibrated camera of ``view`` (``cam01``, ``aria01``, ``aria01/slam-left`` …) at one instant.

        Args:
            view: view name; ``aria01`` means its RGB stream.
            t: seconds from take start (exactly one of ``t`` and ``frame``).
            frame: aligned frame index.
            space: ``"raw"`` (distorted, sensor orientation), ``"undistorted"`` (the EgoPose space) or
                ``"mp4"`` (as stored in the MP4: Aria turned 90° clockwise).
        """
        return self.geometry.camera(self._views([view])[0], t=t, frame=frame, space=space)

    def project(
        self,
        points_world: np.ndarray,
        *,
        view: str,
        t: float | None = None,
        frame: int | None = None,
        space: Space = "mp4",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw world points in a view: ``(uv (N, 2) float pixels in space, visible (N,) bool)``.

        ``visible`` means in front of the camera and inside the image of that space.
        """
        return self.camera(view, t=t, frame=frame, space=space).project(points_world)

    def undistort(
        self, image: np.ndarray, *, view: str, orientation: Orientation = "mp4"
    ) -> tuple[np.ndarray, Camera]:
        """Undistort a full-resolution frame of ``view`` into the EgoPose space: ``(image, pinhole camera)``.

        ``orientation="mp4"`` takes Aria frames as stored (turned back to sensor orientation first).
        """
        v = self._views([view])[0]
        raw, _ = self.geometry.intrinsics(v, space="raw")
        dst, _ = self.geometry.intrinsics(v, space="undistorted")
        if orientation == "mp4" and v.is_ego and v.readable_stream_id != "0":
            image = np.rot90(image, k=1)  # undo the MP4's 90° clockwise turn (FORMAT §4.1)
        return undistort(image, src=raw, dst=dst)

    def _views(self, views: Sequence[str] | None) -> list[View]:
        if views is None:
            return [v for v in self.views if v.readable_stream_id in ("rgb", "0")]
        out = []
        for spec in views:
            match = [v for v in self.views if spec in (view_name(v), v.key, v.cam_id)]
            if not match:
                known = ", ".join(view_name(v) for v in self.views)
                raise NotFoundError(f"take {self.name} has no view {spec!r}; views: {known}")
            out.append(
                match[0] if len(match) == 1 else next(m for m in match if m.readable_stream_id == "rgb")
            )
        return out

    def _read(
        self, view: View, frames: np.ndarray, *, resolution: Resolution, orientation: Orientation
    ) -> np.ndarray:
        path = view.path_448 if resolution == "448" else view.path
        if path is None or not path.is_file():
            part = "downscaled_takes/448" if resolution == "448" else "takes"
            raise NotFoundError(f"video of view {view.key} is not downloaded (part {part!r})", path=path)
        index_dir = self.release.root / ".egoexo-kit" / "frames"
        reader, lock = _READERS.get(path, index_dir=index_dir)
        with lock:
            out = reader.get(frames.tolist())
        if orientation == "sensor" and view.is_ego:
            out = np.rot90(out, k=1, axes=(1, 2))  # undo the MP4's 90° clockwise turn (FORMAT §4.1)
        return np.ascontiguousarray(out)

    def _read_views(
        self, views: list[View], frames: np.ndarray, *, resolution: Resolution, orientation: Orientation
    ) -> dict[str, np.ndarray]:
        """Decode the views in parallel threads (FFmpeg releases the GIL); no pool for a single view."""

        def one(v: View) -> np.ndarray:
            return self._read(v, frames, resolution=resolution, orientation=orientation)

        if len(views) == 1:
            return {view_name(views[0]): one(views[0])}
        return dict(zip((view_name(v) for v in views), _decode_pool().map(one, views), strict=True))

    def frames(
        self,
        *,
        t: float | None = None,
        frame: int | None = None,
        views: Sequence[str] | None = None,
        resolution: Resolution = "full",
        orientation: Orientation = "mp4",
    ) -> dict[str, np.ndarray]:
        """The picture of every view at one instant: ``{view name: (H, W, 3) uint8}``.

        Args:
            t: seconds from take start (exactly one of ``t`` and ``frame``).
            frame: aligned frame index.
            views: ``aria01_214-1``, ``cam01``, ``aria01/slam-left`` …; default the Aria RGB and every exo.
            resolution: ``"full"`` or ``"448"`` (the downscaled part).
            orientation: ``"mp4"`` as stored, or ``"sensor"``: Aria images turned back to the sensor
                orientation their calibration uses.
        """
        if (t is None) == (frame is None):
            raise ValueError("frames() takes exactly one of t= (seconds from take start) or frame=")
        if t is not None:
            index = int(self.timeline.to_frame(t=t))
        else:
            self.timeline.to_time(frame=frame)  # raises FrameIndexError naming the valid range
            index = int(frame)
        clips = self._read_views(
            self._views(views), np.array([index]), resolution=resolution, orientation=orientation
        )
        return {name: clip[0] for name, clip in clips.items()}

    def clip(
        self,
        t0: float,
        t1: float,
        *,
        fps: float | None = None,
        views: Sequence[str] | None = None,
        resolution: Resolution = "full",
        orientation: Orientation = "mp4",
    ) -> dict[str, np.ndarray]:
        """Synchronized clips ``{view name: (T, H, W, 3) uint8}`` over ``[t0, t1)`` seconds from take start.

        ``fps=None`` keeps every aligned frame (30 fps); otherwise frames are sampled at ``fps``, each
        the aligned frame displayed at that instant.
        """
        if not t1 > t0:
            raise ValueError(f"clip needs t1 > t0, got [{t0}, {t1})")
        times = np.arange(t0, t1, 1.0 / (fps or 30.0))
        idx = np.asarray(self.timeline.to_frame(t=times), dtype=np.int64)
        return self._read_views(self._views(views), idx, resolution=resolution, orientation=orientation)

    def features(
        self, name: str, view: str, *, t0: float | None = None, t1: float | None = None
    ) -> FeatureRows:
        """Rows of ``features/<name>/`` for one view whose windows overlap ``[t0, t1)`` s from take start.

        ``view`` is ``cam01``, ``aria01`` or ``aria01/rgb``; with no ``t0``/``t1`` every row is returned.
        Each row comes with the take time its window covers (``FeatureRows.t0_s``/``t1_s``). The
        released ``(N, 1, D)`` files read as ``(N, D)``; a row count off the window formula by more
        than one is kept, with a located warning in ``FeatureRows.warnings``.
        """
        v = self.view(view)
        fs = FeatureSet.of_release(self.release.root, name)
        rows = fs.load(FeatureKey(self.uid, v.cam_id, v.readable_stream_id), n_frames=self.timeline.n_frames)
        if t0 is None and t1 is None:
            return rows
        return rows.between(0.0 if t0 is None else t0, self.timeline.duration_s if t1 is None else t1)

    def audio(self, *, view: str | None = None, t0: float | None = None, t1: float | None = None) -> Audio:
        """Audio between two take times: the Aria WAV (7 microphones) by default, or a GoPro's AAC track."""
        if view is None:
            paths = self.audio_paths
            if not paths:
                raise NotFoundError(f"take {self.name} has no audio/*.wav (part 'take_audio')")
            return read_audio(paths[0], start_s=t0, end_s=t1)
        v = self._views([view])[0]
        if v.path is None or not v.path.is_file():
            raise NotFoundError(f"video of view {v.key} is not downloaded (part 'takes')", path=v.path)
        return read_audio(v.path, start_s=t0, end_s=t1)

    # ---- sensors (issue 17 item 4): thin delegations to egoexo_kit.sensors -----------------------------
    @cached_property
    def sensors(self) -> _sensors.TakeSensors:
        """This take's sensor files (parsed once) for the :mod:`egoexo_kit.sensors` functions."""
        return _sensors.TakeSensors.from_take(self)  # its timeline is this take's, taken on first use

    def pose_at(self, t: float | np.ndarray, *, tolerance_s: float | None = 0.005) -> _sensors.Poses:
        """Aria ``T_world_device`` at take time ``t``, interpolated; ``is_valid`` False off the trajectory."""
        return _sensors.pose_at(self.sensors, t, tolerance_s=tolerance_s)

    def gaze(self, t0: float | None = None, t1: float | None = None) -> _sensors.GazeSamples:
        """3D eye-gaze rows (CPF) over ``[t0, t1)`` s from take start (:func:`egoexo_kit.sensors.gaze`)."""
        return _sensors.gaze(self.sensors, t0, t1)

    def imu(
        self, t0: float | None = None, t1: float | None = None, *, label: str = "imu-right"
    ) -> _sensors.ImuSamples:
        """IMU samples over ``[t0, t1)`` from the take's VRS (``[aria]``; :func:`egoexo_kit.sensors.imu`)."""
        return _sensors.imu(self.sensors, t0, t1, label=label)

    # ---- end of sensors ------------------------------------------------------------------------------


class Release(_ReleaseBase):
    """A release whose annotations are queryable: :meth:`catalog` (SQL) and :meth:`search` (text)."""

    row_offset: int | str | None = None
    """Timesync row of frame 0 for every take's timeline (``open_release(row_offset=...)``); None: default."""

    def catalog(self, *, rebuild: bool = True, progress: Any = None) -> duckdb.DuckDBPyConnection:
        """Update the annotation catalog (only changed files) and return a DuckDB connection to it.

        Tables and columns are listed in the README (``takes``, ``keysteps``, ``pose_frames`` …); the
        Parquet files live in ``<release>/.egoexo-kit/catalog/``.
        """
        from egoexo_kit.annotations import catalog

        return catalog(self, rebuild=rebuild, progress=progress)

    def search(
        self,
        text: str,
        *,
        families: Sequence[str] | None = None,
        limit: int = 10,
        semantic: bool = False,
        model: str | Path | None = None,
    ) -> list[SearchHit]:
        """Atomic descriptions, expert comments and narrations matching ``text``, best first.

        BM25 by default; ``semantic=True`` ranks by sentence-embedding cosine similarity instead, with a
        local ``sentence-transformers`` model (``model``: a folder or a cached name, default
        ``$EGOEXO_EMBED_MODEL``; never downloaded).
        """
        from egoexo_kit.annotations import CATALOG_DIR, search, semantic_search

        fams = list(families) if families else None
        if semantic:
            cat = Path(self.root) / CATALOG_DIR
            return semantic_search(self.catalog(), cat, text, model=model, families=fams, limit=limit)
        return search(self.catalog(), text, families=fams, limit=limit)


def open_release(root: str | Path, *, strict: bool = False, row_offset: int | str | None = None) -> Release:
    """Open a release in the official Ego-Exo4D layout; takes have frames, clips, audio and annotations.

    Args:
        root: The release folder.
        strict: Lenient by default: a metadata record that does not parse is left out and listed,
            located, in ``release.warnings``; ``True`` raises
            :class:`~egoexo_kit.errors.FormatError` on the first.
        row_offset: Which timesync row is a take's frame 0: frame ``i`` ↔ row
            ``timesync_start_idx + row_offset + i`` (FORMAT §3.2, §11 C1). ``None``:
            ``$EGOEXO_KIT_ROW_OFFSET``, else +1 (the docs' convention); ``0`` is the EgoPose
            pipeline's; ``"auto"`` measures it per take (:meth:`Take.detect_row_offset`), keeping +1
            where a take has no trajectory or ``camera_pose`` to measure it with.
    """
    if row_offset is not None:
        resolve_row_offset(row_offset)  # refuse a bad value now, not at the first timeline
    release = Release.open(root, take_type=Take, strict=strict)
    release.row_offset = row_offset
    return release
