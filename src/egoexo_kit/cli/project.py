"""``egoexo-kit project``: pixels of world points in one view at one instant, in any image space.

Examples:
    egoexo-kit project ./egoexo cmu_bike_01_2 --view cam01 --t 2.0 --xyz 0.1,0.2,1.0
    egoexo-kit project ./egoexo cmu_bike_01_2 --view aria01 --frame 60 --space raw --points p.npy --json
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.table import Table

import egoexo_kit
from egoexo_kit.cli._common import console, handle_errors, print_json
from egoexo_kit.cli.calib import check_space
from egoexo_kit.errors import FormatError

__all__ = ["project"]


def _points(xyz: list[str], points: Path | None) -> np.ndarray:
    """World points from repeated ``--xyz x,y,z`` and/or a ``.npy`` / ``.json`` / ``.txt`` file of (N, 3)."""
    rows = []
    for item in xyz:
        try:
            rows.append([float(v) for v in item.split(",")])
        except ValueError:
            raise typer.BadParameter(f"--xyz wants x,y,z in metres, got {item!r}") from None
    out = np.asarray(rows, np.float64).reshape(-1, 3) if rows else np.zeros((0, 3))
    if points is not None:
        if not points.is_file():
            raise FormatError("no such points file", path=points)
        try:
            if points.suffix == ".npy":
                arr = np.load(points, allow_pickle=False)
            elif points.suffix == ".json":
                import json

                arr = np.asarray(json.loads(points.read_text(encoding="utf-8")), np.float64)
            else:
                arr = np.loadtxt(points, delimiter=",", ndmin=2)
        except (ValueError, OSError) as e:
            raise FormatError(f"cannot read points: {e}", path=points) from e
        arr = np.asarray(arr, np.float64)
        if arr.ndim != 2 or arr.shape[1] != 3:
            raise FormatError(f"points must be an (N, 3) array of metres, got shape {arr.shape}", path=points)
        out = np.concatenate([out, arr])
    if len(out) == 0:
        raise typer.BadParameter("give world points with --xyz x,y,z or --points FILE")
    return out


@handle_errors
def project(
    path: Path = typer.Argument(..., help="Release folder."),
    take: str = typer.Argument(..., help="Take name or uid."),
    view: str = typer.Option(..., "--view", help="View: cam01, aria01, aria01/slam-left …"),
    t: float | None = typer.Option(None, "--t", help="Seconds from take start."),
    frame: int | None = typer.Option(None, "--frame", help="Aligned frame index (instead of --t)."),
    space: str = typer.Option("mp4", "--space", help="Image space: raw, undistorted or mp4."),
    xyz: list[str] = typer.Option([], "--xyz", help="A world point x,y,z in metres (repeatable)."),
    points: Path | None = typer.Option(None, "--points", help="(N, 3) points: .npy, .json or CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Project world points into a view: pixel (x, y) in the chosen space and whether each is visible.

    Example: egoexo-kit project ./egoexo cmu_bike_01_2 --view cam01 --t 2.0 --xyz 0.1,0.2,1.0
    """
    if (t is None) == (frame is None):
        raise typer.BadParameter("give exactly one of --t and --frame")
    pts = _points(xyz, points)
    tk = egoexo_kit.open_release(path).take(take)
    uv, visible = tk.project(pts, view=view, t=t, frame=frame, space=check_space(space))  # type: ignore[arg-type]
    rows = [
        {
            "point": p.tolist(),
            "uv": None if np.isnan(q).any() else q.tolist(),
            "visible": bool(v),
        }
        for p, q, v in zip(pts, uv, visible, strict=True)
    ]
    if as_json:
        print_json({"take": tk.name, "view": view, "t": t, "frame": frame, "space": space, "points": rows})
        return
    table = Table(title=f"{tk.name}  {view}  {space}  " + (f"t={t}s" if t is not None else f"frame {frame}"))
    for col in ("x, y, z (m)", "u, v (px)", "visible"):
        table.add_column(col)
    for r in rows:
        uvs = "—" if r["uv"] is None else f"{r['uv'][0]:.2f}, {r['uv'][1]:.2f}"
        table.add_row(", ".join(f"{c:.3f}" for c in r["point"]), uvs, "yes" if r["visible"] else "no")
    console.print(table)
