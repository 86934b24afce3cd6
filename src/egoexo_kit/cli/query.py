"""``egoexo-kit query``: run SQL against the release's annotation catalog (DuckDB over Parquet).

The SQL runs sandboxed (:func:`egoexo_kit.annotations.run_query`): read statements over the catalog's
tables only; a statement that would read or write a file, attach a database, load an extension or
change a setting ends in one ``error: query refused: …`` line and exit 2.

Examples:
    egoexo-kit query ./egoexo "SELECT scenario, count(*) FROM keysteps GROUP BY ALL"
    egoexo-kit query ./egoexo "SELECT * FROM atomic_descriptions WHERE text ILIKE '%elbow%'" --json
    egoexo-kit query ./egoexo "SELECT * FROM takes" --csv > takes.csv
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from egoexo_kit.annotations import run_query
from egoexo_kit.cli._common import (
    ENDPOINT_OPTION,
    NO_SIGN_OPTION,
    PROFILE_OPTION,
    RELEASE_ARG_HELP,
    console,
    handle_errors,
    open_any,
    print_json,
    print_notes,
    progress_bar,
)
from egoexo_kit.release import Problem

if TYPE_CHECKING:
    import duckdb

__all__ = ["open_catalog", "query", "render_records", "render_rows"]


def open_catalog(
    path: str | Path,
    *,
    endpoint_url: str | None = None,
    s3_profile: str | None = None,
    no_sign_request: bool = False,
) -> tuple[Any, duckdb.DuckDBPyConnection]:
    """Open a release (a folder or a URL, with ``download``'s credential options) and its catalog.

    Returns the release (whose ``root`` holds the catalog folder) and the catalog, updated
    incrementally with a progress bar on stderr; a remote release fetches its annotation files first.
    """
    release = open_any(
        str(path), endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    )
    with progress_bar("catalog") as update:
        con = release.catalog(progress=update)
    errors = con.execute("SELECT path, location, message FROM catalog_errors ORDER BY path, location")
    print_notes([Problem(*row) for row in errors.fetchall()], what="skipped malformed file")
    warnings = con.execute("SELECT path, pointer, message FROM catalog_warnings ORDER BY path, pointer")
    print_notes([Problem(*row) for row in warnings.fetchall()], what="note")
    return release, con


def _cell(value: Any) -> str:
    return "" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def render_rows(columns: list[str], rows: list[tuple[Any, ...]], *, title: str | None = None) -> None:
    """Query results as a rich table, or as records when the table would not fit the terminal.

    A table wider than the terminal folds every cell into slivers nobody can read; one
    ``column: value`` block per row stays readable at any width (``--json``/``--csv`` for machines).
    """
    cells = [[_cell(v) for v in r] for r in rows]
    table = Table(title=title)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in cells:
        table.add_row(*r)
    natural = console.measure(table, options=console.options.update_width(1_000_000)).maximum
    if natural <= console.width:
        console.print(table)
    else:
        render_records(columns, cells, title=title)


def render_records(columns: list[str], cells: list[list[str]], *, title: str | None = None) -> None:
    """One block per row: a ``── row i of n ──`` rule, then ``column : value`` lines, names aligned."""
    if title:
        console.print(title, style="bold", markup=False, highlight=False)
    pad = max((len(c) for c in columns), default=0)
    for i, row in enumerate(cells, 1):
        console.rule(f"row {i} of {len(cells)}", align="left", style="dim")
        for c, v in zip(columns, row, strict=True):
            console.print(f"{c:<{pad}} : {v}", markup=False, highlight=False)
    console.print(f"({len(cells)} row(s); the table is wider than the terminal, --csv/--json for a table)")


@handle_errors
def query(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    sql: str = typer.Argument(..., help="SQL over the catalog tables (takes, keysteps, pose_frames …)."),
    as_json: bool = typer.Option(False, "--json", help="Print rows as a JSON list of objects."),
    as_csv: bool = typer.Option(False, "--csv", help="Print rows as CSV."),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """Run SQL against the annotation catalog (built or updated first, only changed files are read).

    Read statements only (SELECT, WITH, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN) over the catalog's
    tables: files, other databases, extensions and settings are refused.

    Example: egoexo-kit query ./egoexo "SELECT take_name, count(*) FROM keysteps GROUP BY ALL"
    """
    if sql != sql.encode("utf-8", "replace").decode("utf-8"):
        raise typer.BadParameter("the SQL is not valid UTF-8")
    _, con = open_catalog(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    )
    columns, rows = run_query(con, sql)
    if as_json:
        print_json([dict(zip(columns, r, strict=True)) for r in rows])
    elif as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(columns)
        w.writerows(rows)
    else:
        render_rows(columns, rows)
