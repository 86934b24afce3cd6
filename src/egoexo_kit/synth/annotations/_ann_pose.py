"""EgoPose (FORMAT §7.9): body and hand keypoints (manual and automatic) and camera poses.

Image spaces of the 2D keypoints (FORMAT §7.9):

- exo (``cam01`` …): the fisheye-undistorted MP4 image, pinhole ``K_new`` from
  ``cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(K, D, (w, h), I, balance=0.8)`` at the MP4
  size (§6.3); a camera-frame point projects with ``K_new`` directly;
- Aria (``aria01``, hands only): the 512×512 linear camera (f = 150, c = 255.5) of the RGB camera in
  sensor orientation.

Manual files (``annotation/``) sample every 15th frame (from frame 0, 15 or 30: real files need not
start at 0). A joint is annotated in a view when it projects inside both that undistorted image and
the real (distorted) MP4 frame and is not occluded: where :attr:`TakeTruth.depth` has the frame, the
joint is hidden if the depth at its rounded MP4 pixel is more than 8 cm in front of it. 2D clicks carry
2 px of noise (``placement`` mostly ``manual``, sometimes ``auto``); 3D is given for joints seen in at
least two views, ground truth plus 5 mm of noise, with ``num_views_for_3d``. Automatic files
(``automatic/``) cover every frame, with every joint inside the image (no occlusion test), 4 px and
1 cm of noise, 3D for every joint. All noise is Gaussian, clipped at 3 σ. ``camera_pose`` files use the
camera-major code layout; 3D is world metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit.geometry import (
    exo_undistorted_camera,
    invert_pose,
    pinhole,
    sensor_to_mp4_px,
    transform_points,
)
from egoexo_kit.synth.annotations._ann_common import LABELLED_SPLITS, take_rng
from egoexo_kit.synth.capture import TakeTruth, ViewTruth
from egoexo_kit.synth.motion import BODY_JOINTS, HAND_JOINTS

__all__ = [
    "ARIA_LINEAR_K",
    "ARIA_LINEAR_SIZE",
    "MANUAL_STEP",
    "camera_pose",
    "exo_undistorted_K",
    "manual_frames",
    "pose_window",
    "write_take_pose",
]

ARIA_LINEAR_SIZE = 512
ARIA_LINEAR_K = np.array([[150.0, 0.0, 255.5], [0.0, 150.0, 255.5], [0.0, 0.0, 1.0]])
"""The undistorted linear Aria camera of EgoPose (f = 150, c = (512 − 1) / 2)."""
EXO_BALANCE = 0.8
MANUAL_STEP = 15
"""Manual annotations every 15th frame; depth for the occlusion test is read at these frames."""
OCCLUSION_MARGIN_M = 0.08
NOISE = {"manual": (2.0, 0.005), "automatic": (4.0, 0.01)}
"""(2D px, 3D m) noise sigma per file kind."""
NOISE_CLIP = 3.0
AUTO_PLACEMENT_P = 0.1
"""Share of manual-file clicks marked ``placement: "auto"``."""


@dataclass(frozen=True)
class _PoseView:
    """One camera as EgoPose sees it: key, linear intrinsics, world→camera pose per aligned frame."""

    key: str
    """``cam01`` or the Aria cam id."""
    view_key: str
    """Key in :attr:`TakeTruth.views` (and :attr:`TakeTruth.depth`)."""
    view: ViewTruth
    K: np.ndarray
    """(3, 3) pinhole of the undistorted image space."""
    size: tuple[int, int]
    """(width, height) of the undistorted image."""
    T_cam_world: np.ndarray
    """(N, 4, 4)."""


def exo_undistorted_K(view: ViewTruth) -> np.ndarray:
    """``K_new`` (3, 3) of the balance-0.8 fisheye undistortion at the exo MP4 size, rounded to 1e-4 px."""
    w, h = view.mp4_size
    cam = (
        view.camera
        if (view.camera.width, view.camera.height) == (w, h)
        else view.camera.scaled(width=w, height=h)
    )
    fx, fy, cx, cy = exo_undistorted_camera(cam, balance=EXO_BALANCE).params
    return np.round(np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]]), 4)


def _pose_views(truth: TakeTruth, *, with_aria: bool) -> list[_PoseView]:
    """Exo views (and the Aria RGB if ``with_aria``) in camera order."""
    out = []
    if with_aria:
        key = f"{truth.capture.aria_id}/rgb"
        size = (ARIA_LINEAR_SIZE, ARIA_LINEAR_SIZE)
        T_cam_world = invert_pose(truth.aria.T_world_cam)
        out.append(_PoseView(truth.capture.aria_id, key, truth.aria, ARIA_LINEAR_K, size, T_cam_world))
    for key, v in truth.views.items():
        if not v.is_ego:
            out.append(
                _PoseView(v.cam_id, key, v, exo_undistorted_K(v), v.mp4_size, invert_pose(v.T_world_cam))
            )
    return out


def _observe(
    pv: _PoseView, truth: TakeTruth, *, points_world: np.ndarray, frames: np.ndarray, occlusion: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Project joints at ``frames`` into one view.

    Args:
        pv: the view.
        truth: the take (for depth maps).
        points_world: (F, J, 3) joints at those frames, world metres.
        frames: (F,) aligned frame indices.
        occlusion: test occlusion against the depth maps (else ``visible`` is ``inside``).

    Returns:
        ``px_undistorted`` (F, J, 2) in the view's EgoPose image space; ``inside`` (F, J): in front of
        the camera and inside both that image and the real MP4 frame; ``visible`` (F, J): inside and not
        occluded according to the depth map of the frame (when there is one).
    """
    p_cam = transform_points(pv.T_cam_world[frames], points_world)
    px, ok = pinhole.project(p_cam, pv.K[[0, 1, 0, 1], [0, 1, 2, 2]])
    w, h = pv.size
    with np.errstate(invalid="ignore"):
        inside = (
            ok
            & (px[..., 0] >= -0.5)
            & (px[..., 1] >= -0.5)
            & (px[..., 0] <= w - 0.5)
            & (px[..., 1] <= h - 0.5)
        )
    cam = pv.view.camera
    px_raw, raw_ok = cam.project(p_cam)
    inside &= raw_ok
    px_mp4 = sensor_to_mp4_px(px_raw, sensor_size=(cam.width, cam.height)) if pv.view.rotated else px_raw
    visible = inside.copy()
    depths = truth.depth.get(pv.view_key, {}) if occlusion else {}
    mw, mh = pv.view.mp4_size
    for i, f in enumerate(frames):
        depth = depths.get(int(f))
        if depth is None:
            continue
        at = np.where(inside[i][:, None], np.rint(px_mp4[i]), 0.0).astype(np.int64)
        surface = depth[np.clip(at[:, 1], 0, mh - 1), np.clip(at[:, 0], 0, mw - 1)]
        visible[i] &= ~(surface < np.linalg.norm(p_cam[i], axis=-1) - OCCLUSION_MARGIN_M)
    return px, inside, visible


def _noise(rng: np.random.Generator, sigma: float, shape: tuple[int, ...]) -> np.ndarray:
    return np.clip(rng.normal(0.0, sigma, shape), -NOISE_CLIP * sigma, NOISE_CLIP * sigma)


def _keypoints(
    truth: TakeTruth, *, kind: str, part: str, frames: np.ndarray, rng: np.random.Generator
) -> dict[str, list[dict[str, Any]]]:
    """One ``{body,hand}/{annotation,automatic}`` file: frame → ``[{annotation3D, annotation2D}]``."""
    joints, names = (truth.body_world, BODY_JOINTS) if part == "body" else (truth.hands_world, HAND_JOINTS)
    points = joints[frames]
    sigma_px, sigma_m = NOISE[kind]
    manual = kind == "manual"
    obs = {}
    for pv in _pose_views(truth, with_aria=part == "hand"):
        px, inside, visible = _observe(pv, truth, points_world=points, frames=frames, occlusion=manual)
        seen = visible if manual else inside
        noisy = np.round(px + _noise(rng, sigma_px, px.shape), 2)
        auto = rng.random(seen.shape) < AUTO_PLACEMENT_P if manual else np.ones(seen.shape, bool)
        obs[pv.key] = (noisy, seen, auto)
    xyz = np.round(points + _noise(rng, sigma_m, points.shape), 5)
    out: dict[str, list[dict[str, Any]]] = {}
    for i, f in enumerate(frames):
        ann2d: dict[str, Any] = {}
        views = np.zeros(len(names), np.int64)
        for key, (noisy, seen, auto) in obs.items():
            if not seen[i].any():
                continue
            views += seen[i]
            ann2d[key] = {
                names[j]: {
                    "x": float(noisy[i, j, 0]),
                    "y": float(noisy[i, j, 1]),
                    "placement": "auto" if auto[i, j] else "manual",
                }
                for j in np.flatnonzero(seen[i])
            }
        if not ann2d:
            continue
        ann3d = {
            names[j]: {
                "x": float(xyz[i, j, 0]),
                "y": float(xyz[i, j, 1]),
                "z": float(xyz[i, j, 2]),
                "num_views_for_3d": int(views[j]),
            }
            for j in range(len(names))
            if not manual or views[j] >= 2
        }
        out[str(int(f))] = [{"annotation3D": ann3d, "annotation2D": ann2d}]
    return out


def pose_window(truth: TakeTruth) -> tuple[int, int]:
    """Aligned frames ``[a, b)`` the EgoPose files of a take cover (:attr:`TakePlan.pose_frames`)."""
    lo, hi = truth.plan.pose_frames or (0, truth.n_frames)
    return min(lo, truth.n_frames), min(hi, truth.n_frames)


def camera_pose(truth: TakeTruth) -> dict[str, Any]:
    """``camera_pose/<uid>.json`` in the camera-major code layout (FORMAT §7.9).

    Aria: the linear K and a 3×4 ``T_cam_world`` per aligned frame of the pose window (RGB camera,
    sensor orientation); exo: ``K_new`` and one static 3×4 ``T_cam_world``.
    """
    out: dict[str, Any] = {"metadata": {"take_uid": truth.plan.take_uid, "take_name": truth.plan.take_name}}
    lo, hi = pose_window(truth)
    for pv in _pose_views(truth, with_aria=True):
        extr = np.round(pv.T_cam_world[:, :3, :], 7)
        out[pv.key] = {
            "camera_intrinsics": pv.K.tolist(),
            "camera_extrinsics": {str(f): extr[f].tolist() for f in range(lo, hi)}
            if pv.view.is_ego
            else extr[0].tolist(),
        }
    return out


def manual_frames(truth: TakeTruth, *, rng: np.random.Generator) -> np.ndarray:
    """Frames of the manual files: every :data:`MANUAL_STEP` th, from 0, 15 or 30."""
    n = truth.n_frames
    first = MANUAL_STEP * int(rng.integers(0, 3)) if n > 3 * MANUAL_STEP else 0
    return np.arange(first, n, MANUAL_STEP)


def write_take_pose(ann: Path, truth: TakeTruth, *, seed: int) -> None:
    """Write ``ego_pose/<split>/…/<uid>.json`` of one take if it is in the ``ego_pose`` benchmark.

    Train and val get body and hand keypoints (manual and automatic) plus camera poses; test gets only
    camera poses. Only the frames of :func:`pose_window` are covered.

    Args:
        ann: the ``annotations`` folder.
        truth: the take.
        seed: the release seed.
    """
    if "ego_pose" not in truth.plan.benchmarks:
        return
    base, uid = ann / "ego_pose" / truth.plan.split, truth.plan.take_uid
    write_json(base / "camera_pose" / f"{uid}.json", camera_pose(truth))
    if truth.plan.split not in LABELLED_SPLITS:
        return
    rng = take_rng(seed, truth.plan, "ego-pose")
    lo, hi = pose_window(truth)
    sparse = manual_frames(truth, rng=rng)
    sparse = sparse[(sparse >= lo) & (sparse < hi)]
    every = np.arange(lo, hi)
    for part in ("body", "hand"):
        write_json(
            base / part / "annotation" / f"{uid}.json",
            _keypoints(truth, kind="manual", part=part, frames=sparse, rng=rng),
        )
        write_json(
            base / part / "automatic" / f"{uid}.json",
            _keypoints(truth, kind="automatic", part=part, frames=every, rng=rng),
        )
