"""The synthetic participant's skeleton: FORMAT joint orders, body proportions, and posing.

Kinematic model (world: metres, z up, floor at z = 0; DESIGN §2):

- **Torso** (pelvis, hips, shoulders) is one rigid body placed by ``T_world_pelvis``. Pelvis frame:
  origin midway between the hip joints, x forward (the facing direction), y to the participant's left,
  z up. Leaning forward is a rotation of this frame about its y axis (a hinge at the hips), twisting a
  rotation about world z.
- **Arms**: two-bone analytic IK from the shoulder to a *grip point* target (the middle-finger knuckle,
  :data:`~egoexo_kit.synth.motion._hands.PALM_FRACTION` of the hand length from the wrist along the forearm
  direction; the hand is a straight continuation of the forearm). The elbow swivels toward a pole
  behind, below and outside the shoulder, as it does in relaxed reaching.
- **Legs**: two-bone IK from the hip to an ankle target, knee toward the facing direction.
- **Hands**: :func:`~egoexo_kit.synth.motion._hands.finger_joints`, palm facing down/inward.
- **Head**: rigid (nose, eyes, ears) about a neck pivot, turned toward a look-at point with yaw and
  pitch softly limited relative to the torso.

Every bone in :data:`BODY_BONES` and :data:`HAND_BONES` keeps its length exactly over time (to
floating-point precision). Per-side arrays in this module are ordered :data:`SIDES` = (right, left),
like the hands in the baselines (FORMAT §7.9).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from egoexo_kit.geometry import make_pose
from egoexo_kit.synth.motion._hands import PALM_FRACTION, finger_joints
from egoexo_kit.vocab import (
    BODY_BONES,
    BODY_JOINTS,
    COCO_SKELETON,
    FINGERS,
    HAND_BONES,
    HAND_JOINTS,
    HAND_JOINTS_PER_SIDE,
    SIDES,
)

__all__ = [
    "BODY_BONES",
    "BODY_INDEX",
    "BODY_JOINTS",
    "COCO_SKELETON",
    "FINGERS",
    "HAND_BONES",
    "HAND_INDEX",
    "HAND_JOINTS",
    "HAND_JOINTS_PER_SIDE",
    "HEAD_JOINTS",
    "SIDES",
    "Body",
    "SkeletonPose",
    "pose_skeleton",
    "two_bone_ik",
]

BODY_INDEX: dict[str, int] = {name: i for i, name in enumerate(BODY_JOINTS)}
_SIDE_SIGN = np.array([-1.0, 1.0])  # +y is the participant's left
HAND_INDEX: dict[str, int] = {name: i for i, name in enumerate(HAND_JOINTS)}

HEAD_JOINTS: tuple[int, ...] = (0, 1, 2, 3, 4)
"""Indices of the rigid head joints (nose, eyes, ears) in :data:`BODY_JOINTS`."""


# Segment lengths as fractions of stature (Drillis & Contini; Winter, *Biomechanics*, 4th ed., fig. 4.1).
_RATIOS = {
    "hip_half_width_m": 0.055,
    "torso_m": 0.288,
    "shoulder_half_width_m": 0.115,
    "neck_m": 0.095,
    "upper_arm_m": 0.186,
    "forearm_m": 0.146,
    "hand_m": 0.108,
    "thigh_m": 0.245,
    "shank_m": 0.246,
    "ankle_height_m": 0.039,
}
# Head landmarks about the neck pivot, fractions of stature: (forward, up, side).
_EYE = (0.045, 0.031, 0.018)
_EAR = (-0.005, 0.022, 0.043)
_NOSE = (0.058, 0.012, 0.0)
_DEVICE_FWD = 0.052
_HEAD_YAW_LIMIT = 1.3  # rad, soft
_YAW_BIAS_M = 0.25
_HEAD_PITCH_CENTRE, _HEAD_PITCH_RANGE = 0.15, 0.85  # rad, soft, relative to the torso lean
_HEIGHT_RANGE = (1.55, 1.95)
_PRONATION = 0.35  # rad
_SOFT_REACH, _MAX_REACH = 0.98, 0.998  # fractions of a limb's length
_STANCE = 0.97  # hip → ankle distance when standing, fraction of thigh + shank


@dataclass(frozen=True)
class Body:
    """One participant's proportions. Build with :meth:`from_height` or :meth:`sample`."""

    height_m: float
    """Stature, metres (1.55–1.95)."""
    hip_half_width_m: float
    """Pelvis centre → each hip joint, metres."""
    torso_m: float
    """Pelvis centre → shoulder centre, metres."""
    shoulder_half_width_m: float
    """Shoulder centre → each shoulder joint, metres."""
    neck_m: float
    """Shoulder centre → head pivot, metres."""
    upper_arm_m: float
    """Shoulder → elbow, metres."""
    forearm_m: float
    """Elbow → wrist, metres."""
    hand_m: float
    """Wrist → middle fingertip, metres."""
    thigh_m: float
    """Hip → knee, metres."""
    shank_m: float
    """Knee → ankle, metres."""
    ankle_height_m: float
    """Ankle joint above the floor when the foot is flat, metres."""

    def __post_init__(self) -> None:
        bad = [f.name for f in fields(self) if not float(getattr(self, f.name)) > 0]
        if bad:
            raise ValueError(f"Body lengths must be positive; got non-positive {bad}")

    @classmethod
    def from_height(cls, height_m: float, *, rng: np.random.Generator | None = None) -> Body:
        """Proportions from stature; with ``rng``, each ratio varies by about ±2 % (clipped at ±5 %).

        Raises:
            ValueError: if ``height_m`` is outside 1.55–1.95 m.
        """
        lo, hi = _HEIGHT_RANGE
        if not lo <= height_m <= hi:
            raise ValueError(f"height_m={height_m} outside the supported range [{lo}, {hi}] m")
        jitter = (
            np.ones(len(_RATIOS))
            if rng is None
            else 1.0 + np.clip(rng.normal(0, 0.02, len(_RATIOS)), -0.05, 0.05)
        )
        return cls(
            height_m=float(height_m),
            **{k: float(height_m * r * j) for (k, r), j in zip(_RATIOS.items(), jitter, strict=True)},
        )

    @classmethod
    def sample(cls, rng: np.random.Generator) -> Body:
        """A random adult: stature ~ N(1.70, 0.09) m clipped to 1.55–1.95, then :meth:`from_height`."""
        return cls.from_height(float(np.clip(rng.normal(1.70, 0.09), *_HEIGHT_RANGE)), rng=rng)

    @property
    def leg_m(self) -> float:
        """Hip joint height when standing straight, metres."""
        return self.thigh_m + self.shank_m + self.ankle_height_m

    @property
    def standing_pelvis_z(self) -> float:
        """Pelvis height in a relaxed stance (knees slightly bent), metres."""
        return self.ankle_height_m + _STANCE * (self.thigh_m + self.shank_m)

    @property
    def palm_m(self) -> float:
        """Wrist → grip point (middle knuckle), metres."""
        return PALM_FRACTION * self.hand_m

    @property
    def reach_m(self) -> float:
        """Shoulder → grip point with the arm straight, metres."""
        return self.upper_arm_m + self.forearm_m + self.palm_m

    def rest_pose(self) -> SkeletonPose:
        """Standing at the origin facing +x, arms hanging, looking ahead (one frame, T = 1)."""
        T_world_pelvis = make_pose(np.eye(3), np.array([0.0, 0.0, self.standing_pelvis_z]))[None]
        return pose_skeleton(self, T_world_pelvis=T_world_pelvis)


@dataclass(frozen=True)
class SkeletonPose:
    """A posed skeleton over T time samples (world frame, metres)."""

    body_world: np.ndarray
    """(T, 17, 3) body joints in :data:`BODY_JOINTS` order."""
    hands_world: np.ndarray
    """(T, 42, 3) hand joints in :data:`HAND_JOINTS` order (right hand first)."""
    T_world_head: np.ndarray
    """(T, 4, 4) head (Aria headset) pose: origin between the eyes, slightly forward; OpenCV camera
    axes: z forward (looking direction), x to the wearer's right, y down."""
    T_world_pelvis: np.ndarray
    """(T, 4, 4) the torso pose that was given."""
    grip_world: np.ndarray
    """(T, 2, 3) realised grip points (middle knuckles), :data:`SIDES` order."""

    def __repr__(self) -> str:
        return f"SkeletonPose(T={self.body_world.shape[0]})"


def _normalize(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _perpendicular(hint: np.ndarray, axis: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Unit component of ``hint`` orthogonal to unit ``axis``; ``fallback``'s where degenerate."""
    p = hint - np.sum(hint * axis, -1, keepdims=True) * axis
    q = fallback - np.sum(fallback * axis, -1, keepdims=True) * axis
    small = np.linalg.norm(p, axis=-1, keepdims=True) < 1e-6
    return _normalize(np.where(small, q, p))


def two_bone_ik(
    root: np.ndarray,
    target: np.ndarray,
    pole: np.ndarray,
    *,
    lengths: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic two-bone IK, vectorized.

    Args:
        root: (..., 3) root joint (shoulder or hip), metres.
        target: (..., 3) desired end point, metres; reached exactly up to 98 % of the limb's length,
            approached softly (never passed) beyond.
        pole: (..., 3) direction toward which the middle joint bends.
        lengths: (upper, lower) bone lengths, metres.

    Returns:
        ``(middle, end, normal)``: (..., 3) middle joint, realised end point, and the unit normal of the
        limb's plane (root → target × bend direction; defined even for a straight limb);
        ``|middle - root| = upper`` and ``|end - middle| = lower`` exactly (to rounding).
    """
    l1, l2 = lengths
    delta = target - root
    d = np.linalg.norm(delta, axis=-1, keepdims=True)
    u = np.where(d > 1e-9, delta / np.maximum(d, 1e-12), np.array([0.0, 0.0, -1.0]))
    # Soft limit near full extension: the middle joint moves like sqrt(reach - d), so a hard clamp (or a
    # target that wanders near the limit) would jerk it. Beyond _SOFT_REACH the end point lags the target.
    knee, top = _SOFT_REACH * (l1 + l2), _MAX_REACH * (l1 + l2)
    d = np.where(d <= knee, d, knee + (top - knee) * np.tanh((d - knee) / (top - knee)))
    d = np.maximum(d, abs(l1 - l2) + 1e-4)
    a = (l1 * l1 - l2 * l2 + d * d) / (2.0 * d)
    h = np.sqrt(np.maximum(l1 * l1 - a * a, 0.0))
    v = _perpendicular(pole, u, np.cross(u, np.array([0.0, 1.0, 0.0])) + np.array([0.0, 0.0, -1e-3]))
    middle = root + a * u + h * v
    end = middle + l2 * _normalize(root + d * u - middle)
    return middle, end, np.cross(u, v)


def _head(
    body: Body, pivot: np.ndarray, look_at: np.ndarray, *, torso: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """Head joints (T, 5, 3) and ``T_world_head`` (T, 4, 4) looking toward ``look_at``."""
    yaw_t, lean = torso
    d = look_at - pivot
    pitch = np.arctan2(-d[:, 2], np.hypot(d[:, 0], d[:, 1]))  # positive looks down
    # Yaw relative to the torso, measured as if the target were _YAW_BIAS_M further ahead: a target
    # right under the chin then leaves the head straight instead of spinning it (the eyes do the rest).
    c, s = np.cos(yaw_t), np.sin(yaw_t)
    ahead, lateral = c * d[:, 0] + s * d[:, 1] + _YAW_BIAS_M, -s * d[:, 0] + c * d[:, 1]
    rel = np.arctan2(lateral, ahead)
    yaw = yaw_t + _HEAD_YAW_LIMIT * np.tanh(rel / _HEAD_YAW_LIMIT)
    prel = pitch - lean - _HEAD_PITCH_CENTRE
    pitch = lean + _HEAD_PITCH_CENTRE + _HEAD_PITCH_RANGE * np.tanh(prel / _HEAD_PITCH_RANGE)
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    f = np.stack([cp * cy, cp * sy, -sp], -1)
    left = np.stack([-sy, cy, np.zeros_like(cy)], -1)
    up = np.cross(f, left)
    h = body.height_m

    def at(fwd: float, upw: float, side: float) -> np.ndarray:
        return pivot + h * (fwd * f + upw * up + side * left)

    joints = np.stack(
        [at(*_NOSE), at(*_EYE), at(_EYE[0], _EYE[1], -_EYE[2]), at(*_EAR), at(_EAR[0], _EAR[1], -_EAR[2])],
        axis=1,
    )
    R_world_head = np.stack([-left, -up, f], axis=-1)  # columns: x right, y down, z forward
    return joints, make_pose(R_world_head, at(_DEVICE_FWD, _EYE[1], 0.0))


def pose_skeleton(
    body: Body,
    *,
    T_world_pelvis: np.ndarray,
    grip_world: np.ndarray | None = None,
    closure: np.ndarray | None = None,
    ankles_world: np.ndarray | None = None,
    look_at_world: np.ndarray | None = None,
) -> SkeletonPose:
    """Pose the skeleton over T samples.

    Args:
        body: the participant's proportions.
        T_world_pelvis: (T, 4, 4) torso pose (pelvis frame: x forward, y left, z up).
        grip_world: (T, 2, 3) grip-point targets (middle knuckles), right then left, metres; targets out
            of reach are clamped (the realised points are in :attr:`SkeletonPose.grip_world`). Default:
            arms hanging.
        closure: (T, 2) finger closure in [0, 1], right then left. Default: 0.1 (relaxed).
        ankles_world: (T, 2, 3) ankle targets, right then left, metres. Default: under the hips,
            ``ankle_height_m`` above the floor.
        look_at_world: (T, 3) point the head turns toward. Default: 2 m ahead, slightly down.

    Returns:
        The posed :class:`SkeletonPose`.

    Raises:
        ValueError: on inconsistent shapes.
    """
    T_world_pelvis = np.asarray(T_world_pelvis, dtype=np.float64)
    if T_world_pelvis.ndim != 3 or T_world_pelvis.shape[1:] != (4, 4):
        raise ValueError(f"T_world_pelvis must be (T, 4, 4); got {T_world_pelvis.shape}")
    n = T_world_pelvis.shape[0]
    R, p = T_world_pelvis[:, :3, :3], T_world_pelvis[:, :3, 3]
    fwd, left_ax, up_ax = R[:, :, 0], R[:, :, 1], R[:, :, 2]
    yaw_t = np.arctan2(fwd[:, 1], fwd[:, 0])
    lean = np.arcsin(np.clip(-fwd[:, 2], -1.0, 1.0))
    flat_fwd = np.stack([np.cos(yaw_t), np.sin(yaw_t), np.zeros(n)], -1)
    side = _SIDE_SIGN[None, :, None]
    hips = p[:, None] + side * body.hip_half_width_m * left_ax[:, None]
    chest = p + body.torso_m * up_ax
    shoulders = chest[:, None] + side * body.shoulder_half_width_m * left_ax[:, None]

    # Arms.
    lower = body.forearm_m + body.palm_m
    if grip_world is None:
        grip_world = shoulders + 0.08 * flat_fwd[:, None] - np.array([0, 0, 0.93 * body.reach_m])
    grip_world = _checked(grip_world, (n, 2, 3), "grip_world")
    outward = side * left_ax[:, None]
    # Elbows point down, out and back; forward as the hand rises (hand to face, arms overhead), which
    # keeps the pole away from the shoulder → target direction.
    x = np.sum(_normalize(grip_world - shoulders) * up_ax[:, None], -1, keepdims=True)
    rise = 0.5 * (x + np.sqrt(x * x + 0.01))  # a smooth max(x, 0): no kink in the elbow's motion
    arm_pole = (0.9 * rise - 0.3) * flat_fwd[:, None] + 0.6 * outward + np.array([0.0, 0.0, -1.0])
    elbows, grip, arm_normal = two_bone_ik(shoulders, grip_world, arm_pole, lengths=(body.upper_arm_m, lower))
    axis = _normalize(grip - elbows)
    wrists = grip - body.palm_m * axis
    # The palm faces the medial side of the arm's plane, pronated by _PRONATION (down when reaching
    # forward, back-medial when hanging). The arm-plane normal comes from the IK pole, so it never flips.
    medial = -side * arm_normal  # unit, orthogonal to the forearm
    palm = np.cos(_PRONATION) * medial + np.sin(_PRONATION) * side * np.cross(axis, medial)
    thumb = np.cross(axis, palm) * -side  # right: a × n, left: n × a
    closure = np.full((n, 2), 0.1) if closure is None else _checked(closure, (n, 2), "closure")
    hands = finger_joints(wrists, (axis, thumb, palm), closure, hand_m=body.hand_m).reshape(n, 42, 3)

    # Legs.
    if ankles_world is None:
        ankles_world = hips.copy()
        ankles_world[..., 2] = body.ankle_height_m
    ankles_world = _checked(ankles_world, (n, 2, 3), "ankles_world")
    knee_pole = flat_fwd[:, None] + 0.15 * outward
    knees, ankles, _ = two_bone_ik(hips, ankles_world, knee_pole, lengths=(body.thigh_m, body.shank_m))

    # Head.
    pivot = chest + body.neck_m * up_ax
    if look_at_world is None:
        look_at_world = pivot + 2.0 * flat_fwd - np.array([0.0, 0.0, 0.6])
    look_at_world = _checked(look_at_world, (n, 3), "look_at_world")
    head, T_world_head = _head(body, pivot, look_at_world, torso=(yaw_t, lean))

    out = np.empty((n, 17, 3))
    out[:, :5] = head
    for k in range(2):
        j = 1 - k  # COCO lists left before right; SIDES lists right first
        out[:, 5 + j], out[:, 7 + j], out[:, 9 + j] = shoulders[:, k], elbows[:, k], wrists[:, k]
        out[:, 11 + j], out[:, 13 + j], out[:, 15 + j] = hips[:, k], knees[:, k], ankles[:, k]
    return SkeletonPose(out, hands, T_world_head, T_world_pelvis, grip)


def _checked(x: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {x.shape}")
    return x
