"""``egoexo-kit build``: raw multi-device captures → a release in the Ego-Exo4D layout.

Examples:
    egoexo-kit build ./raw ./egoexo                       # every capture under ./raw, all stages
    egoexo-kit build ./raw ./egoexo --only sync           # sync + QA table only
    egoexo-kit build ./raw ./egoexo --takes cmu_bike_01_1 --keyint 30
    egoexo-kit build ./raw ./egoexo --runner ray --address auto
    egoexo-kit build ./raw ./egoexo --only pose --detector mylab.pose:make_detector
    egoexo-kit build ./raw ./egoexo --features stats      # + pre-extracted features per take
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from egoexo_kit.builder import STAGES, BuildConfig, build, pose_qa, sync_qa
from egoexo_kit.cli._common import (
    console,
    err_console,
    handle_errors,
    print_json,
    stage_progress,
    wait_option,
)

__all__ = ["build_cmd", "render_pose_qa", "render_sync_qa", "run_build"]


def _ms(v: float | None, digits: int = 3) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _s(ms: float | None) -> str:
    return "—" if ms is None else f"{ms / 1e3:.5f}"


def render_sync_qa(rows: list[dict]) -> None:
    """Print the sync QA table, one row per device (red ✗: unreliable).

    Columns: confidence, offset (capture time of its first frame, s), drift (ppm), chirp-vs-flash
    residual (ms), and the truth when the capture is synthetic.
    """
    truth = any("true_offset_ms" in r for r in rows)
    notes = any(r["note"] for r in rows)
    captures = sorted({r["capture"] for r in rows})
    table = Table(title=f"time sync QA: {', '.join(captures)}", box=box.SIMPLE_HEAD, padding=(0, 1))
    cols = ["device", "conf", "offset s"] + (["true s", "err ms"] if truth else [])
    cols += ["ppm"] + (["true ppm"] if truth else []) + ["flash ms"] + (["note"] if notes else [])
    for col in cols:
        wide = 9 if col.endswith(" s") else None  # "-2.78043": never cut the numbers the table is for
        table.add_column(col, justify="left" if col in ("device", "note") else "right", min_width=wide)
    for r in rows:
        device = r["device"] if r["reliable"] else f"[red]{r['device']} ✗[/]"
        cells = [device, f"{r['confidence']:.2f}"]
        cells += [_s(r["offset_ms"])]
        if truth:
            cells += [_s(r.get("true_offset_ms")), _ms(r.get("error_ms"), 4)]
        cells += [_ms(r["drift_ppm"], 2)] + ([_ms(r.get("true_drift_ppm"), 2)] if truth else [])
        cells += [_ms(r["flash_residual_ms"], 2)] + ([r["note"]] if notes else [])
        table.add_row(*cells)
    console.print(table)


def render_pose_qa(rows: list[dict]) -> None:
    """One line per take with an automatic body pose (frames, and MPJPE against synthetic truth)."""
    for r in rows:
        err = "" if r["mpjpe_cm"] is None else f", MPJPE vs truth {r['mpjpe_cm']:.1f} cm"
        console.print(f"automatic body pose {r['take']}: {r['frames']} frames, {r['joints']} 3D joints{err}")


def run_build(
    raw: Path, out: Path, config: BuildConfig, *, wait: float = 0.0
) -> tuple[list[dict], list[dict]]:
    """Build (waiting up to ``wait`` s for another run writing ``out``); the sync and pose QA rows."""
    with stage_progress() as progress:
        result = build(raw, out, config, progress=progress, wait=wait)
    for w in result.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    ran = ", ".join(
        f"{s}: {len(u)} run, {len(result.skipped.get(s, []))} done before" for s, u in result.ran.items()
    )
    err_console.print(f"built {out} ({ran})")
    if not (out / ".egoexo-kit" / "build").is_dir():
        return [], []
    poses = pose_qa(out, captures=result.captures) if (out / "takes.json").is_file() else []
    return sync_qa(out, captures=result.captures), poses


@handle_errors
def build_cmd(
    raw: Path = typer.Argument(..., help="A raw capture folder, or a folder of them (or its raw/ parent)."),
    out: Path = typer.Argument(..., help="Release folder to write."),
    runner: str = typer.Option("local", "--runner", help="local (process pool) or ray."),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address (default: a local Ray)."),
    workers: int = typer.Option(0, "--workers", min=0, help="Parallel workers (0: one per core)."),
    only: list[str] = typer.Option([], "--only", help=f"Run only these stages: {', '.join(STAGES)}."),
    takes: list[str] = typer.Option([], "--takes", help="Build only these takes (names from the take logs)."),
    crf: int = typer.Option(24, "--crf", help="x264 CRF of the aligned videos (release: 24)."),
    preset: str = typer.Option("slow", "--preset", help="x264 preset (release: slow)."),
    keyint: int | None = typer.Option(
        None,
        "--keyint",
        help="Frames between keyframes (release: x264's 250; 30 = 1 s GOP, faster random access).",
    ),
    downscaled: bool = typer.Option(True, "--downscaled/--no-downscaled", help="Write downscaled/448/."),
    collage: bool = typer.Option(True, "--collage/--no-collage", help="Write ego_preview.mp4."),
    force: bool = typer.Option(False, "--force", help="Rerun units the ledger says are finished."),
    wait: float = wait_option("OUT (a build or download)"),
    detector: str = typer.Option(
        "auto",
        "--detector",
        help="2D body keypoints of the pose stage: auto (synthetic where a raw capture has body truth, "
        "else no pose), synthetic, none, or package.module:factory returning a KeypointDetector.",
    ),
    features: str | None = typer.Option(
        None,
        "--features",
        help="Also extract features/<name>/ of every built take with this backbone "
        "(stats, ppocr-det or a local model file; see egoexo-kit features).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the sync QA rows as JSON."),
) -> None:
    """Build a release from raw captures: sync, takes (aligned H.264, 448p), metadata, pose, features.

    Resumable: finished units are skipped (ledger in OUT/.egoexo-kit/build/), but only while the
    files each one wrote are still there and unchanged (size and hash): a deleted or damaged take is
    built again. One build at a time writes OUT (a second one is refused, or waits with --wait);
    what a killed build left half-written is deleted by the next.
    The examples generate a raw capture, then build it.

    Examples:
      egoexo-kit synth ./capture --raw --captures 1 --takes-per-capture 1 --exo-size 96x54 --ego-size 64
      egoexo-kit build ./capture/raw ./built
    """
    try:
        config = BuildConfig(
            crf=crf,
            preset=preset,
            keyint=keyint,
            downscaled=downscaled,
            collage=collage,
            runner=runner,
            ray_address=address,
            workers=workers,
            only=tuple(only),
            takes=tuple(takes),
            force=force,
            detector=detector,
            features=features,
        )
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    rows, poses = run_build(raw, out, config, wait=wait)
    if as_json:
        print_json(rows)
    else:
        render_sync_qa(rows)
        render_pose_qa(poses)
    unreliable = [f"{r['capture']}/{r['device']}" for r in rows if not r["reliable"]]
    if unreliable:
        err_console.print(f"[yellow]left out, sync unreliable:[/] {', '.join(unreliable)}")
