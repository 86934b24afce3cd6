"""``egoexo-kit validate``: check a release against the format and report every problem.

Examples:
    egoexo-kit validate ./egoexo
    egoexo-kit validate ./egoexo --json > report.json
    egoexo-kit validate ./egoexo --strict --no-videos
    egoexo-kit validate ./egoexo --deep
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from egoexo_kit.cli._common import console, err_console, handle_errors, print_json
from egoexo_kit.download import redact_url
from egoexo_kit.errors import ArgumentError, NotFoundError
from egoexo_kit.remote import is_remote
from egoexo_kit.validate import Report, validate_release

__all__ = ["validate"]


@handle_errors
def validate(
    path: str = typer.Argument(..., help="Release folder (the downloader's -o folder)."),
    as_json: bool = typer.Option(False, "--json", help='Print {"ok", "errors", "warnings"} as JSON.'),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    videos: bool = typer.Option(
        True,
        "--videos/--no-videos",
        help="Count MP4 frames against the timesync window and decode the first packets of each "
        "MP4's first and last GOP.",
    ),
    deep: bool = typer.Option(
        False,
        "--deep",
        help="Also decode every packet of every MP4 (finds bit-flipped payloads, located by frame; "
        "about as slow as decoding the release) and hash each file whose part manifest has a checksum.",
    ),
) -> None:
    """Check a release: JSON structure, cross-references, ranges, files, CSV rows, videos, manifest sizes.

    Every problem is listed with its file and location (JSON pointer, CSV line, frame); row, frame and
    packet problems are listed up to 20 per file, then counted. Video payloads: by default only the
    start of each MP4's first and last GOP is decoded (cheap), and files listed in a <part>/manifest.json
    are compared with its size; --deep decodes every packet and compares manifest checksums.

    Exit status 0 when there are no errors, 1 otherwise. Example: egoexo-kit validate ./egoexo --json
    """
    if is_remote(path):
        raise ArgumentError(
            f"validate checks a local release folder, not a mirror URL ({redact_url(path)}): files read "
            "from a mirror are checked against its manifests (size, sha256) as they are fetched; to "
            "validate, download the parts you need (egoexo-kit download URL -o DIR) and validate DIR"
        )
    path = Path(path)
    if not path.is_dir():  # not a release at all: an error (2), not a release with errors (1)
        raise NotFoundError(
            f"{path}: release folder does not exist" if not path.exists() else f"{path}: not a folder"
        )
    if as_json:
        report = validate_release(path, strict=strict, check_videos=videos, deep=deep)
        print_json(report.to_json())
    else:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(f"checking {stage}", total=total)
                bar.update(tasks[stage], completed=done + 1)

            report = validate_release(path, strict=strict, check_videos=videos, deep=deep, progress=progress)
        render_report(report)
    raise typer.Exit(0 if report.ok else 1)


def render_report(report: Report) -> None:
    """Print a report as tables of errors and warnings, then a one-line verdict."""
    for title, style, items in (("Errors", "red", report.errors), ("Warnings", "yellow", report.warnings)):
        if not items:
            continue
        table = Table(title=f"{title} ({len(items)})", title_style=f"bold {style}", show_lines=False)
        table.add_column("file", overflow="fold")
        table.add_column("where", overflow="fold")
        table.add_column("problem", overflow="fold")
        for p in items:
            table.add_row(p.path, p.where, p.message)
        console.print(table)
    verdict = "[bold green]OK[/]" if report.ok else "[bold red]FAILED[/]"
    console.print(
        f"{verdict} {report.root}: {len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        + (" (strict)" if report.strict else "")
    )
