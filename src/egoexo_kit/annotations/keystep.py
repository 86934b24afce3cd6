"""Keystep annotations (FORMAT §7.2), the keystep benchmark (§7.3) and procedure understanding (§7.4).

``read_keystep`` returns the segments of every take with their taxonomy node (parent, essential and
optional flags) and the scenario taxonomies as trees; ``read_label_mapping`` the benchmark's
classes; ``keystep_clips`` the trimmed clips of the part ``keystep_benchmark/clips_448p`` with their
segment and label. ``annotation_meta`` and ``annotation_metadata`` are both accepted; vocabulary
keys are looked up as strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from egoexo_kit.annotations._common import (
    SpanFrames,
    annotations_member,
    as_bool,
    as_float,
    as_list,
    as_object,
    load_object,
    opt_int,
    opt_str,
)
from egoexo_kit.errors import EgoExoKitError, FormatError
from egoexo_kit.release import CLIPS_PART, Problem, annotation_split, load_json, read_csv, safe_join
from egoexo_kit.vocab import pointer

_INT_KEY = re.compile(r"-?[0-9]{1,18}")
"""A vocabulary key that is a step id (ASCII digits, so ``int()`` of it cannot fail or grow huge)."""

__all__ = [
    "KeystepBenchmarkSegment",
    "KeystepClip",
    "KeystepClips",
    "KeystepFile",
    "KeystepLabel",
    "KeystepSegment",
    "Taxonomy",
    "TaxonomyNode",
    "keystep_clips",
    "read_keystep",
    "read_keystep_benchmark",
    "read_label_mapping",
    "read_procedure",
]


@dataclass(frozen=True, slots=True)
class TaxonomyNode:
    """One node of a scenario's keystep taxonomy (``taxonomy[scenario][id]``)."""

    scenario: str
    id: int
    """Node id within the scenario (``step_id`` of segments)."""
    name: str
    parent_id: int | None
    parent_name: str | None
    is_leafnode: bool
    unique_id: int | None
    """Global step id (``step_unique_id``); leaf nodes only."""


@dataclass(frozen=True)
class Taxonomy:
    """A scenario's hierarchical keystep taxonomy: nodes by id, with tree navigation."""

    scenario: str
    nodes: dict[int, TaxonomyNode]

    def __repr__(self) -> str:
        leaves = sum(n.is_leafnode for n in self.nodes.values())
        return f"Taxonomy({self.scenario!r}, {len(self.nodes)} nodes, {leaves} leaves)"

    def children(self, node_id: int | None) -> list[TaxonomyNode]:
        """Direct children of a node (``None``: the roots), by id."""
        return sorted((n for n in self.nodes.values() if n.parent_id == node_id), key=lambda n: n.id)

    def path(self, node_id: int) -> list[TaxonomyNode]:
        """The nodes from the root down to ``node_id``."""
        out: list[TaxonomyNode] = []
        seen: set[int] = set()
        node = self.nodes.get(node_id)
        while node is not None and node.id not in seen:
            seen.add(node.id)
            out.append(node)
            node = self.nodes.get(node.parent_id) if node.parent_id is not None else None
        return out[::-1]

    def by_unique_id(self, unique_id: int) -> TaxonomyNode | None:
        """The leaf whose global ``unique_id`` this is."""
        return next((n for n in self.nodes.values() if n.unique_id == unique_id), None)


@dataclass(frozen=True, slots=True)
class KeystepSegment(SpanFrames):
    """One annotated keystep of a take; times in seconds from take start, frames aligned (30 fps)."""

    take_uid: str
    take_name: str | None
    scenario: str | None
    start_s: float
    end_s: float
    step_id: int | None
    """Node id in the scenario taxonomy."""
    step_unique_id: int | None
    """Global step id (the ``vocabulary`` key)."""
    step_name: str | None
    step_description: str | None
    is_essential: bool | None
    parent_id: int | None
    """Parent node of the step in the taxonomy (``None`` when the taxonomy lacks it)."""
    parent_name: str | None
    split: str | None

    def __repr__(self) -> str:
        return (
            f"KeystepSegment({self.start_s:.2f}-{self.end_s:.2f} s, step {self.step_unique_id} "
            f"{_cut(self.step_name)!r}, take={self.take_name or self.take_uid!r})"
        )

    @property
    def is_optional(self) -> bool | None:
        """An optional (non-essential) step; ``None`` when the file does not say."""
        return None if self.is_essential is None else not self.is_essential

    @property
    def duration_s(self) -> float:
        """``end_s - start_s``."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class KeystepFile:
    """A parsed ``keystep_<split>.json``."""

    path: Path
    split: str | None
    segments: dict[str, list[KeystepSegment]]
    """Segments by take uid, sorted by start."""
    taxonomies: dict[str, Taxonomy]
    """Taxonomy by scenario name."""
    vocabulary: dict[int, str]
    """``step_unique_id`` → step name."""
    annotation_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``annotation_meta`` (or ``annotation_metadata``) by take uid."""

    def __repr__(self) -> str:
        n = sum(len(s) for s in self.segments.values())
        return (
            f"KeystepFile({self.path.name!r}, {len(self.segments)} takes, {n} segments, "
            f"{len(self.taxonomies)} taxonomies)"
        )


def _cut(text: str | None, limit: int = 40) -> str | None:
    """``text`` cut to ``limit`` characters with ``…`` (step names in one-line reprs)."""
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


def _taxonomy(scenario: str, raw: Any, *, path: Path) -> Taxonomy:
    at = pointer("taxonomy", scenario)
    if not isinstance(raw, dict):
        raise FormatError("expected an object of nodes", path=path, pointer=at)
    nodes: dict[int, TaxonomyNode] = {}
    for key, n in raw.items():
        nat = at + pointer(key)
        if not isinstance(n, dict) or "name" not in n:
            raise FormatError("expected a node object with a 'name'", path=path, pointer=nat)
        node_id = opt_int(n.get("id", key), path=path, pointer=nat + "/id")
        if node_id is None:
            raise FormatError("a taxonomy node needs an integer id", path=path, pointer=nat + "/id")
        nodes[node_id] = TaxonomyNode(
            scenario=scenario,
            id=node_id,
            name=str(n["name"]),
            parent_id=opt_int(n.get("parent_id"), path=path, pointer=nat + "/parent_id"),
            parent_name=opt_str(n.get("parent_name")),
            is_leafnode=bool(as_bool(n.get("is_leafnode"), path=path, pointer=nat + "/is_leafnode")),
            unique_id=opt_int(n.get("unique_id"), path=path, pointer=nat + "/unique_id"),
        )
    return Taxonomy(scenario, nodes)


def read_keystep(path: str | Path, *, data: Any = None) -> KeystepFile:
    """Parse ``keystep_{train,val}.json`` (FORMAT §7.2); the first problem raises a located error.

    ``data``: the file's JSON when the caller has already parsed it (``validate`` parses each file
    once); ``None`` reads ``path``. The same holds for every ``read_*`` of this package that takes it.
    """
    path = Path(path)
    data = load_object(path, data=data)
    anns = annotations_member(data, path, kind=dict)
    tax_raw = as_object(data.get("taxonomy"), path=path, pointer="/taxonomy")
    taxonomies = {s: _taxonomy(s, raw, path=path) for s, raw in tax_raw.items()}
    vocab_raw = data.get("vocabulary") or {}
    if not isinstance(vocab_raw, dict):
        raise FormatError("vocabulary must be an object", path=path, pointer="/vocabulary")
    vocabulary = {int(k): str(v) for k, v in vocab_raw.items() if _INT_KEY.fullmatch(k)}
    split = annotation_split(path.name)
    segments: dict[str, list[KeystepSegment]] = {}
    metas: dict[str, dict[str, Any]] = {}
    for uid, entry in anns.items():
        at = pointer("annotations", uid)
        if not isinstance(entry, dict) or not isinstance(entry.get("segments"), list):
            raise FormatError("expected an object with a 'segments' list", path=path, pointer=at)
        scenario = opt_str(entry.get("scenario"))
        tax = taxonomies.get(scenario or "")
        meta = entry.get("annotation_meta", entry.get("annotation_metadata"))
        if isinstance(meta, dict):
            metas[uid] = meta
        out = []
        for j, seg in enumerate(entry["segments"]):
            sat = at + pointer("segments", j)
            if not isinstance(seg, dict):
                raise FormatError("expected a segment object", path=path, pointer=sat)
            start = as_float(seg.get("start_time"), path=path, pointer=sat + "/start_time")
            end = as_float(seg.get("end_time"), path=path, pointer=sat + "/end_time")
            step_id = opt_int(seg.get("step_id"), path=path, pointer=sat + "/step_id")
            unique = opt_int(seg.get("step_unique_id"), path=path, pointer=sat + "/step_unique_id")
            node = tax.nodes.get(step_id) if tax is not None and step_id is not None else None
            out.append(
                KeystepSegment(
                    take_uid=str(entry.get("take_uid") or uid),
                    take_name=opt_str(entry.get("take_name")),
                    scenario=scenario,
                    start_s=start,
                    end_s=end,
                    step_id=step_id,
                    step_unique_id=unique,
                    step_name=opt_str(seg.get("step_name"))
                    or (vocabulary.get(unique) if unique is not None else None),
                    step_description=opt_str(seg.get("step_description")),
                    is_essential=as_bool(seg.get("is_essential"), path=path, pointer=sat + "/is_essential"),
                    parent_id=node.parent_id if node is not None else None,
                    parent_name=node.parent_name if node is not None else None,
                    split=split,
                )
            )
        segments[uid] = sorted(out, key=lambda s: (s.start_s, s.end_s))
    return KeystepFile(path, split, segments, taxonomies, vocabulary, metas)


@dataclass(frozen=True, slots=True)
class KeystepBenchmarkSegment:
    """One clip of the keystep-recognition benchmark (FORMAT §7.3); labels absent in the test file."""

    take_uid: str
    take_name: str | None
    start_s: float
    end_s: float
    step_unique_id: int | None
    label_id: int | None
    step_name: str | None
    ego_segment_name: str | None
    segment_names: tuple[str, ...]
    split: str | None

    def __repr__(self) -> str:
        return (
            f"KeystepBenchmarkSegment({self.start_s:.2f}-{self.end_s:.2f} s, label {self.label_id} "
            f"{_cut(self.step_name)!r}, {len(self.segment_names)} clips)"
        )


def read_keystep_benchmark(path: str | Path, *, data: Any = None) -> list[KeystepBenchmarkSegment]:
    """Parse ``keystep_benchmark/keystep_segment_<split>.json`` (FORMAT §7.3), in file order."""
    path = Path(path)
    data = load_object(path, data=data)
    segs = data.get("segments")
    if not isinstance(segs, list):
        raise FormatError("expected an object with a 'segments' list", path=path, pointer="")
    split = opt_str(data.get("splits"))
    out = []
    for j, seg in enumerate(segs):
        at = pointer("segments", j)
        if not isinstance(seg, dict) or "take_uid" not in seg:
            raise FormatError("expected a segment object with a take_uid", path=path, pointer=at)
        out.append(
            KeystepBenchmarkSegment(
                take_uid=str(seg["take_uid"]),
                take_name=opt_str(seg.get("take_name")),
                start_s=as_float(seg.get("start_time"), path=path, pointer=at + "/start_time"),
                end_s=as_float(seg.get("end_time"), path=path, pointer=at + "/end_time"),
                step_unique_id=opt_int(seg.get("step_unique_id"), path=path, pointer=at + "/step_unique_id"),
                label_id=opt_int(seg.get("label_id"), path=path, pointer=at + "/label_id"),
                step_name=opt_str(seg.get("step_name")),
                ego_segment_name=opt_str(seg.get("ego_segment_name")),
                segment_names=tuple(
                    str(x)
                    for x in as_list(
                        seg.get("segment_name_list"), path=path, pointer=at + "/segment_name_list"
                    )
                ),
                split=split,
            )
        )
    return out


_CLIP_NAME = re.compile(r"^start(?P<start>[^_]+)_end(?P<end>[^_]+)_(?P<cam>.+)\.mp4$")


@dataclass(frozen=True, slots=True)
class KeystepClip:
    """One trimmed clip of the keystep benchmark (part ``keystep_benchmark/clips_448p``, FORMAT §7.3)."""

    name: str
    """As in ``segment_name_list``: ``<split>/<take_name>/start<s>_end<e>_<cam>.mp4``."""
    cam: str | None
    """The name's camera: ``<aria>_214-1`` for the ego clip, the cam id (``cam01``) for an exo one."""
    is_ego: bool
    """The segment's ``ego_segment_name`` (the only input at test time)."""
    segment: KeystepBenchmarkSegment
    """The segment it shows, with its times (s from take start) and label (``None`` in the test file)."""
    path: Path
    """Where the clip is (or would be) under the clips folder."""

    @property
    def cam_id(self) -> str | None:
        """The camera id (``aria01``, ``cam01``)."""
        return self.cam.split("_", 1)[0] if self.cam else None

    @property
    def exists(self) -> bool:
        """Whether the clip is on disk (the part is optional)."""
        return self.path.is_file()


@dataclass
class KeystepClips:
    """Every clip the benchmark files name, plus located warnings for names that could not be used."""

    folder: Path
    """The clips folder names are resolved against."""
    clips: list[KeystepClip]
    warnings: list[Problem] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"KeystepClips({len(self.clips)} clips, {len(self.warnings)} warnings)"

    def __len__(self) -> int:
        return len(self.clips)

    def __iter__(self) -> Any:
        return iter(self.clips)

    def of_take(self, take_uid: str) -> list[KeystepClip]:
        """The clips of one take, in file order."""
        return [c for c in self.clips if c.segment.take_uid == take_uid]


def keystep_clips(
    root: str | Path,
    *,
    clips_root: str | Path | None = None,
    ego_only: bool = False,
    present_only: bool = False,
) -> KeystepClips:
    """The keystep benchmark's trimmed clips with their segment and label (FORMAT §7.3).

    The clips are the part ``keystep_benchmark/clips_448p`` (``--parts keystep_benchmark/clips_448p``,
    EGO4D/Ego-Exo4D-docs: docs/benchmarks/keystep/keystep_recoginition.md); each segment of
    ``annotations/keystep_benchmark/keystep_segment_<split>.json`` names its clips in
    ``segment_name_list``. Where the part lands under a download is not published, so ``clips_root``
    overrides the default ``<root>/keystep_benchmark/clips_448p``.

    Args:
        root: the release folder.
        clips_root: the folder the clip names are relative to.
        ego_only: only each segment's ``ego_segment_name``.
        present_only: only clips on disk.

    Returns:
        The clips in file and segment order; a name that escapes the clips folder is left out, and
        one whose times disagree with its segment is kept, each with a located warning.

    Raises:
        FormatError: a benchmark file is malformed (located).
    """
    root = Path(root)
    folder = Path(clips_root) if clips_root is not None else root / CLIPS_PART
    out = KeystepClips(folder=folder, clips=[])
    files = sorted((root / "annotations" / "keystep_benchmark").glob("keystep_segment_*.json"))
    for path in files:
        rel = path.relative_to(root).as_posix()
        for j, seg in enumerate(read_keystep_benchmark(path)):
            named = [
                (n, pointer("segments", j, "segment_name_list", i)) for i, n in enumerate(seg.segment_names)
            ]
            if seg.ego_segment_name and seg.ego_segment_name not in seg.segment_names:
                named.insert(0, (seg.ego_segment_name, pointer("segments", j, "ego_segment_name")))
            for name, where in named:
                is_ego = name == seg.ego_segment_name
                if ego_only and not is_ego:
                    continue
                try:
                    clip_path = safe_join(folder, name, source=path, pointer=where)
                except EgoExoKitError as e:
                    out.warnings.append(Problem(rel, where, f"clip left out: {e.message}"))
                    continue
                m = _CLIP_NAME.match(PurePosixPath(name).name)
                if m and not _same_times(m, seg):
                    message = (
                        f"clip name {name!r} disagrees with the segment's start_time {seg.start_s} "
                        f"/ end_time {seg.end_s}"
                    )
                    out.warnings.append(Problem(rel, where, message))
                clip = KeystepClip(name, m["cam"] if m else None, is_ego, seg, clip_path)
                if not present_only or clip.exists:
                    out.clips.append(clip)
    return out


def _same_times(m: re.Match[str], seg: KeystepBenchmarkSegment) -> bool:
    try:
        return abs(float(m["start"]) - seg.start_s) < 1e-3 and abs(float(m["end"]) - seg.end_s) < 1e-3
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class KeystepLabel:
    """One class of the keystep-recognition benchmark (a row of ``label_mapping.csv``, FORMAT §7.3)."""

    label_id: int
    """Class index, ``0..K-1``."""
    step_unique_id: int
    """The keystep (``step_unique_id`` of the taxonomy)."""
    step_name: str
    scenario_name: str
    """Lower-case scenario (``cooking``)."""


LABEL_COLUMNS = ("label_id", "step_unique_id", "step_name", "scenario_name")


def read_label_mapping(path: str | Path) -> list[KeystepLabel]:
    """Parse ``keystep_benchmark/label_mapping.csv`` (FORMAT §7.3), sorted by ``label_id``.

    Raises:
        FormatError: a missing column, an empty or non-integer id, or a ``label_id`` given twice,
            located by line (and column name).
    """
    table = read_csv(
        path, required=LABEL_COLUMNS, int_columns=LABEL_COLUMNS[:2], str_columns=LABEL_COLUMNS[2:]
    )
    ids = {}
    for name in LABEL_COLUMNS[:2]:
        col = table[name]
        if np.ma.isMaskedArray(col) and col.mask.any():
            row = int(np.flatnonzero(np.ma.getmaskarray(col))[0])
            raise FormatError(f"empty {name}", path=table.path, line=table.line_of(row))
        ids[name] = np.asarray(col)
    labels, first = ids["label_id"], {}
    for row, label in enumerate(labels.tolist()):
        if label in first:
            raise FormatError(
                f"label_id {label} given twice (first at line {table.line_of(first[label])})",
                path=table.path,
                line=table.line_of(row),
            )
        first[label] = row
    out = [
        KeystepLabel(int(a), int(b), str(c), str(d))
        for a, b, c, d in zip(
            labels, ids["step_unique_id"], table["step_name"], table["scenario_name"], strict=True
        )
    ]
    return sorted(out, key=lambda x: x.label_id)


def read_procedure(path: str | Path) -> dict[str, Any]:
    """``procedure_understanding_<split>.json`` as raw JSON: its schema is unknown (FORMAT §7.4).

    Returns:
        The per-take entries (``annotations`` by take uid) when the file has that shape, else the
        whole document.
    """
    data = load_json(path)
    if isinstance(data, dict) and isinstance(data.get("annotations"), dict):
        return dict(data["annotations"])
    return data if isinstance(data, dict) else {"data": data}
