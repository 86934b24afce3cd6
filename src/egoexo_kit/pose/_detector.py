"""A pluggable 2D keypoint detector: anything with ``joints`` and ``detect(image)`` can feed the pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from egoexo_kit.pose._keypoints import Keypoints2D

__all__ = ["KeypointDetector", "detect_keypoints"]


@runtime_checkable
class KeypointDetector(Protocol):
    """A 2D keypoint detector (e.g. a ViTPose/RTMPose wrapper) for one skeleton."""

    joints: tuple[str, ...]
    """Joint names in output order (``BODY_JOINTS`` or ``HAND_JOINTS``)."""

    def detect(self, image: np.ndarray) -> np.ndarray:
        """``(J, 3)`` ``x, y, confidence`` of each joint in the image's pixels (NaN x, y when absent)."""
        ...


def detect_keypoints(
    take: Any, detector: KeypointDetector, *, frames: Sequence[int], views: Sequence[str]
) -> Keypoints2D:
    """Run ``detector`` on the undistorted frames of ``views`` (EgoPose space) of a facade take.

    Args:
        take: A take from :func:`egoexo_kit.open_release` (it decodes and undistorts frames).
        detector: The detector.
        frames: Aligned frame indices.
        views: View keys (``cam01`` …, the Aria id for its RGB).

    Returns:
        :class:`Keypoints2D` in the undistorted space, ready for :func:`triangulate_take`.
    """
    fr = np.asarray(frames, dtype=np.int64)
    out = np.full((len(fr), len(views), len(detector.joints), 3), np.nan)
    for i, f in enumerate(fr):
        pictures = take.frames(frame=int(f), views=list(views))
        for v, (view, image) in enumerate(zip(views, pictures.values(), strict=True)):
            und, _ = take.undistort(image, view=view)
            out[i, v] = np.asarray(detector.detect(und), dtype=np.float64).reshape(len(detector.joints), 3)
    return Keypoints2D(
        frames=fr, views=tuple(views), joints=tuple(detector.joints), px=out[..., :2], confidence=out[..., 2]
    )
