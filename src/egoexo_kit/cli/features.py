"""``egoexo-kit features``: windowed video features in the official ``features/<name>/`` layout.

Needs the ``[torch]`` extra (``.pt`` files); ONNX backbones need ``[onnx]``,
``--runner ray`` needs ``[dist]``, decoding on the GPU (``--decode-device cuda``) needs ``[gpu]``.
A mirror URL is read in place (only the chosen videos, by range) and needs ``--out``.

Examples:
    egoexo-kit features ./egoexo --backbone stats
    egoexo-kit features ./egoexo --backbone ppocr-det --views cam01,aria01 --window-s 1 --stride-s 0.5
    egoexo-kit features ./egoexo --backbone ./my_model.onnx --name mine --device cuda --runner ray
    egoexo-kit features ./egoexo --backbone ./omnivore.pt:clip --device cuda --decode-device cuda
    egoexo-kit features s3://my-bucket/egoexo/v2 --views cam01 --takes upenn_0711_Cooking_3_2 --out ./feats
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path

import typer

from egoexo_kit.cli._common import (
    ENDPOINT_OPTION,
    NO_SIGN_OPTION,
    PROFILE_OPTION,
    RELEASE_ARG_HELP,
    console,
    handle_errors,
    print_json,
    progress_bar,
    split_list,
    wait_option,
)
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.timeline import FPS

__all__ = ["features"]


def _frames(seconds: float, option: str) -> int:
    """Seconds → whole frames of the 30 fps aligned videos (the layout counts windows in frames)."""
    if not math.isfinite(seconds) or not 0 < seconds <= 3600:
        raise typer.BadParameter(f"{option} {seconds} must be a number of seconds in (0, 3600]")
    n = round(seconds * FPS)
    if n < 1 or abs(n - seconds * FPS) > 1e-3:
        raise typer.BadParameter(f"{option} {seconds} is not a whole number (>= 1) of 1/{FPS} s frames")
    return n


@contextlib.contextmanager
def _bad_options() -> Iterator[None]:
    """A bad option value (unknown backbone, device, runner) is a usage error, not a traceback."""
    try:
        yield
    except EgoExoKitError:
        raise
    except ValueError as e:
        raise typer.BadParameter(str(e)) from None


@handle_errors
def features(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    backbone: str = typer.Option(
        "stats", "--backbone", help="stats (no weights), ppocr-det (packaged), or a .onnx/.pt model file."
    ),
    name: str | None = typer.Option(None, "--name", help="Folder under features/ (default: backbone)."),
    views: list[str] = typer.Option([], "--views", help="cam01, aria01 … (repeat or comma-separate)."),
    takes: list[str] = typer.Option([], "--takes", help="Take names or uids (default: all)."),
    window_s: float = typer.Option(32 / FPS, "--window-s", help="Window, seconds (default 32 frames)."),
    stride_s: float = typer.Option(16 / FPS, "--stride-s", help="Stride, seconds (default 16 frames)."),
    device: str = typer.Option("auto", "--device", help="Where the model runs: auto, cpu or cuda."),
    decode_device: str = typer.Option(
        "auto",
        "--decode-device",
        help="Where videos are decoded: cuda (NVDEC, needs [gpu]), cpu, or auto (cuda when the model "
        "runs there and [gpu] can decode there, else cpu).",
    ),
    runner: str = typer.Option("local", "--runner", help="local or ray."),
    workers: int = typer.Option(1, "--workers", min=1, max=1024, help="Processes of the local runner."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Windows per backbone call."),
    size: int | None = typer.Option(None, "--size", min=1, help="Input side of model backbones (224)."),
    out: Path | None = typer.Option(
        None, "--out", help="Root to write features/ under (default: the release folder; required for a URL)."
    ),
    ray_address: str | None = typer.Option(None, "--ray-address", help="Ray cluster (default: local)."),
    wait: float = wait_option("the same features/NAME/ folder"),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON."),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """Extract features per take and view; resumable (finished files are skipped).

    One run at a time writes a features/NAME/ folder (a second is refused, or waits with --wait).
    A mirror URL is read in place: only the chosen videos are fetched, by range; give --out.

    Examples:
      egoexo-kit features ./egoexo --backbone stats --views cam01 --window-s 1.0667 --stride-s 0.5333
      egoexo-kit features s3://ego4d-consortium-sharing/egoexo-public/v2 --s3-profile egoexo --out ./feats
    """
    from egoexo_kit.features import extract_features  # MissingExtraError without torch

    if runner not in ("local", "ray"):
        raise typer.BadParameter(f"--runner must be local or ray, got {runner!r}")
    with progress_bar("extracting features") as update, _bad_options():
        results = extract_features(
            path,
            backbone=backbone,
            name=name,
            views=split_list(views) or None,
            takes=split_list(takes) or None,
            window=_frames(window_s, "--window-s"),
            stride=_frames(stride_s, "--stride-s"),
            device=device,
            decode_device=decode_device,
            runner=runner,  # type: ignore[arg-type]
            workers=workers,
            batch_size=batch_size,
            size=size,
            out=out,
            ray_address=ray_address,
            wait=wait,
            endpoint_url=endpoint_url,
            profile=s3_profile,
            anonymous=no_sign_request,
            on_done=lambda done, total: update("extracting features", done, total),
        )
    if as_json:
        print_json([{**r.__dict__, "key": r.key.filename} for r in results])
        return
    done = [r for r in results if not r.skipped]
    frames = sum(r.frames for r in done)
    seconds = sum(r.seconds for r in done)
    folder = results[0].path.parent if results else None
    decoded_on = f" (decoded on {results[0].decode_device})" if done else ""
    console.print(
        f"{len(done)} file(s) written, {len(results) - len(done)} already complete, into {folder}"
        + (f"; {frames / seconds:.0f} frames/s{decoded_on}" if seconds > 0 else "")
    )
