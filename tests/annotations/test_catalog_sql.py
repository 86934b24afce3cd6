"""The catalog's SQL takes no path as text, and user SQL runs sandboxed (issue 19 item 2).

Reproductions: a release path holding ``'`` crashed the build; a crafted folder name ran the SQL in
it; a release under ``a*b`` also read the catalog of a sibling ``axb`` (DuckDB globs the paths it is
given); ``query`` could read any file, write files and attach databases.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from tests.annotations.conftest import catalogued_copy
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit._lock import folder_lock
from egoexo_kit.annotations import CATALOG_DIR, build_catalog, connect_catalog, run_query, search
from egoexo_kit.annotations._sql import sql_identifier, sql_string
from egoexo_kit.cli import app
from egoexo_kit.errors import BusyError, EgoExoKitError, QueryRefusedError

TABLES = ("takes", "keysteps", "atomic_descriptions", "pose_frames", "search_docs", "catalog_errors")


@pytest.fixture(scope="module")
def catalogued(ann_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return catalogued_copy(ann_release, tmp_path_factory, "sql")


def counts(root: Path) -> dict[str, int]:
    con = connect_catalog(open_release(root))
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def moved(catalogued: Path, root: Path) -> Path:
    """A copy of the catalogued release at ``root`` with one text file touched, so the next build
    re-reads it, merges its tables, rebuilds the text index and reloads the database: every
    statement that names a file under the release runs again."""
    shutil.copytree(catalogued, root)  # copy2 keeps the times: the rest of the catalog stays valid
    atomic = root / "annotations" / "atomic_descriptions_val.json"
    st = atomic.stat()
    os.utime(atomic, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    return root


def test_sql_string_and_identifier_quote_everything() -> None:
    con = duckdb.connect()
    for text in ["it's", "x'); COPY (SELECT 1) TO 'p.csv'; --", "a\\'b", "''", "é ü \n\t", ""]:
        assert con.execute(f"SELECT {sql_string(text)}").fetchone()[0] == text
        assert con.execute(f"SELECT 1 AS {sql_identifier(text or 'x')}").description[0][0] == (text or "x")
    with pytest.raises(ValueError, match="NUL"):
        sql_string("a\0b")


def test_a_release_path_with_a_quote_builds(catalogued: Path, tmp_path: Path) -> None:
    root = moved(catalogued, tmp_path / "it's" / "release")
    stats = build_catalog(open_release(root), workers=1)
    assert stats.extracted == ["annotations/atomic_descriptions_val.json"] and not stats.errors
    assert counts(root) == counts(catalogued)
    result = CliRunner().invoke(app, ["query", str(root), "SELECT count(*) AS n FROM keysteps", "--json"])
    assert result.exit_code == 0, result.output
    assert search(connect_catalog(open_release(root)), "brake", limit=3)


def test_a_crafted_folder_name_runs_no_sql(catalogued: Path, tmp_path: Path) -> None:
    """The folder name closes the string literal of a path the catalog pasted into its SQL.

    Before the fix, a rebuild of this unchanged release reloaded ``catalog_errors`` with
    ``read_parquet('<root>/…')``: the glob read a real file, then the injected ``COPY`` wrote
    ``pwned.csv``, then the tail parsed as a harmless ``SELECT``.
    """
    pwned = tmp_path / "pwned.csv"
    payload = f"**/catalog_errors.parquet'); COPY (SELECT 42) TO '{pwned}'; SELECT ('"
    root = Path(f"{tmp_path}/{payload}/release")  # slashes in it: nested folders, as on disk
    shutil.copytree(catalogued, root)
    release = open_release(root)
    assert build_catalog(release, workers=1).extracted == []
    assert not pwned.exists()
    moved(catalogued, root.with_name("touched"))  # and with a file to re-read: merges, index, reload
    stats = build_catalog(open_release(root.with_name("touched")), workers=1)
    assert stats.extracted and not stats.errors
    assert not pwned.exists() and counts(root.with_name("touched")) == counts(catalogued)


def test_glob_characters_in_the_path_read_only_this_release(catalogued: Path, tmp_path: Path) -> None:
    """``a*b`` is a glob that matches ``axb``: the sibling's identically named fragments stay unread."""
    shutil.copytree(catalogued, tmp_path / "axb" / "release")
    root = moved(catalogued, tmp_path / "a*b" / "release")
    build_catalog(open_release(root), workers=1)
    assert counts(root) == counts(catalogued)


@pytest.fixture(scope="module")
def con(catalogued: Path):
    return connect_catalog(open_release(catalogued))


HOSTILE = {
    "read a file": "SELECT * FROM read_csv('/etc/passwd')",
    "read text": "SELECT * FROM read_text('/etc/hostname')",
    "list files": "SELECT * FROM glob('/etc/*')",
    "write a file": "COPY (SELECT 1) TO '{out}/pwned.csv'",
    "write a table": "COPY takes TO '{out}/pwned.parquet' (FORMAT parquet)",
    "export": "EXPORT DATABASE '{out}/pwned'",
    "attach": "ATTACH '{out}/pwned.duckdb' AS p",
    "detach": "DETACH catalog",
    "switch database": "USE memory",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set": "SET enable_external_access = true",
    "reset": "RESET lock_configuration",
    "pragma": "PRAGMA enable_profiling",
    "create": "CREATE TABLE x AS SELECT 1",
    "insert": "INSERT INTO takes (take_uid) VALUES ('x')",
    "hidden after a select": "SELECT 1; COPY (SELECT 1) TO '{out}/pwned.csv'",
}


@pytest.mark.parametrize("what", list(HOSTILE))
def test_run_query_refuses(con, tmp_path: Path, what: str) -> None:
    with pytest.raises(QueryRefusedError, match=r"^query refused: "):
        run_query(con, HOSTILE[what].format(out=tmp_path))
    assert not list(tmp_path.iterdir())


def test_the_connection_itself_is_sandboxed(catalogued: Path, tmp_path: Path) -> None:
    """The Python API hands out the same sandbox: raw ``con.execute`` cannot leave the catalog either."""
    db = catalogued / CATALOG_DIR / "catalog.duckdb"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    con = connect_catalog(open_release(catalogued))
    for sql in [
        "SELECT * FROM read_csv('/etc/passwd')",
        f"COPY (SELECT 1) TO '{tmp_path}/pwned.csv'",
        f"ATTACH '{tmp_path}/pwned.duckdb' AS p",
        "SET enable_external_access = true",
        "SET disabled_filesystems = ''",
        "SET lock_configuration = false",
        "INSTALL httpfs",
        "CREATE TABLE takes2 AS SELECT * FROM takes",
    ]:
        with pytest.raises(duckdb.Error):
            con.execute(sql)
    con.execute("USE memory")  # allowed, and harmless: the catalog cannot come back writable
    con.execute("DETACH catalog")
    with pytest.raises(duckdb.Error):
        con.execute(f"ATTACH {sql_string(db)} AS again")
    assert not list(tmp_path.iterdir())
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT take_name FROM takes ORDER BY take_name",
        "WITH k AS (SELECT take_uid FROM keysteps) SELECT count(*) FROM k JOIN takes USING (take_uid)",
        "FROM keysteps LIMIT 2",
        "DESCRIBE keysteps",
        "SHOW TABLES",
        "SUMMARIZE takes",
        "EXPLAIN SELECT * FROM pose_frames WHERE frame > 3",
        "SELECT path, pointer, message FROM catalog_warnings",
        "SELECT 1; SELECT 2 AS two",
        "VALUES (1, 'a')",
    ],
)
def test_read_statements_run(con, sql: str) -> None:
    columns, rows = run_query(con, sql)
    assert columns and isinstance(rows, list)


def test_a_file_named_as_a_table_is_no_table(con) -> None:
    """DuckDB's replacement scan (a quoted path as a table) is off with external access."""
    with pytest.raises(EgoExoKitError) as err:
        run_query(con, "SELECT * FROM '/etc/passwd'")
    assert "root:" not in str(err.value)


def test_sql_errors_are_one_line_not_refusals(con) -> None:
    with pytest.raises(EgoExoKitError, match="^SQL error: .*nope") as err:
        run_query(con, "SELECT * FROM nope")
    assert not isinstance(err.value, QueryRefusedError) and "\n" not in str(err.value)
    with pytest.raises(EgoExoKitError, match="^SQL error: no statement"):
        run_query(con, "  ;  ")


def test_cli_refusal_is_one_line(catalogued: Path, tmp_path: Path) -> None:
    out = tmp_path / "pwned.csv"
    result = CliRunner().invoke(app, ["query", str(catalogued), f"COPY (SELECT 1) TO '{out}'"])
    assert result.exit_code == 2 and not out.exists()
    errors = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert errors == [errors[0]] and errors[0].startswith("error: query refused: COPY")
    assert "Traceback" not in result.output
    result = CliRunner().invoke(app, ["query", str(catalogued), "SELECT * FROM read_text('/etc/passwd')"])
    assert (
        result.exit_code == 2 and "error: query refused: " in result.stderr and "root:" not in result.output
    )


def test_readers_are_not_blocked_by_a_build_and_builds_wait(catalogued: Path) -> None:
    cat = catalogued / CATALOG_DIR
    release = open_release(catalogued)
    with folder_lock(cat, what="a test holding the catalog"):
        assert run_query(connect_catalog(release), "SELECT count(*) FROM takes")[1][0][0] > 0
        with pytest.raises(BusyError, match="a test holding the catalog"):
            build_catalog(release, wait=0)
        with pytest.raises(BusyError, match="a test holding the catalog"):
            build_catalog(release, wait=0.3)
    assert build_catalog(release).extracted == []
