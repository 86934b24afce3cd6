"""``egoexo-kit triangulate``: a take's 3D body or hands from multi-view 2D keypoints, EgoPose layout out.

Examples:
    egoexo-kit triangulate ./egoexo cmu_bike01_2 --kind body --out body3d.json
    egoexo-kit triangulate ./egoexo cmu_bike01_2 --kind hand --keypoints detections.json --out hands3d.json
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import typer

import egoexo_kit
from egoexo_kit._io import write_json
from egoexo_kit.cli._common import console, handle_errors, print_json
from egoexo_kit.cli.frames import write_png
from egoexo_kit.geometry import exo_undistorted_camera
from egoexo_kit.geometry.triangulate import triangulate as triangulate_points
from egoexo_kit.pose import PoseOptions, reconstruct_pose, synthetic_keypoints, triangulate_take
from egoexo_kit.video import collage_frame
from egoexo_kit.vocab import BODY_BONES, COCO_SKELETON

__all__ = ["demo_triangulate", "draw_skeleton", "triangulate"]

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
        None, "--threshold", help="RANSAC reprojection threshold in pixels (default 2% of the image width)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Triangulate 2D keypoints of ≥ 2 views (RANSAC + LM), clean the track, fit bones, smooth, write 3D.

    Example: egoexo-kit triangulate ./egoexo cmu_bike01_2 --kind body --out body3d.json
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


def draw_skeleton(image: np.ndarray, uv: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Draw COCO bones and joints (pixels ``uv`` in the image's space) where both ends are visible.

    Small images are enlarged to 640 px first (pixel areas aligned), so the drawing stays legible.
    """
    zoom = max(1.0, 640 / max(image.shape[:2]))
    out = (
        cv2.resize(image, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_LINEAR)
        if zoom > 1
        else image.copy()
    )
    out = np.ascontiguousarray(out)
    uv = (uv + 0.5) * zoom - 0.5
    scale = max(1, round(max(out.shape[:2]) / 400))
    for a, b in COCO_SKELETON:
        if visible[a] and visible[b]:
            pa, pb = (tuple(int(round(c)) for c in uv[k]) for k in (a, b))
            cv2.line(out, pa, pb, (255, 220, 0), scale, cv2.LINE_AA)
    for k in np.flatnonzero(visible):
        cv2.circle(out, tuple(int(round(c)) for c in uv[k]), scale + 1, (255, 40, 40), -1, cv2.LINE_AA)
    return out


def demo_triangulate(release: Any, outputs: Path) -> None:
    """Demo step: triangulate one synthetic take's body, print MPJPE, draw the skeleton on every view.

    Detections are the true joints projected into the take's exo cameras at real GoPro resolution
    (undistorted space) with 2 px noise, 10 % dropouts and 5 % gross outliers.
    """
    take = release.takes[0]
    with np.load(release.root / ".synth" / "takes" / take.name / "truth.npz") as z:
        gt = z["body_world"]
    frames = np.arange(len(gt))
    geo = take.geometry
    exo = list(take.exo_views)
    cams = [
        exo_undistorted_camera(
            geo.intrinsics(v, space="raw")[0].scaled(width=_GOPRO_SIZE[0], height=_GOPRO_SIZE[1])
        )
        for v in exo
    ]
    T = np.stack([geo.extrinsics(v, frames=frames) for v in exo], axis=1)
    rng = np.random.default_rng(0)
    clean = synthetic_keypoints(gt, cameras=cams, T_cam_world=T, rng=rng, noise_px=2.0)
    bad = synthetic_keypoints(
        gt, cameras=cams, T_cam_world=T, rng=rng, noise_px=2.0, missing=0.1, outliers=0.05
    )

    def plain(px: np.ndarray) -> np.ndarray:
        pts = triangulate_points(np.swapaxes(px, 1, 2), cameras=cams, T_cam_world=T[:, None], robust=False)
        return pts.points

    track = reconstruct_pose(bad, cameras=cams, T_cam_world=T, frames=frames, bones=BODY_BONES)

    def mpjpe(p: np.ndarray) -> float:
        return float(np.nanmean(np.linalg.norm(p - gt, axis=-1))) * 1000

    console.print(
        f"{take.name}: body MPJPE over {len(frames)} frames × {len(exo)} exo views (2 px noise, "
        f"10 % missing, 5 % outliers): pipeline [bold]{mpjpe(track.points):.1f} mm[/]; plain DLT on the "
        f"same input {mpjpe(plain(bad)):.1f} mm; plain DLT on clean 2 px input (noise floor) "
        f"{mpjpe(plain(clean)):.1f} mm"
    )
    frame = len(frames) // 2
    pictures = take.frames(frame=frame)
    drawn = []
    for name, image in pictures.items():
        uv, visible = take.project(track.points[frame], view=name, frame=frame, space="mp4")
        drawn.append(draw_skeleton(image, uv, visible))
    sheet = outputs / f"{take.name}_{frame:06d}_skeleton.png"
    write_png(sheet, collage_frame(drawn, labels=list(pictures), tile=(320, 180), caption=f"frame {frame}"))
    console.print(f"reprojected 3D skeleton on every view: [bold]{sheet}[/]")
