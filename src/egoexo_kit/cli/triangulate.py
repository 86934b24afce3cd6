"""``egoexo-kit triangulate``: a take's 3D body or hands from multi-view 2D keypoints, EgoPose layout out.

Examples:
    egoexo-kit triangulate ./egoexo cmu_bike_01_2 --kind body --out body3d.json
    egoexo-kit triangulate ./egoexo cmu_bike_01_2 --kind hand --keypoints detections.json --out hands3d.json
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

import egoexo_kit
from egoexo_kit._io import write_json
from egoexo_kit.cli._common import console, handle_errors, print_json
from egoexo_kit.pose import PoseOptions, triangulate_take

__all__ = ["triangulate"]

_GOPRO_SIZE = (3840, 2160)
"""Resolution of real GoPro frames: the demo's detections live at this scale."""


@handle_errors
def triangulate(
    path: Path = typer.Argument(..., help="Release folder."),
    take: str = typer.Argument(..., help="Take name or uid."),
    kind: str = typer.Option("body", "--kind", help="body (17 COCO joints) or hand (42 joints)."),
    keypoints: Path | None = typer.Option(
        None,
        "--keypoints",
        help="2D keypoints in the EgoPose layout (undistorted space; joints may carry 'confidence'); "
        "default: the take's ego_pose automatic file, else its manual one.",
    ),
    out: Path = typer.Option(..., "--out", help="Output JSON (EgoPose annotation3D layout)."),
    threshold: float | None = typer.Option(
        None,
        "--threshold",
        min=0.001,
        help="RANSAC reprojection threshold in pixels (default 2% of the image width).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Triangulate 2D keypoints of ≥ 2 views (RANSAC + LM), clean the track, fit bones, smooth, write 3D.

    Example: egoexo-kit triangulate ./egoexo cmu_bike_01_2 --kind body --out body3d.json
    """
    if kind not in ("body", "hand"):
        raise typer.BadParameter(f"--kind must be body or hand, got {kind!r}")
    tk = egoexo_kit.open_release(path).take(take)
    options = None if threshold is None else PoseOptions(threshold_px=threshold)
    track, ann = triangulate_take(tk, kind=kind, keypoints=keypoints, options=options)
    write_json(out, ann)
    summary = {
        "take": tk.name,
        "kind": kind,
        "frames": len(track.frames),
        "frames_written": len(ann),
        "joints_triangulated": int((track.n_views > 0).sum()),
        "joints_rejected_as_outliers": int(track.rejected.sum()),
        "mean_views": float(track.n_views[track.n_views > 0].mean()) if (track.n_views > 0).any() else 0.0,
        "median_reprojection_px": float(np.nanmedian(track.error))
        if np.isfinite(track.error).any()
        else None,
        "out": str(out),
    }
    if as_json:
        print_json(summary)
        return
    console.print(
        f"{tk.name}: {summary['frames_written']}/{summary['frames']} frames of {kind} 3D written to "
        f"[bold]{out}[/]; {summary['joints_triangulated']} joints triangulated from "
        f"{summary['mean_views']:.1f} views on average, "
        f"{summary['joints_rejected_as_outliers']} rejected as outliers, median reprojection "
        f"{summary['median_reprojection_px'] or float('nan'):.2f} px"
    )
