"""``egoexo-kit demo``: build a tiny release, validate it and summarize it, end to end.

Example:
    egoexo-kit demo --out ./demo-release
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from egoexo_kit.cli._common import console, handle_errors
from egoexo_kit.cli.info import render_release, render_take
from egoexo_kit.cli.validate import render_report
from egoexo_kit.release import open_release, release_summary, take_summary, validate_release
from egoexo_kit.synth import write_tiny_release

__all__ = ["demo"]


@handle_errors
def demo(
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the release (default: a temp folder)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated release."),
) -> None:
    """Generate a small release in the official layout, validate it and print its summary."""
    root = out or Path(tempfile.mkdtemp(prefix="egoexo-demo-"))
    with console.status("writing the tiny release…"):
        write_tiny_release(root, seed=seed)
    console.rule("[bold]validate")
    report = validate_release(root)
    render_report(report)
    console.rule("[bold]info")
    release = open_release(root)
    render_release(release_summary(release))
    render_take(take_summary(release.takes[0]))
    console.print(f"release written to [bold]{root}[/]")
    raise typer.Exit(0 if report.ok else 1)
