"""Move an object mask from one view into another through the take's calibration (relation baselines).

The object's 3D position is taken on the query pixel ray through the mask's box centre, at the point
closest to a gaze point ``GAZE_M`` metres in front of the Aria camera: the wearer looks at what they
handle, so this is a plausible depth without any depth sensor (an assumption, not a measurement).
That point is projected into the target view and the query mask is pasted there, scaled by the ratio
of the two views' pixels-per-metre at that point. Takes without calibration (annotation-only
releases) fall back to the mask resized to the target size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np

from egoexo_kit.errors import EgoExoKitError

if TYPE_CHECKING:
    from egoexo_kit.facade import Take

__all__ = ["GAZE_M", "resize_mask", "transfer_mask"]

GAZE_M = 0.5


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``mask`` resized (nearest) to ``(height, width)``."""
    out = cv2.resize(mask.astype(np.uint8), (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    return out > 0


def _px_per_m(cam: Any, point: np.ndarray, *, to_mask: float) -> float:
    """Pixels (in mask coordinates) that one metre across the view's x axis spans at ``point``."""
    step = 0.01 * cam.T_world_cam[:3, 0]
    uv, _ = cam.project(np.stack([point, point + step]))
    return float(np.linalg.norm(uv[1] - uv[0]) / 0.01 * to_mask)


def transfer_mask(
    take: Take, mask: np.ndarray, *, query: str, target: str, ego: str, frame: int, size: tuple[int, int]
) -> tuple[np.ndarray, bool]:
    """The query-view ``mask`` moved into ``target`` as a ``size`` (H, W) mask, and whether it lands in view.

    Args:
        take: the take (``take.camera``); a view without calibration falls back to resizing.
        mask: ``(h, w)`` bool mask in the query view's MP4 image, scaled to its mask size.
        query: camera id of the mask's view (``aria01``, ``cam02``).
        target: camera id of the view to predict.
        ego: camera id of the Aria RGB camera, whose pose gives the gaze point.
        frame: aligned frame index.
        size: ``(H, W)`` of the target mask.
    """
    ys, xs = np.nonzero(mask)
    if not len(xs):
        return np.zeros(size, dtype=bool), False
    try:
        q = take.camera(query, frame=frame, space="mp4")
        t = take.camera(target, frame=frame, space="mp4")
        e = q if query == ego else take.camera(ego, frame=frame, space="mp4")
    except (AttributeError, EgoExoKitError, KeyError, ValueError):
        return resize_mask(mask, size), True
    q_scale = q.size[0] / mask.shape[1]
    centre = np.array([(xs.min() + xs.max()) / 2, (ys.min() + ys.max()) / 2]) * q_scale
    origin, dirs, ok = q.rays(centre[None])
    if not ok[0]:
        return resize_mask(mask, size), True
    d = dirs[0] / np.linalg.norm(dirs[0])
    gaze = e.T_world_cam[:3, 3] + GAZE_M * e.T_world_cam[:3, 2]
    point = origin + max(float(np.dot(gaze - origin, d)), 0.05) * d
    uv, visible = t.project(point[None])
    t_to_mask = size[1] / t.size[0]
    if not visible[0]:
        return np.zeros(size, dtype=bool), False
    scale = _px_per_m(t, point, to_mask=t_to_mask) / max(_px_per_m(q, point, to_mask=1 / q_scale), 1e-9)
    crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = (max(1, round(n * scale)) for n in crop.shape)
    h, w = min(h, 4 * size[0]), min(w, 4 * size[1])
    piece = resize_mask(crop, (h, w))
    cx, cy = uv[0] * t_to_mask
    top, left = round(cy - h / 2), round(cx - w / 2)
    out = np.zeros(size, dtype=bool)
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + h, size[0]), min(left + w, size[1])
    if y1 > y0 and x1 > x0:
        out[y0:y1, x0:x1] = piece[y0 - top : y1 - top, x0 - left : x1 - left]
    return out, bool(out.any())
