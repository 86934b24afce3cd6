"""The Aria eye-tracking image: both eyes side by side, pupils placed by the true gaze (IR-like grey)."""

from __future__ import annotations

import numpy as np

__all__ = ["eye_image"]


def eye_image(
    size: tuple[int, int], *, yaw: tuple[float, float], pitch: float, blink: float = 0.0
) -> np.ndarray:
    """Render the ET frame: the left half shows the wearer's right eye, as the sensor sees it.

    Args:
        size: (width, height) of the whole image, both eyes.
        yaw: (right eye, left eye) horizontal gaze angles, radians (positive to the wearer's left).
        pitch: vertical gaze angle, radians (positive up).
        blink: 0 open … 1 closed.
    """
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.full((h, w), 92, np.float32) + 10 * np.sin(xx / max(w, 1) * 6.0)
    half = w / 2
    for e, g in enumerate(yaw):
        cx, cy = half * (e + 0.5), h * 0.5
        rx, ry = half * 0.36, h * 0.30 * (1 - blink)
        sclera = ((xx - cx) / rx) ** 2 + ((yy - cy) / max(ry, 0.5)) ** 2 <= 1
        img[sclera] = 190
        # The sensor looks at the eye from the front: the wearer's left is the image's right.
        px = cx + np.clip(g, -0.6, 0.6) / 0.6 * rx * 0.55
        py = cy - np.clip(pitch, -0.5, 0.5) / 0.5 * max(ry, 0.5) * 0.5
        iris = ((xx - px) ** 2 + (yy - py) ** 2 <= (h * 0.17) ** 2) & sclera
        pupil = ((xx - px) ** 2 + (yy - py) ** 2 <= (h * 0.08) ** 2) & sclera
        img[iris] = 110
        img[pupil] = 25
    g8 = np.clip(img, 0, 255).astype(np.uint8)
    return np.repeat(g8[..., None], 3, axis=-1)
