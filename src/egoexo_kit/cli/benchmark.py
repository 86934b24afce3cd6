"""``egoexo-kit benchmark gt`` / ``egoexo-kit baseline``: build a task's evaluation GT and run its baselines.

Examples:
    egoexo-kit benchmark gt ./egoexo body-pose --split val --out gt.json
    egoexo-kit baseline ./egoexo body-pose --split val --out pred.json
    egoexo-kit baseline ./egoexo keystep-recognition --trivial majority --out pred.json
    egoexo-kit benchmark leaderboard ./egoexo --split val --json

The release comes first, as in every command; the older task-first order (``baseline TASK REL``)
still works, with a note on stderr.
"""

from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path

import typer
from rich.table import Table

from egoexo_kit import open_release
from egoexo_kit._io import write_json
from egoexo_kit.benchmarks import (
    BUILDERS,
    TASKS,
    LeaderboardRow,
    build_gt,
    gt_notes,
    gt_size,
    leaderboard,
    run_baseline,
)
from egoexo_kit.cli._common import CliGroup, console, err_console, handle_errors, print_json, print_notes

__all__ = ["baseline", "benchmark_app", "print_leaderboard"]

benchmark_app = typer.Typer(help="Benchmark ground truth and baselines.", no_args_is_help=True, cls=CliGroup)


def _write(obj: object, out: Path, *, what: str) -> None:
    if isinstance(obj, Path):
        console.print(f"{what}: {len(list(obj.glob('*.png')))} PNGs in [bold]{obj}[/]")
        return
    write_json(out, obj)
    console.print(f"{what}: {gt_size(obj)} items → [bold]{out}[/]")


def release_then_task(release: Path, task: str, *, command: str) -> tuple[Path, str]:
    """``(release, task)`` in the order every command uses; the deprecated ``TASK REL`` order is swapped.

    The old order is recognized only when the first argument is a task name and the second is not,
    so a release folder that happens to be named like a task still works in the new order.
    """
    if str(release) in TASKS and task not in TASKS:
        err_console.print(
            f"note: use `egoexo-kit {command} REL TASK`; the task-first order is deprecated",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        return Path(task), str(release)
    return release, task


_RELEASE = typer.Argument(..., help="Release root.")
_TASK = typer.Argument(..., help=f"Task: {', '.join(TASKS)}.")


@benchmark_app.command("gt")
@handle_errors
def gt(
    release: Path = _RELEASE,
    task: str = _TASK,
    split: str = typer.Option("val", "--split", help="train, val or test."),
    out: Path = typer.Option(..., "--out", help="GT JSON file (translation: a PNG folder)."),
) -> None:
    """Build a task's evaluation ground truth from the release's annotations, in the official layout.

    Example: egoexo-kit benchmark gt ./egoexo body-pose --split val --out gt.json
    """
    release, task = release_then_task(release, task, command="benchmark gt")
    rel = open_release(release)
    _write(build_gt(task, rel, split=split, out=out), out, what=f"{task} {split} GT")
    print_notes([*rel.warnings, *gt_notes(rel)], what="left out")


@handle_errors
def baseline(
    release: Path = _RELEASE,
    task: str = _TASK,
    split: str = typer.Option("val", "--split", help="Split to predict (baselines are fitted on train)."),
    out: Path = typer.Option(..., "--out", help="Submission JSON (translation: a PNG folder)."),
    trivial: str | None = typer.Option(
        None, "--trivial", help="Run a trivial baseline instead (random, majority, static…; see --help)."
    ),
    features: str | None = typer.Option(
        None,
        "--features",
        help="keystep-recognition and proficiency tasks: also use this features/<name>/ folder.",
    ),
) -> None:
    """Run a task's baseline (or a trivial one) and write a submission ``egoexo-kit eval`` scores.

    Baselines: body-pose head|static, hand-pose mean|random, correspondence/translation project|copy|empty,
    keystep-recognition linear|majority|random, energy-efficient-keystep clock|uniform|random,
    procedure-understanding graph|uniform|random, proficiency-demonstrator
    linear|scenario-majority|majority|random, proficiency-demonstration linear-tips|uniform-tips|random.
    Example: egoexo-kit baseline ./egoexo body-pose --split val --out pred.json
    """
    release, task = release_then_task(release, task, command="baseline")
    pred = run_baseline(task, open_release(release), split=split, method=trivial, out=out, features=features)
    _write(pred, out, what=f"{task} {trivial or BUILDERS[task].methods[0]} predictions")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


def print_leaderboard(rows: list[LeaderboardRow], *, title: str) -> None:
    """Print one line per (task, baseline): the task's headline metric and notes, grouped by task.

    The split goes in the title when every row scored the same one (a task without GT there falls
    back to another split, which then shows in its note).
    """
    splits = {r.split for r in rows}
    table = Table(title=f"{title}, {next(iter(splits))} split" if len(splits) == 1 else title)
    for col in ("task", "baseline", "metric", "value", "note"):
        table.add_column(col, overflow="fold")
    last = None
    for r in rows:
        head = BUILDERS[r.task].headline
        name = f"{r.method} (trivial)" if r.trivial else f"[bold]{r.method}[/]"
        note = r.note if len(splits) == 1 else "; ".join(x for x in (f"{r.split} split", r.note) if x)
        if last is not None and r.task != last:
            table.add_section()
        table.add_row(r.task if r.task != last else "", name, head, _fmt(r.metrics.get(head)), note)
        last = r.task
    console.print(table)


@benchmark_app.command("leaderboard")
@handle_errors
def leaderboard_cmd(
    release: Path = typer.Argument(..., help="Release root."),
    split: str = typer.Option("val", "--split", help="Split to score (another one if it has no GT)."),
    features: str | None = typer.Option(
        None, "--features", help="Feed this features/<name>/ folder to the baselines that take features."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one object per (task, baseline) as JSON."),
) -> None:
    """Run every baseline of every task on a release and print the scores side by side.

    Examples:
      egoexo-kit features ./egoexo --backbone stats
      egoexo-kit benchmark leaderboard ./egoexo --split val --features stats
    """
    with tempfile.TemporaryDirectory() as work:
        rows = leaderboard(open_release(release), split=split, workdir=work, features=features)
    if as_json:
        print_json([{**dataclasses.asdict(r), "headline": BUILDERS[r.task].headline} for r in rows])
        return
    print_leaderboard(rows, title=f"baselines on {release}")
