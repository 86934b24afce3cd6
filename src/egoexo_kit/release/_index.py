"""The metadata index of a release folder (docs/format.md §1–§2): its records, takes and captures.

:class:`ReleaseIndex` reads ``takes.json`` and the other metadata files and hands out
:class:`~egoexo_kit.release.TakeEntry` objects; it reads no media. ``egoexo_kit.open_release`` wraps
it in the user-facing :class:`egoexo_kit.Release`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from egoexo_kit.errors import FormatError, LimitError, NotFoundError, Problem
from egoexo_kit.extras import require
from egoexo_kit.release._entry import TakeEntry
from egoexo_kit.release._files import present
from egoexo_kit.release._json import load_json, load_records, parse_record, records_from
from egoexo_kit.release._paths import safe_join
from egoexo_kit.release._records import (
    CaptureRecord,
    ParticipantRecord,
    PhysicalSettingRecord,
    Splits,
    TakeRecord,
    VisualObjectRecord,
)
from egoexo_kit.vocab import pointer

__all__ = ["METADATA_FILES", "RECORD_COLUMNS", "ReleaseIndex", "Takes", "take_record"]

T = TypeVar("T")
TakeT = TypeVar("TakeT")

METADATA_FILES = (
    "takes.json",
    "captures.json",
    "participants.json",
    "physical_setting.json",
    "visual_objects.json",
    "metadata.json",
)
"""The files of the ``metadata`` part (FORMAT §1.4)."""


RECORD_COLUMNS = (
    "take_name",
    "take_uid",
    "scenario",
    "task",
    "university",
    "capture",
    "split",
    "benchmarks",
    "is_narrated",
    "n_frames",
    "duration_s",
    "views",
)
"""The keys of :func:`take_record`, in order (the columns of ``Takes.to_pandas()``)."""


def take_record(take: TakeEntry) -> dict[str, Any]:
    """One take as a plain dict (:data:`RECORD_COLUMNS`), from ``takes.json`` and the splits only.

    ``views`` is the list of canonical view keys (``aria01_214-1``, ``cam01`` …) the record lists,
    downloaded or not; ``duration_s`` and ``n_frames`` are ``None`` for a take without a window.
    """
    return {
        "take_name": take.name,
        "take_uid": take.uid,
        "scenario": take.scenario,
        "task": take.record.task_name,
        "university": take.university,
        "capture": take.capture_name,
        "split": take.split,
        "benchmarks": list(take.benchmarks),
        "is_narrated": take.record.is_narrated,
        "n_frames": take.n_frames,
        "duration_s": take.duration_s,
        "views": [v.key for v in take.views],
    }


def _as_set(value: str | int | Iterable[str | int]) -> set[str]:
    if isinstance(value, str | int):
        return {str(value).lower()}
    return {str(v).lower() for v in value}


class Takes(Sequence[TakeT], Generic[TakeT]):
    """An ordered, filterable collection of takes (``release.takes``): entries or facade takes.

    Each item has ``name``, ``uid``, ``record``, ``split``, ``benchmarks`` and ``views`` (both
    :class:`~egoexo_kit.release.TakeEntry` and :class:`egoexo_kit.Take` do).
    """

    def __init__(self, takes: Iterable[TakeT]) -> None:
        self._takes = tuple(takes)

    def __len__(self) -> int:
        return len(self._takes)

    @overload
    def __getitem__(self, i: int) -> TakeT: ...
    @overload
    def __getitem__(self, i: slice) -> Takes[TakeT]: ...
    def __getitem__(self, i: int | slice) -> TakeT | Takes[TakeT]:
        return Takes(self._takes[i]) if isinstance(i, slice) else self._takes[i]

    def __iter__(self) -> Iterator[TakeT]:
        return iter(self._takes)

    def __repr__(self) -> str:
        names = ", ".join(t.name for t in self._takes[:3])
        return f"Takes({len(self)}: {names}{', …' if len(self) > 3 else ''})"

    def records(self) -> list[dict[str, Any]]:
        """Each take as a plain dict (:func:`take_record`: name, uid, scenario, task, split, views …).

        JSON-ready (``json.dumps(takes.records())``) and what ``egoexo-kit takes --json`` prints.
        """
        return [take_record(t) for t in self._takes]  # type: ignore[arg-type]

    def to_pandas(self) -> Any:
        """The takes as a ``pandas.DataFrame``, one row per take, the columns of :data:`RECORD_COLUMNS`.

        Needs pandas (``pip install 'egoexo-kit[pandas]'``); filter first, then convert:
        ``release.takes.filter(scenario="cooking").to_pandas()``.

        Raises:
            MissingExtraError: pandas is not installed.
        """
        pd = require("pandas", extra="pandas", what="Takes.to_pandas()")
        return pd.DataFrame.from_records(self.records(), columns=list(RECORD_COLUMNS))

    @property
    def names(self) -> list[str]:
        """Take names in order."""
        return [t.name for t in self._takes]

    @property
    def uids(self) -> list[str]:
        """Take uids in order."""
        return [t.uid for t in self._takes]

    def filter(
        self,
        *,
        scenario: str | Iterable[str] | None = None,
        parent_task: str | int | Iterable[str | int] | None = None,
        task: str | int | Iterable[str | int] | None = None,
        university: str | Iterable[str] | None = None,
        split: str | Iterable[str] | None = None,
        benchmark: str | Iterable[str] | None = None,
        narrated: bool | None = None,
        has_views: str | Iterable[str] | None = None,
    ) -> Takes[TakeT]:
        """Keep the takes that match every given criterion (each accepts one value or any-of a list).

        Args:
            scenario: scenario name (``parent_task_name`` or ``scenario_name``), case-insensitive.
            parent_task: parent task id (``4000``) or name (``Bike Repair``).
            task: task id (``4001``) or name.
            university: ``university_name`` (``cmu``) or ``university_id`` (``ego4d-cmu``).
            split: ``train``, ``val`` or ``test`` (from ``annotations/splits.json``).
            benchmark: a name in ``take_uid_to_benchmark`` (``ego_pose``, ``keystep`` …).
            narrated: ``is_narrated``.
            has_views: views whose full-resolution file must be on disk: ``ego``, ``exo``, a camera
                (``cam01``), a view in any spelling (``aria01_214-1``, ``aria01/rgb``), a stream
                (``rgb``, ``slam-left``).
        """
        checks = []
        if scenario is not None:
            want = _as_set(scenario)
            checks.append(
                lambda t: {str(t.record.parent_task_name).lower(), str(t.record.scenario_name).lower()} & want
            )
        if parent_task is not None:
            want_pt = _as_set(parent_task)
            checks.append(
                lambda t: {str(t.record.parent_id), str(t.record.parent_task_name).lower()} & want_pt
            )
        if task is not None:
            want_t = _as_set(task)
            checks.append(lambda t: {str(t.record.task_id), str(t.record.task_name).lower()} & want_t)
        if university is not None:
            want_u = _as_set(university)
            checks.append(
                lambda t: (
                    {str(t.record.university_name).lower(), str(t.record.university_id).lower()} & want_u
                )
            )
        if split is not None:
            want_s = _as_set(split)
            checks.append(lambda t: str(t.split) in want_s)
        if benchmark is not None:
            want_b = _as_set(benchmark)
            checks.append(lambda t: {b.lower() for b in t.benchmarks} & want_b)
        if narrated is not None:
            checks.append(lambda t: bool(t.record.is_narrated) == narrated)
        if has_views is not None:
            specs = [has_views] if isinstance(has_views, str) else list(has_views)
            checks.append(lambda t: all(_has_view(t, s) for s in specs))
        return Takes(t for t in self._takes if all(c(t) for c in checks))


def _has_view(take: TakeEntry, spec: str) -> bool:
    """Whether ``take`` has a view matching ``spec`` (kind, camera, any view spelling or stream) on disk."""
    spec_l = spec.lower()
    for v in take.views:
        names = (
            {v.kind, v.cam_id.lower()} | v.spellings | ({v.readable_stream_id.lower(), v.stream_id} - {"0"})
        )
        if spec_l in names and v.exists:
            return True
    return False


class ReleaseIndex:
    """A release folder's metadata: records, take entries and captures, each file read lazily.

    Open one with ``ReleaseIndex.open(root)``; users get it wrapped by ``egoexo_kit.open_release``.
    Only ``takes.json`` is required; every other file is optional since a partial download is
    normal (FORMAT §1.1).

    Reading is lenient by default: one metadata record that does not parse (a take, a capture …)
    is left out with a located warning in :attr:`warnings` and every other record stays usable, so
    one odd entry never makes a 5,000-take release unopenable (issue 16 item 7). ``strict=True``
    raises :class:`FormatError` on the first such record instead; ``validate`` reports each as an
    error either way.
    """

    def __init__(
        self,
        root: Path,
        take_records: list[tuple[int, TakeRecord]],
        *,
        strict: bool = False,
        warnings: list[Problem] | None = None,
    ) -> None:
        self.root = root
        self._take_records = take_records
        self.strict = strict
        self._warnings: list[Problem] = list(warnings or [])

    @classmethod
    def open(cls, root: str | Path, *, strict: bool = False) -> ReleaseIndex:
        """Read ``takes.json`` under ``root``; a record that does not parse is a warning (``strict``: raised).

        A ``takes.json`` that is not JSON, or not an array, is always refused: there is nothing to open.
        """
        root = Path(root)
        if not root.is_dir():
            raise FormatError("release folder does not exist", path=root)
        takes_json = root / "takes.json"
        if not present(takes_json):
            raise FormatError("not a release: takes.json is missing (part 'metadata')", path=root)
        raw = load_json(takes_json, expect=list)  # a file of another shape is refused unparsed
        release = cls(root, [], strict=strict)
        release._take_records = release._lenient(
            takes_json, lambda errs: records_from(raw, TakeRecord, path=takes_json, errors=errs), []
        )
        return release

    def _lenient(self, path: Path, read: Callable[[list[FormatError] | None], T], fallback: T) -> T:
        """Run ``read(errors)``: strict → errors raise; lenient → they become :attr:`warnings`.

        In lenient mode a file that cannot be read at all gives ``fallback`` (with its warning).
        """
        if self.strict:
            return read(None)
        errors: list[FormatError] = []
        try:
            out = read(errors)
        except (FormatError, LimitError) as e:  # LimitError: nested too deep, a huge integer …
            errors.append(e)  # type: ignore[arg-type]  # located the same way
            out = fallback
        found = [Problem.from_error(e, root=self.root) for e in errors]
        self._warnings.extend(p for p in found if p not in self._warnings)
        return out

    @property
    def warnings(self) -> list[Problem]:
        """Metadata records left out as unreadable, located (file, JSON pointer): lenient mode only.

        Reading this reads every metadata file (they are otherwise read on first use), so the
        list is complete for ``takes.json``, ``captures.json``, ``participants.json``,
        ``physical_setting.json``, ``visual_objects.json``, ``metadata.json`` and ``splits.json``.
        """
        for name in ("captures", "participants", "physical_settings", "visual_objects", "metadata", "splits"):
            getattr(self, name)
        return list(self._warnings)

    def _preload(self, **values: object) -> ReleaseIndex:
        """Seed lazily-loaded metadata with already-parsed values (the validator parses tolerantly)."""
        self.__dict__.update(values)
        return self

    def __repr__(self) -> str:
        return f"ReleaseIndex({str(self.root)!r}, takes={len(self._take_records)})"

    # ---- takes ---------------------------------------------------------------------------------------
    @cached_property
    def takes(self) -> Takes[TakeEntry]:
        """Every take entry of ``takes.json``, filterable with ``.filter(...)``."""
        return Takes(TakeEntry(rec, self, i) for i, rec in self._take_records)

    @cached_property
    def _take_index(self) -> dict[str, TakeEntry]:
        idx: dict[str, TakeEntry] = {}
        for t in self.takes:
            idx.setdefault(t.name, t)
            idx[t.uid] = t
        return idx

    def take(self, uid_or_name: str) -> TakeEntry:
        """A take entry by ``take_uid`` or ``take_name``."""
        try:
            return self._take_index[uid_or_name]
        except KeyError:
            raise NotFoundError(
                f"no take {uid_or_name!r} in takes.json ({len(self.takes)} takes)",
                path=self.root / "takes.json",
            ) from None

    # ---- other metadata ------------------------------------------------------------------------------
    def _optional_records(self, name: str, model: type) -> list:
        path = self.root / name
        if not present(path):
            return []
        return [r for _, r in self._lenient(path, lambda errs: load_records(path, model, errors=errs), [])]

    @cached_property
    def captures(self) -> tuple[CaptureRecord, ...]:
        """``captures.json`` records (empty when the file is absent)."""
        return tuple(self._optional_records("captures.json", CaptureRecord))

    @cached_property
    def _capture_index(self) -> dict[str, CaptureRecord]:
        idx: dict[str, CaptureRecord] = {}
        for c in self.captures:
            idx.setdefault(c.capture_name, c)
            idx[c.capture_uid] = c
        for t in self._take_records:  # captures embedded in takes fill gaps when captures.json is absent
            cap = t[1].capture
            if cap is not None:
                idx.setdefault(cap.capture_uid, cap)
                idx.setdefault(cap.capture_name, cap)
        return idx

    def capture(self, uid_or_name: str) -> CaptureRecord:
        """A capture by ``capture_uid`` or ``capture_name``."""
        cap = self.capture_or_none(uid_or_name)
        if cap is None:
            raise NotFoundError(f"no capture {uid_or_name!r}", path=self.root / "captures.json")
        return cap

    def capture_or_none(self, uid_or_name: str) -> CaptureRecord | None:
        """Like :meth:`capture` but ``None`` when unknown."""
        return self._capture_index.get(uid_or_name)

    @cached_property
    def participants(self) -> tuple[ParticipantRecord, ...]:
        """``participants.json`` records, with ``metadata`` decoded."""
        return tuple(self._optional_records("participants.json", ParticipantRecord))

    def participant_or_none(self, uid: int | None) -> ParticipantRecord | None:
        """A participant by uid, or ``None``."""
        return next((p for p in self.participants if p.participant_uid == uid), None)

    @cached_property
    def physical_settings(self) -> tuple[PhysicalSettingRecord, ...]:
        """``physical_setting.json`` records."""
        return tuple(self._optional_records("physical_setting.json", PhysicalSettingRecord))

    def physical_setting_or_none(self, uid: int | None) -> PhysicalSettingRecord | None:
        """A physical setting by uid, or ``None``."""
        return next((p for p in self.physical_settings if p.physical_setting_uid == uid), None)

    @cached_property
    def visual_objects(self) -> tuple[VisualObjectRecord, ...]:
        """``visual_objects.json`` records."""
        return tuple(self._optional_records("visual_objects.json", VisualObjectRecord))

    @cached_property
    def visual_objects_by_uid(self) -> dict[Any, VisualObjectRecord]:
        """Visual objects keyed by ``object_uid``."""
        return {o.object_uid: o for o in self.visual_objects}

    @cached_property
    def metadata(self) -> dict[str, Any]:
        """``metadata.json`` as read (known key: ``tasks``); empty when absent."""
        path = self.root / "metadata.json"
        if not present(path):
            return {}

        def read(_: list[FormatError] | None) -> dict[str, Any]:
            data = load_json(path)
            if not isinstance(data, dict):
                raise FormatError(f"expected a JSON object, got {type(data).__name__}", path=path, pointer="")
            return data

        return self._lenient(path, read, {})

    @property
    def tasks(self) -> dict[str, str]:
        """Task id (as a string) → task name, from ``metadata.json``."""
        tasks = self.metadata.get("tasks") or {}
        return {str(k): str(v) for k, v in tasks.items()} if isinstance(tasks, dict) else {}

    @cached_property
    def splits(self) -> Splits | None:
        """``annotations/splits.json``, or ``None`` when the annotations part is absent."""
        path = self.root / "annotations" / "splits.json"
        if not present(path):
            return None
        return self._lenient(path, lambda _: parse_record(Splits, load_json(path), path=path), None)

    # ---- paths ---------------------------------------------------------------------------------------
    @cached_property
    def _doubled(self) -> set[str]:
        """Top folders affected by the old ``takes/takes`` download bug (FORMAT §1.5)."""
        return {top for top in ("takes", "captures") if (self.root / top / top).is_dir()}

    def resolve_dir(self, rel_dir: str, *, source: str | None = None, pointer: str | None = None) -> Path:
        """A release-relative folder, safely joined, falling back to the doubled ``takes/takes`` layout."""
        path = safe_join(self.root, rel_dir, source=source, pointer=pointer)
        top = rel_dir.split("/", 1)[0]
        if top in self._doubled and not path.exists():
            doubled = safe_join(self.root, top, rel_dir, source=source, pointer=pointer)
            if doubled.exists():
                return doubled
        return path

    def path(self, relative_path: str) -> Path:
        """A path under the release root, refused if it escapes it."""
        return safe_join(self.root, relative_path)

    def capture_dir(self, capture: CaptureRecord) -> Path:
        """The folder of a capture (``captures/<capture_name>``)."""
        return self.resolve_dir(capture.dir, source="captures.json", pointer=pointer("root_dir"))
