"""Atomic action descriptions (FORMAT §7.7): timestamped sentences with best exo view and ego visibility.

Variants read: ``narration_subject`` or ``subject``; ``ego_visible``/``unsure`` as booleans or the V1
strings ``"0"``/``"1"``; ``best_exo`` null.
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
    load_object,
    opt_str,
    per_take_items,
)
from egoexo_kit.errors import FormatError
from egoexo_kit.release import annotation_split
from egoexo_kit.vocab import pointer

__all__ = ["AtomicDescription", "read_atomic_descriptions"]


@dataclass(frozen=True, slots=True)
class AtomicDescription(InstantFrame):
    """One sentence of one annotator about one instant of a take."""

    take_uid: str
    annotation_uid: str | None
    annotator_id: str | None
    rejected: bool | None
    t_s: float
    """``timestamp``: seconds from take start."""
    text: str
    subject: str | None
    ego_visible: bool | None
    best_exo: str | None
    """Camera id of the best exo view (``cam01``), or None."""
    best_exo_raw: str | None
    """``raw_cam_id`` as written (``"1"``)."""
    unsure: bool | None
    split: str | None


def read_atomic_descriptions(path: str | Path, *, data: Any = None) -> dict[str, list[AtomicDescription]]:
    """Parse ``atomic_descriptions_<split>.json``: descriptions by take uid, sorted by time.

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    anns = annotations_member(load_object(path, data=data), path, kind=dict)
    split = annotation_split(path.name)
    out: dict[str, list[AtomicDescription]] = {uid: [] for uid in anns}
    for uid, aat, ann in per_take_items(anns, path, what="annotation", key="descriptions"):
        rows = out[uid]
        rejected = as_bool(ann.get("rejected"), path=path, pointer=aat + "/rejected")
        for j, d in enumerate(ann.get("descriptions") or []):
            dat = aat + pointer("descriptions", j)
            if not isinstance(d, dict) or not isinstance(d.get("text"), str):
                raise FormatError("expected a description with a 'text'", path=path, pointer=dat)
            best = d.get("best_exo") or {}
            if not isinstance(best, dict):
                raise FormatError("best_exo must be an object or null", path=path, pointer=dat + "/best_exo")
            rows.append(
                AtomicDescription(
                    take_uid=uid,
                    annotation_uid=opt_str(ann.get("annotation_uid")),
                    annotator_id=opt_str(ann.get("annotator_id")),
                    rejected=rejected,
                    t_s=as_float(d.get("timestamp"), path=path, pointer=dat + "/timestamp"),
                    text=d["text"],
                    subject=opt_str(d.get("narration_subject", d.get("subject"))),
                    ego_visible=as_bool(d.get("ego_visible"), path=path, pointer=dat + "/ego_visible"),
                    best_exo=opt_str(best.get("cam_id")),
                    best_exo_raw=opt_str(best.get("raw_cam_id")),
                    unsure=as_bool(d.get("unsure"), path=path, pointer=dat + "/unsure"),
                    split=split,
                )
            )
    return {uid: sorted(rows, key=lambda r: r.t_s) for uid, rows in out.items()}
