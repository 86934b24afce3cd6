"""Annotation irregularities of real releases: entries for redacted takes, empty EgoPose frames.

- ``redacted_take``: real annotation files name takes that ``takes.json`` does not list (redacted
  takes; the official atomic-descriptions tutorial in ``facebookresearch/Ego4d:
  notebooks/egoexo/tutorials/`` shows them as "Redacted"). One invented take (a fresh uid and
  name) gets a copy of a real take's entry in one file of every family that names takes.
- ``empty_pose_frames``: real EgoPose keypoint files hold frames whose value is ``[]``; the
  official hand and body loaders skip them on ``len(frame_anno) == 0``
  (``EGO4D/ego-exo4d-egopose: handpose/data_preparation/dataloader.py``). The last frame of the
  first file of each part/source pair is emptied.

Records say which file, where (JSON pointer or frame key) and which take, so tests can find them.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

from egoexo_kit._io import write_json
from egoexo_kit.synth.irregular._irr_registry import IrregularRelease, register
from egoexo_kit.vocab import pointer

__all__ = ["empty_pose_frames", "redacted_take"]

_BY_TAKE = ("keystep", "atomic_descriptions", "expert_commentary", "relations", "procedure_understanding")
"""Families whose ``annotations`` object is keyed by take uid."""
_LISTED = ("proficiency_demonstrator", "proficiency_demonstration")
"""Families whose ``annotations`` list holds items with a ``take_uid``."""


def _renamed(entry: Any, old: tuple[str, str], new: tuple[str, str]) -> Any:
    """A deep copy of ``entry`` with the take uid and name replaced in every string (paths included)."""
    if isinstance(entry, dict):
        return {k: _renamed(v, old, new) for k, v in entry.items()}
    if isinstance(entry, list):
        return [_renamed(v, old, new) for v in entry]
    if isinstance(entry, str):
        return entry.replace(old[0], new[0]).replace(old[1], new[1])
    return copy.deepcopy(entry)


def _first_file(ann: Path, family: str) -> Path | None:
    """The train file of a family when it exists, else its first file (sorted)."""
    files = sorted(ann.glob(f"{family}_*.json"))
    return next((f for f in files if f.stem.endswith("_train")), files[0] if files else None)


@register("redacted_take")
def redacted_take(rel: IrregularRelease) -> list[dict[str, Any]]:
    """Add entries for a take absent from ``takes.json`` to one file of each family that names takes."""
    ann = rel.root / "annotations"
    if not ann.is_dir() or not rel.takes:
        return []
    names = {t["take_uid"]: t["take_name"] for t in rel.takes}
    ghost_uid = str(uuid.UUID(bytes=rel.rng.bytes(16), version=4))
    ghost = f"{rel.takes[0]['take_name']}_redacted"
    out: list[dict[str, Any]] = []

    def ghost_name(_: str) -> str:
        return ghost

    def add(path: Path, where: str, *, family: str, copied_from: str) -> None:
        out.append(
            {
                "file": path.relative_to(rel.root).as_posix(),
                "pointer": where,
                "family": family,
                "take_uid": ghost_uid,
                "take_name": ghost_name(names.get(copied_from, copied_from)),
                "copied_from": copied_from,
            }
        )

    for family in _BY_TAKE:
        path = _first_file(ann, family)
        data = json.loads(path.read_text(encoding="utf-8")) if path else None
        anns = data.get("annotations") if isinstance(data, dict) else None
        src = next((u for u in anns or {} if u in names), None)
        if path is None or src is None:
            continue
        old, new = (src, names[src]), (ghost_uid, ghost_name(names[src]))
        anns[ghost_uid] = _renamed(anns[src], old, new)
        write_json(path, data)
        add(path, pointer("annotations", ghost_uid), family=family, copied_from=src)
    for family in _LISTED:
        path = _first_file(ann, family)
        data = json.loads(path.read_text(encoding="utf-8")) if path else None
        items = data.get("annotations") if isinstance(data, dict) else data
        item = next((x for x in items or [] if isinstance(x, dict) and x.get("take_uid") in names), None)
        if path is None or item is None:
            continue
        src = item["take_uid"]
        items.append(_renamed(item, (src, names[src]), (ghost_uid, ghost_name(names[src]))))  # type: ignore[union-attr]
        write_json(path, data)
        add(path, pointer("annotations", len(items) - 1, "take_uid"), family=family, copied_from=src)  # type: ignore[arg-type]
    bench = sorted((ann / "keystep_benchmark").glob("keystep_segment_*.json"))
    path = next((f for f in bench if f.stem.endswith("_train")), bench[0] if bench else None)
    if path is not None:
        data = json.loads(path.read_text(encoding="utf-8"))
        seg = next((s for s in data.get("segments") or [] if s.get("take_uid") in names), None)
        if seg is not None:
            src = seg["take_uid"]
            data["segments"].append(_renamed(seg, (src, names[src]), (ghost_uid, ghost_name(names[src]))))
            write_json(path, data)
            add(
                path,
                pointer("segments", len(data["segments"]) - 1, "take_uid"),
                family="keystep_benchmark",
                copied_from=src,
            )
    return out


@register("empty_pose_frames")
def empty_pose_frames(rel: IrregularRelease) -> list[dict[str, Any]]:
    """Empty (``[]``) the last frame of the first keypoint file of each part (body/hand) and source."""
    pose = rel.root / "annotations" / "ego_pose"
    out: list[dict[str, Any]] = []
    for part in ("body", "hand"):
        for source in ("annotation", "automatic"):
            for path in sorted(pose.glob(f"*/{part}/{source}/*.json")):
                data = json.loads(path.read_text(encoding="utf-8"))
                keys = sorted((k for k in data if k.isdigit()), key=int)
                if len(keys) < 3:  # keep at least two annotated frames in the file
                    continue
                data[keys[-1]] = []
                write_json(path, data)
                out.append(
                    {
                        "file": path.relative_to(rel.root).as_posix(),
                        "pointer": pointer(keys[-1]),
                        "take_uid": path.stem,
                        "part": part,
                        "source": source,
                        "frame_key": keys[-1],
                    }
                )
                break
    return out
