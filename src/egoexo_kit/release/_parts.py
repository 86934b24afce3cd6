"""Download parts (FORMAT §1.4): which part a file belongs to, and which parts a folder holds.

Classifying by path lets a reader tell a partial download (a part absent on purpose) from a
broken one (a part present but with files missing).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["ALL_PARTS", "CLIPS_PART", "KNOWN_PARTS", "PartsOnDisk", "classify", "scan_parts"]

ALL_PARTS = (
    "metadata",
    "annotations",
    "takes",
    "captures",
    "take_trajectory",
    "take_eye_gaze",
    "take_point_cloud",
    "take_vrs",
    "take_vrs_noimagestream",
    "capture_trajectory",
    "capture_eye_gaze",
    "capture_point_cloud",
    "downscaled_takes/448",
    "features/omnivore_video",
    "features/maws_clip_2b",
    "ego_pose_pseudo_gt",
    "expert_commentary",
    "take_transcription",
    "take_audio",
)
"""Every part name of the official downloader, in its ``all`` order."""

CLIPS_PART = "keystep_benchmark/clips_448p"
"""The keystep benchmark's trimmed 448p clips: documented (EGO4D/Ego-Exo4D-docs:
docs/benchmarks/keystep/keystep_recoginition.md, ``--parts keystep_benchmark/clips_448p``) but not
in the downloader's ``all``. The official manifest's paths are not published; releases written by
egoexo-kit keep the clips under ``keystep_benchmark/clips_448p/<segment name>`` (FORMAT §7.3)."""

KNOWN_PARTS = (*ALL_PARTS, CLIPS_PART)
"""Every part name egoexo-kit knows. The official client downloads any ``<release>/<part>/manifest.json``
(facebookresearch/Ego4d: ego4d/internal/download/cli.py), so other names are allowed too."""

_METADATA = {
    "takes.json",
    "captures.json",
    "participants.json",
    "physical_setting.json",
    "visual_objects.json",
    "metadata.json",
}
_CACHE_DIRS = {".egoexo-kit", ".synth"}


def _undouble(parts: tuple[str, ...]) -> tuple[str, ...]:
    """Drop the doubled ``takes/takes`` / ``captures/captures`` prefix of the old downloader bug."""
    if len(parts) > 2 and parts[0] in ("takes", "captures") and parts[1] == parts[0]:
        return parts[1:]
    return parts


def classify(relative_path: str | PurePosixPath) -> str | None:
    """The download part a release-relative file belongs to; ``None`` for caches and unknown files."""
    p = _undouble(PurePosixPath(relative_path).parts)
    if not p or p[0] in _CACHE_DIRS:
        return None
    name = p[-1]
    if len(p) == 1:
        return "metadata" if name in _METADATA else None
    top = p[0]
    if "/".join(p[:2]) == CLIPS_PART and len(p) > 2:
        return CLIPS_PART
    if top == "annotations":
        if len(p) >= 5 and p[1] == "ego_pose" and p[4] == "automatic":
            return "ego_pose_pseudo_gt"
        return "expert_commentary" if p[1] == "expert_commentary" and len(p) > 3 else "annotations"
    if top == "features" and len(p) >= 3:
        return f"features/{p[1]}"
    if top == "takes" and len(p) >= 3:
        return _classify_take(p[2:])
    if top == "captures" and len(p) >= 3:
        sub = p[2]
        if sub == "trajectory":
            return "capture_point_cloud" if _is_point_cloud(name) else "capture_trajectory"
        return "capture_eye_gaze" if sub == "eye_gaze" else "captures"
    return None


def _is_point_cloud(name: str) -> bool:
    return "semidense" in name or name.startswith("global_points")


def _classify_take(p: tuple[str, ...]) -> str | None:
    name, sub = p[-1], p[0]
    if sub == "frame_aligned_videos":
        return "downscaled_takes/448" if p[1:3] == ("downscaled", "448") else "takes"
    if sub == "trajectory":
        return "take_point_cloud" if _is_point_cloud(name) else "take_trajectory"
    if sub == "eye_gaze":
        return "take_eye_gaze"
    if sub == "audio":
        return "take_transcription" if name.endswith(".json") else "take_audio"
    if len(p) == 1 and name.endswith(".vrs"):
        return "take_vrs_noimagestream" if "noimagestream" in name else "take_vrs"
    if len(p) == 1 and name.endswith(".mp4"):
        return "takes"
    return None


@dataclass
class PartsOnDisk:
    """What a walk of the release folder found, grouped by part."""

    files: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Number of files per part."""
    bytes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Bytes on disk per part."""
    by_take_dir: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    """Parts present per take folder name (``takes/<name>``)."""
    other_bytes: int = 0
    """Files outside every part (caches, stray files)."""

    @property
    def present(self) -> list[str]:
        """Parts with at least one file: known ones in the downloader's order, then others by name."""
        others = sorted(p for p in self.files if p not in KNOWN_PARTS and self.files[p])
        return [p for p in KNOWN_PARTS if self.files.get(p)] + others


def scan_parts(root: str | Path) -> PartsOnDisk:
    """Walk ``root`` once and group every file by its download part."""
    root = Path(root)
    out = PartsOnDisk()
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = PurePosixPath(Path(dirpath).relative_to(root).as_posix())
        if rel_dir.parts and rel_dir.parts[0] in _CACHE_DIRS:
            dirnames[:] = []
            continue
        for fname in filenames:
            rel = rel_dir / fname
            part = classify(rel)
            try:
                size = os.stat(os.path.join(dirpath, fname)).st_size
            except OSError:
                continue
            if part is None:
                out.other_bytes += size
                continue
            out.files[part] += 1
            out.bytes[part] += size
            parts = _undouble(rel.parts)
            if parts[0] == "takes" and len(parts) >= 3:
                out.by_take_dir[parts[1]].add(part)
    return out
