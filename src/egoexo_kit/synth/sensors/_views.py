"""Render one view of a take: RGB frames and instance-id images through the view's true camera."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from egoexo_kit.geometry.camera import Camera
from egoexo_kit.synth.sensors._render import (
    Background,
    Primitives,
    Room,
    cast_background,
    reaching,
    render_frame,
    shade,
)

__all__ = ["RenderedFrame", "ViewSpec", "render_view", "to_gray"]


@dataclass(frozen=True)
class ViewSpec:
    """What to render for one view: its camera, its pose at each frame, the capture times."""

    camera: Camera
    """Intrinsics in sensor orientation."""
    T_world_cam: np.ndarray
    """(4, 4) for a static camera or (N, 4, 4), one per frame."""
    times: np.ndarray
    """(N,) common time at which each frame was captured."""
    rotate_cw: bool = False
    """Aria streams: store the image rotated 90° clockwise (the MP4 orientation, FORMAT §4.1)."""
    gray: bool = False
    """SLAM cameras are monochrome."""
    focus: frozenset[int] | None = None
    """Only the pixels that can show these instance ids are exact (mask-only rendering)."""


@dataclass(frozen=True)
class RenderedFrame:
    """One rendered frame in the stored (MP4) orientation."""

    rgb: np.ndarray
    """(H, W, 3) uint8."""
    ids: np.ndarray
    """(H, W) int32 instance ids (see ``synth.sensors._world``)."""
    depth: np.ndarray
    """(H, W) float32 distance along each pixel's ray to the first hit (m; inf where nothing)."""


def _world_rays(camera: Camera, T: np.ndarray, rays_cam: np.ndarray) -> np.ndarray:
    R = T[:3, :3]  # three broadcasts beat a (N, 3) @ (3, 3) product, which misses the fast BLAS path
    return rays_cam[:, 0:1] * R[:, 0] + rays_cam[:, 1:2] * R[:, 1] + rays_cam[:, 2:3] * R[:, 2]


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """Luma replicated to 3 channels (how a monochrome SLAM stream is stored in an RGB MP4)."""
    y = (rgb.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)).round().astype(np.uint8)
    return np.repeat(y[..., None], 3, axis=-1)


def render_view(
    spec: ViewSpec, *, room: Room, static: Primitives, dynamic_at: Callable[[int], Sequence[Primitives]]
) -> Iterator[RenderedFrame]:
    """Yield the view's frames in order; static cameras reuse their background hits across frames.

    ``dynamic_at(i)`` gives the moving primitives at the capture time of frame ``i`` (``spec.times[i]``),
    as culling groups (see :func:`~egoexo_kit.synth.sensors._render.render_frame`).
    """
    cam = spec.camera
    rays_cam, valid = cam.pixel_rays()
    valid = valid & np.isfinite(rays_cam).all(axis=1)
    rays_cam = np.where(valid[:, None], rays_cam, [0.0, 0.0, 1.0])
    static_pose = spec.T_world_cam.ndim == 2
    static_groups = static.by_id()
    background: Background | None = None
    focus = set(spec.focus) if spec.focus is not None else None
    for i in range(len(spec.times)):
        T = spec.T_world_cam if static_pose else spec.T_world_cam[i]
        dynamic = dynamic_at(i)
        if background is None or not static_pose:
            origin, dirs = T[:3, 3].copy(), _world_rays(cam, T, rays_cam)
            # A moving camera in mask-only mode needs the background only where the objects can be.
            rows = (
                valid if focus is None or static_pose else valid & reaching(origin, dirs, dynamic, ids=focus)
            )
            background = cast_background(origin, dirs, rows, room=room, static=static_groups)
        hits = render_frame(background, dynamic, focus=focus)
        rgb = shade(hits).reshape(cam.height, cam.width, 3)
        ids = hits.ids.reshape(cam.height, cam.width)
        depth = hits.t.reshape(cam.height, cam.width).astype(np.float32)
        if spec.gray:
            rgb = to_gray(rgb)
        if spec.rotate_cw:
            rgb, ids, depth = np.rot90(rgb, k=-1), np.rot90(ids, k=-1), np.rot90(depth, k=-1)
        yield RenderedFrame(np.ascontiguousarray(rgb), np.ascontiguousarray(ids), np.ascontiguousarray(depth))
