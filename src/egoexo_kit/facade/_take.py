"""The take users get from ``egoexo_kit.open_release``: one object for metadata, time, video and more.

:class:`Take` is built by composition (STYLE §1, LeRobot's dataset facade): it holds its
:class:`~egoexo_kit.release.TakeEntry` (the ``takes.json`` record and every path), and builds on
demand a :class:`~egoexo_kit.timeline.TakeTimeline`, the synced decoders of ``video``, the
:class:`~egoexo_kit.geometry.TakeCameras` and the :class:`~egoexo_kit.annotations.TakeAnnotations`.
It holds none of their logic, and it delegates each entry attribute by an explicit property, so the
full surface is visible here. Methods are grouped: identity, time, views, files, video, geometry,
audio and sensors, annotations and features.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from egoexo_kit import sensors as _sensors
from egoexo_kit._io import cache_dir
from egoexo_kit.errors import ArgumentError, NotFoundError
from egoexo_kit.facade._decoders import READERS, decode_pool
from egoexo_kit.features import FeatureKey, FeatureRows, FeatureSet
from egoexo_kit.geometry import Camera, PosedCamera, Space, TakeCameras, undistort
from egoexo_kit.limits import CLIP_FPS, CLIP_FRAMES
from egoexo_kit.release import CameraRecord, CaptureRecord, TakeEntry, TakeRecord, View, take_facts
from egoexo_kit.sensors import Audio, read_audio
from egoexo_kit.timeline import DEFAULT_ROW_OFFSET, TakeTimeline, resolve_row_offset
from egoexo_kit.vocab import FPS

if TYPE_CHECKING:
    from egoexo_kit.annotations import TakeAnnotations
    from egoexo_kit.facade._release import Release
    from egoexo_kit.release import ParticipantRecord, PhysicalSettingRecord
    from egoexo_kit.timeline import RowOffsetCheck
    from egoexo_kit.video import Opener, VideoReader

__all__ = ["Orientation", "Resolution", "Take", "clip_times"]

Resolution = Literal["full", "448"]
Orientation = Literal["mp4", "sensor"]
ViewName = str | View
"""A view in any spelling :func:`~egoexo_kit.release.resolve_view` accepts, or a :class:`View`."""


def clip_times(t0: float, t1: float, *, fps: float | None = None) -> np.ndarray:
    """The sample times (s) of a clip over ``[t0, t1)`` at ``fps`` (``None``: every frame, 30 fps).

    Checked before anything is allocated, so ``fps=1e9`` or ``t1=1e308`` is one line, not gigabytes.

    Raises:
        ArgumentError: ``t1 <= t0``, a NaN bound, or a rate that is not a positive number.
        LimitError: a rate over the ``clip_fps`` cap or more frames than the ``clip_frames`` cap.
    """
    if not t1 > t0:  # also refuses NaN
        raise ArgumentError(f"clip needs t1 > t0, got [{t0}, {t1})")
    rate = float(FPS) if fps is None else fps
    if not rate > 0:
        raise ArgumentError(f"clip fps must be a positive number, got {fps}")
    CLIP_FPS.check(rate)
    span = (t1 - t0) * rate
    CLIP_FRAMES.check(math.ceil(span) if math.isfinite(span) else math.inf)
    # the count from the span, not np.arange's float steps (which give 4 samples for 0.1 s at 30 fps
    # at some starts and 3 at others): every window of one length has the same number of frames
    return t0 + np.arange(max(1, math.ceil(span - 1e-9))) / rate


class Take:
    """One take of a release: its entry, timeline, synced video, cameras, audio and annotations.

    Get takes from :func:`egoexo_kit.open_release` (``release.take(name)``, ``release.takes``).
    Every view argument accepts any spelling (``aria01_214-1``, ``aria01/rgb``, ``aria01``,
    ``cam01``, ``cam01_0``); every result is keyed by the canonical :attr:`View.key`.
    """

    def __init__(self, entry: TakeEntry, release: Release) -> None:
        self.entry = entry
        """The metadata entry: the ``takes.json`` record bound to the release folder."""
        self.release = release
        """The :class:`~egoexo_kit.Release` this take belongs to."""

    def __repr__(self) -> str:
        return f"Take({self.name!r}, {take_facts(self.entry)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Take) and other.entry == self.entry

    def __hash__(self) -> int:
        return hash((self.uid, self.entry.index))

    # ---- identity (from the entry) -----------------------------------------------------------------
    @property
    def record(self) -> TakeRecord:
        """The ``takes.json`` record as parsed."""
        return self.entry.record

    @property
    def index(self) -> int:
        """Position in ``takes.json`` (for error locations)."""
        return self.entry.index

    @property
    def uid(self) -> str:
        """``take_uid``."""
        return self.entry.uid

    @property
    def name(self) -> str:
        """``take_name``."""
        return self.entry.name

    @property
    def scenario(self) -> str | None:
        """Scenario (``parent_task_name``, FORMAT §2.1)."""
        return self.entry.scenario

    @property
    def university(self) -> str | None:
        """``university_name``."""
        return self.entry.university

    @property
    def capture(self) -> CaptureRecord | None:
        """The ``captures.json`` entry, else the copy embedded in the take."""
        return self.entry.capture

    @property
    def capture_name(self) -> str:
        """The capture's name (FORMAT §2.7)."""
        return self.entry.capture_name

    @property
    def participant(self) -> ParticipantRecord | None:
        """The participant record, if ``participants.json`` is present and lists it."""
        return self.entry.participant

    @property
    def physical_setting(self) -> PhysicalSettingRecord | None:
        """The physical setting record, if present."""
        return self.entry.physical_setting

    @property
    def objects(self) -> list[dict]:
        """Visual objects of the take, enriched from ``visual_objects.json``."""
        return self.entry.objects

    @property
    def split(self) -> str | None:
        """``train``/``val``/``test`` from ``annotations/splits.json``."""
        return self.entry.split

    @property
    def benchmarks(self) -> list[str]:
        """Benchmarks this take belongs to (``take_uid_to_benchmark``)."""
        return self.entry.benchmarks

    # ---- time --------------------------------------------------------------------------------------
    @property
    def n_frames(self) -> int | None:
        """Frames of every aligned video from the record's window (FORMAT §3.2); None without one."""
        return self.entry.n_frames

    @property
    def duration_s(self) -> float | None:
        """Seconds: the record's ``duration_sec`` field, else ``(end - start) / 30`` (FORMAT §2.1)."""
        return self.entry.duration_s

    @property
    def task_window(self) -> tuple[float, float] | None:
        """``(task_start_sec, task_end_sec)`` in seconds from take start, when both are known."""
        return self.entry.task_window

    @cached_property
    def timeline(self) -> TakeTimeline:
        """Conversions between take time, aligned frame index and device clocks (reads timesync once).

        Frame ``i`` is timesync row ``start + row_offset + i``: the release's ``row_offset`` (see
        :func:`egoexo_kit.open_release`), else ``$EGOEXO_KIT_ROW_OFFSET``, else +1 (FORMAT §3.2);
        ``"auto"`` measures it with :meth:`detect_row_offset` (+1 when there is no evidence).
        """
        self.fetch(parts=("captures",))  # a remote release: timesync.csv only
        offset = resolve_row_offset(self.release.row_offset)
        if offset == "auto":
            found = self.detect_row_offset().best
            offset = DEFAULT_ROW_OFFSET if found is None else found
        return TakeTimeline.from_take(self.entry, row_offset=offset)

    def detect_row_offset(self) -> RowOffsetCheck:
        """Measure which timesync row is frame 0 from the trajectory and EgoPose ``camera_pose`` (§11 C1)."""
        from egoexo_kit.facade._row_offset import detect_row_offset

        self.fetch(parts=("captures", "take_trajectory"))  # a remote release: timesync, trajectory
        return detect_row_offset(self)

    def fetch(self, *, parts: tuple[str, ...] | None = None) -> None:
        """A remote release: bring this take's (and its capture's) small files into the local shadow.

        ``parts``: only those parts; ``None``: every part (calibration, trajectories, gaze, annotations …).
        Media stay remote (read by range). A local release: nothing to do.
        """
        remote = self.release.remote
        if remote is not None:
            remote.ensure_take(self.uid, self.record.capture_uid, parts=parts)

    # ---- views ---------------------------------------------------------------------------------------
    @property
    def views(self) -> tuple[View, ...]:
        """Every camera stream of ``frame_aligned_videos`` (collage and best-exo excluded)."""
        return self.entry.views

    @property
    def ego_views(self) -> tuple[View, ...]:
        """The Aria streams (rgb, slam-left, slam-right, et) and any ego GoPro."""
        return self.entry.ego_views

    @property
    def exo_views(self) -> tuple[View, ...]:
        """The exocentric cameras."""
        return self.entry.exo_views

    @property
    def aria_id(self) -> str | None:
        """The ego Aria id (``aria01``, ``aria02`` …): never assume ``aria01`` (FORMAT §1.2)."""
        return self.entry.aria_id

    @property
    def cameras(self) -> dict[str, CameraRecord]:
        """Capture camera records by ``cam_id``."""
        return self.entry.cameras

    @property
    def best_exo(self) -> str | None:
        """The exo camera that shows the task best (``best_exo`` in ``takes.json``)."""
        return self.entry.best_exo

    def view(self, name: ViewName, stream: str | None = None) -> View:
        """One view by any spelling (``aria01_214-1``, ``aria01/rgb``, ``aria01``, ``cam01``, ``cam01_0``).

        Args:
            name: The view, or a camera id when ``stream`` is given.
            stream: A readable stream (``rgb``, ``slam-left``) or stream id (``214-1``) of ``name``.

        Raises:
            NotFoundError: The take has no such view (the message lists its canonical keys).
        """
        return self.entry.view(name, stream)

    def select_views(self, views: Sequence[ViewName] | None = None) -> list[View]:
        """The views named in any spelling, in order; ``None``: the Aria RGB and every exo."""
        if views is None:
            return [v for v in self.views if v.readable_stream_id in ("rgb", "0")]
        return [self.view(spec) for spec in views]

    # ---- files (paths from the entry) ----------------------------------------------------------------
    @property
    def dir(self) -> Path:
        """The take folder (tolerates the ``takes/takes/…`` download bug, FORMAT §1.5)."""
        return self.entry.dir

    def file(self, relative_path: str) -> Path:
        """A path under the take folder, refused if it escapes the release root."""
        return self.entry.file(relative_path)

    @property
    def collage_path(self) -> Path | None:
        """``ego_preview.mp4``, the all-views collage (FORMAT §4.2)."""
        return self.entry.collage_path

    @property
    def best_exo_collage_path(self) -> Path | None:
        """The best-exo side-by-side collage; usually ``None`` (null path)."""
        return self.entry.best_exo_collage_path

    @property
    def vrs_path(self) -> Path | None:
        """The trimmed VRS without image streams (``aria01_noimagestreams.vrs``)."""
        return self.entry.vrs_path

    @property
    def vrs_all_streams_path(self) -> Path | None:
        """The trimmed VRS with every stream (``aria01.vrs``)."""
        return self.entry.vrs_all_streams_path

    @property
    def trajectory_dir(self) -> Path:
        """``trajectory/``: MPS trajectory, GoPro calibration and point cloud (FORMAT §6)."""
        return self.entry.trajectory_dir

    @property
    def closed_loop_trajectory_path(self) -> Path:
        """``trajectory/closed_loop_trajectory.csv``."""
        return self.entry.closed_loop_trajectory_path

    @property
    def open_loop_trajectory_path(self) -> Path:
        """``trajectory/open_loop_trajectory.csv`` (optional)."""
        return self.entry.open_loop_trajectory_path

    @property
    def online_calibration_path(self) -> Path:
        """``trajectory/online_calibration.jsonl`` (optional)."""
        return self.entry.online_calibration_path

    @property
    def gopro_calibs_path(self) -> Path:
        """``trajectory/gopro_calibs.csv``: KB3 intrinsics and ``T_world_cam`` of each exo camera."""
        return self.entry.gopro_calibs_path

    @property
    def point_cloud_path(self) -> Path:
        """``semidense_points.csv.gz`` (or the dev-era ``global_points.csv.gz`` when only it exists)."""
        return self.entry.point_cloud_path

    @property
    def point_observations_path(self) -> Path:
        """``trajectory/semidense_observations.csv.gz``."""
        return self.entry.point_observations_path

    @property
    def eye_gaze_dir(self) -> Path:
        """``eye_gaze/`` (part ``take_eye_gaze``)."""
        return self.entry.eye_gaze_dir

    def eye_gaze_path(self, *, kind: Literal["general", "personalized"] = "general", dim: int = 3) -> Path:
        """``eye_gaze/{general,personalized}_eye_gaze[_2d].csv``."""
        return self.entry.eye_gaze_path(kind=kind, dim=dim)

    @property
    def audio_paths(self) -> list[Path]:
        """``audio/*.wav`` (located by pattern, FORMAT §1.2)."""
        return self.entry.audio_paths

    @property
    def transcription_paths(self) -> list[Path]:
        """``audio/*_transcriptions.json`` (narrated takes and others)."""
        return self.entry.transcription_paths

    @property
    def timesync_path(self) -> Path:
        """The capture's ``timesync.csv`` (part ``captures``)."""
        return self.entry.timesync_path

    # ---- video -----------------------------------------------------------------------------------------
    def _reader(self, view: View, resolution: Resolution) -> tuple[VideoReader, threading.Lock]:
        """The shared open decoder of ``view``'s video and the lock to hold while using it."""
        path = view.path_448 if resolution == "448" else view.path
        opener = self.media_opener(path)
        if opener is not None:
            return READERS.get(path, index_dir=None, opener=opener)
        if path is None or not path.is_file():
            raise self._no_video(view, path, part="downscaled_takes/448" if resolution == "448" else "takes")
        index_dir = cache_dir("frames")  # only the scan fallback writes there, never into the release
        return READERS.get(path, index_dir=index_dir)

    def _no_video(self, view: View, path: Path | None, *, part: str) -> NotFoundError:
        """The error for a video of ``view`` that is neither on disk nor on the release's mirror."""
        remote = self.release.remote
        where = f"on the mirror {remote.url}" if remote is not None else "downloaded"
        return NotFoundError(f"video of view {view.key} is not {where} (part {part!r})", path=path)

    def media_opener(self, path: Path | None) -> Opener | None:
        """How to read a media file of this take from its mirror, by range (``None``: local, or not listed).

        ``path`` is the file's place in the release (``view.path``); pass the opener to
        :class:`~egoexo_kit.video.VideoReader`, :func:`~egoexo_kit.video.cut_video` or
        :func:`~egoexo_kit.sensors.read_audio`.
        """
        remote = self.release.remote
        if remote is None or path is None or not remote.exists(path):
            return None
        return functools.partial(remote.open_file, path)

    def _read(
        self, view: View, frames: np.ndarray, *, resolution: Resolution, orientation: Orientation
    ) -> np.ndarray:
        reader, lock = self._reader(view, resolution)
        with lock:
            out = reader.get_frames_at(frames.tolist()).data
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
            return {views[0].key: one(views[0])}
        return dict(zip((v.key for v in views), decode_pool().map(one, views), strict=True))

    def frames(
        self,
        *,
        t: float | None = None,
        frame: int | None = None,
        views: Sequence[ViewName] | None = None,
        resolution: Resolution = "full",
        orientation: Orientation = "mp4",
    ) -> dict[str, np.ndarray]:
        """The picture of every view at one instant: ``{view key: (H, W, 3) uint8}``.

        Args:
            t: seconds from take start (exactly one of ``t`` and ``frame``).
            frame: aligned frame index.
            views: views in any spelling (``aria01_214-1``, ``aria01``, ``cam01``, ``aria01/slam-left``
                …); default the Aria RGB and every exo.
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
            index = int(frame)  # type: ignore[arg-type]
        clips = self._read_views(
            self.select_views(views), np.array([index]), resolution=resolution, orientation=orientation
        )
        return {name: clip[0] for name, clip in clips.items()}

    def clip(
        self,
        t0: float,
        t1: float,
        *,
        fps: float | None = None,
        views: Sequence[ViewName] | None = None,
        resolution: Resolution = "full",
        orientation: Orientation = "mp4",
    ) -> dict[str, np.ndarray]:
        """Synchronized clips ``{view key: (T, H, W, 3) uint8}`` over ``[t0, t1)`` seconds from take start.

        ``fps=None`` keeps every aligned frame (30 fps); otherwise frames are sampled at ``fps``, each
        the aligned frame displayed at that instant. The rate and the number of frames are checked
        against the ``clip_fps`` and ``clip_frames`` caps before anything is decoded
        (:class:`~egoexo_kit.errors.LimitError`).
        """
        idx = self.clip_frames(t0, t1, fps=fps)
        return self._read_views(self.select_views(views), idx, resolution=resolution, orientation=orientation)

    def clip_frames(self, t0: float, t1: float, *, fps: float | None = None) -> np.ndarray:
        """The aligned frame indices :meth:`clip` returns for ``[t0, t1)`` at ``fps``, as ``(T,)`` int64."""
        return np.asarray(self.timeline.to_frame(t=clip_times(t0, t1, fps=fps)), dtype=np.int64)

    def frames_at(
        self,
        *,
        t: Sequence[float] | np.ndarray | None = None,
        frames: Sequence[int] | np.ndarray | None = None,
        views: Sequence[ViewName] | None = None,
        resolution: Resolution = "full",
        orientation: Orientation = "mp4",
    ) -> dict[str, np.ndarray]:
        """Many instants at once: ``{view key: (N, H, W, 3) uint8}``, in the caller's order.

        The batch form of :meth:`frames` (a DataLoader batch, a set of annotated frames): requests are
        sorted per view and each group of pictures is decoded once for all the instants that fall in
        it, so ``N`` instants cost far less than ``N`` calls when several share a group of pictures.

        Args:
            t: seconds from take start (exactly one of ``t`` and ``frames``).
            frames: aligned frame indices (duplicates and any order allowed).
            views: as in :meth:`frames`.
            resolution: as in :meth:`frames`.
            orientation: as in :meth:`frames`.
        """
        if (t is None) == (frames is None):
            raise ValueError("frames_at() takes exactly one of t= (seconds from take start) or frames=")
        if t is not None:
            idx = np.asarray(self.timeline.to_frame(t=np.asarray(t, dtype=np.float64)), dtype=np.int64)
        else:
            idx = np.asarray(frames)
            if idx.size and (idx.dtype.kind not in "iu" or idx.ndim != 1):
                raise ArgumentError(f"frames= must be a 1-D sequence of ints, got {idx.dtype} {idx.shape}")
            idx = idx.astype(np.int64)
            if idx.size:
                self.timeline.to_time(frame=int(idx.min()))  # FrameIndexError naming the valid range
                self.timeline.to_time(frame=int(idx.max()))
        CLIP_FRAMES.check(int(idx.size))
        return self._read_views(
            self.select_views(views), idx.reshape(-1), resolution=resolution, orientation=orientation
        )

    def keyframes(self, view: ViewName | None = None, *, resolution: Resolution = "full") -> np.ndarray:
        """Aligned frame indices of the keyframes of one view's video (default: the first selected view).

        Random access starts decoding at the keyframe at or before the wanted frame, so requests
        between two consecutive keyframes share one decode (what :class:`~egoexo_kit.torch.GopBatchSampler`
        groups by).
        """
        v = self.select_views([view] if view is not None else None)[0]
        reader, lock = self._reader(v, resolution)
        with lock:
            return reader.keyframes.copy()

    # ---- geometry ----------------------------------------------------------------------------------------
    @cached_property
    def geometry(self) -> TakeCameras:
        """Every calibrated camera of the take at any instant (calibration files are read once)."""
        self.fetch(parts=("captures", "take_trajectory"))  # a remote release: calibration, trajectory
        return TakeCameras(self.entry, self.timeline)

    def camera(
        self, view: ViewName, *, t: float | None = None, frame: int | None = None, space: Space = "raw"
    ) -> PosedCamera:
        """The calibrated camera of ``view`` (any spelling; ``aria01`` means its RGB) at one instant.

        Args:
            view: the view (``cam01``, ``aria01_214-1``, ``aria01/slam-left`` …).
            t: seconds from take start (exactly one of ``t`` and ``frame``).
            frame: aligned frame index.
            space: ``"raw"`` (distorted, sensor orientation), ``"undistorted"`` (the EgoPose space) or
                ``"mp4"`` (as stored in the MP4: Aria turned 90° clockwise).
        """
        if frame is not None:
            self.timeline.to_time(frame=frame)  # raises FrameIndexError naming the valid range
        return self.geometry.camera(self.view(view), t=t, frame=frame, space=space)

    def project(
        self,
        points_world: np.ndarray,
        *,
        view: ViewName,
        t: float | None = None,
        frame: int | None = None,
        space: Space = "mp4",
    ) -> tuple[np.ndarray, np.ndarray]:
        """Draw world points in a view: ``(uv (N, 2) float pixels in space, visible (N,) bool)``.

        ``visible`` means in front of the camera and inside the image of that space.
        """
        return self.camera(view, t=t, frame=frame, space=space).project(points_world)

    def undistort(
        self, image: np.ndarray, *, view: ViewName, orientation: Orientation = "mp4"
    ) -> tuple[np.ndarray, Camera]:
        """Undistort a full-resolution frame of ``view`` into the EgoPose space: ``(image, pinhole camera)``.

        ``orientation="mp4"`` takes Aria frames as stored (turned back to sensor orientation first).
        """
        v = self.view(view)
        raw, _ = self.geometry.intrinsics(v, space="raw")
        dst, _ = self.geometry.intrinsics(v, space="undistorted")
        if orientation == "mp4" and v.is_ego and v.readable_stream_id != "0":
            image = np.rot90(image, k=1)  # undo the MP4's 90° clockwise turn (FORMAT §4.1)
        return undistort(image, src=raw, dst=dst)

    # ---- audio and sensors -------------------------------------------------------------------------------
    def audio(
        self, *, view: ViewName | None = None, t0: float | None = None, t1: float | None = None
    ) -> Audio:
        """Audio between two take times: the Aria WAV (7 microphones) by default, or a GoPro's AAC track."""
        if view is None:
            self.fetch(parts=("take_audio",))  # a remote release: the WAV (a GoPro's track is read by range)
            return _sensors.audio(self.sensors, t0, t1)
        v = self.view(view)
        opener = self.media_opener(v.path)
        if opener is None and (v.path is None or not v.path.is_file()):
            raise self._no_video(v, v.path, part="takes")
        return read_audio(v.path, start_s=t0, end_s=t1, opener=opener)

    @cached_property
    def sensors(self) -> _sensors.TakeSensors:
        """This take's sensor files (parsed once) for the :mod:`egoexo_kit.sensors` functions.

        On a remote release each file is fetched when a function first reads it (the trajectory for
        ``pose_at``, the point cloud for ``point_cloud`` …), not every sensor file of the take.
        """
        remote = self.release.remote
        fetch = remote.fetch_whole if remote is not None else None
        return _sensors.TakeSensors.from_take(self.entry, timeline=self.timeline, fetch=fetch)

    def pose_at(self, t: float | np.ndarray, *, tolerance_s: float | None = 0.005) -> _sensors.Poses:
        """Aria ``T_world_device`` at take time ``t``, interpolated; ``is_valid`` False off the trajectory."""
        return _sensors.pose_at(self.sensors, t, tolerance_s=tolerance_s)

    def gaze(self, t0: float | None = None, t1: float | None = None) -> _sensors.GazeSamples:
        """3D eye-gaze rows (CPF) over ``[t0, t1)`` s from take start (:func:`egoexo_kit.sensors.gaze`)."""
        return _sensors.gaze(self.sensors, t0, t1)

    def imu(
        self, t0: float | None = None, t1: float | None = None, *, label: str = "imu-right"
    ) -> _sensors.ImuSamples:
        """IMU samples over ``[t0, t1)`` from the take's VRS (``[aria]``; :func:`egoexo_kit.sensors.imu`).

        On a remote release the VRS without image streams (else the full one) is fetched whole into
        the local shadow on first use: projectaria-tools reads only local files (about 200 MB a take).
        """
        remote = self.release.remote
        if remote is not None:
            for vrs in (self.vrs_path, self.vrs_all_streams_path):
                if vrs is not None and remote.fetch_whole(vrs):
                    break
        return _sensors.imu(self.sensors, t0, t1, label=label)

    # ---- annotations and features --------------------------------------------------------------------------
    @cached_property
    def annotations(self) -> TakeAnnotations:
        """Every annotation family of this take (``take.annotations.keysteps``, ``.pose("hand")`` …)."""
        from egoexo_kit.annotations import TakeAnnotations, release_annotations  # annotations sit above

        self.fetch(parts=("captures", "take_transcription"))  # timesync, transcriptions; not the sensors
        self.release.fetch_annotations(self)
        return TakeAnnotations(self.entry, release_annotations(self.release.index))

    def features(
        self, name: str, view: ViewName, *, t0: float | None = None, t1: float | None = None
    ) -> FeatureRows:
        """Rows of ``features/<name>/`` for one view whose windows overlap ``[t0, t1)`` s from take start.

        ``view`` is any spelling (``cam01``, ``aria01``, ``aria01_214-1``, ``aria01/rgb``); with no
        ``t0``/``t1`` every row is returned. Each row comes with the take time its window covers
        (``FeatureRows.t0_s``/``t1_s``). The released ``(N, 1, D)`` files read as ``(N, D)``; a row
        count off the window formula by more than one is kept, with a located warning in
        ``FeatureRows.warnings``.
        """
        v = self.view(view)
        self.fetch(parts=(f"features/{name}",))  # a remote release: this take's files of that model
        fs = FeatureSet.of_release(self.release.root, name)
        rows = fs.load(FeatureKey(self.uid, v.cam_id, v.readable_stream_id), n_frames=self.timeline.n_frames)
        if t0 is None and t1 is None:
            return rows
        return rows.between(0.0 if t0 is None else t0, self.timeline.duration_s if t1 is None else t1)
