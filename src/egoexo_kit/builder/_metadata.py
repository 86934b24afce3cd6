"""``takes.json`` and ``captures.json`` of a built release (FORMAT §2.1, §2.3), from the cut plans."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from egoexo_kit._io import write_json
from egoexo_kit.builder._raw import read_raw_capture
from egoexo_kit.builder._unit import read_plan
from egoexo_kit.release import load_json
from egoexo_kit.release.writers import UidSource, capture_record, take_record
from egoexo_kit.vocab import FPS

__all__ = ["write_metadata"]


def _uids(capture_name: str) -> UidSource:
    """Deterministic UUID4s per capture, so a rebuild writes the same metadata."""
    return UidSource(int(hashlib.sha256(capture_name.encode("utf-8")).hexdigest()[:15], 16))


def _present(fav: dict[str, Any], take_dir: Path) -> dict[str, Any]:
    """Keep the ``frame_aligned_videos`` entries whose file exists (and the collage / best_exo entries)."""
    out: dict[str, Any] = {}
    for cam, streams in fav.items():
        kept = {
            k: v
            for k, v in streams.items()
            if v["relative_path"] is None or (take_dir / v["relative_path"]).is_file()
        }
        if kept:
            out[cam] = kept
    return out


def _write_tables(out: Path, *, manifests: list[dict[str, Any]], tasks: dict[int, str]) -> None:
    """``participants.json``, ``physical_setting.json``, ``visual_objects.json``, ``metadata.json``."""
    people = {int(m.get("participant_uid", 0)): str(m.get("university", "unknown")) for m in manifests}
    write_json(
        out / "participants.json",
        [{"participant_uid": p, "university_name": u, "metadata": "{}"} for p, u in sorted(people.items())],
    )
    settings = sorted({int(m.get("physical_setting_uid", 0)) for m in manifests})
    write_json(out / "physical_setting.json", [{"physical_setting_uid": s} for s in settings])
    write_json(out / "visual_objects.json", [])
    write_json(out / "metadata.json", {"tasks": {str(k): v for k, v in sorted(tasks.items())}})


def write_metadata(out: Path, *, captures: list[str], takes: set[str] | None = None) -> tuple[int, int]:
    """Write ``takes.json``, ``captures.json`` and the other metadata files for the built takes.

    Args:
        out: the release folder.
        captures: the captures whose cut plans list the takes.
        takes: the take names to list (the build passes those its ledger finds intact); ``None``: every
            take whose folder exists.

    Returns:
        The number of takes and captures written.
    """
    caps, records, manifests, tasks = [], [], [], {}
    for name in captures:
        plan = read_plan(out, name)
        raw = read_raw_capture(plan["raw"])
        manifest = load_json(raw.root / "manifest.json")
        manifests.append(manifest)
        uid = _uids(name)
        exo = [d for d in plan["devices"] if d != raw.aria.device]
        cap = capture_record(
            uid=uid,
            capture_name=name,
            university=str(manifest.get("university", "unknown")),
            aria_id=raw.aria.device,
            exo_ids=exo,
            setting_uid=int(manifest.get("physical_setting_uid", 0)),
        )
        cap["timesync_validated"] = not plan["unreliable"]
        caps.append(cap)
        log = {t["take_name"]: t for t in load_json(raw.root / "takes.json")} if raw.take_log else {}
        for i, w in enumerate(plan["takes"]):
            take_dir = out / "takes" / w["take_name"]
            entry = log.get(w["take_name"], {})  # a detected take has no task
            n = w["end_idx"] - w["start_idx"] - 1
            rec = take_record(
                uid=uid,
                capture=cap,
                take_idx=i + 1,
                window=(w["start_idx"], w["end_idx"]),
                task=(
                    int(entry.get("task_id", 0)),
                    str(entry.get("task_name", "")),
                    str(entry.get("parent_task_name", "")),
                ),
                participant_uid=int(manifest.get("participant_uid", 0)),
                best_exo=None,
                task_window=(0.0, n / FPS),
                narrated=False,
                objects=[],
                exo_ids=exo,
                aria_id=raw.aria.device,
            )
            rec["take_name"], rec["root_dir"] = w["take_name"], f"takes/{w['take_name']}"
            rec["has_trimmed_eye_gaze"] = (take_dir / "eye_gaze").is_dir()
            rec["has_trimmed_trajectory"] = (take_dir / "trajectory" / "closed_loop_trajectory.csv").is_file()
            rec["frame_aligned_videos"] = _present(rec["frame_aligned_videos"], take_dir)
            listed = take_dir.is_dir() if takes is None else w["take_name"] in takes
            if listed:
                records.append(rec)
                tasks[rec["task_id"]] = rec["task_name"]
    _write_tables(out, manifests=manifests, tasks=tasks)
    write_json(out / "takes.json", records)
    write_json(out / "captures.json", caps)
    return len(records), len(caps)
