"""The annotation catalog: Parquet tables in ``<release>/.egoexo-kit/catalog/`` queried with DuckDB.

Each source file (``takes.json``, ``splits.json`` and every annotation file) is extracted into one
Parquet fragment per table under ``parts/<table>/``; ``manifest.json`` remembers each file's size
and modification time, so a rebuild re-reads only changed, new or deleted files. The fragments of a
table whose sources changed are then merged into ``<table>.parquet`` (the interchange format) and
loaded into ``catalog.duckdb`` (DuckDB's own storage answers filtered queries several times faster
than Parquet scans). The database is updated on a copy that then replaces it, so open connections
keep a consistent snapshot and readers never lock writers out. A malformed file is recorded in
``catalog_errors`` (path, location inside it, message) and contributes no rows; every other file is
still catalogued.

Safety (issue 19): one build at a time per release. A build holds the catalog folder's writer lock
(:func:`egoexo_kit._lock.folder_lock`, released by the kernel however the holder ends) and first
removes the temporary files a killed build left. A second build **waits** for it (up to
:data:`CATALOG_WAIT_S`, then :class:`~egoexo_kit.errors.BusyError` naming the holder), because
``query``, ``search`` and ``release.catalog()`` all update the catalog first, so two at once is the
normal case, and the waiter then finds everything up to date. Readers take no lock. No path is ever
pasted into SQL: fragments are read as Arrow datasets, and the two places DuckDB needs a file name
in the statement (``COPY … TO``, ``ATTACH``) quote it with :func:`~._sql.sql_string`. Connections
handed out are sandboxed (:func:`~._sql.sandbox`).

Irregular but usable data (issue 16) is listed in the view ``catalog_warnings`` (path, pointer,
message) and never blocks a file: a ``takes.json`` record that does not parse is left out (as
``open_release`` does), an empty EgoPose frame is skipped, and rows of takes that are not in
``takes.json`` (redacted takes) are **kept** (they are real annotations, text search finds them;
a ``JOIN takes`` leaves them out) with one warning per file and take.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from egoexo_kit._io import atomic_path, remove_stale_temps, write_json
from egoexo_kit._lock import folder_lock, holder_of
from egoexo_kit._parallel import pool_map
from egoexo_kit.annotations._common import unknown_take
from egoexo_kit.annotations._files import AnnotationFile, discover
from egoexo_kit.annotations._search import SEARCH_TABLES, build_search_index
from egoexo_kit.annotations._sql import (
    copy_to_parquet,
    parquet_source,
    quiet_duckdb,
    sandbox,
    sql_identifier,
    sql_string,
)
from egoexo_kit.annotations._tables import SCHEMAS, extract
from egoexo_kit.errors import BusyError, EgoExoKitError, NotFoundError, Problem

if TYPE_CHECKING:
    import duckdb

    from egoexo_kit.release import ReleaseIndex

__all__ = ["CATALOG_DIR", "CATALOG_WAIT_S", "BuildStats", "build_catalog", "catalog", "connect_catalog"]

CATALOG_DIR = ".egoexo-kit/catalog"
"""Where the catalog lives, relative to the release root (a cache: always rebuildable)."""
CATALOG_WAIT_S = 900.0
"""Seconds a build waits for another build of the same release before :class:`BusyError` (a full
build of 5,000 takes takes about 100 s on 2 cores, docs/performance.md)."""
_LOCK_WHAT = "egoexo-kit catalog"
_VERSION = 4
"""Bumped when a table's columns change: a manifest of another version is rebuilt from scratch."""
ERRORS_SCHEMA = pa.schema([("path", pa.string()), ("location", pa.string()), ("message", pa.string())])
_STORE_ERRORS = (pa.ArrowException, OverflowError, UnicodeError)
"""What Arrow raises for a value its column cannot hold (an integer over int64, a lone surrogate)."""

Progress = Callable[[str, int, int], None]


@dataclass
class BuildStats:
    """What one :func:`build_catalog` call did."""

    extracted: list[str] = field(default_factory=list)
    """Source files (release-relative) read in this build."""
    reused: int = 0
    """Unchanged source files whose fragments were kept."""
    removed: list[str] = field(default_factory=list)
    """Source files gone since the last build."""
    tables: list[str] = field(default_factory=list)
    """Tables re-merged."""
    errors: dict[str, str] = field(default_factory=dict)
    """Malformed source files → located error message (their rows are left out); the same rows as
    the ``catalog_errors`` table."""


def _sources(root: Path) -> list[AnnotationFile]:
    takes = root / "takes.json"
    head = [AnnotationFile(takes, "takes.json", "takes")] if takes.is_file() else []
    return head + discover(root)


def _stamp(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _fragment(cat: Path, table: str, rel: str) -> Path:
    return (
        cat
        / "parts"
        / table
        / (hashlib.sha1(rel.encode(), usedforsecurity=False).hexdigest()[:20] + ".parquet")
    )


def _arrow(rows: list[dict[str, Any]] | dict[str, list[Any]], schema: pa.Schema) -> pa.Table:
    """Rows (or ready columns) as an Arrow table (``from_pylist`` would import pandas)."""
    cols = rows if isinstance(rows, dict) else {n: [r.get(n) for r in rows] for n in schema.names}
    return pa.Table.from_pydict(cols, schema=schema)


def _write_table(path: Path, table: pa.Table) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


@dataclass(frozen=True)
class _Job:
    file: AnnotationFile
    root: Path
    cat: Path
    uid_by_name: dict[str, str]


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [""])[0][:300]


def _run(job: _Job) -> tuple[str, list[str], list[str] | None]:
    """Extract one source into its fragments (in a worker); returns (rel, tables, error row).

    The error row is ``[path, location, message]`` (``catalog_errors``): the loader's located
    error, a value no column can hold, or, as a last resort so one file never stops the catalog, an
    unexpected exception, named as the bug it is.
    """
    rel = job.file.rel
    try:
        rows = extract(job.file, root=job.root, take_uid_of_dir=job.uid_by_name.get)
    except EgoExoKitError as e:
        p = Problem.from_error(e, root=job.root)
        return rel, [], [p.path or rel, p.where, p.message]
    except Exception as e:  # a loader bug: still only this file is skipped, and it says so
        return rel, [], [rel, "", f"internal error: {type(e).__name__}: {_first_line(e)} (please report it)"]
    try:
        tables = {table: _arrow(recs, SCHEMAS[table]) for table, recs in rows.items()}
    except _STORE_ERRORS as e:
        return rel, [], [rel, "", f"a value does not fit the catalog's columns: {_first_line(e)}"]
    for table, data in tables.items():
        _write_table(_fragment(job.cat, table, rel), data)
    return rel, sorted(tables), None


def _error_text(path: str, location: str, message: str) -> str:
    """A ``catalog_errors`` row as one line, ``path:location: message`` (as errors print)."""
    return f"{':'.join(x for x in (path, location) if x)}: {message}"


def _take_names(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / "takes.json").read_text(encoding="utf-8"))
        return {t["take_name"]: t["take_uid"] for t in data if isinstance(t, dict) and "take_name" in t}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def _merge(cat: Path, table: str, manifest: dict[str, Any]) -> None:
    """Rewrite ``<table>.parquet`` from the fragments of the sources that feed it."""
    files = [_fragment(cat, table, rel) for rel, m in sorted(manifest.items()) if table in m["tables"]]
    out = cat / f"{table}.parquet"
    if not files:
        _write_table(out, SCHEMAS[table].empty_table())
        return
    con = quiet_duckdb()
    src = parquet_source(con, "fragments", files, schema=SCHEMAS[table])
    copy_to_parquet(con, f"SELECT * FROM {src}", out)  # noqa: S608 (a quoted identifier)
    con.close()


def _warnings_view() -> str:
    """SQL of the ``catalog_warnings`` view: per-file notes, and references to takes not in ``takes``."""
    mark = "TAKE_UID"
    before, after = unknown_take(mark, then="its rows are kept, they join no take").split(mark)
    message = f"{sql_string(before)} || r.take_uid || {sql_string(after)}"  # a view cannot bind values
    return (
        "CREATE OR REPLACE VIEW catalog_warnings AS "  # noqa: S608 (constant text, quoted by sql_string)
        "SELECT path, pointer, message FROM catalog_notes UNION ALL "
        "SELECT r.path, r.pointer, " + message + " AS message FROM take_refs r "
        "WHERE NOT EXISTS (SELECT 1 FROM takes t WHERE t.take_uid = r.take_uid)"
    )


def _update_db(cat: Path, tables: list[str]) -> None:
    """Load the given tables' Parquet files into ``catalog.duckdb`` (all of them when it is new)."""
    db = cat / "catalog.duckdb"
    if not db.is_file():  # the catalog's own tables only: not an embedding cache, not a temp file
        known = [*SCHEMAS, "catalog_errors", "search_docs", "search_terms", "search_stats"]
        tables = sorted(t for t in known if (cat / f"{t}.parquet").is_file())
    with atomic_path(db) as tmp:
        tmp.unlink()
        if db.is_file():
            shutil.copyfile(db, tmp)
        con = quiet_duckdb(tmp)
        for table in tables:
            path = cat / f"{table}.parquet"
            src = parquet_source(con, "loading", [path], schema=pq.read_schema(path))
            con.execute(f"CREATE OR REPLACE TABLE {sql_identifier(table)} AS SELECT * FROM {src}")  # noqa: S608 (quoted identifiers)
            con.unregister("loading")
        con.execute(_warnings_view())
        con.close()


@contextlib.contextmanager
def _build_lock(cat: Path, *, wait: float, progress: Progress | None) -> Iterator[None]:
    """Hold the catalog folder's writer lock, waiting up to ``wait`` s (and saying so) when busy."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(folder_lock(cat, what=_LOCK_WHAT))
        except BusyError:
            if wait <= 0:
                raise
            if progress:
                progress(f"waiting for {holder_of(cat) or 'another catalog build'}", 0, 1)
            stack.enter_context(folder_lock(cat, what=_LOCK_WHAT, wait=wait))
        yield


def build_catalog(
    release: ReleaseIndex,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    full: bool = False,
    wait: float = CATALOG_WAIT_S,
) -> BuildStats:
    """Build or update the catalog of a release; only files changed since the last build are read.

    One build at a time: this holds the catalog folder's lock, so a concurrent build of the same
    release waits for it (then finds little or nothing left to do); temporary files of a killed
    build are removed first. Connections opened earlier keep their snapshot.

    Args:
        release: the release.
        progress: ``update(stage, done, total)`` callback (the CLI passes a progress bar).
        workers: processes extracting files in parallel (default: the CPU count, at most 8).
        full: ignore the previous build and read every file again.
        wait: seconds to wait for another build of the same release (``0``: refuse at once).

    Raises:
        BusyError: another build still holds the catalog after ``wait`` seconds (the message names it).
        OSError: the catalog folder cannot be written (a read-only release).
    """
    cat = Path(release.root) / CATALOG_DIR
    with _build_lock(cat, wait=wait, progress=progress):
        remove_stale_temps(cat)
        return _build(release, cat, progress=progress, workers=workers, full=full)


def _build(
    release: ReleaseIndex, cat: Path, *, progress: Progress | None, workers: int | None, full: bool
) -> BuildStats:
    """:func:`build_catalog`'s work, under the lock."""
    root = Path(release.root)
    man_path = cat / "manifest.json"
    old: dict[str, Any] = {}
    if man_path.is_file() and not full:
        try:
            saved = json.loads(man_path.read_text(encoding="utf-8"))
            old = saved["files"] if saved.get("version") == _VERSION else {}
        except (OSError, ValueError, KeyError, TypeError):
            old = {}
    sources = _sources(root)
    stats = BuildStats()
    manifest: dict[str, Any] = {}
    todo: list[AnnotationFile] = []
    for f in sources:
        stamp = _stamp(f.path)
        prev = old.get(f.rel)
        if prev is not None and prev["stamp"] == stamp:
            manifest[f.rel] = prev
            stats.reused += 1
        else:
            todo.append(f)
    stats.removed = sorted(set(old) - {f.rel for f in sources})
    changed: set[str] = set()
    for rel in [*stats.removed, *(f.rel for f in todo)]:
        for table in (old.get(rel) or {}).get("tables", []):
            changed.add(table)
            _fragment(cat, table, rel).unlink(missing_ok=True)
    uid_by_name = _take_names(root) if any(f.family == "narration" for f in todo) else {}
    jobs = [_Job(f, root, cat, uid_by_name) for f in todo]
    n_workers = workers if workers is not None else max(1, min(8, os.cpu_count() or 1))
    done = pool_map(
        _run,
        jobs,
        workers=n_workers if len(jobs) > 4 else 1,
        on_done=(lambda n: progress("reading annotation files", n, len(jobs))) if progress else None,
        start="spawn",  # the caller may hold DuckDB connections: a forked child can crash on them
    )
    for job, (rel, tables, error) in zip(jobs, done, strict=True):
        manifest[rel] = {"stamp": _stamp(job.file.path), "tables": tables, "error": error}
        changed.update(tables)
        stats.extracted.append(rel)
    errors = {rel: m["error"] for rel, m in sorted(manifest.items()) if m.get("error")}
    stats.errors = {rel: _error_text(*row) for rel, row in errors.items()}
    missing = {t for t in SCHEMAS if not (cat / f"{t}.parquet").is_file()}
    stats.tables = sorted(changed | missing)
    for i, table in enumerate(stats.tables):
        if progress:
            progress(f"merging {table}", i, len(stats.tables))
        _merge(cat, table, manifest)
    _write_table(
        cat / "catalog_errors.parquet",
        _arrow([dict(zip(ERRORS_SCHEMA.names, row, strict=True)) for row in errors.values()], ERRORS_SCHEMA),
    )
    loaded = [*stats.tables, "catalog_errors"]
    if stats.tables and (
        set(SEARCH_TABLES) & set(stats.tables) or not (cat / "search_terms.parquet").is_file()
    ):
        if progress:
            progress("indexing text", 0, 1)
        build_search_index(cat)
        loaded += ["search_docs", "search_terms", "search_stats"]
    if progress:
        progress("loading the database", 0, 1)
    _update_db(cat, loaded)
    write_json(man_path, {"version": _VERSION, "files": manifest})
    return stats


def connect_catalog(release: ReleaseIndex) -> duckdb.DuckDBPyConnection:
    """A sandboxed, read-only DuckDB connection to the catalog's tables (build it first).

    The database is attached read-only to a fresh in-memory DuckDB, so the connection keeps the
    snapshot it opened even when a later build replaces the file. Then the connection is sandboxed
    (:func:`~egoexo_kit.annotations._sql.sandbox`): SQL run on it reads the catalog's tables and
    nothing else (no files, no ``COPY … TO``, no ``ATTACH``, no extensions, no settings changes), so
    it is safe to run SQL you did not write. Results come back as tuples, Arrow or pandas as usual;
    to save a result, fetch it (``.to_arrow_table()``) and write it with pyarrow.
    """
    db = Path(release.root) / CATALOG_DIR / "catalog.duckdb"
    if not db.is_file():
        raise NotFoundError("no catalog yet: build it with release.catalog() or build_catalog()", path=db)
    con = quiet_duckdb()
    con.execute(
        f"ATTACH {sql_string(db)} AS catalog (READ_ONLY)"
    )  # ATTACH binds no parameter before DuckDB 2
    con.execute("USE catalog")
    return sandbox(con)


def catalog(
    release: ReleaseIndex,
    *,
    rebuild: bool = True,
    progress: Progress | None = None,
    workers: int | None = None,
    wait: float = CATALOG_WAIT_S,
) -> duckdb.DuckDBPyConnection:
    """Update the catalog (incrementally) and return a DuckDB connection to its tables.

    Query results come back as tuples (``con.sql(q).fetchall()``) or Arrow
    (``.fetch_arrow_table()``) with the core install; ``con.sql(q).df()`` gives a
    ``pandas.DataFrame`` and needs pandas: ``pip install 'egoexo-kit[pandas]'``.

    Args:
        release: the release.
        rebuild: check for changed files first (``False``: use the catalog as it is on disk).
        progress: progress callback ``update(stage, done, total)``.
        workers: processes for extraction (default: CPU count, at most 8).
        wait: seconds to wait for another build of the same release (see :func:`build_catalog`).

    Raises:
        BusyError: another build held the catalog for longer than ``wait``.
        EgoExoKitError: the catalog folder cannot be written.
    """
    cat = Path(release.root) / CATALOG_DIR
    if rebuild or not (cat / "catalog.duckdb").is_file():
        try:
            build_catalog(release, progress=progress, workers=workers, wait=wait)
        except OSError as e:  # e.g. a read-only release: say where, not a traceback
            raise EgoExoKitError(f"cannot write the catalog: {e.strerror or e}", path=cat) from e
    return connect_catalog(release)
