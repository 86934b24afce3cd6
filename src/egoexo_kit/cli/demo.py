"""``egoexo-kit demo``: the synthetic end-to-end run: generate a release, validate it, summarize it.

The steps are :mod:`egoexo_kit.demo` (a notebook can run them); this module only renders them.

Examples:
    egoexo-kit demo --out ./demo-release
    egoexo-kit demo --tiny          # the one-second hand-laid release instead (instant)
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import typer
from rich.markup import escape

from egoexo_kit import Release, open_release
from egoexo_kit import demo as steps
from egoexo_kit.cli._common import SEED_MAX, console, handle_errors, progress_bar
from egoexo_kit.cli.annotations import render_timeline
from egoexo_kit.cli.benchmark import print_leaderboard
from egoexo_kit.cli.build import render_pose_qa, render_sync_qa, run_build
from egoexo_kit.cli.download import render_plan
from egoexo_kit.cli.download import render_report as render_download
from egoexo_kit.cli.info import render_release, render_take
from egoexo_kit.cli.query import render_rows
from egoexo_kit.cli.validate import render_report
from egoexo_kit.errors import MissingExtraError
from egoexo_kit.extras import installed_extras
from egoexo_kit.release import release_summary, take_summary
from egoexo_kit.validate import validate_release

__all__ = ["StepLog", "demo", "demo_steps"]


def demo_steps(*, tiny: bool) -> list[str]:
    """The titles of the demo's steps, in order (the hand-laid ``tiny`` release skips pose and build)."""
    return [
        "generate the synthetic release" + (" (hand-laid, 1 s)" if tiny else " (2 captures × 2 takes × 4 s)"),
        "validate",
        "info, a synchronized instant and a collage",
        "publish + download",
        "features",
        *([] if tiny else ["3D body pose"]),
        "annotations",
        "benchmark baselines",
        "see it",
        *([] if tiny else ["build from raw captures"]),
    ]


@dataclass
class StepLog:
    """One plain line when each demo step starts and one when it ends, with the seconds it took.

    Plain lines, not a live display: a pipe or a CI log (``make demo | cat``) shows the progress as it
    happens. A step that needs an extra that is not installed is skipped with the install line.
    """

    titles: list[str]
    done: int = 0
    start: float = field(default_factory=time.perf_counter)

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Announce ``title``, run the block, then report its time (or why it was skipped)."""
        self.done += 1
        head = f"step {self.done}/{len(self.titles)}"
        console.print(f"[bold]{head}[/] {escape(title)} …", highlight=False, soft_wrap=True)
        t0 = time.perf_counter()
        try:
            yield
        except MissingExtraError as e:
            took = time.perf_counter() - t0
            console.print(
                f"{head} skipped after {took:.1f} s: {escape(str(e))}", highlight=False, soft_wrap=True
            )
            return
        took, total = time.perf_counter() - t0, time.perf_counter() - self.start
        console.print(f"{head} done in {took:.1f} s (total {total:.1f} s)", highlight=False, soft_wrap=True)


@handle_errors
def demo(
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the release (default: a temp folder)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, max=SEED_MAX, help="Seed of the generated release."),
    tiny: bool = typer.Option(
        False, "--tiny", help="Use the instant hand-laid release instead of the generator."
    ),
) -> None:
    """Generate a small synthetic release and tour every capability on it (about 1.5 minutes on 2 cores).

    Each step prints a line when it starts and when it ends; a step whose extra is not installed is
    skipped with the install line (pip install 'egoexo-kit[demo]' installs what every step needs).

    Example: egoexo-kit demo --out ./demo-release
    """
    root = out or Path(tempfile.mkdtemp(prefix="egoexo-demo-"))
    titles = demo_steps(tiny=tiny)
    log = StepLog(titles)
    with log.step(titles[0]), progress_bar("generating") as update:
        steps.make_release(root, seed=seed, tiny=tiny, progress=update)
    with log.step("validate"):
        report = validate_release(root)
        render_report(report)
        if report.warnings:
            console.print(
                "the warnings are the real release's irregularities, reproduced on purpose "
                "(docs/design.md 'Real data'; .synth/irregularities.json; synth --clean leaves them out)"
            )
    release = open_release(root)
    outputs = steps.outputs_dir(root)
    with log.step(titles[2]):
        render_release({**release_summary(release), "extras": installed_extras()})
        render_take(take_summary(release.takes[0]))
        pics = steps.pictures_step(release.takes[0], outputs)
        console.print(f"contact sheet of one synchronized instant: [bold]{pics.sheet}[/]")
        console.print(f"collage clip of every view: [bold]{pics.clip}[/]")
    with log.step("publish + download"):
        _download(root, outputs)
    with log.step("features"):
        _features(root)
    if not tiny:
        with log.step("3D body pose"):
            _triangulation(release, outputs)
    with log.step("annotations"):
        _annotations(release)
    with log.step("benchmark baselines"):
        rows = steps.benchmarks_step(root, outputs)
        print_leaderboard(rows, title="benchmark baselines on the synthetic release (fitted on train)")
    with log.step("see it"):
        _viz(release, outputs)
    if not tiny:
        with log.step("build from raw captures"):
            _build(outputs / "build")
    console.print(
        f"release written to [bold]{root}[/]" + ("" if tiny else f"; ground truth in {root / '.synth'}")
    )
    raise typer.Exit(0 if report.ok else 1)


def _download(root: Path, outputs: Path) -> None:
    t = steps.download_step(root, outputs)
    console.print(
        f"published {t.published_files} file(s) with sha256 manifests to [bold]{t.mirror}[/] "
        "(a file:// source)"
    )
    console.print(f"take {t.take.name}: ego + best exo ({t.take.best_exo}) only")
    render_plan(t.plan)
    render_download(t.report)


def _features(root: Path) -> None:
    f = steps.features_step(root)
    console.print(
        f"features: {f.files} view file(s) in {f.folder}; {f.take} {f.view}: "
        f"{f.rows.data.shape[0]} windows × {f.rows.data.shape[1]} values overlap [{f.t0:.2f}, {f.t1:.2f}) s, "
        "starting at "
        f"{np.round(f.rows.t0_s, 3).tolist()} s (window {f.window_s:.4f} s, stride {f.stride_s:.4f} s)"
    )


def _triangulation(release: Release, outputs: Path) -> None:
    r = steps.triangulation_step(release, outputs)
    e = r.mpjpe_mm
    console.print(
        f"{r.take}: body MPJPE over {r.frames} frames × {r.views} exo views (2 px noise, "
        f"10 % missing, 5 % outliers): pipeline [bold]{e['pipeline']:.1f} mm[/]; plain DLT on the "
        f"same input {e['plain']:.1f} mm; plain DLT on clean 2 px input (noise floor) {e['clean']:.1f} mm"
    )
    console.print(f"reprojected 3D skeleton on every view: [bold]{r.sheet}[/]")


def _annotations(release: Release) -> None:
    a = steps.annotations_step(release)
    render_timeline(a.take, ["keystep", "atomic_descriptions"])
    render_rows(
        ["score", "family", "take", "start_s", "text"],
        [(h.score, h.family, h.take_name, h.start_s, h.text) for h in a.hits],
        title=f"search {a.query!r}",
    )
    render_rows(a.columns, a.rows, title=a.sql)


def _viz(release: Release, outputs: Path) -> None:
    v = steps.viz_step(release, outputs)
    console.print(f"skeletons, masks and gaze drawn on frame {v.frame}: [bold]{v.sheet}[/]")
    if v.rrd is not None:
        console.print(f"rerun recording of the first second: [bold]{v.rrd}[/] (open with: rerun {v.rrd})")
    else:
        console.print("rerun recording skipped: pip install 'egoexo-kit[viz]'", markup=False)
    console.print(
        f"browse every take: [bold]egoexo-kit serve {release.root}[/] then open http://127.0.0.1:8000/"
    )


def _build(root: Path) -> None:
    """A synthetic raw capture built into a release; the sync QA table and the automatic body pose.

    The GoPros start seconds before the headset and every clock drifts: estimated vs true offsets;
    then the automatic body pose against the body truth.
    """
    raw = steps.raw_capture_step(root)
    console.print(f"raw capture (2 GoPros at 60 fps + an Aria, 7 s) rendered: {raw}", highlight=False)
    rows, poses = run_build(raw, root / "built", steps.BUILD_CONFIG)
    render_sync_qa(rows)
    render_pose_qa(poses)
    console.print(f"built: [bold]{root / 'built'}[/]")
