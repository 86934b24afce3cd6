"""Which manifest paths a download takes: the official filters (FORMAT §9.1, §9.3 step 2) plus cameras.

Official semantics: ``uids``, ``splits`` and ``benchmarks`` filter entries, keeping entries whose
field is null; ``views`` and ``universities`` filter paths, keeping paths whose field is null.
Camera selection (``cams``, ``best_exo_only``) is ours: it reads ``takes.json`` to know each take's
ego cameras and best exo camera, and applies to the parts whose files belong to one camera (take
videos, their 448 versions, features, VRS). In those parts a file of no camera (the collage) is
dropped once a camera filter is on; every other part is left as the official filters made it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from egoexo_kit.download._manifest import ManifestEntry, PathSpec
from egoexo_kit.errors import FormatError
from egoexo_kit.release import CLIPS_PART, TakeRecord, records_from
from egoexo_kit.vocab import pointer

__all__ = ["CAMERA_PARTS", "CameraIndex", "Selected", "Selection", "select"]

CAMERA_PARTS = frozenset(
    {
        "takes",
        "downscaled_takes/448",
        "features/omnivore_video",
        "features/maws_clip_2b",
        "take_vrs",
        "take_vrs_noimagestream",
        CLIPS_PART,
    }
)
"""Parts whose files each show one camera, so ``--cams`` / ``--best-exo-only`` apply to them."""

EGO_ALIASES = frozenset({"ego", "aria"})
BEST_EXO_ALIASES = frozenset({"best_exo", "best-exo"})


@dataclass(frozen=True)
class Selection:
    """What to download. ``None`` for a filter means "no filter"."""

    parts: tuple[str, ...] = ("default",)
    """Part names, ``default`` and ``all`` included (expanded by :func:`expand_parts`)."""
    uids: frozenset[str] | None = None
    benchmarks: frozenset[str] | None = None
    splits: frozenset[str] | None = None
    views: frozenset[str] | None = None
    """``ego`` / ``exo``."""
    universities: frozenset[str] | None = None
    cams: frozenset[str] | None = None
    """Camera ids (``cam01``, ``aria01``), or ``ego`` (the take's Aria) and ``best_exo``."""
    best_exo_only: bool = False
    """Of the exo cameras keep only each take's ``best_exo`` (ego cameras stay)."""

    @property
    def by_camera(self) -> bool:
        """Whether a camera filter is on (so ``takes.json`` is needed)."""
        return bool(self.cams) or self.best_exo_only


@dataclass
class _TakeCams:
    ego: set[str]
    best_exo: str | None
    by_path: dict[str, str] = field(default_factory=dict)
    """Release-relative video path → cam_id."""
    by_basename: dict[str, str] = field(default_factory=dict)


@dataclass
class CameraIndex:
    """Per take: its ego cameras, its best exo camera and which camera each video file shows."""

    takes: dict[str, _TakeCams]
    skipped: list[FormatError] = field(default_factory=list)
    """``takes.json`` records that do not parse, left out (located): their files match no camera."""

    @classmethod
    def from_takes_json(cls, raw: Any, *, source: str) -> CameraIndex:
        """Build from the parsed ``takes.json`` array (errors located in ``source``).

        Lenient like ``open_release`` (issue 16 item 7): a record that does not parse is left out and
        listed in :attr:`skipped`; only a ``takes.json`` that is not an array is refused.
        """
        skipped: list[FormatError] = []
        records = records_from(raw, TakeRecord, path=source, errors=skipped)
        if not isinstance(raw, list):
            raise skipped[0]
        takes = {}
        for _, rec in records:
            cameras = rec.capture.cameras if rec.capture is not None else []
            ego = {c.cam_id for c in cameras if c.is_ego}
            cams = _TakeCams(ego=ego, best_exo=rec.best_exo)
            for cam_id, streams in rec.frame_aligned_videos.items():
                for video in streams.values():
                    if video is None or not video.relative_path or video.is_collage or not video.cam_id:
                        continue
                    rel = os.path.normpath(f"{rec.dir}/{video.relative_path}").replace(os.sep, "/")
                    cams.by_path[rel] = video.cam_id
                    cams.by_basename[rel.rsplit("/", 1)[-1]] = video.cam_id
                    if not cameras and cam_id.lower().startswith("aria"):
                        cams.ego.add(video.cam_id)
            takes[rec.take_uid] = cams
        return cls(takes, skipped)

    def camera_of(
        self, part: str, uid: str | None, relative_path: str
    ) -> tuple[_TakeCams | None, str | None]:
        """The take record and the camera a file of a camera part shows (``None`` if none)."""
        take = self.takes.get(uid or "")
        name = relative_path.rsplit("/", 1)[-1]
        if part.startswith("features/"):
            pieces = name.rsplit(".", 1)[0].split("_")
            return self.takes.get(pieces[0], take), (pieces[1] if len(pieces) == 3 else None)
        if take is None:
            return None, None
        if part == CLIPS_PART:  # <split>/<take_name>/start<s>_end<e>_<cam>[_<stream>].mp4
            pieces = name.rsplit(".", 1)[0].split("_")
            return take, pieces[2] if len(pieces) >= 3 else None
        if part == "takes":
            return take, take.by_path.get(relative_path)
        if part == "downscaled_takes/448":
            return take, take.by_basename.get(name)
        # VRS: aria01.vrs / aria01_noimagestreams.vrs belong to that Aria
        return take, name.split(".", 1)[0].split("_", 1)[0] or None


def _allowed(sel: Selection, take: _TakeCams | None, cam: str | None) -> bool:
    if take is None or cam is None:
        return False
    if sel.cams:
        wanted = {c for c in sel.cams if c not in EGO_ALIASES | BEST_EXO_ALIASES}
        if sel.cams & EGO_ALIASES:
            wanted |= take.ego
        if sel.cams & BEST_EXO_ALIASES and take.best_exo:
            wanted.add(take.best_exo)
        if cam not in wanted:
            return False
    return not sel.best_exo_only or cam in take.ego or cam == take.best_exo


@dataclass(frozen=True)
class Selected:
    """One manifest path chosen for download."""

    part: str
    uid: str | None
    spec: PathSpec
    manifest: str
    """The manifest it came from, for located errors."""
    pointer: str
    """JSON pointer of the path inside that manifest."""


def _keep_entry(sel: Selection, e: ManifestEntry) -> bool:
    if sel.uids is not None and e.uid is not None and e.uid not in sel.uids:
        return False
    if sel.splits is not None and e.splits is not None and not sel.splits & {s.lower() for s in e.splits}:
        return False
    return sel.benchmarks is None or e.benchmarks is None or bool(sel.benchmarks & set(e.benchmarks))


def _keep_path(sel: Selection, p: PathSpec) -> bool:
    if sel.views is not None and p.views is not None and not sel.views & set(p.views):
        return False
    return sel.universities is None or p.universities is None or bool(sel.universities & set(p.universities))


def select(
    manifests: dict[str, tuple[str, list[ManifestEntry]]],
    sel: Selection,
    *,
    cameras: CameraIndex | None = None,
) -> Iterator[Selected]:
    """Yield the paths ``sel`` keeps, part by part in manifest order, each relative path once.

    Args:
        manifests: part → (manifest address, entries), in the order to download.
        sel: the filters.
        cameras: needed when ``sel.by_camera``.
    """
    seen: set[str] = set()
    for part, (where, entries) in manifests.items():
        for i, entry in enumerate(entries):
            if not _keep_entry(sel, entry):
                continue
            for j, spec in enumerate(entry.paths):
                if not _keep_path(sel, spec) or spec.relative_path in seen:
                    continue
                if sel.by_camera and part in CAMERA_PARTS:
                    assert cameras is not None, "a camera filter needs the camera index"
                    take, cam = cameras.camera_of(part, entry.uid, spec.relative_path)
                    if not _allowed(sel, take, cam):
                        continue
                seen.add(spec.relative_path)
                yield Selected(part, entry.uid, spec, where, pointer(i, "paths", j))
