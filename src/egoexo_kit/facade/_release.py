"""The release users get from :func:`open_release`: its takes as :class:`Take`, plus catalog and search.

:class:`Release` composes a :class:`~egoexo_kit.release.ReleaseIndex` (the metadata records) and
delegates each metadata attribute by an explicit property; it adds what needs the layers above
``release``: facade takes, the annotation catalog and text search.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egoexo_kit.errors import NotFoundError
from egoexo_kit.facade._take import Take
from egoexo_kit.release import (
    CaptureRecord,
    ParticipantRecord,
    PhysicalSettingRecord,
    Problem,
    ReleaseIndex,
    Splits,
    Takes,
    VisualObjectRecord,
)
from egoexo_kit.remote import RemoteRelease, is_remote, open_remote, reopen
from egoexo_kit.timeline import resolve_row_offset

if TYPE_CHECKING:
    import duckdb

    from egoexo_kit.annotations import KeystepLabelMap, LabelSource, SearchHit

__all__ = ["Release", "open_release"]


class Release:
    """An Ego-Exo4D release: takes with frames, clips, audio and annotations; a queryable catalog.

    Open one with :func:`open_release`. The metadata lives in :attr:`index`; the properties below
    delegate to it.
    """

    def __init__(
        self, index: ReleaseIndex, *, row_offset: int | str | None = None, remote: RemoteRelease | None = None
    ) -> None:
        self.index = index
        """The metadata index (``takes.json`` and the other metadata files)."""
        self.row_offset = row_offset
        """Timesync row of frame 0 for every take's timeline (``open_release(row_offset=...)``)."""
        self._files_seen = -1  # remote.fetched_files when the annotation indexes last looked
        self.remote = remote
        """The mirror this release is read from (``open_release("s3://…")``); ``None`` for a local folder.

        :attr:`root` is then the local shadow folder holding the small files fetched so far."""

    def __repr__(self) -> str:
        where = self.remote.url if self.remote is not None else str(self.root)
        return f"Release({where!r}, takes={len(self.takes)})"

    # ---- takes ---------------------------------------------------------------------------------------
    @cached_property
    def takes(self) -> Takes[Take]:
        """Every take of ``takes.json``, filterable with ``.filter(...)``."""
        return Takes(Take(entry, self) for entry in self.index.takes)

    @cached_property
    def _by_name_or_uid(self) -> dict[str, Take]:
        idx: dict[str, Take] = {}
        for t in self.takes:
            idx.setdefault(t.name, t)
            idx[t.uid] = t
        return idx

    def take(self, uid_or_name: str) -> Take:
        """A take by ``take_uid`` or ``take_name``."""
        try:
            return self._by_name_or_uid[uid_or_name]
        except KeyError:
            raise NotFoundError(
                f"no take {uid_or_name!r} in takes.json ({len(self.takes)} takes)",
                path=self.root / "takes.json",
            ) from None

    # ---- metadata (from the index) -------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The release folder."""
        return self.index.root

    @property
    def strict(self) -> bool:
        """Whether unreadable metadata records raise instead of being warnings."""
        return self.index.strict

    @property
    def warnings(self) -> list[Problem]:
        """Metadata records left out as unreadable, located (file, JSON pointer): lenient mode only."""
        return self.index.warnings

    @property
    def captures(self) -> tuple[CaptureRecord, ...]:
        """``captures.json`` records (empty when the file is absent)."""
        return self.index.captures

    def capture(self, uid_or_name: str) -> CaptureRecord:
        """A capture by ``capture_uid`` or ``capture_name``."""
        return self.index.capture(uid_or_name)

    def capture_or_none(self, uid_or_name: str) -> CaptureRecord | None:
        """Like :meth:`capture` but ``None`` when unknown."""
        return self.index.capture_or_none(uid_or_name)

    def capture_dir(self, capture: CaptureRecord) -> Path:
        """The folder of a capture (``captures/<capture_name>``)."""
        return self.index.capture_dir(capture)

    @property
    def participants(self) -> tuple[ParticipantRecord, ...]:
        """``participants.json`` records."""
        return self.index.participants

    @property
    def physical_settings(self) -> tuple[PhysicalSettingRecord, ...]:
        """``physical_setting.json`` records."""
        return self.index.physical_settings

    @property
    def visual_objects(self) -> tuple[VisualObjectRecord, ...]:
        """``visual_objects.json`` records."""
        return self.index.visual_objects

    @property
    def metadata(self) -> dict[str, Any]:
        """``metadata.json`` as read (known key: ``tasks``); empty when absent."""
        return self.index.metadata

    @property
    def tasks(self) -> dict[str, str]:
        """Task id (as a string) → task name, from ``metadata.json``."""
        return self.index.tasks

    @property
    def splits(self) -> Splits | None:
        """``annotations/splits.json``, or ``None`` when the annotations part is absent."""
        return self.index.splits

    def path(self, relative_path: str) -> Path:
        """A path under the release root, refused if it escapes it."""
        return self.index.path(relative_path)

    # ---- annotations ---------------------------------------------------------------------------------
    def catalog(self, *, rebuild: bool = True, progress: Any = None) -> duckdb.DuckDBPyConnection:
        """Update the annotation catalog (only changed files) and return a DuckDB connection to it.

        Tables and columns are listed in docs/design.md (``takes``, ``keysteps``, ``pose_frames`` …); the
        Parquet files live in ``<release>/.egoexo-kit/catalog/``. Results come back as tuples
        (``.fetchall()``) or Arrow (``.fetch_arrow_table()``) with the core install, as a
        ``pandas.DataFrame`` with ``con.sql("SELECT * FROM keysteps").df()``, which needs pandas
        (``pip install 'egoexo-kit[pandas]'``).
        """
        from egoexo_kit.annotations import catalog

        self.fetch_annotations()
        return catalog(self.index, rebuild=rebuild, progress=progress)

    def fetch_annotations(self, take: Take | None = None, *, automatic_pose: bool = False) -> None:
        """A remote release: fetch its annotation files into the local shadow (once; a no-op locally).

        ``take``: only the release-wide files and that take's (what ``take.annotations`` reads);
        ``None``: every file under ``annotations/`` (what the catalog and benchmark ground truth read)
        but every take's automatic EgoPose (part ``ego_pose_pseudo_gt``, 139 GB of the real release),
        unless ``automatic_pose``; a take's own comes with ``take.annotations``. Expert commentary
        recordings (``.webm``) stay on the mirror.
        """
        if self.remote is None:
            return
        if take is None:
            self.remote.ensure_annotations(automatic_pose=automatic_pose)
        else:
            self.remote.ensure_annotations(take.uid, take.name)
        if self.remote.fetched_files != self._files_seen:  # files came since the indexes listed them
            from egoexo_kit.annotations import release_annotations

            self._files_seen = self.remote.fetched_files
            for key in (self.index, self):
                release_annotations(key).rescan()  # type: ignore[arg-type]

    def keystep_labels(
        self, *, scenario: str | Sequence[str] | None = None, source: LabelSource = "taxonomy"
    ) -> KeystepLabelMap:
        """Contiguous keystep classes (``step_unique_id`` → ``0..K-1``) and their names, for a classifier.

        See :func:`egoexo_kit.annotations.keystep_label_map`; ``EgoExoClips(label_map="taxonomy")`` uses it.
        """
        from egoexo_kit.annotations import keystep_label_map

        self.fetch_annotations()
        return keystep_label_map(self.index, scenario=scenario, source=source)

    def search(
        self,
        text: str,
        *,
        families: Sequence[str] | None = None,
        limit: int = 10,
        semantic: bool = False,
        model: str | Path | None = None,
    ) -> list[SearchHit]:
        """Atomic descriptions, expert comments and narrations matching ``text``, best first.

        BM25 by default; ``semantic=True`` ranks by sentence-embedding cosine similarity instead, with a
        local ``sentence-transformers`` model (``model``: a folder or a cached name, default
        ``$EGOEXO_EMBED_MODEL``; never downloaded).
        """
        from egoexo_kit.annotations import CATALOG_DIR, search, semantic_search

        fams = list(families) if families else None
        if semantic:
            cat = Path(self.root) / CATALOG_DIR
            return semantic_search(self.catalog(), cat, text, model=model, families=fams, limit=limit)
        return search(self.catalog(), text, families=fams, limit=limit)


def open_release(
    root: str | Path,
    *,
    strict: bool = False,
    row_offset: int | str | None = None,
    endpoint_url: str | None = None,
    profile: str | None = None,
    anonymous: bool = False,
) -> Release:
    """Open a release in the official Ego-Exo4D layout; takes have frames, clips, audio and annotations.

    ``root`` may also be a mirror in the official bucket layout (``s3://bucket/prefix/v2``,
    ``https://host/path/v2``, ``file:///…/v2``; what ``egoexo-kit publish`` writes): the metadata is
    fetched on open, a take's other small files when it is first used, into a local shadow folder
    (:attr:`Release.root`, under the user cache); its videos are never downloaded but read by ranged
    GETs through a size-capped block cache (:mod:`egoexo_kit.remote`; ``egoexo-kit cache`` shows and
    trims it). Credentials follow ``egoexo-kit download``. Opening that shadow folder again (what a
    DataLoader worker of ``EgoExoClips`` does with ``release.root``) reopens the mirror, with its own
    connections.

    Args:
        root: The release folder, or a release URL.
        strict: Lenient by default: a metadata record that does not parse is left out and listed,
            located, in ``release.warnings``; ``True`` raises
            :class:`~egoexo_kit.errors.FormatError` on the first.
        row_offset: Which timesync row is a take's frame 0: frame ``i`` ↔ row
            ``timesync_start_idx + row_offset + i`` (FORMAT §3.2, §11 C1). ``None``:
            ``$EGOEXO_KIT_ROW_OFFSET``, else +1 (the docs' convention); ``0`` is the EgoPose
            pipeline's; ``"auto"`` measures it per take (:meth:`Take.detect_row_offset`), keeping +1
            where a take has no trajectory or ``camera_pose`` to measure it with.
        endpoint_url: A release URL's S3-compatible endpoint (else ``$AWS_ENDPOINT_URL``).
        profile: A release URL's AWS profile (else the standard AWS credential chain).
        anonymous: Unsigned S3 requests for a public bucket (``--no-sign-request``).
    """
    if row_offset is not None:
        resolve_row_offset(row_offset)  # refuse a bad value now, not at the first timeline
    if is_remote(root):
        remote = open_remote(str(root), endpoint_url=endpoint_url, profile=profile, anonymous=anonymous)
    else:
        remote = reopen(root)  # the shadow folder of a remote release: read its mirror again
    if remote is not None:
        return Release(ReleaseIndex.open(remote.shadow, strict=strict), row_offset=row_offset, remote=remote)
    return Release(ReleaseIndex.open(root, strict=strict), row_offset=row_offset)
