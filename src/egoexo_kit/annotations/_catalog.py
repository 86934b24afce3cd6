"""The annotation catalog: Parquet tables in ``<release>/.egoexo-kit/catalog/`` queried with DuckDB.

Each source file (``takes.json``, ``splits.json`` and every annotation file) is extracted into one
Parquet fragment per table under ``parts/<table>/``; ``manifest.json`` remembers each file's size
and modification time, so a rebuild re-reads only changed, new or deleted files. The fragments of a
table whose sources changed are then merged into ``<table>.parquet`` (the interchange format) and
loaded into ``catalog.duckdb`` (DuckDB's own storage answers filtered queries several times faster
than Parquet scans). The database is updated on a copy that then replaces it, so open connections
keep a consistent snapshot and readers never lock writers out. A malformed file is recorded in
``catalog_errors`` (path and located message) and contributes no rows; every other file is still
catalogued.

Irregular but usable data (issue 16) is listed in the view ``catalog_warnings`` (path, pointer,
message) and never blocks a file: a ``takes.json`` record that does not parse is left out (as
``open_release`` does), an empty EgoPose frame is skipped, and rows of takes that are not in
``takes.json`` (redacted takes) are **kept** (they are real annotations, text search finds them;
a ``JOIN takes`` leaves them out) with one warning per file and take.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from egoexo_kit._io import atomic_path, write_json
from egoexo_kit._parallel import pool_map
from egoexo_kit.annotations._common import unknown_take
from egoexo_kit.annotations._files import AnnotationFile, discover
from egoexo_kit.annotations._search import SEARCH_TABLES, build_search_index, quiet_duckdb
from egoexo_kit.annotations._tables import SCHEMAS, extract
from egoexo_kit.errors import EgoExoKitError, NotFoundError

if TYPE_CHECKING:
    import duckdb

    from egoexo_kit.release import ReleaseIndex

__all__ = ["CATALOG_DIR", "BuildStats", "build_catalog", "catalog", "connect_catalog"]

CATALOG_DIR = ".egoexo-kit/catalog"
"""Where the catalog lives, relative to the release root (a cache: always rebuildable)."""
_VERSION = 3
"""Bumped when a table's columns change: a manifest of another version is rebuilt from scratch."""
ERRORS_SCHEMA = pa.schema([("path", pa.string()), ("message", pa.string())])

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
    """Malformed source files → located error message (their rows are left out)."""


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


def _run(job: _Job) -> tuple[str, list[str], str | None]:
    """Extract one source into its fragments (in a worker); returns (rel, tables, error)."""
    try:
        rows = extract(job.file, root=job.root, take_uid_of_dir=job.uid_by_name.get)
    except EgoExoKitError as e:
        return job.file.rel, [], str(e)
    for table, recs in rows.items():
        _write_table(_fragment(job.cat, table, job.file.rel), _arrow(recs, SCHEMAS[table]))
    return job.file.rel, sorted(rows), None


def _take_names(root: Path) -> dict[str, str]:
    try:
        data = json.loads((root / "takes.json").read_text(encoding="utf-8"))
        return {t["take_name"]: t["take_uid"] for t in data if isinstance(t, dict) and "take_name" in t}
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def _merge(cat: Path, table: str, manifest: dict[str, Any]) -> None:
    """Rewrite ``<table>.parquet`` from the fragments of the sources that feed it."""
    files = [
        _fragment(cat, table, rel).as_posix() for rel, m in sorted(manifest.items()) if table in m["tables"]
    ]
    out = cat / f"{table}.parquet"
    if not files:
        _write_table(out, SCHEMAS[table].empty_table())
        return
    con = quiet_duckdb()
    with atomic_path(out) as tmp:
        con.execute(
            f"COPY (SELECT * FROM read_parquet(?)) TO '{tmp.as_posix()}' (FORMAT parquet, COMPRESSION zstd)",  # noqa: S608 (our own cache path)
            [files],
        )
    con.close()


def _warnings_view() -> str:
    """SQL of the ``catalog_warnings`` view: per-file notes, and references to takes not in ``takes``."""
    mark = "TAKE_UID"
    before, after = (
        x.replace("'", "''")
        for x in unknown_take(mark, then="its rows are kept, they join no take").split(mark)
    )
    message = f"'{before}' || r.take_uid || '{after}'"  # our own constant text, quotes escaped
    return (
        "CREATE OR REPLACE VIEW catalog_warnings AS "  # noqa: S608 (constant text, quotes escaped)
        "SELECT path, pointer, message FROM catalog_notes UNION ALL "
        "SELECT r.path, r.pointer, " + message + " AS message FROM take_refs r "
        "WHERE NOT EXISTS (SELECT 1 FROM takes t WHERE t.take_uid = r.take_uid)"
    )


def _update_db(cat: Path, tables: list[str]) -> None:
    """Load the given tables' Parquet files into ``catalog.duckdb`` (all of them when it is new)."""
    db = cat / "catalog.duckdb"
    if not db.is_file():
        tables = sorted(p.stem for p in cat.glob("*.parquet"))
    with atomic_path(db) as tmp:
        tmp.unlink()
        if db.is_file():
            shutil.copyfile(db, tmp)
        con = quiet_duckdb(tmp)
        for table in tables:
            src = (cat / f"{table}.parquet").as_posix()
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM read_parquet('{src}')")  # noqa: S608
        con.execute(_warnings_view())
        con.close()


def build_catalog(
    release: ReleaseIndex, *, progress: Progress | None = None, workers: int | None = None, full: bool = False
) -> BuildStats:
    """Build or update the catalog of a release; only files changed since the last build are read.

    Args:
        release: the release.
        progress: ``update(stage, done, total)`` callback (the CLI passes a progress bar).
        workers: processes extracting files in parallel (default: the CPU count, at most 8).
        full: ignore the previous build and read every file again.
    """
    root = Path(release.root)
    cat = root / CATALOG_DIR
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
        if error:
            stats.errors[rel] = error
    stats.errors |= {rel: m["error"] for rel, m in manifest.items() if m.get("error")}
    missing = {t for t in SCHEMAS if not (cat / f"{t}.parquet").is_file()}
    stats.tables = sorted(changed | missing)
    for i, table in enumerate(stats.tables):
        if progress:
            progress(f"merging {table}", i, len(stats.tables))
        _merge(cat, table, manifest)
    _write_table(
        cat / "catalog_errors.parquet",
        _arrow([{"path": p, "message": m} for p, m in sorted(stats.errors.items())], ERRORS_SCHEMA),
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
    """A DuckDB connection to the catalog's tables, read-only (build it first).

    The database is attached to a fresh in-memory DuckDB, so the connection keeps the snapshot it
    opened even when a later build replaces the file.
    """
    db = Path(release.root) / CATALOG_DIR / "catalog.duckdb"
    if not db.is_file():
        raise NotFoundError("no catalog yet: build it with release.catalog() or build_catalog()", path=db)
    con = quiet_duckdb()
    con.execute("ATTACH ? AS catalog (READ_ONLY)", [db.as_posix()])
    con.execute("USE catalog")
    return con


def catalog(
    release: ReleaseIndex,
    *,
    rebuild: bool = True,
    progress: Progress | None = None,
    workers: int | None = None,
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
    """
    cat = Path(release.root) / CATALOG_DIR
    if rebuild or not (cat / "catalog.duckdb").is_file():
        try:
            build_catalog(release, progress=progress, workers=workers)
        except OSError as e:  # e.g. a read-only release: say where, not a traceback
            raise EgoExoKitError(f"cannot write the catalog: {e.strerror or e}", path=cat) from e
    return connect_catalog(release)
