"""Typed records of the metadata JSON files (docs/format.md §2).

Each model accepts every variant docs/format.md lists (string booleans, 0/1 flags, null paths,
``has_trimmed_gaze`` vs ``has_trimmed_eye_gaze`` …) and keeps unknown keys in ``extra`` instead
of dropping them. Almost every field is optional so a partial or older release still reads; the
validator decides which missing keys are errors.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.limits import FRAME_COUNT
from egoexo_kit.release._json import parse_json

__all__ = [
    "CameraRecord",
    "CaptureRecord",
    "ParticipantRecord",
    "PhysicalSettingRecord",
    "Splits",
    "TakeRecord",
    "VideoEntry",
    "VisualObjectRecord",
]

_TAKE_IDX_SUFFIX = re.compile(r"_\d+$")


class _Record(BaseModel):
    """Base: frozen, lax types (``"true"`` → True, ``"657"`` → 657), unknown keys kept."""

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    @property
    def extra(self) -> dict[str, Any]:
        """Keys the format does not document (including internal ``_``-prefixed ones), as read."""
        return dict(self.model_extra or {})


class CameraRecord(_Record):
    """One device of a capture (``captures.json`` → ``cameras[]``, FORMAT §2.3)."""

    cam_id: str
    """``aria01``, ``cam01``, ``gp02``, ``mobile`` (also the misspelt ``moblie``)."""
    is_ego: bool = False
    """True for the Aria headset; some GoPros are ego too. Accepts ``"true"``/``"false"``."""
    has_walkaround: bool | None = None
    includes_audio: bool | None = None
    device_type: str | None = None
    """``aria``, ``hero8`` … ``hero11``."""
    relative_path: str | None = None
    """Capture-level raw file (``videos/cam01.mp4``); not distributed in V2."""
    video_artifact_uid: str | None = None

    @property
    def is_aria(self) -> bool:
        """Whether this is an Aria device (by ``device_type`` or an ``aria…`` id)."""
        return (self.device_type or "").lower() == "aria" or self.cam_id.lower().startswith("aria")


class CaptureRecord(_Record):
    """One capture session (``captures.json``, FORMAT §2.3)."""

    capture_uid: str
    capture_name: str
    root_dir: str | None = None
    """``captures/<capture_name>``; derived from the name when absent."""
    university_name: str | None = None
    physical_setting_uid: int | None = None
    ds_recorded: int | None = None
    has_trajectory: bool | None = None
    has_gaze: bool | None = None
    has_postsurvey: bool | None = None
    cameras: list[CameraRecord] = Field(default_factory=list)
    timesync_validated: bool | None = None
    """Bool or 0/1 (``> 0`` means true)."""
    validated: bool | None = None
    timesync_uid: str | None = None

    @field_validator("timesync_validated", mode="before")
    @classmethod
    def _positive_is_true(cls, v: Any) -> Any:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return v > 0
        return v

    @property
    def dir(self) -> str:
        """The capture folder relative to the release root."""
        return self.root_dir or f"captures/{self.capture_name}"


class VideoEntry(_Record):
    """One entry of ``frame_aligned_videos[cam_id][readable_stream_id]`` (FORMAT §2.2)."""

    cam_id: str | None = None
    """Absent on ``collage``/``best_exo`` entries."""
    stream_id: str = "0"
    """Aria ``214-1`` (rgb), ``1201-1``/``1201-2`` (slam), ``211-1`` (et); ``0`` for GoPros and collages."""
    readable_stream_id: str | None = None
    clip_uid: str | None = None
    relative_path: str | None = None
    """Relative to the take's ``root_dir``; ``None`` means the file does not exist."""
    is_collage: bool | None = None

    @field_validator("stream_id", "readable_stream_id", mode="before")
    @classmethod
    def _as_str(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v


class TakeRecord(_Record):
    """One take (``takes.json``, FORMAT §2.1)."""

    take_uid: str
    take_name: str
    root_dir: str | None = None
    capture_uid: str | None = None
    capture: CaptureRecord | None = None
    participant_uid: int | None = None
    is_dropped: bool | None = None
    objects: list[dict[str, Any]] = Field(default_factory=list)
    best_exo: str | None = None
    task_start_sec: float | None = None
    task_end_sec: float | None = None
    task_id: int | None = None
    task_name: str | None = None
    parent_task_id: int | None = None
    parent_task_name: str | None = None
    scenario_name: str | None = None
    """Not confirmed in real ``takes.json``; :attr:`scenario` prefers ``parent_task_name``."""
    take_idx: int | None = None
    duration_sec: float | None = None
    is_narrated: bool | None = None
    physical_setting_uid: int | None = None
    timesync_start_idx: int | None = None
    timesync_end_idx: int | None = None
    validated: bool | None = None
    frame_aligned_videos: dict[str, dict[str, VideoEntry | None]] = Field(default_factory=dict)
    university_name: str | None = None
    university_id: str | None = None
    take_timing_uid: str | None = None
    timesync_uid: str | None = None
    has_trimmed_vrs: bool | None = None
    vrs_relative_path: str | None = None
    vrs_all_streams_relative_path: str | None = None
    has_trimmed_trajectory: bool | None = None
    trimmed_trajectory_relative_path: str | None = None
    has_trimmed_eye_gaze: bool | None = None
    """Also read from the variant key ``has_trimmed_gaze`` (FORMAT §11 C3)."""

    @model_validator(mode="after")
    def _frame_count_within_cap(self) -> TakeRecord:
        """The frame count the window claims is checked before anything allocates by it (issue 19)."""
        start, end = self.timesync_start_idx, self.timesync_end_idx
        if start is not None and end is not None:
            FRAME_COUNT.check(end - start - 1)
        return self

    @model_validator(mode="before")
    @classmethod
    def _gaze_key_variant(cls, data: Any) -> Any:
        if isinstance(data, dict) and "has_trimmed_eye_gaze" not in data and "has_trimmed_gaze" in data:
            data = {**data, "has_trimmed_eye_gaze": data["has_trimmed_gaze"]}
        return data

    @property
    def dir(self) -> str:
        """The take folder relative to the release root."""
        return self.root_dir or f"takes/{self.take_name}"

    @property
    def capture_name(self) -> str:
        """Capture name from the embedded capture, else the take name without its ``_<idx>``."""
        if self.capture is not None:
            return self.capture.capture_name
        return _TAKE_IDX_SUFFIX.sub("", self.take_name)

    @property
    def parent_id(self) -> int | None:
        """``parent_task_id``, or ``task_id // 1000 * 1000`` when missing (FORMAT §2.7)."""
        if self.parent_task_id is not None:
            return self.parent_task_id
        return None if self.task_id is None else self.task_id // 1000 * 1000

    @property
    def scenario(self) -> str | None:
        """Scenario name: ``parent_task_name`` (preferred, FORMAT §2.1) or ``scenario_name``."""
        return self.parent_task_name or self.scenario_name


class ParticipantRecord(_Record):
    """One participant (``participants.json``, FORMAT §2.4); ``metadata`` is decoded from its JSON string."""

    participant_uid: int
    university_name: str | None = None
    collection_date: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata", mode="before")
    @classmethod
    def _decode(cls, v: Any) -> Any:
        if v is None or (isinstance(v, str) and not v.strip()):
            return {}
        if isinstance(v, str):
            try:
                v = parse_json(v)
            except EgoExoKitError as e:
                raise ValueError(f"metadata is not a JSON-encoded string: {e}") from e
        if not isinstance(v, dict):
            raise ValueError("metadata must encode a JSON object")
        return v


class PhysicalSettingRecord(_Record):
    """One physical setting (``physical_setting.json``); fields beyond the uid are unknown (§2.5)."""

    physical_setting_uid: int


class VisualObjectRecord(_Record):
    """One visual object (``visual_objects.json``, FORMAT §2.5)."""

    object_uid: str | int
    name: str | None = None


class Splits(_Record):
    """``annotations/splits.json`` (FORMAT §7.1); split names are lower-cased on read."""

    split_to_take_uids: dict[str, list[str]] = Field(default_factory=dict)
    take_uid_to_split: dict[str, str] = Field(default_factory=dict)
    take_uid_to_benchmark: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("split_to_take_uids", mode="before")
    @classmethod
    def _lower_keys(cls, v: Any) -> Any:
        return {str(k).lower(): x for k, x in v.items()} if isinstance(v, dict) else v

    @field_validator("take_uid_to_split", mode="before")
    @classmethod
    def _lower_values(cls, v: Any) -> Any:
        return {k: x.lower() if isinstance(x, str) else x for k, x in v.items()} if isinstance(v, dict) else v

    def split_of(self, take_uid: str) -> str | None:
        """The split of a take (``train``/``val``/``test``), from either mapping."""
        if take_uid in self.take_uid_to_split:
            return self.take_uid_to_split[take_uid]
        for split, uids in self.split_to_take_uids.items():
            if take_uid in uids:
                return split
        return None
