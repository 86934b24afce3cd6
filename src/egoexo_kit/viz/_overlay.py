"""Overlays drawn with OpenCV: body/hand skeletons, object masks and the eye-gaze point on a view's frames.

One drawing path for everything that shows overlays as pictures: ``egoexo-kit frames --overlay``,
the demo, and the web viewer's transparent overlay layers and previews (:func:`overlay_layer`).
Every 2D position is in the MP4 image space of the view (Aria upright, as stored), scaled to the
size of the picture drawn on.

Skeletons are drawn from one :class:`PoseTrack` per part, chosen once per take (:func:`pose_tracks`):
the same source, joint set and bones on every frame. Mixing sources frame by frame (manual where
annotated, automatic elsewhere) made a played take flicker, legs appearing and vanishing, because
manual body annotations often leave the lower body out.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np

from egoexo_kit import limits, sensors
from egoexo_kit.errors import ArgumentError, EgoExoKitError, EgoExoKitWarning
from egoexo_kit.vocab import COCO_SKELETON, HAND_BONES

if TYPE_CHECKING:
    from egoexo_kit.annotations import PoseAnnotation
    from egoexo_kit.facade import Resolution, Take

__all__ = [
    "BONES",
    "LAYERS",
    "POSE_SOURCES",
    "PoseTrack",
    "ViewOverlay",
    "composite",
    "draw_overlay",
    "overlay_frames",
    "overlay_layer",
    "parse_layers",
    "pose_tracks",
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
POSE_SOURCES = ("annotation", "automatic")
"""Keypoint sources, manual first: the order that breaks a tie in :func:`pose_tracks`."""
_GAZE_RGB = (255, 40, 40)
_MASK_ALPHA = 0.45


@dataclass
class ViewOverlay:
    """What to draw on one view at one frame, in MP4 pixels of the full-resolution view."""

    size: tuple[int, int]
    """(width, height) of the full-resolution MP4 frame the positions refer to."""
    skeletons: dict[str, np.ndarray] = field(default_factory=dict)
    """``body``/``hand`` → (J, 2) float64 pixels, NaN for joints missing or not visible."""
    bones: dict[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    """``body``/``hand`` → the bones of its track (:attr:`PoseTrack.bones`); :data:`BONES` when absent."""
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
            "bones": {k: [list(b) for b in self.bones_of(k)] for k in self.skeletons},
            "masks": sorted(self.masks),
            "gaze": None if self.gaze is None else [float(self.gaze[0]), float(self.gaze[1])],
        }

    def bones_of(self, part: str) -> tuple[tuple[int, int], ...]:
        """The bones drawn for ``part``: its track's, else every bone of the part."""
        return self.bones.get(part, BONES[part])


@dataclass(frozen=True, eq=False)
class PoseTrack:
    """One skeleton as drawn over a whole take: one part, one source, one joint set and bone set.

    Frames of the track show its joints where the source has them; frames it lacks show nothing.
    The bones never change from frame to frame, so a played take does not flicker.
    """

    part: str
    """``body`` or ``hand``."""
    source: str
    """``annotation`` (manual) or ``automatic``."""
    pose: PoseAnnotation
    joints: tuple[int, ...]
    """Indices of the joints present on at least one frame of the track."""
    bones: tuple[tuple[int, int], ...]
    """The part's bones (:data:`BONES`) between two of :attr:`joints`."""

    def points_3d(self, frame: int) -> np.ndarray | None:
        """(J, 3) world metres at an aligned ``frame`` (NaN where a joint is missing), or None."""
        frames = self.pose.frames
        i = int(np.searchsorted(frames, frame))
        if i >= len(frames) or frames[i] != frame:
            return None
        return self.pose.points_3d[i]


def check_image_size(width: int, height: int) -> tuple[int, int]:
    """``(width, height)`` of a picture about to be drawn, refused before any allocation when too big.

    Raises:
        ArgumentError: a side under 1 pixel.
        LimitError: a side over :data:`~egoexo_kit.limits.IMAGE_SIDE` or an area over
            :data:`~egoexo_kit.limits.IMAGE_PIXELS` (a 200 000 px overlay would need 160 GB).
    """
    if width < 1 or height < 1:
        raise ArgumentError(f"image size {width}x{height} px: both sides must be at least 1 pixel")
    limits.IMAGE_SIDE.check(width, pointer="width")
    limits.IMAGE_SIDE.check(height, pointer="height")
    limits.IMAGE_PIXELS.check(width * height)
    return width, height


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


@lru_cache(maxsize=8)
def _track(pose: PoseAnnotation) -> PoseTrack:
    """The track of one parsed keypoint file (cached: the joint scan reads every frame once)."""
    present = np.isfinite(pose.points_3d).all(axis=2).any(axis=0)
    joints = tuple(int(j) for j in np.flatnonzero(present))
    bones = tuple((a, b) for a, b in BONES[pose.part] if present[a] and present[b])
    return PoseTrack(part=pose.part, source=pose.source, pose=pose, joints=joints, bones=bones)


def pose_tracks(take: Take, *, source: str | None = None) -> dict[str, PoseTrack]:
    """The skeleton drawn for each part of ``take`` (``body``, ``hand``), chosen once for the take.

    Args:
        take: The take whose keypoint files are read.
        source: ``annotation`` or ``automatic`` to draw that source only; None picks, per part, the
            source covering the most frames (manual on a tie), so playback shows a skeleton on as
            many frames as the take has, always from the same source.

    Returns:
        Part → track, for the parts with a non-empty keypoint file of the chosen source.
    """
    if source is not None and source not in POSE_SOURCES:
        raise ValueError(f"unknown pose source {source!r}; known sources: {', '.join(POSE_SOURCES)}")
    out: dict[str, PoseTrack] = {}
    for part in BONES:
        poses = [take.annotations.pose(part, source=s) for s in ((source,) if source else POSE_SOURCES)]
        found = [p for p in poses if p is not None and len(p)]
        if found:
            out[part] = _track(max(found, key=len))  # max keeps the first (manual) on a tie
    return out


def _skeletons(take: Take, view: str, frame: int, *, tracks: dict[str, PoseTrack]) -> dict[str, np.ndarray]:
    """Keypoints of each track (see :func:`pose_tracks`) at ``frame``, projected into the MP4 view."""
    out: dict[str, np.ndarray] = {}
    for part, track in tracks.items():
        pts = track.points_3d(frame)
        if pts is None:
            continue
        ok = np.isfinite(pts).all(axis=1)
        uv = np.full((len(pts), 2), np.nan)
        if ok.any():
            proj, visible = take.project(pts[ok], view=view, frame=frame, space="mp4")
            uv[np.flatnonzero(ok)[visible]] = proj[visible]
        out[part] = uv
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


def view_overlay(
    take: Take, view: str, *, frame: int, layers: Sequence[str] = LAYERS, pose_source: str | None = None
) -> ViewOverlay:
    """Gather the overlays of ``view`` (``cam01``, ``aria01_214-1``) at an aligned frame.

    Skeletons come from :func:`pose_tracks` (``pose_source`` is its ``source``), so every frame of
    a take is drawn with the same bones. A layer that cannot be computed (no calibration for the
    projection, an unreadable gaze file) is skipped with an
    :class:`~egoexo_kit.errors.EgoExoKitWarning` (STYLE §3: only viz skips).
    """
    v = take.view(view)
    name = v.key
    meta_size = take.geometry.mp4_size(v)
    size = meta_size or (0, 0)
    ov = ViewOverlay(size=size)
    if "pose" in layers:
        try:
            tracks = pose_tracks(take, source=pose_source)
            ov.skeletons = _skeletons(take, name, frame, tracks=tracks)
            ov.bones = {part: tracks[part].bones for part in ov.skeletons}
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
        for a, b in ov.bones_of(part):
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
    take: Take,
    view: str,
    *,
    frame: int,
    size: tuple[int, int],
    layers: Sequence[str] = LAYERS,
    pose_source: str | None = None,
) -> np.ndarray:
    """A transparent RGBA ``(height, width, 4)`` layer with the overlays of ``view`` at ``frame``.

    ``size`` is ``(width, height)``, checked by :func:`check_image_size` before anything is drawn.
    """
    width, height = check_image_size(*size)
    ov = view_overlay(take, view, frame=frame, layers=layers, pose_source=pose_source)
    return draw_overlay(np.zeros((height, width, 4), dtype=np.uint8), ov)


def overlay_frames(
    take: Take,
    *,
    frame: int,
    views: Sequence[str] | None = None,
    layers: Sequence[str] = LAYERS,
    resolution: Resolution = "full",
    pose_source: str | None = None,
) -> dict[str, np.ndarray]:
    """``take.frames(frame=...)`` with the overlays drawn: ``{view name: (H, W, 3) uint8}``.

    ``pose_source`` picks the keypoint source as in :func:`pose_tracks` (None: the densest).
    """
    pics = take.frames(frame=frame, views=views, resolution=resolution)
    out = {}
    for name, rgb in pics.items():
        size = (rgb.shape[1], rgb.shape[0])
        layer = overlay_layer(take, name, frame=frame, size=size, layers=layers, pose_source=pose_source)
        out[name] = composite(rgb, layer)
    return out
