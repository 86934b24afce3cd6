"""The synthetic end-to-end tour behind ``egoexo-kit demo``: every capability, on a generated release.

Each step is one function that does its work through the public library and returns what it made
(paths, rows, numbers) as a small dataclass; ``egoexo_kit.cli.demo`` only renders them with rich,
so a notebook can run the same tour::

    from egoexo_kit import demo, open_release
    root = demo.make_release("demo-release")
    release = open_release(root)
    print(demo.triangulation_step(release, root.parent / "demo-outputs").mpjpe_mm)

Outputs of the steps go to a folder beside the release (``<release>-demo``), so the release itself
keeps the official layout. Uses every layer (like ``synth`` and ``builder``, DESIGN §1).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from egoexo_kit import Release, Take, open_release
from egoexo_kit._io import write_png
from egoexo_kit.benchmarks import LeaderboardRow, leaderboard
from egoexo_kit.download import DownloadReport, Plan, Selection, open_source, plan_download
from egoexo_kit.download import download as run_download
from egoexo_kit.download import publish as run_publish
from egoexo_kit.errors import EgoExoKitWarning
from egoexo_kit.extras import installed_extras
from egoexo_kit.geometry import exo_undistorted_camera
from egoexo_kit.geometry.triangulate import triangulate as triangulate_points
from egoexo_kit.pose import reconstruct_pose, synthetic_keypoints
from egoexo_kit.video import collage_frame, write_collage
from egoexo_kit.vocab import BODY_BONES, COCO_SKELETON, FPS

__all__ = [
    "BUILD_CONFIG",
    "AnnotationTour",
    "FeatureRows",
    "Pictures",
    "Transfer",
    "Triangulation",
    "VizTour",
    "annotations_step",
    "benchmarks_step",
    "demo_config",
    "download_step",
    "draw_skeleton",
    "features_step",
    "make_release",
    "outputs_dir",
    "pictures_step",
    "raw_capture_step",
    "triangulation_step",
    "viz_step",
]

GOPRO_SIZE = (3840, 2160)
"""Resolution of real GoPro frames: the triangulation step's detections live at this scale."""


def demo_config(seed: int = 0) -> Any:
    """The demo release: 2 captures × 2 takes × 4 s, bike repair and basketball, train and val splits."""
    from egoexo_kit.synth import SynthConfig

    return SynthConfig(
        captures=2,
        takes_per_capture=2,
        seconds=4.0,
        seed=seed,
        scenarios=("bike repair", "basketball"),
        splits=("train", "val"),  # every task in both: the baselines train and score
    )


def make_release(root: str | Path, *, seed: int = 0, tiny: bool = False, progress: Any = None) -> Path:
    """Write the demo release to ``root``: :func:`demo_config`, or the instant hand-laid one (``tiny``).

    ``progress(stage, done, total)`` follows the generator (the hand-laid release is written at once).
    """
    from egoexo_kit.synth import generate_release, write_tiny_release

    root = Path(root)
    if tiny:
        write_tiny_release(root, seed=seed)
    else:
        generate_release(root, demo_config(seed), progress=progress)
    return root


def outputs_dir(root: str | Path) -> Path:
    """Where the steps write: ``<release>-demo`` beside the release (its layout stays the official one)."""
    root = Path(root)
    return root.parent / f"{root.name}-demo"


@dataclass(frozen=True)
class Pictures:
    """One synchronized instant of every view, and a collage clip of the whole take."""

    take: str
    frame: int
    sheet: Path
    """Contact sheet PNG of every view at ``frame``."""
    clip: Path
    """Collage MP4 of every RGB/GoPro view."""


def pictures_step(take: Take, outputs: Path) -> Pictures:
    """A contact sheet of the take's middle instant and a collage clip of every view."""
    pictures = take.frames(t=take.duration_s / 2)
    index = int(take.timeline.to_frame(t=take.duration_s / 2))
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
    return Pictures(take=take.name, frame=index, sheet=sheet, clip=clip)


@dataclass(frozen=True)
class Transfer:
    """The release published to a file mirror, and one take fetched back from it (ego + best exo)."""

    mirror: Path
    published_files: int
    take: Take
    plan: Plan
    report: DownloadReport


def download_step(root: Path, outputs: Path) -> Transfer:
    """Publish ``root`` to ``outputs/mirror`` (sha256 manifests); download one take, ego + best exo only."""
    mirror = outputs / "mirror"
    published = run_publish(root, mirror, release="v2", workers=4)
    n = sum(files for _, files, _ in published.parts.values())
    take = open_release(root).takes[0]
    src = open_source(str(mirror), release="v2")
    selection = Selection(parts=("takes",), uids=frozenset({take.uid}), best_exo_only=True)
    plan = plan_download(outputs / "download", source=src, selection=selection)
    return Transfer(
        mirror=mirror, published_files=n, take=take, plan=plan, report=run_download(plan, workers=4)
    )


@dataclass(frozen=True)
class FeatureRows:
    """Model-free features of every take, and one take's rows read back by time."""

    files: int
    folder: Path
    take: str
    view: str
    t0: float
    t1: float
    rows: Any
    """The :class:`~egoexo_kit.features.FeatureRows` overlapping ``[t0, t1)``."""
    window_s: float = 32 / FPS
    stride_s: float = 16 / FPS


def features_step(root: Path) -> FeatureRows:
    """Extract the ``stats`` features of every take of ``root``; read one take's rows in a time range."""
    from egoexo_kit.features import extract_features

    results = extract_features(root, backbone="stats", device="cpu")
    take = open_release(root).takes[0]
    view = take.view(results[0].key.cam_id, results[0].key.stream)
    t0, t1 = take.timeline.duration_s / 4, take.timeline.duration_s / 2
    rows = take.features("stats", view.key, t0=t0, t1=t1)
    return FeatureRows(
        files=len(results),
        folder=results[0].path.parent,
        take=take.name,
        view=view.key,
        t0=t0,
        t1=t1,
        rows=rows,
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


@dataclass(frozen=True)
class Triangulation:
    """Body MPJPE (mm) of the pose pipeline vs plain DLT on noisy synthetic detections, and a sheet."""

    take: str
    frames: int
    views: int
    mpjpe_mm: dict[str, float]
    """``pipeline`` and ``plain`` on the noisy input; ``clean``: plain DLT on 2 px noise only (the floor)."""
    sheet: Path
    """The reprojected 3D skeleton drawn on every view of the middle frame."""


def triangulation_step(release: Release, outputs: Path) -> Triangulation:
    """Triangulate the first take's body from its exo views, score it against the synthetic truth.

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
            geo.intrinsics(v, space="raw")[0].scaled(width=GOPRO_SIZE[0], height=GOPRO_SIZE[1])
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

    errors = {"pipeline": mpjpe(track.points), "plain": mpjpe(plain(bad)), "clean": mpjpe(plain(clean))}
    frame = len(frames) // 2
    pictures = take.frames(frame=frame)
    drawn = []
    for name, image in pictures.items():
        uv, visible = take.project(track.points[frame], view=name, frame=frame, space="mp4")
        drawn.append(draw_skeleton(image, uv, visible))
    sheet = outputs / f"{take.name}_{frame:06d}_skeleton.png"
    write_png(sheet, collage_frame(drawn, labels=list(pictures), tile=(320, 180), caption=f"frame {frame}"))
    return Triangulation(take=take.name, frames=len(frames), views=len(exo), mpjpe_mm=errors, sheet=sheet)


@dataclass(frozen=True)
class AnnotationTour:
    """A take with keysteps, a text search and one SQL query over the catalog."""

    take: Take
    query: str
    hits: list[Any]
    sql: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def annotations_step(release: Release) -> AnnotationTour:
    """A take with keysteps (else the first), ``search("hand")`` and a per-scenario keystep SQL query."""
    take = next((t for t in release.takes if t.annotations.keysteps), release.takes[0])
    hits = release.search("hand", limit=3)
    sql = (
        "SELECT scenario, count(*) AS segments, round(avg(duration_s), 2) AS mean_s "
        "FROM keysteps GROUP BY ALL ORDER BY scenario"
    )
    cur = release.catalog(rebuild=False).execute(sql)
    columns = [d[0] for d in cur.description]
    return AnnotationTour(take=take, query="hand", hits=hits, sql=sql, columns=columns, rows=cur.fetchall())


def benchmarks_step(root: Path, outputs: Path) -> list[LeaderboardRow]:
    """Every baseline and its trivial rivals on the val split (fitted on train), with features if built."""
    stats = "stats" if (root / "features" / "stats" / "config.yaml").is_file() else None  # features_step
    return leaderboard(open_release(root), split="val", workdir=outputs / "benchmarks", features=stats)


@dataclass(frozen=True)
class VizTour:
    """A frame with every overlay, and a rerun recording when the ``viz`` extra is installed."""

    take: str
    frame: int
    sheet: Path
    rrd: Path | None = None
    notes: list[str] = field(default_factory=list)


def viz_step(release: Release, outputs: Path) -> VizTour:
    """Overlays (skeletons, masks, gaze) on one frame of the last take; a ``.rrd`` of its first second."""
    from egoexo_kit.viz import export_rerun, overlay_frames

    take = release.takes[-1]  # the bike-repair take of the demo release: masks, poses, keysteps
    frame = min(60, take.timeline.n_frames - 1)
    with warnings.catch_warnings():  # a release without calibration or masks just draws less
        warnings.simplefilter("ignore", EgoExoKitWarning)
        pics = overlay_frames(take, frame=frame)
    sheet = outputs / f"{take.name}_{frame:06d}_overlays.png"
    write_png(
        sheet, collage_frame(list(pics.values()), labels=list(pics), tile=(320, 180), caption="overlays")
    )
    rrd = None
    if installed_extras()["viz"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EgoExoKitWarning)
            rrd = export_rerun(
                take, outputs / f"{take.name}.rrd", t0=0.0, t1=min(1.0, take.timeline.duration_s)
            )
    return VizTour(take=take.name, frame=frame, sheet=sheet, rrd=rrd)


def _build_config() -> Any:
    from egoexo_kit.builder import BuildConfig

    return BuildConfig(preset="ultrafast", downscaled=False)


BUILD_CONFIG = _build_config()
"""How the demo builds its raw capture: the fastest encode, no 448p variant."""


def raw_capture_step(root: Path) -> Path:
    """Render a synthetic raw capture into ``root/raw-capture`` (2 GoPros at 60 fps + an Aria, 7 s).

    The GoPros start seconds before the headset and every clock drifts; build it with
    :func:`egoexo_kit.builder.build` and :data:`BUILD_CONFIG`, then compare the sync QA to the truth.
    """
    from egoexo_kit.synth import SynthConfig, generate_raw

    config = SynthConfig(
        captures=1,
        takes_per_capture=1,
        seconds=4.0,
        exo_size=(64, 36),
        ego_size=64,
        exo_cams=2,
        raw_lead_s=3.0,
    )
    return generate_raw(root / "raw-capture", config)
