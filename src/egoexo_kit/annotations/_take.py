"""Per-release caches of parsed annotation files and the ``take.annotations`` view of one take.

Each file is parsed once, on first use, and indexed by take uid; ``ReleaseAnnotations`` is cached
per release, so ``take.annotations.keysteps`` for a hundred takes reads ``keystep_train.json`` once.

Irregular but usable data is noted, never refused (issue 16 items 3 and 4): entries for takes that
are not in ``takes.json`` (redacted takes; the official atomic-descriptions tutorial in
``facebookresearch/Ego4d: notebooks/egoexo/tutorials/`` labels them "Redacted") are kept in the
file's index, reached by no take, and listed in :attr:`ReleaseAnnotations.warnings`; so are empty
EgoPose frames, which the pose reader skips.

A malformed file (bad JSON, wrong types, not UTF-8, truncated) is skipped as the catalog skips it
(``catalog_errors``, issue 19): its located error is listed in :attr:`ReleaseAnnotations.errors`, its
takes read as if it were absent, and every other file of the family still reads, so one broken
download never takes down the viewer or ``egoexo-kit annotations``.
"""

from __future__ import annotations

import threading
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from egoexo_kit.annotations._common import EMPTY_POSE_FRAME, unknown_take
from egoexo_kit.annotations._files import AnnotationFile, discover
from egoexo_kit.annotations.atomic import AtomicDescription, read_atomic_descriptions
from egoexo_kit.annotations.commentary import (
    ExpertComment,
    ExpertRating,
    read_commentary_folder,
    read_expert_commentary,
)
from egoexo_kit.annotations.keystep import (
    KeystepBenchmarkSegment,
    KeystepLabel,
    KeystepSegment,
    Taxonomy,
    read_keystep,
    read_keystep_benchmark,
    read_label_mapping,
    read_procedure,
)
from egoexo_kit.annotations.narration import Narration, read_transcription
from egoexo_kit.annotations.pose import (
    CameraPose,
    PoseAnnotation,
    read_camera_pose,
    read_keypoints,
    summarize_keypoints,
)
from egoexo_kit.annotations.proficiency import (
    ProficiencyDemonstration,
    ProficiencyDemonstrator,
    read_proficiency_demonstration,
    read_proficiency_demonstrator,
)
from egoexo_kit.annotations.relations import TakeRelations, read_relations
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.extras import require
from egoexo_kit.release import Problem
from egoexo_kit.timeline import FPS, TakeTimeline
from egoexo_kit.vocab import frame_of, pointer

if TYPE_CHECKING:
    from egoexo_kit.release import ReleaseIndex, TakeEntry

__all__ = ["FAMILIES", "POSE_CACHE", "ReleaseAnnotations", "TakeAnnotations", "release_annotations"]

FAMILIES = (
    "keystep",
    "atomic_descriptions",
    "expert_commentary",
    "narrations",
    "proficiency",
    "relations",
    "pose",
)
"""Families ``egoexo-kit annotations --family`` and :meth:`TakeAnnotations.timeline_rows` know."""

TIMELINE_COLUMNS = ("family", "start_s", "end_s", "label", "start_frame", "end_frame")
"""The keys of each :meth:`TakeAnnotations.timeline_rows` row."""

POSE_CACHE = 32
"""Parsed pose files kept per release (least recently used dropped first)."""
_CACHE: weakref.WeakKeyDictionary[Any, ReleaseAnnotations] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def release_annotations(release: ReleaseIndex) -> ReleaseAnnotations:
    """The (cached) annotation index of a release."""
    with _LOCK:
        ra = _CACHE.get(release)
        if ra is None:
            ra = _CACHE[release] = ReleaseAnnotations(release)
        return ra


class ReleaseAnnotations:
    """Every annotation family of a release, parsed lazily (file by file) and indexed by take uid."""

    def __init__(self, release: ReleaseIndex) -> None:
        self.release = release
        self._lock = threading.RLock()
        self._pose_cache: dict[tuple[str, str, str], PoseAnnotation | None] = {}
        self._warnings: dict[Problem, None] = {}
        self._errors: dict[Problem, None] = {}

    @cached_property
    def files(self) -> list[AnnotationFile]:
        """The release's annotation files (:func:`discover`)."""
        return discover(self.release.root)

    def rescan(self) -> None:
        """Discover the per-take files again on next use: files were added (a remote release fetched more).

        Drops the file list and what is indexed from it per take (EgoPose and ``camera_pose`` files,
        expert-commentary folders, poses remembered as absent); families read from release-wide files
        (keysteps, descriptions …) stay parsed.
        """
        with self._lock:
            for name in ("files", "_pose_files", "_camera_pose_files", "_folders"):
                self.__dict__.pop(name, None)
            self._pose_cache = {k: v for k, v in self._pose_cache.items() if v is not None}

    def _of(self, family: str) -> list[AnnotationFile]:
        return [f for f in self.files if f.family == family]

    @cached_property
    def _take_uids(self) -> frozenset[str]:
        return frozenset(self.release.takes.uids)

    def _note(self, f: AnnotationFile, where: str, message: str) -> None:
        with self._lock:
            self._warnings[Problem(f.rel, where, message)] = None

    def _unknown_takes(
        self, f: AnnotationFile, uids: Iterable[str], where: Callable[[int, str], str]
    ) -> None:
        """Note each take uid of ``f`` (in file order) that ``takes.json`` lacks: a redacted take."""
        for i, uid in enumerate(uids):
            if uid not in self._take_uids:
                self._note(f, where(i, uid), unknown_take(uid))

    def _read(self, f: AnnotationFile | Path, reader: Callable[[Path], Any]) -> Any:
        """``reader(path)``, or ``None`` when the file is malformed (its error goes to :attr:`errors`)."""
        path = f.path if isinstance(f, AnnotationFile) else f
        try:
            return reader(path)
        except EgoExoKitError as e:
            problem = Problem.from_error(e, root=Path(self.release.root))
            with self._lock:
                self._errors[problem] = None
            return None

    def _readable(self, family: str, reader: Callable[[Path], Any]) -> Iterator[tuple[AnnotationFile, Any]]:
        """``(file, parsed)`` of the family's files that parse; the others are listed in :attr:`errors`."""
        for f in self._of(family):
            parsed = self._read(f, reader)
            if parsed is not None:
                yield f, parsed

    def _merge(self, family: str, reader: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f, part in self._readable(family, reader):
            self._unknown_takes(f, part, lambda _, uid: pointer("annotations", uid))
            out.update(part)
        return out

    @property
    def errors(self) -> list[Problem]:
        """Malformed files met so far, skipped (located: file, where, why), as in ``catalog_errors``.

        Families are parsed on first use; call :meth:`check_all` first for a complete list.
        """
        with self._lock:
            return list(self._errors)

    @property
    def warnings(self) -> list[Problem]:
        """Irregular entries met so far, located: unknown (redacted) takes, empty EgoPose frames.

        Families are parsed on first use; call :meth:`check_all` first for a complete list.
        """
        with self._lock:
            return list(self._warnings)

    def check_all(self) -> list[Problem]:
        """Parse every family (and every pose file, uncached) and return :attr:`warnings`.

        Malformed files are skipped and listed in :attr:`errors`.
        """
        for name in (
            "_keystep",
            "_benchmark",
            "_procedure",
            "_atomic",
            "_commentary",
            "_demonstrator",
            "_demonstration",
            "_relations",
            "_folders",
        ):
            getattr(self, name)
        for f, summary in self._readable("pose", summarize_keypoints):
            self._pose_notes(f, summary.skipped_keys)
        for f in self._of("camera_pose"):
            self._unknown_takes(f, [f.path.stem], lambda *_: "")
        return self.warnings

    def _pose_notes(self, f: AnnotationFile, skipped_keys: Iterable[str]) -> None:
        """Notes of a keypoint file: its take (the file name) unknown, its empty frames skipped."""
        self._unknown_takes(f, [f.path.stem], lambda *_: "")
        for key in skipped_keys:
            self._note(f, pointer(key), EMPTY_POSE_FRAME)

    @cached_property
    def _keystep(self) -> tuple[dict[str, list[KeystepSegment]], dict[str, Taxonomy]]:
        segs: dict[str, list[KeystepSegment]] = {}
        tax: dict[str, Taxonomy] = {}
        for f, k in self._readable("keystep", read_keystep):
            self._unknown_takes(f, k.segments, lambda _, uid: pointer("annotations", uid))
            segs.update(k.segments)
            tax.update(k.taxonomies)
        return segs, tax

    def keysteps(self, uid: str) -> list[KeystepSegment]:
        """Keystep segments of a take, by start time."""
        with self._lock:
            return list(self._keystep[0].get(uid, []))

    @property
    def taxonomies(self) -> dict[str, Taxonomy]:
        """Keystep taxonomy by scenario name."""
        with self._lock:
            return dict(self._keystep[1])

    @cached_property
    def _benchmark(self) -> dict[str, list[KeystepBenchmarkSegment]]:
        out: dict[str, list[KeystepBenchmarkSegment]] = defaultdict(list)
        for f, segs in self._readable("keystep_benchmark", read_keystep_benchmark):
            self._unknown_takes(
                f, [s.take_uid for s in segs], lambda j, _: pointer("segments", j, "take_uid")
            )
            for s in segs:
                out[s.take_uid].append(s)
        return dict(out)

    def keystep_benchmark(self, uid: str) -> list[KeystepBenchmarkSegment]:
        """Keystep-recognition benchmark clips of a take."""
        with self._lock:
            return list(self._benchmark.get(uid, []))

    @cached_property
    def _labels(self) -> list[KeystepLabel]:
        path = Path(self.release.root) / "annotations" / "keystep_benchmark" / "label_mapping.csv"
        return read_label_mapping(path) if path.is_file() else []

    @property
    def label_mapping(self) -> list[KeystepLabel]:
        """Classes of the keystep-recognition benchmark by ``label_id`` (empty without the file)."""
        with self._lock:
            return list(self._labels)

    @cached_property
    def _procedure(self) -> dict[str, Any]:
        return self._merge("procedure_understanding", read_procedure)

    def procedure(self, uid: str) -> Any:
        """The raw procedure-understanding entry of a take (schema unknown, FORMAT §7.4), or None."""
        with self._lock:
            return self._procedure.get(uid)

    @cached_property
    def _atomic(self) -> dict[str, list[AtomicDescription]]:
        return self._merge("atomic_descriptions", read_atomic_descriptions)

    def atomic_descriptions(self, uid: str) -> list[AtomicDescription]:
        """Atomic descriptions of a take, by time."""
        with self._lock:
            return list(self._atomic.get(uid, []))

    @cached_property
    def _commentary(self) -> dict[str, list[ExpertComment]]:
        return self._merge("expert_commentary", read_expert_commentary)

    @cached_property
    def _folders(self) -> dict[str, list[tuple[ExpertRating, list[ExpertComment]]]]:
        out: dict[str, list[tuple[ExpertRating, list[ExpertComment]]]] = defaultdict(list)
        names = set(self.release.takes.names)
        for f, (rating, comments) in self._readable(
            "expert_commentary_folder", lambda p: read_commentary_folder(p.parent)
        ):
            if rating.take_name not in names:
                self._note(f, "", unknown_take(rating.take_name, then="this folder is not used"))
            out[rating.take_name].append((rating, comments))
        return dict(out)

    def expert_commentary(self, take: TakeEntry) -> list[ExpertComment]:
        """Expert comments of a take: form 1 when the release has it, else the form-2 folders."""
        with self._lock:
            if take.uid in self._commentary or self._of("expert_commentary"):
                return list(self._commentary.get(take.uid, []))
            rows = [c for _, cs in self._folders.get(take.name, []) for c in cs]
            return sorted(rows, key=lambda c: (c.t_s, c.expert_uid))

    def expert_ratings(self, take: TakeEntry) -> list[ExpertRating]:
        """Experts' proficiency ratings of a take (form 2 ``data.json``)."""
        with self._lock:
            return [r for r, _ in self._folders.get(take.name, [])]

    def narrations(self, take: TakeEntry) -> list[Narration]:
        """Transcribed speech of a take (``audio/*_transcriptions.json``), by start time."""
        rows = [
            n
            for p in take.transcription_paths
            for n in self._read(Path(p), lambda q: read_transcription(q, take_uid=take.uid)) or []
        ]
        return sorted(rows, key=lambda n: (n.start_s, n.source))

    def _by_take(self, family: str, reader: Callable[[Path], list[Any]]) -> dict[str, Any]:
        """``{take_uid: record}`` of list-shaped files (proficiency), noting unknown takes."""
        out: dict[str, Any] = {}
        for f, recs in self._readable(family, reader):
            self._unknown_takes(
                f, [r.take_uid for r in recs], lambda j, _: pointer("annotations", j, "take_uid")
            )
            out.update((r.take_uid, r) for r in recs)
        return out

    @cached_property
    def _demonstrator(self) -> dict[str, ProficiencyDemonstrator]:
        return self._by_take("proficiency_demonstrator", read_proficiency_demonstrator)

    @cached_property
    def _demonstration(self) -> dict[str, ProficiencyDemonstration]:
        return self._by_take("proficiency_demonstration", read_proficiency_demonstration)

    def proficiency_demonstrator(self, uid: str) -> ProficiencyDemonstrator | None:
        """The take's demonstrator-proficiency label, or None."""
        with self._lock:
            return self._demonstrator.get(uid)

    def proficiency_demonstration(self, uid: str) -> ProficiencyDemonstration | None:
        """The take's demonstration-proficiency entry (good executions and tips), or None."""
        with self._lock:
            return self._demonstration.get(uid)

    @cached_property
    def _relations(self) -> dict[str, TakeRelations]:
        return self._merge("relations", read_relations)

    def relations(self, uid: str) -> TakeRelations | None:
        """The take's object mask tracks, or None."""
        with self._lock:
            return self._relations.get(uid)

    @cached_property
    def _pose_files(self) -> dict[tuple[str, str, str], AnnotationFile]:
        return {(f.path.stem, f.part or "", f.source or ""): f for f in self._of("pose")}

    @cached_property
    def _camera_pose_files(self) -> dict[str, AnnotationFile]:
        return {f.path.stem: f for f in self._of("camera_pose")}

    def pose(self, uid: str, *, part: str, source: str = "annotation") -> PoseAnnotation | None:
        """The take's body or hand keypoints from manual (``annotation``) or ``automatic`` files, or None.

        The last :data:`POSE_CACHE` parsed files are kept (pose files are large, one per take).
        """
        key = (uid, part, source)
        with self._lock:
            if key in self._pose_cache:
                self._pose_cache[key] = self._pose_cache.pop(key)  # most recently used last
                return self._pose_cache[key]
        f = self._pose_files.get(key)
        pose = (
            None
            if f is None
            else self._read(f, lambda p: read_keypoints(p, part=part, source=source, split=f.split))  # type: ignore[arg-type]
        )
        if f is not None and pose is not None:
            self._pose_notes(f, pose.skipped_keys)
        with self._lock:
            self._pose_cache[key] = pose
            while len(self._pose_cache) > POSE_CACHE:
                self._pose_cache.pop(next(iter(self._pose_cache)))
        return pose

    def camera_pose(self, uid: str) -> CameraPose | None:
        """The take's ``camera_pose`` file, or None."""
        f = self._camera_pose_files.get(uid)
        return None if f is None else self._read(f, lambda p: read_camera_pose(p, split=f.split))


class TakeAnnotations:
    """Every annotation of one take, one attribute per family (``take.annotations.keysteps`` …).

    Records carry seconds from take start and aligned frame indices; :meth:`frame_of` converts
    more times through the take's timeline when its ``timesync.csv`` is present.
    """

    def __init__(self, take: TakeEntry, index: ReleaseAnnotations) -> None:
        self.take = take
        self._index = index

    def __repr__(self) -> str:
        return f"TakeAnnotations({self.take.name})"

    @property
    def keysteps(self) -> list[KeystepSegment]:
        """Keystep segments (FORMAT §7.2), by start time."""
        return self._index.keysteps(self.take.uid)

    @property
    def keystep_taxonomy(self) -> Taxonomy | None:
        """The keystep taxonomy of the take's scenario."""
        segs = self.keysteps
        scenario = segs[0].scenario if segs else self.take.scenario
        return self._index.taxonomies.get(scenario or "")

    @property
    def keystep_benchmark(self) -> list[KeystepBenchmarkSegment]:
        """Keystep-recognition benchmark clips (FORMAT §7.3)."""
        return self._index.keystep_benchmark(self.take.uid)

    @property
    def procedure(self) -> Any:
        """Procedure-understanding entry, raw (FORMAT §7.4)."""
        return self._index.procedure(self.take.uid)

    @property
    def atomic_descriptions(self) -> list[AtomicDescription]:
        """Atomic action descriptions (FORMAT §7.7), by time."""
        return self._index.atomic_descriptions(self.take.uid)

    @property
    def expert_commentary(self) -> list[ExpertComment]:
        """Expert comments (FORMAT §7.8), by time, with their audio paths."""
        return self._index.expert_commentary(self.take)

    @property
    def expert_ratings(self) -> list[ExpertRating]:
        """Experts' proficiency ratings (form 2 ``data.json``)."""
        return self._index.expert_ratings(self.take)

    @property
    def narrations(self) -> list[Narration]:
        """Narrate-and-act / take-audio transcription segments (FORMAT §7.10)."""
        return self._index.narrations(self.take)

    @property
    def proficiency_demonstrator(self) -> ProficiencyDemonstrator | None:
        """Demonstrator proficiency (FORMAT §7.5)."""
        return self._index.proficiency_demonstrator(self.take.uid)

    @property
    def proficiency_demonstration(self) -> ProficiencyDemonstration | None:
        """Demonstration proficiency with its moments (FORMAT §7.5)."""
        return self._index.proficiency_demonstration(self.take.uid)

    @property
    def relations(self) -> TakeRelations | None:
        """Object mask tracks (FORMAT §7.6); ``track(obj, view)`` accepts every view spelling."""
        rel = self._index.relations(self.take.uid)
        return None if rel is None else replace(rel, views=self.take.views)

    def pose(self, part: str = "body", *, source: str = "annotation") -> PoseAnnotation | None:
        """Body or hand keypoints, manual (``annotation``) or ``automatic`` (FORMAT §7.9)."""
        return self._index.pose(self.take.uid, part=part, source=source)

    @property
    def camera_pose(self) -> CameraPose | None:
        """The EgoPose ``camera_pose`` file (FORMAT §7.9)."""
        return self._index.camera_pose(self.take.uid)

    @property
    def split(self) -> str | None:
        """``train``/``val``/``test`` (``splits.json``)."""
        return self.take.split

    @property
    def benchmarks(self) -> list[str]:
        """Benchmarks the take belongs to (``take_uid_to_benchmark``)."""
        return self.take.benchmarks

    @cached_property
    def _timeline(self) -> TakeTimeline | None:
        has_window = self.take.record.timesync_start_idx is not None and self.take.n_frames
        if not has_window or not Path(self.take.timesync_path).is_file():
            return None
        return TakeTimeline.from_take(self.take)

    def frame_of(self, t_s: npt.ArrayLike) -> Any:
        """Aligned frame index of take times, through the take's timeline when ``timesync.csv`` exists.

        Times past the last frame (a segment ending at the take end) map to the last frame.
        """
        t = np.asarray(t_s, dtype=np.float64)
        n = self.take.n_frames
        if self._timeline is None or not n:
            f = frame_of(t)
            return np.minimum(f, n - 1)[()] if n else f
        return self._timeline.to_frame(t=np.clip(t, 0.0, (n - 1) / self._timeline.fps))

    def to_pandas(self, families: tuple[str, ...] | list[str] = FAMILIES) -> Any:
        """:meth:`timeline_rows` as a ``pandas.DataFrame`` (needs ``pip install 'egoexo-kit[pandas]'``).

        Columns: ``family``, ``start_s``, ``end_s``, ``label``, ``start_frame``, ``end_frame``.
        """
        pd = require("pandas", extra="pandas", what="TakeAnnotations.to_pandas()")
        return pd.DataFrame.from_records(self.timeline_rows(families), columns=list(TIMELINE_COLUMNS))

    def timeline_rows(self, families: tuple[str, ...] | list[str] = FAMILIES) -> list[dict[str, Any]]:
        """The take's annotations as one time-sorted list: family, start/end seconds and frames, label."""
        rows: list[dict[str, Any]] = []

        def add(family: str, start: float, end: float | None, *, label: str) -> None:
            rows.append({"family": family, "start_s": start, "end_s": end, "label": label})

        if "keystep" in families:
            for s in self.keysteps:
                flag = "" if s.is_essential is None else (" [essential]" if s.is_essential else " [optional]")
                add("keystep", s.start_s, s.end_s, label=f"{s.step_name}{flag}")
        if "atomic_descriptions" in families:
            for d in self.atomic_descriptions:
                add("atomic", d.t_s, None, label=d.text + (f" (best exo {d.best_exo})" if d.best_exo else ""))
        if "expert_commentary" in families:
            for c in self.expert_commentary:
                add("commentary", c.t_s, c.t_s + (c.duration_s or 0.0), label=f"{c.expert_uid}: {c.text}")
        if "narrations" in families:
            for n in self.narrations:
                add("narration", n.start_s, n.end_s, label=n.text)
        if "proficiency" in families and (demo := self.proficiency_demonstration) is not None:
            for m in demo.moments:
                add("proficiency", m.t_s, None, label=f"{m.kind}: {'; '.join(m.labels)}")
        if "relations" in families and (rel := self.relations) is not None:
            for obj, cams in rel.tracks.items():
                frames = sorted({f for t in cams.values() for f in t.frames})
                if frames:
                    add(
                        "relations",
                        frames[0] / FPS,
                        frames[-1] / FPS,
                        label=f"{obj} masked in {len(cams)} cameras",
                    )
        if "pose" in families:
            for part in ("body", "hand"):
                for source in ("annotation", "automatic"):
                    p = self.pose(part, source=source)
                    if p is not None and len(p):
                        add(
                            "pose",
                            float(p.t_s[0]),
                            float(p.t_s[-1]),
                            label=f"{part} {source}: {len(p)} frames",
                        )
        rows.sort(key=lambda r: (r["start_s"], r["family"]))
        if rows:
            starts = self.frame_of([r["start_s"] for r in rows])
            ends = self.frame_of([r["end_s"] if r["end_s"] is not None else r["start_s"] for r in rows])
            for r, a, b in zip(rows, np.atleast_1d(starts), np.atleast_1d(ends), strict=True):
                r["start_frame"], r["end_frame"] = int(a), (int(b) if r["end_s"] is not None else None)
        return rows
