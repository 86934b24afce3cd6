"""A release at the catalog benchmark's scale, tiled from a generated one in seconds.

``synth --annotations-only --takes 5000`` takes over an hour on 2 cores and, with 4-second takes,
gives about 0.6 keystep segments and 4 atomic descriptions per take. This builds the benchmark's
scale instead: ``takes`` new takes, each a copy of a template take of a generated release with a
fresh uid and name, its timed annotations (keysteps, atomic descriptions, expert comments) repeated
``repeat`` times back to back (the take lasts ``repeat`` times longer), its relations, proficiency
and splits entries copied, and EgoPose files copied for the first ``pose_takes`` takes. File shapes,
field variants and text are the generator's; only the counts grow.
"""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from pathlib import Path
from typing import Any

__all__ = ["tile_release"]

_NS = uuid.UUID("6f1c1f1e-8b1a-4a55-9d3c-0e9b8f2a7c10")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")


def _shifted(items: list[dict[str, Any]], keys: tuple[str, ...], *, repeat: int, period: float) -> list:
    out = []
    for k in range(repeat):
        for item in items:
            c = copy.deepcopy(item)
            for key in keys:
                c[key] = round(c[key] + k * period, 5)
            out.append(c)
    return out


def tile_release(src: Path, dst: Path, *, takes: int, repeat: int, pose_takes: int) -> None:
    """Write a ``takes``-take release under ``dst`` from the generated release ``src`` (see module doc)."""
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    for name in ("captures.json", "metadata.json", "participants.json", "physical_setting.json"):
        if (src / name).is_file():
            shutil.copy(src / name, dst / name)
    templates = _read(src / "takes.json")
    ann_src, ann = src / "annotations", dst / "annotations"
    splits = _read(ann_src / "splits.json")
    new_takes, uid_map = [], []  # uid_map[i] = (template uid, new uid, template duration)
    names: dict[str, str] = {}
    for i in range(takes):
        t = copy.deepcopy(templates[i % len(templates)])
        new_uid = str(uuid.uuid5(_NS, str(i)))
        t["take_name"] = f"{t['take_name']}_x{i:05d}"
        uid_map.append((t["take_uid"], new_uid, t.get("duration_sec") or 4.0))
        names[new_uid] = t["take_name"]
        t["take_uid"] = new_uid
        t["root_dir"] = f"takes/{t['take_name']}"
        t["duration_sec"] = (t.get("duration_sec") or 4.0) * repeat
        if t.get("timesync_start_idx") is not None:
            t["timesync_end_idx"] = t["timesync_start_idx"] + round(t["duration_sec"] * 30) + 1
        new_takes.append(t)
    _write(dst / "takes.json", new_takes)
    split_of = {new: splits["take_uid_to_split"][old] for old, new, _ in uid_map}
    _write(
        ann / "splits.json",
        {
            "split_to_take_uids": {
                s: [u for u, x in split_of.items() if x == s] for s in ("train", "val", "test")
            },
            "take_uid_to_split": split_of,
            "take_uid_to_benchmark": {
                new: splits["take_uid_to_benchmark"].get(old, []) for old, new, _ in uid_map
            },
        },
    )
    by_template: dict[str, list[tuple[str, float]]] = {}
    for old, new, dur in uid_map:
        by_template.setdefault(old, []).append((new, dur))
    for path in sorted(ann_src.glob("*.json")):
        data = _read(path)
        if path.name == "splits.json" or not isinstance(data, dict) or "annotations" not in data:
            continue
        anns = data["annotations"]
        if isinstance(anns, list):  # proficiency: one item per take
            data["annotations"] = [
                {**copy.deepcopy(item), "take_uid": new}
                for item in anns
                for new, _ in by_template.get(item["take_uid"], [])
            ]
        else:
            out = {}
            for old, entry in anns.items():
                for new, dur in by_template.get(old, []):
                    out[new] = _tile_entry(
                        path.name, entry, new_uid=new, new_name=names[new], repeat=repeat, period=dur
                    )
            data["annotations"] = out
        _write(ann / path.name, data)
    pose_src = ann_src / "ego_pose"
    done = 0
    for old, new, _ in uid_map:
        files = list(pose_src.glob(f"*/*/*/{old}.json")) + list(pose_src.glob(f"*/camera_pose/{old}.json"))
        has_keypoints = any("camera_pose" not in f.parts for f in files)
        if has_keypoints and done >= pose_takes:
            continue
        done += has_keypoints
        for f in files:
            target = ann / "ego_pose" / f.relative_to(pose_src).parent / f"{new}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, target)


def _tile_entry(name: str, entry: Any, *, new_uid: str, new_name: str, repeat: int, period: float) -> Any:
    entry = copy.deepcopy(entry)
    if isinstance(entry, dict) and "take_name" in entry:  # keystep, relations
        entry["take_name"] = new_name
    if name.startswith("keystep_"):
        entry["take_uid"] = new_uid
        entry["segments"] = _shifted(
            entry["segments"], ("start_time", "end_time"), repeat=repeat, period=period
        )
    elif name.startswith("atomic_descriptions_"):
        for a in entry:
            a["descriptions"] = _shifted(a["descriptions"], ("timestamp",), repeat=repeat, period=period)
    elif name.startswith("expert_commentary_"):
        for c in entry:
            c["take_uid"], c["take_name"] = new_uid, new_name
            c["commentary_data"] = _shifted(
                c["commentary_data"], ("video_time",), repeat=repeat, period=period
            )
    return entry
