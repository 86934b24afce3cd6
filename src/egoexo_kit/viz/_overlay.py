"""Overlays drawn with OpenCV: body/hand skeletons, object masks and the eye-gaze point on a view's frames.

One drawing path for everything that shows overlays as pictures: ``egoexo-kit frames --overlay``,
the demo, and the web viewer's transparent overlay layers and previews (:func:`overlay_layer`).
Every 2D position is in the MP4 image space of the view (Aria upright, as stored), scaled to the
size of the picture drawn on.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from egoexo_kit import sensors
from egoexo_kit.errors import EgoExoKitError, EgoExoKitWarning
from egoexo_kit.vocab import COCO_SKELETON, HAND_BONES

if TYPE_CHECKING:
    from egoexo_kit.facade import Resolution, Take

__all__ = [
    "BONES",
    "LAYERS",
    "ViewOverlay",
    "composite",
    "draw_overlay",
    "overlay_frames",
    "overlay_layer",
    "parse_layers",
    "view_overlay",
]

LAYERS = ("pose", "masks", "gaze")
"""Overlay layers, in drawing order (masks under skeletons under the gaze point)."""

_PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
)
"""RGB colours given to objects and skeleton parts in turn."""
BONES = {"body": COCO_SKELETON, "hand": HAND_BONES}
"""Joint index pairs drawn as bones, by part."""
_GAZE_RGB = (255, 40, 40)
_MASK_ALPHA = 0.45


@dataclass
class ViewOverlay:
    """What to draw on one view at one frame, in MP4 pixels of the full-resolution view."""

    size: tuple[int, int]
    """(width, height) of the full-resolution MP4 frame the positions refer to."""
    skeletons: dict[str, np.ndarray] = field(default_factory=dict)
    """``body``/``hand`` → (J, 2) float64 pixels, NaN for joints missing or not visible."""
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    """Object name → (H, W) bool mask (any size: scaled to the picture)."""
    gaze: np.ndarray | None = None
    """(2,) float64 gaze point, or None (Aria RGB view only)."""

    def to_json(self) -> dict[str, object]:
        """Skeletons and gaze as plain lists (masks are left out: they are drawn server-side)."""
        return {
            "size": list(self.size),
            "skeletons": {
                k: [[None if np.isnan(c) else round(float(c), 2) for c in p] for p in v]
                for k, v in self.skeletons.items()
            },
            "bones": {k: [list(b) for b in BONES[k]] for k in self.skeletons},
            "masks": sorted(self.masks),
            "gaze": None if self.gaze is None else [float(self.gaze[0]), float(self.gaze[1])],
        }


def parse_layers(spec: str | Sequence[str]) -> tuple[str, ...]:
    """``"pose,masks"`` or ``["pose", "gaze"]`` → known layer names; ``ValueError`` naming the unknown."""
    items = spec.split(",") if isinstance(spec, str) else [s for x in spec for s in x.split(",")]
    out = tuple(s.strip() for s in items if s.strip())
    bad = [s for s in out if s not in LAYERS]
    if bad:
        raise ValueError(f"unknown overlay {bad[0]!r}; known overlays: {', '.join(LAYERS)}")
    return out


def _warn(what: str, err: Exception) -> None:
    warnings.warn(f"{what} skipped: {err}", EgoExoKitWarning, stacklevel=3)


def _skeletons(take: Take, view: str, frame: int) -> dict[str, np.ndarray]:
    """3D keypoints at ``frame`` (manual where annotated, else automatic) projected into the MP4 view."""
    out: dict[str, np.ndarray] = {}
    for part in ("body", "hand"):
        for source in ("annotation", "automatic"):
            pose = take.annotations.pose(part, source=source)
            if pose is None or not len(pose):
                continue
            i = int(np.searchsorted(pose.frames, frame))
            if i >= len(pose) or pose.frames[i] != frame:
                continue
            pts = pose.points_3d[i]
            ok = np.isfinite(pts).all(axis=1)
            uv = np.full((len(pts), 2), np.nan)
            if ok.any():
                proj, visible = take.project(pts[ok], view=view, frame=frame, space="mp4")
                uv[np.flatnonzero(ok)[visible]] = proj[visible]
            out[part] = uv
            break
    return out


def _masks(take: Take, view: str, frame: int) -> dict[str, np.ndarray]:
    rel = take.annotations.relations
    if rel is None:
        return {}
    out = {}
    for obj, cams in rel.tracks.items():
        track = cams.get(view)
        if track is not None and track.visible(frame):
            out[obj] = track.mask(frame)
    return out


def _gaze(take: Take, frame: int) -> np.ndarray | None:
    """The 2D gaze point shown on ``frame`` (upright MP4 RGB pixels), or None where the file has none."""
    if not take.eye_gaze_path(kind="general", dim=2).is_file():
        return None
    g = sensors.gaze_2d_at(take, frame=frame)
    return g.px_rotated[0].copy() if g.is_valid[0] else None


def view_overlay(take: Take, view: str, *, frame: int, layers: Sequence[str] = LAYERS) -> ViewOverlay:
    """Gather the overlays of ``view`` (``cam01``, ``aria01_214-1``) at an aligned frame.

    A layer that cannot be computed (no calibration for the projection, an unreadable gaze file)
    is skipped with an :class:`~egoexo_kit.errors.EgoExoKitWarning` (STYLE §3: only viz skips).
    """
    v = take.view(view)
    name = v.key
    meta_size = take.geometry.mp4_size(v)
    size = meta_size or (0, 0)
    ov = ViewOverlay(size=size)
    if "pose" in layers:
        try:
            ov.skeletons = _skeletons(take, name, frame)
        except EgoExoKitError as e:
            _warn(f"pose overlay of {name}", e)
    if "masks" in layers:
        try:
            ov.masks = _masks(take, name, frame)
        except (EgoExoKitError, KeyError) as e:
            _warn(f"mask overlay of {name}", e)
    if "gaze" in layers and v.is_ego and v.readable_stream_id == "rgb":
        try:
            ov.gaze = _gaze(take, frame)
        except EgoExoKitError as e:
            _warn("gaze overlay", e)
    return ov


def draw_overlay(layer: np.ndarray, ov: ViewOverlay) -> np.ndarray:
    """Draw ``ov`` in place on an RGBA ``(H, W, 4)`` uint8 layer (positions scaled to its size)."""
    h, w = layer.shape[:2]
    sx = w / ov.size[0] if ov.size[0] else 1.0
    sy = h / ov.size[1] if ov.size[1] else 1.0
    thick = max(1, round(min(w, h) / 200))
    for i, (_, mask) in enumerate(sorted(ov.masks.items())):
        m = (
            mask
            if mask.shape == (h, w)
            else cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        )
        layer[m.astype(bool)] = (*_PALETTE[i % len(_PALETTE)], round(255 * _MASK_ALPHA))
    for j, (part, uv) in enumerate(sorted(ov.skeletons.items())):
        color = (*_PALETTE[(j + 3) % len(_PALETTE)], 255)
        pts = uv * (sx, sy)
        for a, b in BONES[part]:
            if np.isfinite(pts[[a, b]]).all():
                p, q = np.round(pts[[a, b]]).astype(int)
                cv2.line(layer, tuple(p), tuple(q), color, thick, cv2.LINE_AA)
        for p in pts[np.isfinite(pts).all(axis=1)]:
            cv2.circle(layer, tuple(np.round(p).astype(int)), thick + 1, color, -1, cv2.LINE_AA)
    if ov.gaze is not None:
        c = tuple(np.round(ov.gaze * (sx, sy)).astype(int))
        cv2.circle(layer, c, 3 * thick + 2, (*_GAZE_RGB, 255), thick, cv2.LINE_AA)
        cv2.drawMarker(layer, c, (*_GAZE_RGB, 255), cv2.MARKER_CROSS, 3 * thick + 2, thick)
    return layer


def composite(image: np.ndarray, layer: np.ndarray) -> np.ndarray:
    """Alpha-blend an RGBA layer over an RGB ``(H, W, 3)`` uint8 image (a new array)."""
    a = layer[..., 3:4].astype(np.float32) / 255.0
    out = image.astype(np.float32) * (1.0 - a) + layer[..., :3].astype(np.float32) * a
    return np.round(out).astype(np.uint8)


def overlay_layer(
    take: Take, view: str, *, frame: int, size: tuple[int, int], layers: Sequence[str] = LAYERS
) -> np.ndarray:
    """A transparent RGBA ``(height, width, 4)`` layer with the overlays of ``view`` at ``frame``."""
    layer = np.zeros((size[1], size[0], 4), dtype=np.uint8)
    return draw_overlay(layer, view_overlay(take, view, frame=frame, layers=layers))


def overlay_frames(
    take: Take,
    *,
    frame: int,
    views: Sequence[str] | None = None,
    layers: Sequence[str] = LAYERS,
    resolution: Resolution = "full",
) -> dict[str, np.ndarray]:
    """``take.frames(frame=...)`` with the overlays drawn: ``{view name: (H, W, 3) uint8}``."""
    pics = take.frames(frame=frame, views=views, resolution=resolution)
    out = {}
    for name, rgb in pics.items():
        layer = overlay_layer(take, name, frame=frame, size=(rgb.shape[1], rgb.shape[0]), layers=layers)
        out[name] = composite(rgb, layer)
    return out
