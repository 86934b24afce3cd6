"""``egoexo-kit optimize``: a training copy of a release, its videos re-encoded for fast random access.

Examples:
    egoexo-kit optimize ./egoexo ./egoexo-train --keyint 30
    egoexo-kit optimize ./egoexo ./egoexo-train --resolution 448 --workers 8 --json
    egoexo-kit optimize ./egoexo ./egoexo-train --runner ray --address auto
"""

from __future__ import annotations

from pathlib import Path

import typer

from egoexo_kit.cli._common import (
    WORKERS_MAX,
    console,
    handle_errors,
    print_json,
    progress_bar,
    split_list,
    wait_option,
)
from egoexo_kit.video import optimize_release

__all__ = ["optimize"]


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


@handle_errors
def optimize(
    release: Path = typer.Argument(..., help="Source release folder (never written)."),
    out: Path = typer.Argument(..., help="Folder of the training copy (outside the source)."),
    keyint: int = typer.Option(
        30, "--keyint", min=1, max=100_000, help="Most frames between keyframes (30 = one per second)."
    ),
    resolution: str = typer.Option(
        "full",
        "--resolution",
        help="full: re-encode takes/…/frame_aligned_videos/*.mp4; 448: write downscaled/448/ from them.",
    ),
    takes: list[str] = typer.Option(
        [], "--takes", help="Re-encode only these takes (names or uids); the others are linked unchanged."
    ),
    workers: int = typer.Option(
        0, "--workers", min=0, max=WORKERS_MAX, help="Parallel encoders (0: one per core, at most 8)."
    ),
    runner: str = typer.Option("local", "--runner", help="local (process pool) or ray (one task per video)."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address (default: a local Ray)."),
    wait: float = wait_option("OUT"),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Copy a release for training: videos re-encoded with a keyframe every --keyint frames, rest linked.

    Every frame is kept at the same time (same count, same pts × time base), so frame indices,
    annotations and the PTS tables mean the same in the copy. x264 settings: --resolution full uses
    the release's (preset slow, CRF 24, yuv420p) with keyint=N and mbtree=0, single-threaded, GoPro
    audio copied unchanged; --resolution 448 uses downscale's (bicubic to short side 448, preset
    medium, CRF 23, no audio) plus keyint, and links the full-resolution videos unchanged.
    Everything else is hard-linked (copied across file systems), so OUT is a complete release.
    Resumable: a video whose output still verifies (frame times, keyframe gaps, size) is skipped.

    Example: egoexo-kit optimize ./egoexo ./egoexo-train --keyint 30 --takes cmu_bike_01_2
    """
    if resolution not in ("full", "448"):
        raise typer.BadParameter(f"--resolution must be full or 448, got {resolution!r}")
    if runner not in ("local", "ray"):
        raise typer.BadParameter(f"--runner must be local or ray, got {runner!r}")
    with progress_bar("optimizing") as update:
        result = optimize_release(
            release,
            out,
            keyint=keyint,
            resolution=resolution,  # type: ignore[arg-type]
            takes=split_list(takes) or None,
            workers=workers,
            runner=runner,
            address=address,
            wait=wait,
            on_progress=update,
        )
    summary = result.summary()
    if as_json:
        print_json(summary)
        return
    ratio = summary["size_ratio"]
    console.print(
        f"re-encoded {summary['reencoded']} video(s), skipped {summary['skipped']} already done; "
        f"linked {summary['linked']}, copied {summary['copied']}, kept {summary['kept']} other file(s)\n"
        f"videos: {_mb(summary['bytes_in'])} in → {_mb(summary['bytes_out'])} out"
        + (f" (×{ratio:.2f})" if ratio is not None else "")
        + f"; keyframe every ≤ {keyint} frames at {resolution} in {result.out}",
        soft_wrap=True,
    )
