"""``egoexo-kit takes``: list a release's takes, filtered, as a table or JSON records.

Examples:
    egoexo-kit takes ./egoexo
    egoexo-kit takes ./egoexo --scenario cooking --split train
    egoexo-kit takes ./egoexo --match bike --json
"""

from __future__ import annotations

from typing import Any

import typer
from rich import box
from rich.table import Table

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
)

__all__ = ["render_takes", "takes"]


def render_takes(records: list[dict[str, Any]], *, total: int) -> None:
    """A table that fits 80 columns (name, scenario, duration, views, split) and a count line."""
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("take", no_wrap=True, overflow="ellipsis", ratio=3)
    table.add_column("scenario", no_wrap=True, overflow="ellipsis", ratio=2)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("views", justify="right", no_wrap=True)
    table.add_column("split", no_wrap=True)
    for r in records:
        duration = "" if r["duration_s"] is None else f"{r['duration_s']:.1f} s"
        table.add_row(r["take_name"], r["scenario"] or "", duration, str(len(r["views"])), r["split"] or "")
    if records:
        console.print(table)
    console.print(f"{len(records)} of {total} takes", highlight=False)


@handle_errors
def takes(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Keep takes of this scenario (cooking, 'bike repair' …; any case)."
    ),
    match: str | None = typer.Option(
        None, "--match", help="Keep takes whose name or uid contains this text (any case)."
    ),
    split: str | None = typer.Option(None, "--split", help="Keep takes of this split: train, val or test."),
    benchmark: str | None = typer.Option(
        None, "--benchmark", help="Keep takes of this benchmark (ego_pose, keystep …)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the takes as JSON records."),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """List the takes of a release: name, scenario, duration, number of views and split.

    ``--json`` prints every take's record (uid, task, university, benchmarks, view keys …), the
    same as ``release.takes.records()`` in Python.

    Example: egoexo-kit takes ./egoexo --scenario "bike repair" --json
    """
    release = open_any(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    )
    chosen = release.takes.filter(scenario=scenario, split=split, benchmark=benchmark)
    records = chosen.records()
    if match:
        needle = match.lower()
        records = [r for r in records if needle in r["take_name"].lower() or needle in r["take_uid"].lower()]
    if as_json:
        print_json(records)
    else:
        render_takes(records, total=len(release.takes))
    print_notes(release.warnings, what="left out")
