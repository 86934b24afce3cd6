"""``egoexo-kit calib``: every camera of a take (model, parameters, size, pose) at one instant.

Examples:
    egoexo-kit calib ./egoexo cmu_bike_01_2
    egoexo-kit calib ./egoexo cmu_bike_01_2 --t 2.0 --space undistorted --json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

import egoexo_kit
from egoexo_kit.cli._common import console, handle_errors, print_json
from egoexo_kit.geometry import SPACES

__all__ = ["calib", "check_space"]

_GEOMETRIC_STREAMS = ("0", "rgb", "slam-left", "slam-right")
"""Streams with a geometric calibration (the eye-tracking camera has none in the release files)."""


def check_space(space: str) -> str:
    """Refuse an unknown image space with the list of valid ones."""
    if space not in SPACES:
        raise typer.BadParameter(f"--space must be one of {', '.join(SPACES)}, got {space!r}")
    return space


def take_calibration(take: Any, *, t: float, space: str) -> list[dict[str, Any]]:
    """``PosedCamera.to_dict()`` of every calibrated view of ``take`` at ``t`` seconds."""
    names = [v.key for v in take.views if v.readable_stream_id in _GEOMETRIC_STREAMS]
    return [take.camera(name, t=t, space=space).to_dict() | {"key": name} for name in names]


@handle_errors
def calib(
    path: Path = typer.Argument(..., help="Release folder."),
    take: str = typer.Argument(..., help="Take name or uid."),
    t: float = typer.Option(0.0, "--t", help="Seconds from take start (Aria poses move)."),
    space: str = typer.Option("raw", "--space", help="Image space: raw, undistorted or mp4."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print every camera's model, parameters, image size and world pose at one instant.

    Example: egoexo-kit calib ./egoexo cmu_bike_01_2 --t 2.0 --json
    """
    tk = egoexo_kit.open_release(path).take(take)
    cams = take_calibration(tk, t=t, space=check_space(space))
    if as_json:
        print_json({"take": tk.name, "t": t, "space": space, "cameras": cams})
        return
    table = Table(title=f"{tk.name}  t={t:.3f}s  space={space}")
    for col in ("view", "model", "size", "parameters", "t_world_cam (m)", "q_world_cam (xyzw)"):
        table.add_column(col)
    for c in cams:
        table.add_row(
            c["key"],
            c["model"] + (" ⟳90°" if c["rotated_90_cw"] else ""),
            f"{c['width']}×{c['height']}",
            " ".join(f"{p:.6g}" for p in c["params"]),
            " ".join(f"{p:.3f}" for p in c["t_world_cam"]),
            " ".join(f"{p:.4f}" for p in c["q_world_cam_xyzw"]),
        )
    console.print(table)
