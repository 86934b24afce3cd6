"""``egoexo-kit demo``: the synthetic end-to-end run: generate a release, validate it, summarize it.

Examples:
    egoexo-kit demo --out ./demo-release
    egoexo-kit demo --tiny          # the one-second hand-laid release instead (instant)
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer

from egoexo_kit import open_release
from egoexo_kit._extras import installed_extras
from egoexo_kit.cli._common import console, handle_errors
from egoexo_kit.cli.annotations import demo_annotations
from egoexo_kit.cli.benchmark import demo_benchmarks
from egoexo_kit.cli.build import demo_build
from egoexo_kit.cli.download import demo_download
from egoexo_kit.cli.features import demo_features
from egoexo_kit.cli.frames import write_png
from egoexo_kit.cli.info import render_release, render_take
from egoexo_kit.cli.triangulate import demo_triangulate
from egoexo_kit.cli.validate import render_report
from egoexo_kit.cli.viz import demo_viz
from egoexo_kit.release import release_summary, take_summary, validate_release
from egoexo_kit.synth import SynthConfig, generate_release, write_tiny_release
from egoexo_kit.video import collage_frame, write_collage

__all__ = ["demo"]


@handle_errors
def demo(
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the release (default: a temp folder)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the generated release."),
    tiny: bool = typer.Option(
        False, "--tiny", help="Use the instant hand-laid release instead of the generator."
    ),
) -> None:
    """Generate a small synthetic release, validate it and print its summary (about a minute on 2 cores).

    Example: egoexo-kit demo --out ./demo-release
    """
    root = out or Path(tempfile.mkdtemp(prefix="egoexo-demo-"))
    start = time.perf_counter()
    with console.status("generating the synthetic release (2 captures × 2 takes × 4 s)…"):
        if tiny:
            write_tiny_release(root, seed=seed)
        else:
            generate_release(
                root,
                SynthConfig(
                    captures=2,
                    takes_per_capture=2,
                    seconds=4.0,
                    seed=seed,
                    scenarios=("bike repair", "basketball"),
                    splits=("train", "val"),  # every task in both: the baselines train and score
                ),
            )
    console.print(f"generated in {time.perf_counter() - start:.1f} s")
    console.rule("[bold]validate")
    report = validate_release(root)
    render_report(report)
    if report.warnings:
        console.print(
            "the warnings are the real release's irregularities, reproduced on purpose "
            "(README 'Real data'; .synth/irregularities.json; synth --clean leaves them out)"
        )
    console.rule("[bold]info")
    release = open_release(root)
    render_release({**release_summary(release), "extras": installed_extras()})
    render_take(take_summary(release.takes[0]))
    take = release.takes[0]
    pictures = take.frames(t=take.duration_s / 2)
    index = int(take.timeline.to_frame(t=take.duration_s / 2))
    outputs = root.parent / f"{root.name}-demo"  # beside the release: its layout stays the official one
    sheet = outputs / f"{take.name}_{index:06d}_sheet.png"
    write_png(
        sheet,
        collage_frame(
            list(pictures.values()),
            labels=list(pictures),
            tile=(320, 180),
            caption=f"{take.name}  frame {index}",
        ),
    )
    clip = outputs / f"{take.name}_collage.mp4"
    write_collage(
        clip,
        videos=[v.path for v in take.views if v.readable_stream_id in ("rgb", "0")],
        labels=list(pictures),
        tile=(320, 180),
        cols=3,
    )
    console.print(f"contact sheet of one synchronized instant: [bold]{sheet}[/]")
    console.print(f"collage clip of every view: [bold]{clip}[/]")
    demo_download(root, outputs)
    demo_features(root)
    if not tiny:
        console.rule("[bold]3D body pose")
        demo_triangulate(release, outputs)
    console.rule("[bold]annotations")
    demo_annotations(release)
    console.rule("[bold]benchmark baselines")
    demo_benchmarks(root, outputs)
    console.rule("[bold]see it")
    demo_viz(release, outputs)
    if not tiny:
        console.rule("[bold]build from raw captures")
        demo_build(outputs / "build")
    console.print(
        f"release written to [bold]{root}[/]" + ("" if tiny else f"; ground truth in {root / '.synth'}")
    )
    raise typer.Exit(0 if report.ok else 1)
