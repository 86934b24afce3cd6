"""Proficiency estimation (FORMAT §7.5): demonstrator scores and demonstration moments.

Files are ``{"annotations": [...]}`` (a bare list is accepted). Demonstration items hold
``good_executions`` and ``tips_for_improvement`` moments, each at a ``video_time`` in take seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egoexo_kit.annotations._common import (
    InstantFrame,
    annotations_member,
    as_float,
    as_list,
    opt_int,
    opt_str,
)
from egoexo_kit.errors import FormatError
from egoexo_kit.release import annotation_split, load_json
from egoexo_kit.vocab import pointer, short_uid

__all__ = [
    "ProficiencyDemonstration",
    "ProficiencyDemonstrator",
    "ProficiencyMoment",
    "read_proficiency_demonstration",
    "read_proficiency_demonstrator",
]


@dataclass(frozen=True, slots=True)
class _ProficiencyItem:
    """Fields both proficiency files share (FORMAT §7.5)."""

    take_uid: str
    task_id: int | None
    task_name: str | None
    scenario_name: str | None
    university_id: str | None
    participant_id: str | None
    """``origin_participant_id``."""
    video_paths: dict[str, str]
    """``ego``, ``exo1`` … → video path relative to the release root."""
    split: str | None


@dataclass(frozen=True, slots=True)
class ProficiencyDemonstrator(_ProficiencyItem):
    """The proficiency of the participant in a take (``proficiency_score``)."""

    proficiency_score: str | None
    """``Novice``, ``Early Expert``, ``Intermediate Expert`` or ``Late Expert``."""

    def __repr__(self) -> str:
        return (
            f"ProficiencyDemonstrator(take={short_uid(self.take_uid)!r}, task={self.task_name!r}, "
            f"score={self.proficiency_score!r})"
        )


@dataclass(frozen=True, slots=True)
class ProficiencyMoment(InstantFrame):
    """A good execution or a tip for improvement at one instant of a take."""

    take_uid: str
    kind: str
    """``good_execution`` or ``tip``."""
    t_s: float
    labels: tuple[str, ...]
    expert_uid: str | None


@dataclass(frozen=True, slots=True)
class ProficiencyDemonstration(_ProficiencyItem):
    """A take's demonstration-proficiency entry with its moments."""

    moments: tuple[ProficiencyMoment, ...]
    """Good executions and tips, sorted by time."""

    def __repr__(self) -> str:
        return (
            f"ProficiencyDemonstration(take={short_uid(self.take_uid)!r}, task={self.task_name!r}, "
            f"{len(self.moments)} moments)"
        )


def _items(path: Path, data: Any) -> list[tuple[str, dict[str, Any]]]:
    items = annotations_member(load_json(path) if data is None else data, path, kind=list)
    out = []
    for j, item in enumerate(items):
        at = pointer("annotations", j)
        if not isinstance(item, dict) or not isinstance(item.get("take_uid"), str):
            raise FormatError("expected an object with a take_uid", path=path, pointer=at)
        if not isinstance(item.get("video_paths") or {}, dict):
            raise FormatError("video_paths must be an object", path=path, pointer=at + "/video_paths")
        out.append((at, item))
    return out


def _common(item: dict[str, Any], *, split: str | None, path: Path, at: str) -> dict[str, Any]:
    return {
        "take_uid": item["take_uid"],
        "task_id": opt_int(item.get("task_id"), path=path, pointer=at + "/task_id"),
        "task_name": opt_str(item.get("task_name")),
        "scenario_name": opt_str(item.get("scenario_name")),
        "university_id": opt_str(item.get("university_id")),
        "participant_id": opt_str(item.get("origin_participant_id")),
        "video_paths": {str(k): str(v) for k, v in (item.get("video_paths") or {}).items()},
        "split": split,
    }


def read_proficiency_demonstrator(path: str | Path, *, data: Any = None) -> list[ProficiencyDemonstrator]:
    """Parse ``proficiency_demonstrator_<split>.json``, in file order.

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    split = annotation_split(path.name)
    return [
        ProficiencyDemonstrator(
            **_common(item, split=split, path=path, at=at),
            proficiency_score=opt_str(item.get("proficiency_score")),
        )
        for at, item in _items(path, data)
    ]


def read_proficiency_demonstration(path: str | Path, *, data: Any = None) -> list[ProficiencyDemonstration]:
    """Parse ``proficiency_demonstration_<split>.json``, in file order.

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    split = annotation_split(path.name)
    out = []
    for at, item in _items(path, data):
        moments = []
        for key, kind in (("good_executions", "good_execution"), ("tips_for_improvement", "tip")):
            for k, m in enumerate(as_list(item.get(key), path=path, pointer=at + pointer(key))):
                mat = at + pointer(key, k)
                if not isinstance(m, dict):
                    raise FormatError("expected a moment object", path=path, pointer=mat)
                moments.append(
                    ProficiencyMoment(
                        take_uid=item["take_uid"],
                        kind=kind,
                        t_s=as_float(m.get("video_time"), path=path, pointer=mat + "/video_time"),
                        labels=tuple(
                            str(x) for x in as_list(m.get("list"), path=path, pointer=mat + "/list")
                        ),
                        expert_uid=opt_str(m.get("expert_uid")),
                    )
                )
        moments.sort(key=lambda m: (m.t_s, m.kind))
        out.append(
            ProficiencyDemonstration(**_common(item, split=split, path=path, at=at), moments=tuple(moments))
        )
    return out
