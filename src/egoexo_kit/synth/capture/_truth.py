"""Ground truth of one generated take: what every annotation writer is derived from.

Times: ``frame i`` is the aligned-video frame index (30 fps, FORMAT §3.2); the world was captured by
view ``v`` at common time ``views[v].frame_times[i]``; the nominal take time of frame ``i`` is
``i / 30`` seconds from take start. 3D is world metres (z up).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from egoexo_kit.geometry.camera import Camera
from egoexo_kit.synth.motion import Performance, Scene
from egoexo_kit.synth.plan import CapturePlan, TakePlan

__all__ = ["PackedMasks", "TakeTruth", "ViewTruth"]


class PackedMasks(Mapping[int, np.ndarray]):
    """Frame → (H, W) bool mask, stored bit-packed (8× smaller) and unpacked on access.

    A release of thousands of takes keeps every sampled mask until the annotations are written.
    """

    def __init__(self, masks: Mapping[int, np.ndarray]) -> None:
        self._shape = {f: m.shape for f, m in masks.items()}
        self._bits = {f: np.packbits(m, axis=None) for f, m in masks.items()}

    def __getitem__(self, frame: int) -> np.ndarray:
        h, w = self._shape[frame]
        return np.unpackbits(self._bits[frame], count=h * w).reshape(h, w).astype(bool)

    def __iter__(self) -> Iterator[int]:
        return iter(self._bits)

    def __len__(self) -> int:
        return len(self._bits)


@dataclass(frozen=True)
class ViewTruth:
    """One rendered view of a take: camera, pose and capture time of every aligned frame."""

    cam_id: str
    """``aria01`` or ``cam01`` …"""
    stream: str
    """``rgb``, ``slam-left``, ``slam-right`` for the Aria; ``0`` for GoPros (``et`` is no camera view)."""
    camera: Camera
    """Intrinsics in SENSOR orientation (for Aria: before the 90° clockwise rotation of the MP4)."""
    T_world_cam: np.ndarray
    """(N, 4, 4) camera pose at each aligned frame (GoPros: the same matrix repeated)."""
    frame_times: np.ndarray
    """(N,) common time (s) at which each aligned frame was captured."""
    rotated: bool
    """True for Aria streams: the MP4 is the sensor image rotated 90° clockwise (FORMAT §4.1)."""

    @property
    def is_ego(self) -> bool:
        """Aria streams are ego."""
        return self.stream != "0"

    @property
    def mp4_size(self) -> tuple[int, int]:
        """(width, height) of the stored MP4 frames."""
        w, h = self.camera.width, self.camera.height
        return (h, w) if self.rotated else (w, h)

    @property
    def relation_key(self) -> str:
        """Camera key used by relation masks: ``aria01_214-1`` for the Aria RGB, ``cam01`` for exo (§7.6)."""
        return f"{self.cam_id}_214-1" if self.stream == "rgb" else self.cam_id


@dataclass(frozen=True)
class TakeTruth:
    """Everything known about one take."""

    plan: TakePlan
    capture: CapturePlan
    scene: Scene
    perf: Performance
    """The animation, on its own time grid (seconds from take start)."""
    body_world: np.ndarray
    """(N, 17, 3) body joints at the nominal time of each aligned frame."""
    hands_world: np.ndarray
    """(N, 42, 3) hand joints at the nominal time of each aligned frame (right hand first)."""
    objects_world: dict[str, np.ndarray]
    """Object name → (N, 4, 4) pose at the nominal time of each aligned frame."""
    views: dict[str, ViewTruth]
    """View key (``aria01/rgb``, ``aria01/slam-left``, ``cam01`` …) → its truth."""
    masks: dict[str, dict[str, Mapping[int, np.ndarray]]] = field(default_factory=dict)
    """Object track (``wheel_0``, ``right hand_0`` …) → view key → frame → (H, W) bool mask in MP4
    orientation; frames are multiples of 30 (relations are sampled at 1 fps, FORMAT §7.6). A frame
    in ``mask_frames`` but missing here means the object is not visible in that view."""
    mask_frames: tuple[int, ...] = ()
    """Frames at which masks were rendered (``annotated_frames``)."""
    depth: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    """View key → frame → (H, W) float32 distance along each pixel ray (m, inf = nothing) in MP4
    orientation, for the frames in ``depth_frames`` (used to decide keypoint occlusion)."""
    depth_frames: tuple[int, ...] = ()

    @property
    def n_frames(self) -> int:
        """Aligned frames of the take."""
        return self.plan.n_frames

    @property
    def aria(self) -> ViewTruth:
        """The Aria RGB view."""
        return self.views[f"{self.capture.aria_id}/rgb"]

    @property
    def exo_views(self) -> list[ViewTruth]:
        """The GoPro views in camera order."""
        return [v for v in self.views.values() if not v.is_ego]
