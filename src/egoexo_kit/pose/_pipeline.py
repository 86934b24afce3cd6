"""The automatic 3D pose pipeline: 2D keypoints in ≥ 2 views → 3D skeleton track (FORMAT §7.9 output).

Steps, as in the official pseudo-ground-truth pipeline: robust per-joint triangulation across views
(RANSAC over views + Levenberg–Marquardt, :func:`egoexo_kit.geometry.triangulate`) → temporal outlier
rejection and linear gap filling → bone-length-consistent skeleton fit → Savitzky–Golay smoothing. Each
run of consecutive frames is processed on its own, so sparse (e.g. every 15th frame) inputs are
triangulated but neither interpolated nor smoothed across their gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.geometry import Camera
from egoexo_kit.geometry.triangulate import triangulate
from egoexo_kit.pose._skeleton import bone_lengths, fill_gaps, fit_bone_lengths, smooth, temporal_outliers

__all__ = ["PoseOptions", "PoseTrack", "reconstruct_pose", "synthetic_keypoints"]


@dataclass(frozen=True)
class PoseOptions:
    """Settings of :func:`reconstruct_pose` (defaults for 30 fps body tracks)."""

    threshold_px: float = 10.0
    """RANSAC inlier threshold on the reprojection error, pixels of the observations' space."""
    min_confidence: float = 0.3
    """Detections below this confidence are dropped."""
    outlier_m: float = 0.08
    """A joint farther than this from its 7-frame running median is an outlier, metres."""
    smooth_window: int = 9
    """Savitzky–Golay window in frames (0 disables smoothing)."""
    smooth_order: int = 2
    """Savitzky–Golay polynomial order."""
    bone_fit: bool = True
    """Fit the skeleton to its median bone lengths."""


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """A reconstructed 3D keypoint track."""

    frames: np.ndarray = field(repr=False)
    """``(F,)`` aligned frame indices."""
    points: np.ndarray = field(repr=False)
    """``(F, J, 3)`` world metres after clean-up; NaN for joints never triangulated in their run."""
    n_views: np.ndarray = field(repr=False)
    """``(F, J)`` RANSAC inlier views (0 where the joint was rejected or interpolated)."""
    error: np.ndarray = field(repr=False)
    """``(F, J)`` RMS reprojection error of the triangulation, pixels (NaN where not triangulated)."""
    triangulated: np.ndarray = field(repr=False)
    """``(F, J, 3)`` the raw robust triangulation, before clean-up (NaN where invalid)."""
    rejected: np.ndarray = field(repr=False)
    """``(F, J)`` triangulated but rejected as a temporal outlier."""


def _runs(frames: np.ndarray) -> list[slice]:
    """Slices of consecutive frame indices."""
    cuts = np.flatnonzero(np.diff(frames) != 1) + 1
    bounds = [0, *cuts.tolist(), len(frames)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def reconstruct_pose(
    px: ArrayLike,
    *,
    cameras: Sequence[Camera],
    T_cam_world: ArrayLike,
    frames: ArrayLike,
    bones: Sequence[tuple[int, int]],
    confidence: ArrayLike | None = None,
    options: PoseOptions = PoseOptions(),
) -> PoseTrack:
    """Reconstruct a 3D skeleton track from 2D keypoints of several calibrated views.

    Args:
        px: ``(F, V, J, 2)`` keypoints in each camera's image space; NaN = not detected.
        cameras: ``V`` cameras of that image space.
        T_cam_world: world → camera, ``(V, 4, 4)`` or per frame ``(F, V, 4, 4)``.
        frames: ``(F,)`` increasing aligned frame indices.
        bones: Joint index pairs of the skeleton (``BODY_BONES``, ``HAND_BONES``).
        confidence: ``(F, V, J)`` detector confidences (default all 1).
        options: Thresholds and filter settings.

    Returns:
        A :class:`PoseTrack`.
    """
    obs = np.array(px, dtype=np.float64)
    fr = np.asarray(frames, dtype=np.int64)
    if obs.ndim != 4 or obs.shape[-1] != 2 or obs.shape[0] != fr.shape[0]:
        raise ValueError(f"px must be (F, V, J, 2) with F = len(frames) = {fr.shape[0]}; got {obs.shape}")
    if confidence is not None:
        conf = np.asarray(confidence, dtype=np.float64)
        obs[~(conf >= options.min_confidence)] = np.nan
    T = np.asarray(T_cam_world, dtype=np.float64)
    T = T[:, None] if T.ndim == 4 else T  # per frame: broadcast over joints
    obs_pts = np.swapaxes(obs, 1, 2)  # (F, J, V, 2)
    tri = triangulate(obs_pts, cameras=cameras, T_cam_world=T, threshold=options.threshold_px)
    raw = tri.points
    points = np.full_like(raw, np.nan)
    rejected = np.zeros(raw.shape[:2], dtype=bool)
    lengths = bone_lengths(raw, bones)
    for run in _runs(fr):
        seg = raw[run].copy()
        out = (
            temporal_outliers(seg, threshold_m=options.outlier_m)
            if seg.shape[0] >= 5
            else np.zeros(seg.shape[:2], bool)
        )
        rejected[run] = out
        seg[out] = np.nan
        seg = fill_gaps(seg)
        if options.bone_fit:
            seg = fit_bone_lengths(seg, bones, lengths=lengths)
        if options.smooth_window > options.smooth_order:
            seg = smooth(seg, window=options.smooth_window, order=options.smooth_order)
        points[run] = seg
    n_views = np.where(tri.valid & ~rejected, tri.n_views, 0)
    return PoseTrack(
        frames=fr, points=points, n_views=n_views, error=tri.error, triangulated=raw, rejected=rejected
    )


def synthetic_keypoints(
    points_world: ArrayLike,
    *,
    cameras: Sequence[Camera],
    T_cam_world: ArrayLike,
    rng: np.random.Generator,
    noise_px: float = 2.0,
    missing: float = 0.0,
    outliers: float = 0.0,
) -> np.ndarray:
    """Ground-truth projections with Gaussian noise, dropouts and gross outliers: a stand-in detector.

    Args:
        points_world: ``(F, J, 3)`` world joints.
        cameras: ``V`` cameras (their image space is the keypoints' space).
        T_cam_world: ``(V, 4, 4)`` or ``(F, V, 4, 4)``.
        rng: Random source.
        noise_px: Standard deviation of the pixel noise.
        missing: Share of detections dropped (NaN).
        outliers: Share of detections replaced by a uniformly random pixel of the image.

    Returns:
        ``(F, V, J, 2)`` keypoints; NaN where dropped or not visible (behind or outside the image).
    """
    X = np.asarray(points_world, dtype=np.float64)
    T = np.asarray(T_cam_world, dtype=np.float64)
    T = np.broadcast_to(T, (X.shape[0], len(cameras), 4, 4)) if T.ndim == 3 else T
    out = np.full((X.shape[0], len(cameras), X.shape[1], 2), np.nan)
    for v, cam in enumerate(cameras):
        p_cam = np.einsum("fij,fkj->fki", T[:, v, :3, :3], X) + T[:, v, None, :3, 3]
        uv, vis = cam.project(p_cam)
        uv = uv + rng.normal(0.0, noise_px, uv.shape)
        bad = rng.random(vis.shape) < outliers
        uv[bad] = rng.uniform([0, 0], [cam.width - 1, cam.height - 1], (int(bad.sum()), 2))
        keep = vis & (rng.random(vis.shape) >= missing)
        out[:, v] = np.where(keep[..., None], uv, np.nan)
    return out
