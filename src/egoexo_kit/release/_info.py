"""``info``: a summary of a release (counts, parts, sizes) or of one take (views, window, annotations)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from egoexo_kit.release._annotation_files import annotation_family
from egoexo_kit.release._entry import TakeEntry
from egoexo_kit.release._index import ReleaseIndex, take_record
from egoexo_kit.release._parts import scan_parts

__all__ = ["release_summary", "take_annotations", "take_summary"]


def release_summary(release: ReleaseIndex) -> dict[str, Any]:
    """Counts by scenario, university and split; parts present and their sizes on disk."""
    parts = scan_parts(release.root)
    takes = release.takes
    return {
        "root": str(release.root),
        "takes": len(takes),
        "captures": len({t.capture_name for t in takes} | {c.capture_name for c in release.captures}),
        "participants": len(release.participants),
        "by_scenario": dict(Counter(t.scenario or "unknown" for t in takes).most_common()),
        "by_university": dict(Counter(t.university or "unknown" for t in takes).most_common()),
        "by_split": dict(Counter(t.split or "none" for t in takes).most_common()),
        "parts": parts.present,
        "part_bytes": {p: parts.bytes[p] for p in parts.present},
        "part_files": {p: parts.files[p] for p in parts.present},
        "total_bytes": sum(parts.bytes.values()) + parts.other_bytes,
    }


def take_annotations(take: TakeEntry) -> list[str]:
    """Annotation families that cover this take, found by looking in the annotation files present."""
    ann = take.release.root / "annotations"
    found: list[str] = []
    if not ann.is_dir():
        return found
    for path in sorted(ann.glob("*.json")):
        if annotation_family(path.name) is None:  # splits.json, a mirror's manifest.json, ...
            continue
        if _mentions(path, take.uid):
            found.append(path.stem)
    for path in (
        sorted((ann / "ego_pose").glob(f"*/**/{take.uid}.json")) if (ann / "ego_pose").is_dir() else []
    ):
        found.append(path.relative_to(ann).parent.as_posix())
    if (ann / "expert_commentary" / take.name).is_dir():
        found.append(f"expert_commentary/{take.name}")
    return found


def _mentions(path: Path, text: str, *, block: int = 1 << 22) -> bool:
    """Whether ``text`` occurs in the file, read in blocks (annotation files reach gigabytes)."""
    needle = text.encode()
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(block):
            if needle in tail + chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


def take_summary(take: TakeEntry) -> dict[str, Any]:
    """One take: identity, window, views with their files, and annotations available."""
    r = take.record
    return {
        **take_record(take),
        "timesync_window": [r.timesync_start_idx, r.timesync_end_idx],
        "task_window": list(take.task_window) if take.task_window else None,
        "best_exo": take.best_exo,
        "views": [
            {
                "view": v.key,
                "cam_id": v.cam_id,
                "stream_id": v.stream_id,
                "kind": v.kind,
                "path": _rel(take, v.path),
                "exists": v.exists,
                "exists_448": v.exists_448,
            }
            for v in take.views
        ],
        "collage": _rel(take, take.collage_path),
        "annotations": take_annotations(take),
    }


def _rel(take: TakeEntry, path: Path | None) -> str | None:
    return None if path is None else path.relative_to(take.release.root).as_posix()
