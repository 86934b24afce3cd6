"""The metadata entry of one take: its ``takes.json`` record bound to the release folder (FORMAT §1.2, §2.2).

:class:`TakeEntry` says what a take is and where its files are: identity, views, window and the
path of every per-take file. It reads no media; the user-facing :class:`egoexo_kit.Take` composes
one with a timeline, synced video, cameras and annotations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from egoexo_kit.release._paths import safe_join
from egoexo_kit.release._records import (
    CameraRecord,
    CaptureRecord,
    ParticipantRecord,
    PhysicalSettingRecord,
    TakeRecord,
    VideoEntry,
)
from egoexo_kit.release._view import View, resolve_view
from egoexo_kit.vocab import FPS, pointer, short_uid

if TYPE_CHECKING:
    from egoexo_kit.release._index import ReleaseIndex

__all__ = ["FPS", "NON_CAMERA_KEYS", "TakeEntry", "take_facts"]

NON_CAMERA_KEYS = frozenset({"collage", "best_exo"})
"""``frame_aligned_videos`` keys that are not cameras (FORMAT §2.2)."""

DOWNSCALED_DIR = "frame_aligned_videos/downscaled/448"
"""Where the 448p variant of each aligned video lives, relative to the take folder (FORMAT §4.3)."""


@dataclass(frozen=True)
class TakeEntry:
    """A take record bound to its release folder: views, window, sensor and annotation paths."""

    record: TakeRecord
    """The ``takes.json`` record as parsed."""
    release: ReleaseIndex = field(repr=False, compare=False)
    index: int = field(default=-1, repr=False, compare=False)
    """Position in ``takes.json`` (for error locations)."""

    def __repr__(self) -> str:
        return f"TakeEntry({self.name!r}, {take_facts(self)})"

    # ---- identity and metadata -------------------------------------------------------------------
    @property
    def uid(self) -> str:
        """``take_uid``."""
        return self.record.take_uid

    @property
    def name(self) -> str:
        """``take_name``."""
        return self.record.take_name

    @property
    def scenario(self) -> str | None:
        """Scenario (``parent_task_name``, FORMAT §2.1)."""
        return self.record.scenario

    @property
    def university(self) -> str | None:
        """``university_name``."""
        return self.record.university_name

    @cached_property
    def capture(self) -> CaptureRecord | None:
        """The ``captures.json`` entry, else the copy embedded in the take."""
        return self.release.capture_or_none(self.record.capture_uid or "") or self.record.capture

    @property
    def capture_name(self) -> str:
        """The capture's name (FORMAT §2.7)."""
        return self.capture.capture_name if self.capture is not None else self.record.capture_name

    @property
    def participant(self) -> ParticipantRecord | None:
        """The participant record, if ``participants.json`` is present and lists it."""
        return self.release.participant_or_none(self.record.participant_uid)

    @property
    def physical_setting(self) -> PhysicalSettingRecord | None:
        """The physical setting record, if present."""
        return self.release.physical_setting_or_none(self.record.physical_setting_uid)

    @property
    def objects(self) -> list[dict]:
        """Visual objects of the take, enriched from ``visual_objects.json`` where it lists them."""
        known = self.release.visual_objects_by_uid
        return [
            {**(known[o["object_uid"]].model_dump() if o.get("object_uid") in known else {}), **o}
            for o in self.record.objects
        ]

    @property
    def split(self) -> str | None:
        """``train``/``val``/``test`` from ``annotations/splits.json``."""
        return self.release.splits.split_of(self.uid) if self.release.splits else None

    @property
    def benchmarks(self) -> list[str]:
        """Benchmarks this take belongs to (``take_uid_to_benchmark``)."""
        return (
            list(self.release.splits.take_uid_to_benchmark.get(self.uid, [])) if self.release.splits else []
        )

    # ---- time ------------------------------------------------------------------------------------
    @property
    def n_frames(self) -> int | None:
        """Frames of every aligned video: ``timesync_end_idx - timesync_start_idx - 1`` (FORMAT §3.2)."""
        r = self.record
        if r.timesync_start_idx is None or r.timesync_end_idx is None:
            return None
        return r.timesync_end_idx - r.timesync_start_idx - 1

    @property
    def duration_s(self) -> float | None:
        """Seconds: the record's ``duration_sec`` field, else ``(end - start) / 30`` (timesync window)."""
        r = self.record
        if r.duration_sec is not None:
            return r.duration_sec
        if r.timesync_start_idx is None or r.timesync_end_idx is None:
            return None
        return (r.timesync_end_idx - r.timesync_start_idx) / FPS

    @property
    def task_window(self) -> tuple[float, float] | None:
        """``(task_start_sec, task_end_sec)`` in seconds from take start, when both are known."""
        r = self.record
        if r.task_start_sec is None or r.task_end_sec is None:
            return None
        return (r.task_start_sec, r.task_end_sec)

    # ---- folders and files -------------------------------------------------------------------------
    @cached_property
    def dir(self) -> Path:
        """The take folder; tolerates the pre-2023-12 ``takes/takes/…`` download bug (FORMAT §1.5)."""
        return self.release.resolve_dir(self.record.dir, source="takes.json", pointer=self._ptr("root_dir"))

    def file(self, relative_path: str) -> Path:
        """A path under the take folder, refused if it escapes the release root."""
        return safe_join(
            self.release.root, self._rel_dir, relative_path, source="takes.json", pointer=self._ptr()
        )

    @cached_property
    def _rel_dir(self) -> str:
        return self.dir.relative_to(self.release.root).as_posix()

    def _ptr(self, *parts: object) -> str:
        return pointer(self.index, *parts)

    @cached_property
    def cameras(self) -> dict[str, CameraRecord]:
        """Capture cameras by ``cam_id``."""
        return {c.cam_id: c for c in (self.capture.cameras if self.capture else [])}

    @cached_property
    def aria_id(self) -> str | None:
        """The ego Aria id (``aria01``, ``aria02`` …): never assume ``aria01`` (FORMAT §1.2)."""
        for cam_id, streams in self.record.frame_aligned_videos.items():
            if cam_id not in NON_CAMERA_KEYS and "rgb" in streams:
                return cam_id
        for cam in self.cameras.values():
            if cam.is_ego and cam.is_aria:
                return cam.cam_id
        return None

    def _is_ego(self, cam_id: str) -> bool:
        cam = self.cameras.get(cam_id)
        return cam.is_ego if cam is not None else cam_id == self.aria_id or cam_id.lower().startswith("aria")

    @cached_property
    def views(self) -> tuple[View, ...]:
        """Every camera stream listed in ``frame_aligned_videos`` (collage and best-exo excluded)."""
        out = []
        for cam_id, streams in self.record.frame_aligned_videos.items():
            if cam_id in NON_CAMERA_KEYS:
                continue
            for key, entry in streams.items():
                out.append(self._view(cam_id, key, entry))
        return tuple(out)

    def _view(self, cam_id: str, key: str, entry: VideoEntry | None) -> View:
        entry = entry or VideoEntry()
        rel = entry.relative_path
        path = self.file(rel) if rel else None
        path_448 = self.file(f"{DOWNSCALED_DIR}/{Path(rel).name}") if rel else None
        return View(
            cam_id=entry.cam_id or cam_id,
            stream_id=entry.stream_id,
            readable_stream_id=key,
            is_ego=self._is_ego(cam_id),
            clip_uid=entry.clip_uid,
            relative_path=rel,
            path=path,
            path_448=path_448,
        )

    @property
    def ego_views(self) -> tuple[View, ...]:
        """The Aria streams (rgb, slam-left, slam-right, et) and any ego GoPro."""
        return tuple(v for v in self.views if v.is_ego)

    @property
    def exo_views(self) -> tuple[View, ...]:
        """The exocentric cameras."""
        return tuple(v for v in self.views if not v.is_ego)

    def view(self, name: str | View, stream: str | None = None) -> View:
        """One view by any spelling (:func:`~egoexo_kit.release.resolve_view`).

        ``aria01_214-1``, ``cam01``, ``aria01/rgb``, ``aria01`` (its RGB), ``cam01_0``; or a camera id
        and a stream (``rgb``, ``214-1``).
        """
        spelling = name if stream is None else f"{name}/{stream}"
        return resolve_view(self.views, spelling, take=self.name)

    @property
    def best_exo(self) -> str | None:
        """The exo camera that shows the task best (``best_exo`` in ``takes.json``)."""
        return self.record.best_exo

    def _special_video(self, key: str) -> Path | None:
        entry = (self.record.frame_aligned_videos.get(key) or {}).get("0")
        return self.file(entry.relative_path) if entry is not None and entry.relative_path else None

    @property
    def collage_path(self) -> Path | None:
        """``ego_preview.mp4``, the all-views collage (FORMAT §4.2)."""
        return self._special_video("collage")

    @property
    def best_exo_collage_path(self) -> Path | None:
        """The best-exo side-by-side collage; usually ``None`` (null path)."""
        return self._special_video("best_exo")

    @property
    def vrs_path(self) -> Path | None:
        """The trimmed VRS without image streams (``aria01_noimagestreams.vrs``)."""
        rel = self.record.vrs_relative_path
        return self.file(rel) if rel else None

    @property
    def vrs_all_streams_path(self) -> Path | None:
        """The trimmed VRS with every stream (``aria01.vrs``)."""
        rel = self.record.vrs_all_streams_relative_path
        return self.file(rel) if rel else None

    @property
    def trajectory_dir(self) -> Path:
        """``trajectory/``: MPS trajectory, GoPro calibration and point cloud (FORMAT §6)."""
        return self.file("trajectory")

    @property
    def closed_loop_trajectory_path(self) -> Path:
        """``trajectory/closed_loop_trajectory.csv``."""
        return self.trajectory_dir / "closed_loop_trajectory.csv"

    @property
    def open_loop_trajectory_path(self) -> Path:
        """``trajectory/open_loop_trajectory.csv`` (optional)."""
        return self.trajectory_dir / "open_loop_trajectory.csv"

    @property
    def online_calibration_path(self) -> Path:
        """``trajectory/online_calibration.jsonl`` (optional)."""
        return self.trajectory_dir / "online_calibration.jsonl"

    @property
    def gopro_calibs_path(self) -> Path:
        """``trajectory/gopro_calibs.csv``: KB3 intrinsics and ``T_world_cam`` of each exo camera."""
        return self.trajectory_dir / "gopro_calibs.csv"

    @property
    def point_cloud_path(self) -> Path:
        """``semidense_points.csv.gz`` (or the dev-era ``global_points.csv.gz`` when only it exists)."""
        new, old = (
            self.trajectory_dir / "semidense_points.csv.gz",
            self.trajectory_dir / "global_points.csv.gz",
        )
        return old if not new.exists() and old.exists() else new

    @property
    def point_observations_path(self) -> Path:
        """``trajectory/semidense_observations.csv.gz``."""
        return self.trajectory_dir / "semidense_observations.csv.gz"

    @property
    def eye_gaze_dir(self) -> Path:
        """``eye_gaze/`` (part ``take_eye_gaze``)."""
        return self.file("eye_gaze")

    def eye_gaze_path(self, *, kind: Literal["general", "personalized"] = "general", dim: int = 3) -> Path:
        """``eye_gaze/{general,personalized}_eye_gaze[_2d].csv``."""
        return self.eye_gaze_dir / f"{kind}_eye_gaze{'_2d' if dim == 2 else ''}.csv"

    @property
    def audio_paths(self) -> list[Path]:
        """``audio/*.wav`` (located by pattern, FORMAT §1.2)."""
        d = self.file("audio")
        return sorted(d.glob("*.wav")) if d.is_dir() else []

    @property
    def transcription_paths(self) -> list[Path]:
        """``audio/*_transcriptions.json`` (narrated takes and others)."""
        d = self.file("audio")
        return sorted(d.glob("*_transcriptions.json")) if d.is_dir() else []

    @property
    def timesync_path(self) -> Path:
        """The capture's ``timesync.csv`` (part ``captures``); the folder name falls back to §2.7's rule."""
        cap_dir = self.capture.dir if self.capture is not None else f"captures/{self.record.capture_name}"
        return self.release.resolve_dir(cap_dir, source="captures.json") / "timesync.csv"


def take_facts(take: TakeEntry) -> str:
    """The key facts of a take for a one-line repr: uid prefix, scenario, duration, number of views."""
    duration = "" if take.duration_s is None else f", {take.duration_s:.1f} s"
    return f"uid={short_uid(take.uid)!r}, scenario={take.scenario!r}{duration}, {len(take.views)} views"
