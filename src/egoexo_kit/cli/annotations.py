"""``egoexo-kit annotations``: one take's annotations as a timeline (every family, or some).

Examples:
    egoexo-kit annotations ./egoexo cmu_bike_01_2
    egoexo-kit annotations ./egoexo cmu_bike_01_2 --family keystep atomic_descriptions
    egoexo-kit annotations ./egoexo cmu_bike_01_2 --json
"""

from __future__ import annotations

import typer
from rich.table import Table

from egoexo_kit import Take
from egoexo_kit.annotations import FAMILIES, release_annotations
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
    split_list,
    take_from,
)

__all__ = ["annotations", "render_timeline"]


def render_timeline(take: Take, families: list[str]) -> None:
    """A rich table of a take's annotations in time order."""
    table = Table(title=f"{take.name}: annotations ({take.split or 'no split'})")
    for col in ("family", "start s", "end s", "frames", "what"):
        table.add_column(col, overflow="fold")
    for r in take.annotations.timeline_rows(families):
        frames = str(r["start_frame"]) + (f"–{r['end_frame']}" if r["end_frame"] is not None else "")
        end = "" if r["end_s"] is None else f"{r['end_s']:.2f}"
        table.add_row(r["family"], f"{r['start_s']:.2f}", end, frames, r["label"])
    console.print(table)


@handle_errors
def annotations(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    take: str | None = typer.Argument(None, help="Take name or uid.", show_default=False),
    family: list[str] = typer.Option(
        [], "--family", help=f"Only these families, space/comma-separated or repeated: {', '.join(FAMILIES)}."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the timeline as JSON."),
    take_option: str | None = TAKE_OPTION,
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """Print a take's annotations (keysteps, descriptions, commentary, poses …) as one timeline.

    Example: egoexo-kit annotations ./egoexo cmu_bike_01_2 --family keystep
    """
    name = take_from(take, take_option, required=True)
    family = split_list(family)
    unknown = sorted(set(family) - set(FAMILIES))
    if unknown:
        raise typer.BadParameter(f"unknown family {unknown}; choose from {', '.join(FAMILIES)}")
    release = open_any(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    )
    t = release.take(name)
    fams = family or list(FAMILIES)
    if as_json:
        print_json(t.annotations.timeline_rows(fams))
    else:
        render_timeline(t, fams)
    notes = [*release.warnings, *release_annotations(release).warnings]
    print_notes([n for n in notes if n.path == "takes.json" or t.uid in n.path or t.uid in n.message])
    print_notes(release_annotations(release).errors, what="skipped malformed file")
