"""Safe SQL for the catalog: literals quoted in one audited place, and a sandbox for user queries.

Two rules (issue 19 item 2):

- **The catalog's own SQL never pastes a value.** Paths and values are bound as DuckDB parameters
  (``?``). Where DuckDB cannot bind one (``ATTACH``'s path and ``COPY … TO``'s target in DuckDB
  before 1.4/2.0, the text of a view definition), the value goes through :func:`sql_string`, the one
  function that writes a SQL string literal; identifiers go through :func:`sql_identifier`.
- **User SQL runs in a sandbox.** :func:`sandbox` is applied to every connection handed out
  (:func:`~egoexo_kit.annotations.connect_catalog`): once the catalog is attached read-only, DuckDB's
  external access and its local file system are switched off, extension auto-install and auto-load
  too, and then the configuration is locked, so no statement can read or write a file, attach a
  database, install or load an extension, or turn any of it back on. :func:`run_query` also lets only
  read statements through (``SELECT``/``WITH``/``FROM``/``VALUES``/``DESCRIBE``/``SHOW``/
  ``SUMMARIZE``/``EXPLAIN``) and turns each refusal into one :class:`QueryRefusedError` line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from egoexo_kit._io import atomic_path
from egoexo_kit.errors import EgoExoKitError, QueryRefusedError
from egoexo_kit.extras import require

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

__all__ = [
    "READ_STATEMENTS",
    "copy_to_parquet",
    "parquet_source",
    "quiet_duckdb",
    "run_query",
    "sandbox",
    "sql_identifier",
    "sql_string",
]

READ_STATEMENTS = ("SELECT", "EXPLAIN")
"""DuckDB statement types :func:`run_query` runs (``DESCRIBE``, ``SHOW``, ``SUMMARIZE``, ``WITH``,
``FROM …`` and ``VALUES`` are ``SELECT`` statements to DuckDB)."""

_SANDBOX = (
    ("enable_external_access", False),
    ("disabled_filesystems", "LocalFileSystem"),
    ("autoinstall_known_extensions", False),
    ("autoload_known_extensions", False),
    ("lock_configuration", True),  # last: from here on no SET/RESET/PRAGMA can undo the lines above
)
"""Settings :func:`sandbox` applies, in order."""


def sql_string(value: str | Path) -> str:
    """``value`` as a SQL string literal, for the few places DuckDB cannot bind a parameter.

    DuckDB's plain string literals have one escape, a doubled quote (backslashes are literal), so
    doubling every ``'`` makes any text one literal that cannot end early; NUL cannot be part of a
    path or a literal and is refused.

    Raises:
        ValueError: the text holds a NUL character.

    Example:
        >>> sql_string("it's/release")
        "'it''s/release'"
    """
    text = value.as_posix() if isinstance(value, Path) else str(value)
    if "\0" in text:
        raise ValueError(f"a SQL literal cannot hold NUL: {text!r:.80}")
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a doubled ``"`` inside; NUL refused, as in :func:`sql_string`).

    Example:
        >>> sql_identifier("keysteps")
        '"keysteps"'
    """
    if "\0" in name:
        raise ValueError(f"a SQL identifier cannot hold NUL: {name!r:.80}")
    return '"' + name.replace('"', '""') + '"'


def quiet_duckdb(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never draws its own progress bar (it would garble CLI output).

    The one place the catalog opens DuckDB, so a missing ``[catalog]`` extra is named here.
    """
    duckdb = require("duckdb", extra="catalog", what="the annotation catalog (query, search)")
    con = duckdb.connect(str(path) if path is not None else ":memory:")
    con.execute("SET enable_progress_bar = false")
    return con


def sandbox(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Lock ``con`` down for untrusted SQL: no files, no extensions, no settings changes (then locked).

    Call it after the databases the connection needs are attached: an attached database keeps the
    file it opened, but nothing can open another one. Returns ``con``.
    """
    for name, value in _SANDBOX:
        con.execute(f"SET {name} = {sql_string(value) if isinstance(value, str) else str(value).lower()}")
    return con


def parquet_source(con: duckdb.DuckDBPyConnection, name: str, files: list[Path], *, schema: pa.Schema) -> str:
    """Register Parquet files as relation ``name`` of ``con`` (an Arrow dataset); returns it quoted.

    DuckDB's ``read_parquet`` treats ``*``, ``?`` and ``[`` in a path as a glob (a release under
    ``/data/a*b`` would also read ``/data/axb``) and needs the path in the SQL: a dataset does neither.
    """
    import pyarrow.dataset as ds  # pyarrow is core; imported here to keep `import` light

    con.register(name, ds.dataset([f.as_posix() for f in files], schema=schema, format="parquet"))
    return sql_identifier(name)


def copy_to_parquet(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    """Write the rows of ``select`` (our own SQL) to ``path`` as zstd Parquet, atomically."""
    with atomic_path(path) as tmp:
        con.execute(f"COPY ({select}) TO {sql_string(tmp)} (FORMAT parquet, COMPRESSION zstd)")


def _refusal(error: Exception) -> str | None:
    """Why DuckDB refused a statement because of the sandbox (``None``: an ordinary SQL error)."""
    first = str(error).splitlines()[0] if str(error) else type(error).__name__
    if type(error).__name__ == "PermissionException":
        return f"queries read only the catalog's tables; files and other databases are off limits ({first})"
    if "configuration has been locked" in first:
        return f"settings cannot be changed in a query ({first})"
    if "read-only mode" in first:
        return f"the catalog is read-only ({first})"
    return None


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run user SQL on a sandboxed catalog connection: column names and rows of its last statement.

    Args:
        con: a connection from :func:`~egoexo_kit.annotations.connect_catalog` (already sandboxed).
        sql: one or more read statements (``SELECT``, ``WITH``, ``DESCRIBE``, ``SHOW``, ``EXPLAIN`` …).

    Raises:
        QueryRefusedError: a statement that is not a read, or one the sandbox stopped (a file, a
            setting, a write): ``query refused: <why>``.
        EgoExoKitError: any other SQL error (syntax, unknown table …), as one line.
    """
    duckdb = require("duckdb", extra="catalog", what="catalog queries")
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        raise EgoExoKitError(f"SQL error: {str(e).splitlines()[0]}") from None
    if not statements:
        raise EgoExoKitError("SQL error: no statement to run")
    for st in statements:
        if str(st.type).rsplit(".", 1)[-1] not in READ_STATEMENTS:
            word = (st.query.split() or ["?"])[0].upper()  # as the user wrote it: INSTALL, not LOAD
            raise QueryRefusedError(
                f"query refused: {word} is not a read statement; only SELECT, WITH, DESCRIBE, SHOW, "
                "SUMMARIZE and EXPLAIN run on the catalog"
            )
    try:
        for st in statements[:-1]:
            con.execute(st.query)
        cur = con.execute(statements[-1].query)
        return [d[0] for d in cur.description or []], cur.fetchall()
    except duckdb.Error as e:
        why = _refusal(e)
        if why is not None:
            raise QueryRefusedError(f"query refused: {why}") from None
        raise EgoExoKitError(f"SQL error: {str(e).splitlines()[0]}") from None
