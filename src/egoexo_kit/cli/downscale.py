"""``egoexo-kit downscale``: write the missing ``downscaled/448`` variants of a release (FORMAT §4.3).

Examples:
    egoexo-kit downscale ./egoexo
    egoexo-kit downscale ./egoexo --takes cmu_bike_01_2 --workers 2
"""

from __future__ import annotations

from pathlib import Path

import typer

from egoexo_kit import open_release
from egoexo_kit.cli._common import WORKERS_MAX, console, handle_errors, progress_bar, split_list
from egoexo_kit.video import downscale_release

__all__ = ["downscale"]


@handle_errors
def downscale(
    path: Path = typer.Argument(..., help="Release folder."),
    takes: list[str] = typer.Option(
        [], "--takes", help="Take names or uids (repeat or comma-separate); default: all."
    ),
    workers: int = typer.Option(0, "--workers", min=0, max=WORKERS_MAX, help="Processes (0: one per core)."),
) -> None:
    """Short side 448, long side even, as the official downscale script; skips files already done.

    Example: egoexo-kit downscale ./egoexo --takes cmu_bike_01_2 --workers 2
    """
    release = open_release(path)
    names = split_list(takes) or None
    with progress_bar("downscaling") as update:
        written = downscale_release(
            release.index,
            takes=names,
            workers=workers,
            on_done=lambda done, total: update("downscaling", done, total),
        )
    console.print(f"wrote {len(written)} file(s)" + (" (everything was already done)" if not written else ""))
