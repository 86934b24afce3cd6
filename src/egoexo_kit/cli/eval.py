"""``egoexo-kit eval``: score a benchmark submission exactly as the official evaluator does.

Examples:
    egoexo-kit eval --list
    egoexo-kit eval hand-pose --gt gt.json --pred pred.json --offset
    egoexo-kit eval correspondence --gt gt.json --pred pred.json --json
    egoexo-kit eval translation --gt results/ground-truths --pred results/predictions --clip
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from egoexo_kit.benchmarks import TASKS, EvalResult, InvalidGroundTruth, InvalidSubmission, evaluate
from egoexo_kit.cli._common import console, err_console, handle_errors, print_error, print_json, print_notes

__all__ = ["eval_"]


@handle_errors
def eval_(
    task: str | None = typer.Argument(None, help=f"Task: {', '.join(TASKS)}."),
    gt: Path | None = typer.Option(None, "--gt", help="Ground-truth file (translation: the GT PNG folder)."),
    pred: Path | None = typer.Option(
        None, "--pred", help="Submission file (translation: the prediction PNG folder)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help='Print {"task", "metrics", "breakdown", "notes"} as JSON.'
    ),
    list_tasks: bool = typer.Option(False, "--list", help="List the tasks, their metrics and options."),
    offset: bool = typer.Option(False, "--offset", help="hand-pose: add the GT wrist to predictions."),
    clip: bool = typer.Option(False, "--clip", help="translation: score generated clips (SSIM, PSNR)."),
    direction: list[str] | None = typer.Option(
        None, "--direction", help="correspondence: ego-exo and/or exo-ego (default: those submitted)."
    ),
    averaging: str | None = typer.Option(
        None, "--averaging", help="procedure-understanding: macro (default), macro-present or micro."
    ),
    min_clip_len: int | None = typer.Option(
        None, "--min-clip-len", min=0, help="body-pose: short-clip filter (120)."
    ),
    all_classes: bool = typer.Option(
        False, "--all-classes", help="energy-efficient-keystep: average cAP over every score column."
    ),
    max_problems: int = typer.Option(50, "--max-problems", help="Problems to print (0 = all)."),
) -> None:
    """Validate a submission and print its metrics; an invalid one is refused with every problem listed.

    Exit status 0 when scored, 2 when the submission or ground truth is invalid. A valid submission
    that scores nothing (NaN) also exits 0, with a note on stderr saying why and which option helps.

    Examples:
      egoexo-kit benchmark gt ./egoexo body-pose --split val --out gt.json
      egoexo-kit baseline ./egoexo body-pose --split val --out pred.json
      egoexo-kit eval body-pose --gt gt.json --pred pred.json --json
    """
    if list_tasks or task is None:
        _print_tasks(as_json)
        return
    if gt is None or pred is None:
        err_console.print("[bold red]error:[/] --gt and --pred are required")
        raise typer.Exit(2)
    options: dict[str, Any] = {
        "offset": offset or None,
        "clip": clip or None,
        "directions": tuple(direction) if direction else None,
        "averaging": averaging,
        "min_clip_len": min_clip_len,
        "all_classes": all_classes or None,
    }
    try:
        result = evaluate(task, gt, pred, **options)
    except (InvalidSubmission, InvalidGroundTruth) as e:
        _print_problems(task, e, as_json=as_json, limit=max_problems)
        raise typer.Exit(2) from None
    if as_json:
        print_json(result.to_json())
    else:
        render_result(result)
    print_notes(result.notes, what="note")


def _print_tasks(as_json: bool) -> None:
    if as_json:
        print_json(
            [
                {
                    "task": t.name,
                    "metrics": list(t.metrics),
                    "options": list(t.options),
                    "official_code": t.official,
                }
                for t in TASKS.values()
            ]
        )
        return
    table = Table(title="benchmark tasks")
    for col in ("task", "measures", "metrics", "inputs", "official code"):
        table.add_column(col, overflow="fold")
    for t in TASKS.values():
        table.add_row(
            t.name, t.title, ", ".join(t.metrics), t.inputs, "yes" if t.official else "no (definition)"
        )
    console.print(table)


def _print_problems(
    task: str, err: InvalidSubmission | InvalidGroundTruth, *, as_json: bool, limit: int
) -> None:
    what = "submission" if isinstance(err, InvalidSubmission) else "ground truth"
    n = len(err.problems)
    where = "in the JSON on stdout" if as_json else "listed below"
    print_error(
        f"{err.path + ': ' if err.path else ''}invalid {what}, {n} problem{'s' if n != 1 else ''} ({where})"
    )
    if as_json:
        print_json(
            {
                "task": task,
                "error": f"invalid {what}",
                "problems": [{"path": p.path, "where": p.where, "message": p.message} for p in err.problems],
            }
        )
        return
    shown = err.problems if limit <= 0 else err.problems[:limit]
    table = Table(title=f"{task}: {len(err.problems)} problem(s) of the {what}")
    table.add_column("file", overflow="fold")
    table.add_column("where", overflow="fold")
    table.add_column("problem", overflow="fold")
    for p in shown:
        table.add_row(p.path or "", p.where, p.message)
    err_console.print(table)
    if len(shown) < len(err.problems):
        err_console.print(f"… and {len(err.problems) - len(shown)} more (--max-problems 0 shows all)")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list) and len(value) > 8:
        return f"[{len(value)} values]"
    return str(value)


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(obj, dict):
        rows = []
        for k, v in obj.items():
            rows += _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return rows
    return [(prefix, _fmt(obj))]


def render_result(result: EvalResult) -> None:
    """Rich tables: the headline metrics, then the breakdown flattened to ``a.b.c = value`` rows."""
    table = Table(title=f"{result.task}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for k, v in result.metrics.items():
        table.add_row(k, _fmt(v))
    console.print(table)
    if result.breakdown:
        detail = Table(title="breakdown")
        detail.add_column("key", overflow="fold")
        detail.add_column("value", justify="right", overflow="fold")
        for k, v in _flatten(result.breakdown):
            detail.add_row(k, v)
        console.print(detail)
