"""``egoexo-kit synth``: generate a synthetic release in the official layout, with ground truth.

Examples:
    egoexo-kit synth ./synthetic
    egoexo-kit synth ./synthetic --captures 3 --takes-per-capture 2 --seconds 6 --scenarios cooking,basketball
    egoexo-kit synth ./scale --annotations-only --takes 2000
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from egoexo_kit.cli._common import (
    SEED_MAX,
    WORKERS_MAX,
    console,
    handle_errors,
    print_json,
    progress_bar,
    split_list,
)
from egoexo_kit.synth import SynthConfig, generate_release, plan_release

__all__ = ["synth"]


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"expected WIDTHxHEIGHT like 320x180, got {text!r}") from None
    return w, h


@handle_errors
def synth(
    out: Path = typer.Argument(..., help="Folder to write the release to (created if needed)."),
    captures: int = typer.Option(2, "--captures", help="Capture sessions."),
    takes_per_capture: int = typer.Option(2, "--takes-per-capture", help="Takes in each capture."),
    seconds: float | None = typer.Option(
        None,
        "--seconds",
        help="Length of every take (s), at least 4. Default 4; with --annotations-only, realistic lengths "
        "(minutes).",
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX, help="Same seed, same release."),
    scenarios: list[str] = typer.Option(
        [],
        "--scenarios",
        help="Scenario names, comma-separated or repeated (cooking, bike repair, health, "
        "music, basketball, soccer, dance, rock climbing). Default: a mix.",
    ),
    exo_size: str = typer.Option("320x180", "--exo-size", help="GoPro video size WxH."),
    ego_size: int = typer.Option(256, "--ego-size", help="Aria RGB video side (square)."),
    raw: bool = typer.Option(
        False, "--raw", help="Also write the raw per-device recordings (input of build)."
    ),
    annotations_only: bool = typer.Option(False, "--annotations-only", help="Metadata + annotations only."),
    takes: int | None = typer.Option(None, "--takes", help="With --annotations-only: total number of takes."),
    splits: str = typer.Option(
        "", "--splits", help="Split of each take in order, repeated (e.g. train,val). Default: random."
    ),
    workers: int = typer.Option(
        0, "--workers", min=0, max=WORKERS_MAX, help="Rendering processes (0: one per core)."
    ),
    clean: bool = typer.Option(
        False,
        "--clean",
        help="Leave out the real release's irregularities (timesync gaps, redacted takes, empty pose "
        "frames, ...) that a default release reproduces.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Generate a complete synthetic release (videos, sensors, annotations) plus its ground truth.

    Example: egoexo-kit synth ./egoexo --captures 1 --scenarios "bike repair"
    """
    names = tuple(split_list(scenarios))
    try:
        config = SynthConfig(
            captures=captures,
            takes_per_capture=takes_per_capture,
            seconds=seconds,
            seed=seed,
            scenarios=names,
            exo_size=_size(exo_size),
            ego_size=ego_size,
            raw=raw,
            annotations_only=annotations_only,
            takes=takes,
            splits=tuple(split_list([splits])),
            workers=workers,
            clean=clean,
        )
        plan = plan_release(config)  # scenario names and take lengths: refused before anything is written
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None
    except OverflowError:  # a count numpy cannot index
        raise typer.BadParameter(f"too many takes to plan: {captures} x {takes_per_capture}") from None
    start = time.perf_counter()
    with progress_bar("planning") as progress:
        generate_release(out, config, progress=progress)
    if as_json:
        print_json(
            {
                "out": out,
                "ground_truth": out / ".synth",
                "takes": [t.take_name for t in plan.takes],
                "seed": seed,
                "seconds": round(time.perf_counter() - start, 3),
            }
        )
        return
    console.print(
        f"wrote [bold]{out}[/] in {time.perf_counter() - start:.1f} s (ground truth in {out / '.synth'})"
    )
