"""Expert commentary (FORMAT §7.8): the per-split export (form 1) and the per-expert folders (form 2).

Form 1 (``expert_commentary_<split>.json``) gives each comment's time, duration and transcript; form 2
(``expert_commentary/<take>/<expert>/``) adds the expert's proficiency rating, the audio recordings
and the drawing events. Both spellings ``error_desc``/``_error_desc`` are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egoexo_kit.annotations._common import (
    InstantFrame,
    annotations_member,
    as_bool,
    as_float,
    as_list,
    as_object,
    load_object,
    opt_int,
    opt_str,
    per_take_items,
)
from egoexo_kit.errors import FormatError
from egoexo_kit.release import annotation_split, present
from egoexo_kit.vocab import pointer

__all__ = ["ExpertComment", "ExpertRating", "read_commentary_folder", "read_expert_commentary"]


@dataclass(frozen=True, slots=True)
class ExpertComment(InstantFrame):
    """One spoken comment of an expert about a moment of a take."""

    take_uid: str | None
    take_name: str | None
    expert_uid: str
    recording: str | None
    """Recording file name (``4.webm``)."""
    audio_path: Path | None
    """``annotations/expert_commentary/<take>/<expert>/recordings/<n>.webm`` (may be absent on disk)."""
    t_s: float
    """``video_time``: seconds from take start."""
    duration_s: float | None
    """``duration_approx`` of the recording, seconds."""
    text: str
    error: bool | None
    error_desc: str | None
    split: str | None
    n_events: int = 0
    """Drawing events recorded with the comment (form 2 only)."""


@dataclass(frozen=True, slots=True)
class ExpertRating:
    """An expert's proficiency rating of a take (form 2 ``data.json`` → ``proficiency``)."""

    take_name: str
    expert_uid: str
    rating: int | None
    """1–10."""
    why: str | None
    ds: str | None


def _commentary_dir(path: Path) -> Path:
    """``annotations/expert_commentary/`` beside a form-1 file."""
    return path.parent / "expert_commentary"


def read_expert_commentary(path: str | Path, *, data: Any = None) -> dict[str, list[ExpertComment]]:
    """Parse ``expert_commentary_<split>.json`` (form 1): comments by take uid, sorted by time.

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    anns = annotations_member(load_object(path, data=data), path, kind=dict)
    split = annotation_split(path.name)
    folder = _commentary_dir(path)
    out: dict[str, list[ExpertComment]] = {uid: [] for uid in anns}
    for uid, cat, c in per_take_items(anns, path, what="commentary", key="commentary_data"):
        rows = out[uid]
        rel = str(c.get("commentary") or "")
        expert = rel.rsplit("/", 1)[-1] if rel else str(c.get("_debug_commentary_name", "")).split("_", 1)[0]
        for j, d in enumerate(c.get("commentary_data") or []):
            dat = cat + pointer("commentary_data", j)
            if not isinstance(d, dict):
                raise FormatError("expected a comment object", path=path, pointer=dat)
            rec = opt_str(d.get("recording"))
            rows.append(
                ExpertComment(
                    take_uid=uid,
                    take_name=opt_str(c.get("take_name")),
                    expert_uid=expert,
                    recording=rec,
                    audio_path=folder / rel / "recordings" / rec if rel and rec else None,
                    t_s=as_float(d.get("video_time"), path=path, pointer=dat + "/video_time"),
                    duration_s=_opt_float(d.get("duration_approx"), path=path, at=dat + "/duration_approx"),
                    text=str(d.get("text") or "").strip(),
                    error=as_bool(d.get("error"), path=path, pointer=dat + "/error"),
                    error_desc=opt_str(d.get("error_desc", d.get("_error_desc"))),
                    split=split,
                )
            )
    return {uid: sorted(rows, key=lambda r: (r.t_s, r.expert_uid)) for uid, rows in out.items()}


def _opt_float(value: Any, *, path: Path, at: str) -> float | None:
    return None if value is None else as_float(value, path=path, pointer=at)


def read_commentary_folder(folder: str | Path) -> tuple[ExpertRating, list[ExpertComment]]:
    """Parse one form-2 folder ``expert_commentary/<take_name>/<expert_uid>/``.

    Returns:
        The expert's rating and the comments (transcript from ``transcriptions.json`` when present),
        sorted by time. ``take_uid`` is None: form 2 names takes only by name.
    """
    folder = Path(folder)
    data_path = folder / "data.json"
    data = load_object(data_path)
    trans_path = folder / "transcriptions.json"
    trans = load_object(trans_path) if present(trans_path) else {}
    take_name = str(data.get("video_name") or folder.parent.name)
    expert = str(data.get("user_id") or folder.name)
    prof = data.get("proficiency") or {}
    if not isinstance(prof, dict):
        raise FormatError("proficiency must be an object", path=data_path, pointer="/proficiency")
    rating = ExpertRating(
        take_name=take_name,
        expert_uid=expert,
        rating=opt_int(prof.get("rating"), path=data_path, pointer="/proficiency/rating"),
        why=opt_str(prof.get("why")),
        ds=opt_str(data.get("ds")),
    )
    anns = data.get("annotations") or []
    if not isinstance(anns, list):
        raise FormatError("annotations must be a list", path=data_path, pointer="/annotations")
    rows = []
    for j, a in enumerate(anns):
        at = pointer("annotations", j)
        if not isinstance(a, dict):
            raise FormatError("expected a recording object", path=data_path, pointer=at)
        rec = opt_str(a.get("recording_path"))
        t = as_object(trans.get(rec or ""), path=trans_path, pointer=pointer(rec or ""))
        rows.append(
            ExpertComment(
                take_uid=None,
                take_name=take_name,
                expert_uid=expert,
                recording=rec,
                audio_path=folder / "recordings" / rec if rec else None,
                t_s=as_float(a.get("video_time"), path=data_path, pointer=at + "/video_time"),
                duration_s=_opt_float(a.get("duration_approx"), path=data_path, at=at + "/duration_approx"),
                text=str(t.get("text") or "").strip(),
                error=as_bool(t.get("error"), path=trans_path, pointer=pointer(rec or "", "error")),
                error_desc=opt_str(t.get("error_desc", t.get("_error_desc"))),
                split=None,
                n_events=len(as_list(a.get("events"), path=data_path, pointer=at + "/events")),
            )
        )
    return rating, sorted(rows, key=lambda r: r.t_s)
