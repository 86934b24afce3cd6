"""The scene as renderable primitives: room and table (static), objects and participant (moving).

Instance ids (what the masks are made of): ``0`` nothing, ``1`` room, ``2`` table, ``10 + k`` the
``k``-th object of the task, ``100`` the participant's body, ``101``/``102`` the right/left hand.
Body parts get distinct colours (skin, shirt, trousers, each hand) so they stay visually apart.
"""

from __future__ import annotations

import numpy as np

from egoexo_kit.synth.motion import BODY_BONES, BODY_INDEX, BODY_JOINTS, HAND_BONES, Scene
from egoexo_kit.synth.sensors._render import Primitives, Room

__all__ = [
    "BODY_ID",
    "HAND_IDS",
    "TABLE_ID",
    "body_primitives",
    "merge_primitives",
    "object_id",
    "object_primitives",
    "room_of",
    "static_primitives",
]

TABLE_ID = 2
OBJECT_BASE_ID = 10
BODY_ID = 100
HAND_IDS = {"right": 101, "left": 102}
SKIN = np.array([0.86, 0.66, 0.52])
SHIRT = np.array([0.18, 0.36, 0.78])
TROUSERS = np.array([0.22, 0.22, 0.26])
HAND_COLORS = {"right": np.array([0.95, 0.62, 0.45]), "left": np.array([0.80, 0.55, 0.62])}
TABLE_COLOR = np.array([0.55, 0.36, 0.2])

_LEGS = {
    BODY_INDEX[a] for a in ("left-hip", "right-hip", "left-knee", "right-knee", "left-ankle", "right-ankle")
}
_ARMS = {BODY_INDEX[a] for a in ("left-shoulder", "right-shoulder", "left-elbow", "right-elbow")}


def object_id(scene: Scene, name: str) -> int:
    """Instance id of a task object."""
    names = [o.name for o in scene.task.objects]
    return OBJECT_BASE_ID + names.index(name)


def room_of(scene: Scene) -> Room:
    """The room box of the scene."""
    return Room(size=tuple(scene.room_size_m))


def static_primitives(scene: Scene) -> Primitives:
    """The table (a top slab and four legs) and any fixed objects (a hoop …)."""
    w, d, h = scene.table_size_m
    top = scene.T_world_table
    boxes, halves = [], []
    slab = top.copy()
    slab[:3, 3] = top[:3, 3] - top[:3, 2] * 0.02
    boxes.append(slab)
    halves.append([w / 2, d / 2, 0.02])
    for sx in (-1, 1):
        for sy in (-1, 1):
            leg = top.copy()
            leg[:3, 3] = top[:3, 3] + top[:3, :3] @ [
                sx * (w / 2 - 0.05),
                sy * (d / 2 - 0.05),
                -(h + 0.04) / 2,
            ]
            boxes.append(leg)
            halves.append([0.025, 0.025, (h - 0.04) / 2])
    prims = Primitives(
        boxes=np.array(boxes),
        box_half=np.array(halves),
        box_ids=np.full(len(boxes), TABLE_ID),
        box_colors=np.tile(TABLE_COLOR, (len(boxes), 1)),
    )
    fixed = {o.name: o.T_world_object for o in _scene_objects(scene) if o.spec.fixed}
    return merge_primitives(prims, object_primitives(scene, fixed)) if fixed else prims


def _scene_objects(scene: Scene) -> list:
    return [scene.object(o.name) for o in scene.task.objects]


def object_primitives(scene: Scene, poses: dict[str, np.ndarray]) -> Primitives:
    """Objects at the given poses (``T_world_object``: bottom centre, z up, FORMAT-free scene convention)."""
    spheres, s_ids, s_col = [], [], []
    caps, c_ids, c_col = [], [], []
    boxes, halves, b_ids, b_col = [], [], [], []
    for name, T in poses.items():
        spec = scene.object(name).spec
        oid, col = object_id(scene, name), np.array(spec.color_rgb) / 255.0
        sx, sy, sz = spec.size_m
        if spec.shape == "sphere":
            spheres.append([*(T[:3, 3] + T[:3, 2] * sz / 2), sz / 2])
            s_ids.append(oid)
            s_col.append(col)
        elif spec.shape == "cylinder":
            r = sx / 2
            a = T[:3, 3] + T[:3, 2] * min(r, sz / 2)
            b = T[:3, 3] + T[:3, 2] * max(sz - r, sz / 2)
            caps.append([*a, *b, r])
            c_ids.append(oid)
            c_col.append(col)
        else:
            B = T.copy()
            B[:3, 3] = T[:3, 3] + T[:3, 2] * sz / 2
            boxes.append(B)
            halves.append([sx / 2, sy / 2, sz / 2])
            b_ids.append(oid)
            b_col.append(col)
    return Primitives(
        spheres=np.array(spheres).reshape(-1, 4),
        sphere_ids=np.array(s_ids, np.int32),
        sphere_colors=np.array(s_col).reshape(-1, 3),
        capsules=np.array(caps).reshape(-1, 7),
        capsule_ids=np.array(c_ids, np.int32),
        capsule_colors=np.array(c_col).reshape(-1, 3),
        boxes=np.array(boxes).reshape(-1, 4, 4),
        box_half=np.array(halves).reshape(-1, 3),
        box_ids=np.array(b_ids, np.int32),
        box_colors=np.array(b_col).reshape(-1, 3),
    )


def _part_of(a: int, b: int) -> str:
    """Culling group of a body bone: one limb (``left-arm``, ``right-leg`` …) or the torso."""
    (side_a, joint_a), (side_b, joint_b) = BODY_JOINTS[a].split("-"), BODY_JOINTS[b].split("-")
    for limb, joints in (("arm", {"shoulder", "elbow", "wrist"}), ("leg", {"hip", "knee", "ankle"})):
        if side_a == side_b and {joint_a, joint_b} <= joints:
            return f"{side_a}-{limb}"
    return "torso"


def _group(caps: list[tuple], spheres: list[tuple]) -> Primitives:
    """Capsules ``(a, b, radius, id, colour)`` and spheres ``(centre, radius, id, colour)``."""
    return Primitives(
        spheres=np.array([[*c, r] for c, r, _, _ in spheres]).reshape(-1, 4),
        sphere_ids=np.array([i for _, _, i, _ in spheres], np.int32),
        sphere_colors=np.array([col for *_, col in spheres]).reshape(-1, 3),
        capsules=np.array([[*a, *b, r] for a, b, r, _, _ in caps]).reshape(-1, 7),
        capsule_ids=np.array([i for _, _, _, i, _ in caps], np.int32),
        capsule_colors=np.array([col for *_, col in caps]).reshape(-1, 3),
    )


def body_primitives(body_world: np.ndarray, hands_world: np.ndarray) -> list[Primitives]:
    """The participant at one instant (17 body and 42 hand joints, world metres), as culling groups.

    Groups are the head, the torso, each arm, each leg and each hand: a head-mounted camera sits
    inside the head group only, so the other groups still cull the rays that cannot reach them.
    """
    j = body_world
    parts: dict[str, list[tuple]] = {}
    for a, b in BODY_BONES:
        if a <= 4 and b <= 4:
            continue  # the face is drawn by the head sphere
        part = _part_of(a, b)
        radius = 0.07 if part.endswith("leg") else (0.045 if part.endswith("arm") else 0.06)
        parts.setdefault(part, []).append(
            (j[a], j[b], radius, BODY_ID, TROUSERS if part.endswith("leg") else SHIRT)
        )
    sh_mid = (j[BODY_INDEX["left-shoulder"]] + j[BODY_INDEX["right-shoulder"]]) / 2
    hip_mid = (j[BODY_INDEX["left-hip"]] + j[BODY_INDEX["right-hip"]]) / 2
    parts["torso"].append((sh_mid + (hip_mid - sh_mid) * 0.15, hip_mid, 0.13, BODY_ID, SHIRT))
    ear_mid = (j[BODY_INDEX["left-ear"]] + j[BODY_INDEX["right-ear"]]) / 2
    neck = (sh_mid + (ear_mid - sh_mid) * 0.2, sh_mid + (ear_mid - sh_mid) * 0.7, 0.045, BODY_ID, SKIN)
    groups = [_group([neck], [(ear_mid * 0.6 + j[BODY_INDEX["nose"]] * 0.4, 0.1, BODY_ID, SKIN)])]
    groups += [_group(caps, []) for caps in parts.values()]
    for s, side in enumerate(("right", "left")):
        hid, hcol = HAND_IDS[side], HAND_COLORS[side]
        fingers = [
            (hands_world[a], hands_world[b], 0.009, hid, hcol) for a, b in HAND_BONES[20 * s : 20 * (s + 1)]
        ]
        palm = hands_world[21 * s + np.array([0, 5, 9, 13, 17])].mean(axis=0)
        groups.append(_group(fingers, [(palm, 0.03, hid, hcol)]))
    return groups


def merge_primitives(a: Primitives, b: Primitives) -> Primitives:
    """Both sets of primitives in one."""
    return Primitives(
        spheres=np.concatenate([a.spheres, b.spheres]),
        sphere_ids=np.concatenate([a.sphere_ids, b.sphere_ids]),
        sphere_colors=np.concatenate([a.sphere_colors, b.sphere_colors]),
        capsules=np.concatenate([a.capsules, b.capsules]),
        capsule_ids=np.concatenate([a.capsule_ids, b.capsule_ids]),
        capsule_colors=np.concatenate([a.capsule_colors, b.capsule_colors]),
        boxes=np.concatenate([a.boxes, b.boxes]),
        box_half=np.concatenate([a.box_half, b.box_half]),
        box_ids=np.concatenate([a.box_ids, b.box_ids]),
        box_colors=np.concatenate([a.box_colors, b.box_colors]),
    )
