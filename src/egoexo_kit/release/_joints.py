"""Joint names and orders of the EgoPose annotations (FORMAT §7.9): facts of the format, used everywhere."""

from __future__ import annotations

from typing import Any

__all__ = [
    "BODY_BONES",
    "BODY_JOINTS",
    "COCO_SKELETON",
    "FINGERS",
    "HAND_BONES",
    "HAND_JOINTS",
    "HAND_JOINTS_PER_SIDE",
    "SIDES",
    "is_empty_pose_frame",
]


def is_empty_pose_frame(value: Any) -> bool:
    """Whether a keypoint file's frame value holds no annotation (``[]`` or ``{}``).

    Real EgoPose files have such frames; the official hand and body loaders skip them on
    ``len(frame_anno) == 0`` (``EGO4D/ego-exo4d-egopose: handpose/data_preparation/dataloader.py``),
    and so does every reader here.
    """
    return isinstance(value, list | dict) and len(value) == 0


BODY_JOINTS: tuple[str, ...] = (
    "nose",
    "left-eye",
    "right-eye",
    "left-ear",
    "right-ear",
    "left-shoulder",
    "right-shoulder",
    "left-elbow",
    "right-elbow",
    "left-wrist",
    "right-wrist",
    "left-hip",
    "right-hip",
    "left-knee",
    "right-knee",
    "left-ankle",
    "right-ankle",
)
"""The 17 COCO body joints in canonical order (FORMAT §7.9)."""

SIDES: tuple[str, str] = ("right", "left")
"""Order of every per-side array: right first (FORMAT §7.9 ``HAND_ORDER``)."""

FINGERS: tuple[str, ...] = ("thumb", "index", "middle", "ring", "pinky")
HAND_JOINTS_PER_SIDE: tuple[str, ...] = ("wrist",) + tuple(f"{f}_{k}" for f in FINGERS for k in range(1, 5))
"""The 21 joints of one hand: wrist, then thumb_1..4 … pinky_1..4 (``_1`` base, ``_4`` tip)."""
HAND_JOINTS: tuple[str, ...] = tuple(f"{side}_{j}" for side in SIDES for j in HAND_JOINTS_PER_SIDE)
"""The 42 hand joints, right hand first (FORMAT §7.9 names)."""

COCO_SKELETON: tuple[tuple[int, int], ...] = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8),
    (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)  # fmt: skip
"""The 19 standard COCO drawing links (0-based)."""
BODY_BONES: tuple[tuple[int, int], ...] = tuple(e for e in COCO_SKELETON if e not in ((3, 5), (4, 6)))
"""The 17 COCO links of constant length: all but ear–shoulder (the neck is a joint)."""

_HAND_BONES_ONE: tuple[tuple[int, int], ...] = tuple(
    (0 if k == 0 else 1 + 4 * f + k - 1, 1 + 4 * f + k) for f in range(5) for k in range(4)
)
HAND_BONES: tuple[tuple[int, int], ...] = tuple(
    (i + 21 * s, j + 21 * s) for s in range(2) for i, j in _HAND_BONES_ONE
)
"""The 40 hand bones (wrist→base, base→…→tip per finger), indices into :data:`HAND_JOINTS`."""
