"""``egoexo-kit info``: what a release holds, or everything about one take.

Examples:
    egoexo-kit info ./egoexo
    egoexo-kit info ./egoexo --take cmu_bike01_2
    egoexo-kit info ./egoexo --json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from egoexo_kit._extras import installed_extras
from egoexo_kit.cli._common import console, handle_errors, print_json, print_notes
from egoexo_kit.release import open_release, release_summary, take_summary

__all__ = ["info"]


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


@handle_errors
def info(
    path: Path = typer.Argument(..., help="Release folder."),
    take: str | None = typer.Option(
        None, "--take", help="A take name or uid: show its views and annotations."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse a metadata record that does not parse (default: leave it out, warn)."
    ),
) -> None:
    """Summarize a release (counts, parts, sizes) or one take.

    Example: egoexo-kit info ./egoexo --take cmu_bike01_2
    """
    release = open_release(path, strict=strict)
    summary = (
        take_summary(release.take(take))
        if take
        else {**release_summary(release), "extras": installed_extras()}
    )
    if as_json:
        print_json(summary)
    elif take:
        render_take(summary)
    else:
        render_release(summary)
    print_notes(release.warnings, what="left out")


def render_release(s: dict[str, Any]) -> None:
    """Rich tables for a release summary."""
    console.print(
        f"[bold]{s['root']}[/]: {s['takes']} takes, {s['captures']} captures, "
        f"{s['participants']} participants, {_size(s['total_bytes'])} on disk"
    )
    for title, key in (("scenario", "by_scenario"), ("university", "by_university"), ("split", "by_split")):
        table = Table(title=f"takes by {title}")
        table.add_column(title)
        table.add_column("takes", justify="right")
        for k, v in s[key].items():
            table.add_row(str(k), str(v))
        console.print(table)
    console.print("extras: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in s["extras"].items()))
    table = Table(title="parts present")
    table.add_column("part")
    table.add_column("files", justify="right")
    table.add_column("size", justify="right")
    for p in s["parts"]:
        table.add_row(p, str(s["part_files"][p]), _size(s["part_bytes"][p]))
    console.print(table)


def render_take(s: dict[str, Any]) -> None:
    """Rich tables for one take."""
    console.print(f"[bold]{s['take_name']}[/] ({s['take_uid']})")
    for key in (
        "capture",
        "scenario",
        "task",
        "university",
        "split",
        "is_narrated",
        "timesync_window",
        "n_frames",
        "duration_sec",
        "task_window",
        "best_exo",
        "collage",
    ):
        console.print(f"  {key}: {s[key]}")
    table = Table(title="views")
    for col in ("view", "stream_id", "kind", "full-res", "448p"):
        table.add_column(col)
    for v in s["views"]:
        table.add_row(
            v["view"],
            v["stream_id"],
            v["kind"],
            "yes" if v["exists"] else "-",
            "yes" if v["exists_448"] else "-",
        )
    console.print(table)
    console.print("annotations: " + (", ".join(s["annotations"]) or "none"))
    console.print("benchmarks: " + (", ".join(s["benchmarks"]) or "none"))
