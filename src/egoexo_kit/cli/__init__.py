"""The ``egoexo-kit`` command line: one thin module per command, each calling the public library.

Every command has ``--help`` with an example; ``--debug`` (or ``EGOEXO_KIT_DEBUG=1``) shows
tracebacks instead of one-line located errors.

Commands are registered in :data:`COMMANDS`, one line each, and imported only when they run, so
``egoexo-kit --help`` and ``--version`` start in a fraction of a second (see :mod:`egoexo_kit.cli._lazy`).
"""

from __future__ import annotations

import typer

from egoexo_kit import __version__
from egoexo_kit.cli._lazy import LazyCommand, LazyGroup

__all__ = ["COMMANDS", "app", "main"]

COMMANDS: dict[str, LazyCommand] = {
    # name: LazyCommand("module:function", "the docstring's first paragraph"), in --help order
    "demo": LazyCommand(
        "demo:demo",
        "Generate a small synthetic release and tour every capability on it (about 1.5 minutes on 2 cores).",
    ),
    "synth": LazyCommand(
        "synth:synth",
        "Generate a complete synthetic release (videos, sensors, annotations) plus its ground truth.",
    ),
    "validate": LazyCommand(
        "validate:validate",
        "Check a release: JSON structure, cross-references, ranges, files, CSV rows, videos, manifest sizes.",
    ),
    "info": LazyCommand("info:info", "Summarize a release (counts, parts, sizes) or one take."),
    "takes": LazyCommand(
        "takes:takes", "List the takes of a release: name, scenario, duration, number of views and split."
    ),
    "downscale": LazyCommand(
        "downscale:downscale",
        "Short side 448, long side even, as the official downscale script; skips files already done.",
    ),
    "optimize": LazyCommand(
        "optimize:optimize",
        "Copy a release for training: videos re-encoded with a keyframe every --keyint frames, rest linked.",
    ),
    "collage": LazyCommand(
        "collage:collage",
        "Tile the Aria RGB and every exo view of a take into one labelled video with a time overlay.",
    ),
    "frames": LazyCommand(
        "frames:frames", "One PNG per view of one synchronized instant, plus a labelled contact sheet."
    ),
    "clips": LazyCommand("frames:clips", "A synchronized multi-view clip written as one labelled MP4 grid."),
    "eval": LazyCommand(
        "eval:eval_",
        "Validate a submission and print its metrics; an invalid one is refused with every problem listed.",
    ),
    "download": LazyCommand(
        "download:download",
        "Download exactly a selection (down to single cameras), resume partial files, verify every byte.",
    ),
    "cache": LazyCommand(
        "cache:cache",
        "Show or trim the cache of remote releases (video blocks read by range, and fetched small files).",
    ),
    "publish": LazyCommand(
        "download:publish",
        "Host a release: official per-part manifests (sizes, sha256, views, splits, benchmarks) + the files.",
    ),
    "features": LazyCommand(
        "features:features",
        "Extract features per take and view; resumable (finished files are skipped).",
    ),
    "calib": LazyCommand(
        "calib:calib", "Print every camera's model, parameters, image size and world pose at one instant."
    ),
    "project": LazyCommand(
        "project:project",
        "Project world points into a view: pixel (x, y) in the chosen space and whether each is visible.",
    ),
    "triangulate": LazyCommand(
        "triangulate:triangulate",
        "Triangulate 2D keypoints of ≥ 2 views (RANSAC + LM), clean the track, fit bones, smooth, write 3D.",
    ),
    "annotations": LazyCommand(
        "annotations:annotations",
        "Print a take's annotations (keysteps, descriptions, commentary, poses …) as one timeline.",
    ),
    "baseline": LazyCommand(
        "benchmark:baseline",
        "Run a task's baseline (or a trivial one) and write a submission ``egoexo-kit eval`` scores.",
    ),
    "query": LazyCommand(
        "query:query",
        "Run SQL against the annotation catalog (built or updated first, only changed files are read).",
    ),
    "search": LazyCommand(
        "search:search",
        "Find annotation texts matching words (BM25) or meaning (--semantic), with take and time.",
    ),
    "serve": LazyCommand(
        "viz:serve",
        "A read-only web viewer: take list, every view in lockstep, overlays, annotation timeline, 3D.",
    ),
    "export-rerun": LazyCommand(
        "viz:export_rerun",
        "A rerun recording of a take: cameras, videos, trajectory, gaze, points, skeletons, masks, texts.",
    ),
    "build": LazyCommand(
        "build:build_cmd",
        "Build a release from raw captures: sync, takes (aligned H.264, 448p), metadata, pose, features.",
    ),
    "benchmark": LazyCommand("benchmark:benchmark_app", "Benchmark ground truth and baselines."),
}
"""Every command: name → where it lives and its one-line help (``tests/cli/test_lazy.py`` checks both)."""


class _RootGroup(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    name="egoexo-kit",
    help="Get, read, benchmark, build and see Ego-Exo4D releases.",
    cls=_RootGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"egoexo-kit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    from egoexo_kit.cli._common import escape_undecodable, set_debug  # imported by every command anyway

    set_debug(debug)
    escape_undecodable()


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM ends the run as an exception would, so temporary files are removed on the way out."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Console-script entry point."""
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    app()
