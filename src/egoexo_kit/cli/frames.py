"""``egoexo-kit frames`` / ``clips``: the exact synchronized picture of every view, as PNGs or an MP4 grid.

Examples:
    egoexo-kit frames ./egoexo cmu_bike_01_2 --t 2.0 --out frames/
    egoexo-kit frames ./egoexo cmu_bike_01_2 --frame 60 --views aria01_214-1 cam01 --out frames/ --json
    egoexo-kit frames ./egoexo cmu_bike_01_2 --t 2.0 --overlay pose,masks,gaze --out frames/
    egoexo-kit clips ./egoexo cmu_bike_01_2 --t0 1 --t1 3 --fps 10 --out clip.mp4
    egoexo-kit frames s3://my-bucket/egoexo/v2 cmu_bike_01_2 --t 2.0 --s3-profile egoexo --out frames/
"""

from __future__ import annotations

from pathlib import Path

import typer

from egoexo_kit._io import write_png
from egoexo_kit.cli._common import (
    ENDPOINT_OPTION,
    NO_SIGN_OPTION,
    PROFILE_OPTION,
    RELEASE_ARG_HELP,
    console,
    handle_errors,
    open_any,
    print_json,
    split_list,
)
from egoexo_kit.video import collage_frame, encode_video
from egoexo_kit.viz import overlay_frames, parse_layers
from egoexo_kit.vocab import FPS

__all__ = ["clips", "frames"]


def _views(views: list[str]) -> list[str] | None:
    return split_list(views) or None


def _layers(value: str) -> tuple[str, ...]:
    try:
        return parse_layers(value) if value else ()
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e


def _resolution(value: str) -> str:
    if value not in ("full", "448"):
        raise typer.BadParameter(f"--resolution must be full or 448, got {value!r}")
    return value


def _write_all(images: dict[Path, object]) -> None:
    """Write every PNG or none: a failure (a full disk) removes the ones this run already wrote."""
    done: list[Path] = []
    try:
        for path, rgb in images.items():
            write_png(path, rgb)
            done.append(path)
    except BaseException:
        for path in done:
            path.unlink(missing_ok=True)
        raise


@handle_errors
def frames(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    take: str = typer.Argument(..., help="Take name or uid."),
    t: float | None = typer.Option(None, "--t", help="Seconds from take start."),
    frame: int | None = typer.Option(None, "--frame", help="Aligned frame index (instead of --t)."),
    views: list[str] = typer.Option(
        [],
        "--views",
        help="Views in any spelling (aria01_214-1, aria01, aria01/rgb, cam01); repeat or "
        "comma-separate; default Aria RGB + exo.",
    ),
    out: Path = typer.Option(Path("frames"), "--out", help="Output folder."),
    resolution: str = typer.Option("full", "--resolution", help="full or 448."),
    orientation: str = typer.Option(
        "mp4", "--orientation", help="mp4 (as stored) or sensor (Aria unrotated)."
    ),
    overlay: str = typer.Option(
        "", "--overlay", help="Draw annotations: any of pose,masks,gaze (MP4 orientation only)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the frame and the files written as JSON."),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """One PNG per view of one synchronized instant, plus a labelled contact sheet.

    Example: egoexo-kit frames ./egoexo cmu_bike_01_2 --t 2.0 --out frames/
    """
    if (t is None) == (frame is None):
        raise typer.BadParameter("give exactly one of --t and --frame")
    layers = _layers(overlay)
    if layers and orientation != "mp4":
        raise typer.BadParameter("--overlay draws in the MP4 orientation: drop --orientation sensor")
    tk = open_any(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    ).take(take)
    index = frame if frame is not None else int(tk.timeline.to_frame(t=t))
    if layers:
        pics = overlay_frames(
            tk, frame=index, views=_views(views), layers=layers, resolution=_resolution(resolution)
        )
    else:
        pics = tk.frames(
            frame=index, views=_views(views), resolution=_resolution(resolution), orientation=orientation
        )  # type: ignore[arg-type]
    files = {name: out / f"{tk.name}_{index:06d}_{name}.png" for name in pics}
    sheet = collage_frame(
        list(pics.values()),
        labels=list(pics),
        tile=(320, 180),
        caption=f"{tk.name}  t={index / FPS:.3f}s  frame {index}",
    )
    sheet_path = out / f"{tk.name}_{index:06d}_sheet.png"
    _write_all({**{files[n]: rgb for n, rgb in pics.items()}, sheet_path: sheet})
    if as_json:
        print_json({"take": tk.name, "frame": index, "t": index / FPS, "views": files, "sheet": sheet_path})
        return
    console.print(f"wrote {len(pics)} view(s) and a contact sheet of frame {index} to {out}")


@handle_errors
def clips(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    take: str = typer.Argument(..., help="Take name or uid."),
    t0: float = typer.Option(..., "--t0", help="Start, seconds from take start."),
    t1: float = typer.Option(..., "--t1", help="End (exclusive), seconds from take start."),
    fps: float | None = typer.Option(
        None, "--fps", min=0.001, help="Sampling rate (default: every frame, 30 fps)."
    ),
    views: list[str] = typer.Option([], "--views", help="Views (repeat or comma-separate)."),
    out: Path = typer.Option(Path("clip.mp4"), "--out", help="Output MP4 (a labelled grid of the views)."),
    resolution: str = typer.Option("full", "--resolution", help="full or 448."),
    as_json: bool = typer.Option(False, "--json", help="Print the clip's file, frames and views as JSON."),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """A synchronized multi-view clip written as one labelled MP4 grid.

    Example: egoexo-kit clips ./egoexo cmu_bike_01_2 --t0 1 --t1 3 --fps 10 --out clip.mp4
    """
    tk = open_any(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    ).take(take)
    clip = tk.clip(t0, t1, fps=fps, views=_views(views), resolution=_resolution(resolution))  # type: ignore[arg-type]
    names = list(clip)
    n = len(next(iter(clip.values())))
    rate = fps or float(FPS)
    grid = (
        collage_frame(
            [clip[v][i] for v in names],
            labels=names,
            tile=(320, 180),
            caption=f"{tk.name}  t={t0 + i / rate:.3f}s",
        )
        for i in range(n)
    )
    # an MP4 plays at a whole rate of at least 1 fps (a slower sampling plays as a slideshow)
    encode_video(out, grid, fps=max(1, round(rate)), preset="veryfast")
    if as_json:
        print_json({"take": tk.name, "out": out, "frames": n, "fps": rate, "views": names})
        return
    console.print(f"wrote {out}: {n} frames of {len(names)} view(s)")
