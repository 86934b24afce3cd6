"""Joint names and orders of the EgoPose annotations (FORMAT §7.9): facts of the format, used everywhere."""

from __future__ import annotations

__all__ = ["BODY_JOINTS", "FINGERS", "HAND_JOINTS", "HAND_JOINTS_PER_SIDE", "SIDES"]

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
