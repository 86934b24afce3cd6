"""``egoexo-kit info``: what a release holds, or everything about one take.

Examples:
    egoexo-kit info ./egoexo
    egoexo-kit info ./egoexo cmu_bike_01_2
    egoexo-kit info ./egoexo cmu_bike_01_2 --row-offset 0
    egoexo-kit info ./egoexo --json
    egoexo-kit info s3://my-bucket/egoexo/v2 --endpoint-url http://127.0.0.1:9000
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from egoexo_kit import Release, Take
from egoexo_kit.cli._common import (
    ENDPOINT_OPTION,
    NO_SIGN_OPTION,
    PROFILE_OPTION,
    RELEASE_ARG_HELP,
    TAKE_OPTION,
    console,
    handle_errors,
    open_any,
    print_json,
    print_notes,
    take_from,
)
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.extras import installed_extras
from egoexo_kit.release import release_summary, take_summary
from egoexo_kit.timeline import resolve_row_offset

__all__ = ["info"]


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


@handle_errors
def info(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    take: str | None = typer.Argument(
        None, help="A take name or uid: show its views and annotations.", show_default=False
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    row_offset: str | None = typer.Option(
        None,
        "--row-offset",
        help="Timesync row of frame 0: frame i = row start+OFFSET+i (an integer or 'auto'; default "
        "$EGOEXO_KIT_ROW_OFFSET, else 1). With a take the measured offset is shown whatever this is.",
    ),
    strict: bool = typer.Option(
        False, "--strict", help="Refuse a metadata record that does not parse (default: leave it out, warn)."
    ),
    take_option: str | None = TAKE_OPTION,
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """Summarize a release (counts, parts, sizes) or one take.

    The release summary names its first takes (``--json``: all of them). With a take it also
    measures which timesync row is frame 0 (FORMAT §11 C1) from the take's trajectory and EgoPose
    ``camera_pose``, and shows the per-offset evidence.

    Example: egoexo-kit info ./egoexo cmu_bike_01_2
    """
    take = take_from(take, take_option, required=False)
    remote = {"endpoint_url": endpoint_url, "s3_profile": s3_profile, "no_sign_request": no_sign_request}
    if take:
        release = _open_for_take(path, row_offset=row_offset, strict=strict, remote=remote)
        summary = take_row_summary(release.take(take))
    else:
        release = open_any(path, strict=strict, **remote)
        summary = {
            **release_summary(release.index),
            "take_names": release.takes.names,
            "extras": installed_extras(),
        }
        if release.remote is not None:
            summary.update(_mirror_parts(release))
    if as_json:
        print_json(summary)
    elif take:
        render_take(summary)
    else:
        render_release(summary)
    print_notes(release.warnings, what="left out")


def _open_for_take(path: str, *, row_offset: str | None, strict: bool, remote: dict[str, Any]) -> Release:
    """The release (a folder or a URL; ``remote``: the credential options), ``--row-offset`` checked first."""
    try:
        resolve_row_offset(row_offset)  # also checks $EGOEXO_KIT_ROW_OFFSET when the option is absent
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--row-offset") from None
    return open_any(path, row_offset=row_offset, strict=strict, **remote)


def _mirror_parts(release: Release) -> dict[str, Any]:
    """A remote release's root, parts and sizes as its mirror lists them (not the local shadow's)."""
    assert release.remote is not None
    parts = release.remote.parts()
    return {
        "root": release.remote.url,
        "shadow": str(release.root),
        "parts": list(parts),
        "part_bytes": {p: b for p, (_, b) in parts.items()},
        "part_files": {p: f for p, (f, _) in parts.items()},
        "total_bytes": sum(b for _, b in parts.values()),
    }


def take_row_summary(t: Take) -> dict[str, Any]:
    """``take_summary`` plus ``row_offset``: the offset in use and the measured evidence.

    A take of a remote release is fetched first (its small files and the annotations part); its
    views count as present when the mirror has them.
    """
    remote = t.release.remote
    if remote is not None:
        t.fetch()
        t.release.fetch_annotations(t)
    summary = take_summary(t.entry)
    if remote is not None:
        for v, view in zip(summary["views"], t.views, strict=True):
            v["exists"] = view.path is not None and remote.exists(view.path)
            v["exists_448"] = view.path_448 is not None and remote.exists(view.path_448)
    check = t.detect_row_offset()
    try:
        used: int | None = t.timeline.row_offset
    except EgoExoKitError:  # no timesync.csv (part 'captures' absent) or no window
        used = None
    summary["row_offset"] = {"used": used, **check.to_json()}
    return summary


TAKES_SHOWN = 8
"""Take names ``info`` prints before pointing at the ``takes`` command for the rest."""


def take_names_line(names: list[str], root: str) -> str:
    """``takes: a, b, c … 12 more; see `egoexo-kit takes ROOT` `` (plain text, no markup)."""
    shown = ", ".join(names[:TAKES_SHOWN]) or "none"
    rest = len(names) - TAKES_SHOWN
    return f"takes: {shown}" + (f" … {rest} more; see `egoexo-kit takes {root}`" if rest > 0 else "")


def render_release(s: dict[str, Any]) -> None:
    """Rich tables for a release summary."""
    console.print(
        f"[bold]{s['root']}[/]: {s['takes']} takes, {s['captures']} captures, "
        f"{s['participants']} participants, {_size(s['total_bytes'])} "
        + ("on the mirror" if "shadow" in s else "on disk")
    )
    if "take_names" in s:
        console.print(take_names_line(s["take_names"], s["root"]), markup=False, highlight=False)
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
        "duration_s",
        "task_window",
        "best_exo",
        "collage",
    ):
        console.print(f"  {key}: {s[key]}")
    ro = s.get("row_offset")
    if ro is not None:
        used = "n/a (no timesync)" if ro["used"] is None else f"{ro['used']:+d}"
        console.print(f"  row_offset: {used} in use; measured: {ro['message']}")
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
