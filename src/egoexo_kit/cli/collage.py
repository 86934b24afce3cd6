"""``egoexo-kit collage``: an ``ego_preview``-style grid of every view of a take, time-synced and labelled.

Examples:
    egoexo-kit collage ./egoexo cmu_bike_01_2
    egoexo-kit collage ./egoexo cmu_bike_01_2 --resolution full --out bike.mp4 --tile 480x270
"""

from __future__ import annotations

from pathlib import Path

import typer

from egoexo_kit import open_release
from egoexo_kit.cli._common import console, handle_errors, print_json
from egoexo_kit.errors import NotFoundError
from egoexo_kit.video import write_collage

__all__ = ["collage"]


@handle_errors
def collage(
    path: Path = typer.Argument(..., help="Release folder."),
    take: str = typer.Argument(..., help="Take name or uid."),
    out: Path | None = typer.Option(None, "--out", help="Output MP4 (default: <take>_collage.mp4 here)."),
    resolution: str = typer.Option("448", "--resolution", help="Source videos: 448 (downscaled) or full."),
    tile: str = typer.Option("320x180", "--tile", help="Cell size WxH (even numbers)."),
    as_json: bool = typer.Option(False, "--json", help="Print the file, frames and views as JSON."),
) -> None:
    """Tile the Aria RGB and every exo view of a take into one labelled video with a time overlay.

    Example: egoexo-kit collage ./egoexo cmu_bike_01_2 --resolution full --out bike.mp4
    """
    if resolution not in ("448", "full"):
        raise typer.BadParameter(f"--resolution must be 448 or full, got {resolution!r}")
    try:
        tw, th = (int(v) for v in tile.lower().split("x"))
    except ValueError:
        raise typer.BadParameter(f"--tile must be WxH like 320x180, got {tile!r}") from None
    t = open_release(path).take(take)
    views = [v for v in t.views if v.readable_stream_id in ("rgb", "0")]
    files = [v.path_448 if resolution == "448" else v.path for v in views]
    missing = [str(f) for f in files if f is None or not f.is_file()]
    if missing:
        raise NotFoundError(
            f"missing {resolution} videos: {', '.join(missing)}"
            + (" (run egoexo-kit downscale, or use --resolution full)" if resolution == "448" else "")
        )
    out = out or Path(f"{t.name}_collage.mp4")
    n = write_collage(out, videos=files, labels=[v.key for v in views], tile=(tw, th), cols=3)
    if as_json:
        print_json({"take": t.name, "out": out, "frames": n, "views": [v.key for v in views]})
        return
    console.print(f"wrote {out} ({n} frames, {len(views)} views)")
