"""Five-finger hands: joint positions from a wrist frame and a closure (open ↔ grasp), vectorized.

Each finger is a base joint fixed in the hand frame (the MCP for index…pinky, the CMC for the thumb)
followed by three rigid segments that flex toward the palm, so every hand bone keeps its length
exactly. Joint ``_1`` is the base, ``_4`` the fingertip (FORMAT §7.9 order).

Hand frame (per side): ``a`` along the hand (wrist → middle knuckle, the forearm direction), ``n`` the
palm normal (the side the palm faces), ``b`` toward the thumb. The middle-finger knuckle
(``middle_1``) lies on the hand axis at ``palm_fraction × hand length`` from the wrist; it is the
*grip point* that the arm IK puts on an object.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PALM_FRACTION", "finger_joints"]

PALM_FRACTION = 0.52
"""Wrist → middle knuckle (the grip point) as a fraction of hand length."""

# Per finger (thumb, index, middle, ring, pinky), in hand-length units / radians.
_BASE = np.array(
    [  # along a, along b (thumb side), along n (palm side)
        [0.10, 0.12, 0.04],
        [0.50, 0.10, 0.0],
        [PALM_FRACTION, 0.0, 0.0],
        [0.50, -0.09, 0.0],
        [0.45, -0.17, 0.0],
    ]
)
_SPLAY = np.array([0.75, 0.08, 0.0, -0.08, -0.18])
"""Angle of each finger's base direction from ``a`` toward ``b`` (rad); the thumb points sideways."""
_SEGMENTS = np.array(
    [[0.24, 0.17, 0.13], [0.21, 0.12, 0.10], [0.23, 0.14, 0.10], [0.21, 0.13, 0.10], [0.17, 0.10, 0.09]]
)
_REST_FLEX = np.array(
    [[0.10, 0.10, 0.10], [0.15, 0.20, 0.10], [0.15, 0.20, 0.10], [0.15, 0.20, 0.10], [0.2, 0.2, 0.1]]
)
_MAX_FLEX = np.array([[0.5, 0.6, 0.7], [1.3, 1.6, 1.0], [1.3, 1.6, 1.0], [1.3, 1.6, 1.0], [1.3, 1.6, 1.0]])


def finger_joints(
    wrist: np.ndarray,
    frame: tuple[np.ndarray, np.ndarray, np.ndarray],
    closure: np.ndarray,
    *,
    hand_m: float,
) -> np.ndarray:
    """Positions of the 21 joints of each hand.

    Args:
        wrist: (T, S, 3) wrist positions, metres (S sides, any order).
        frame: ``(a, b, n)``, each (T, S, 3) orthonormal: hand axis, thumb side, palm normal.
        closure: (T, S) finger closure, 0 open (slightly relaxed) … 1 closed fist.
        hand_m: hand length (wrist → middle fingertip when straight), metres.

    Returns:
        (T, S, 21, 3) joints in FORMAT §7.9 per-hand order (wrist, thumb_1..4, index_1..4, …, pinky_1..4).
    """
    a, b, n = (x[:, :, None, :] for x in frame)  # (T, S, 1, 3)
    base = wrist[:, :, None, :] + hand_m * (
        _BASE[:, 0, None] * a + _BASE[:, 1, None] * b + _BASE[:, 2, None] * n
    )  # (T, S, 5, 3)
    u = np.cos(_SPLAY)[:, None] * a + np.sin(_SPLAY)[:, None] * b  # (T, S, 5, 3)
    c = np.clip(closure, 0.0, 1.0)[:, :, None, None]
    flex = np.cumsum(_REST_FLEX + c * (_MAX_FLEX - _REST_FLEX), axis=-1)  # (T, S, 5, 3)
    dirs = np.cos(flex)[..., None] * u[:, :, :, None, :] + np.sin(flex)[..., None] * n[:, :, :, None, :]
    chain = base[:, :, :, None, :] + np.cumsum(hand_m * _SEGMENTS[:, :, None] * dirs, axis=3)  # (T,S,5,3,3)
    fingers = np.concatenate([base[:, :, :, None, :], chain], axis=3)  # (T, S, 5, 4, 3)
    t, s = wrist.shape[:2]
    return np.concatenate([wrist[:, :, None, :], fingers.reshape(t, s, 20, 3)], axis=2)
