"""The static world of a take: room, table, objects' starting poses and the participant's spot.

World frame (DESIGN §2): metres, z up, floor at z = 0, the room's floor centred on the origin. Object
frames: origin at the bottom centre of the object, z up (a sphere's origin is its lowest point), so an
object resting on the table has ``z = table height``. The grasp point of a manipulated object is its top
centre, ``T_world_object @ (0, 0, size_z)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egoexo_kit.geometry import make_pose
from egoexo_kit.synth.motion._skeleton import Body
from egoexo_kit.synth.motion._tracks import rot_z
from egoexo_kit.synth.plan import ObjectSpec, TaxonomyTask, find_named

__all__ = ["Scene", "SceneObject", "make_scene"]

_STAND_BACK = 0.22  # participant's spot behind the table's near edge, m
_REACH_DEPTH = 0.5  # objects lie within this depth from the near edge, m
_REACH_SIDE = 0.55  # ... and within this distance of the table's centre line, m


@dataclass(frozen=True)
class SceneObject:
    """An object and where it rests."""

    spec: ObjectSpec
    T_world_object: np.ndarray
    """(4, 4) pose at take start (bottom centre, z up)."""
    T_world_work: np.ndarray
    """(4, 4) second resting pose on the table (the work area, same orientation) for objects that
    ``place`` steps move; equals ``T_world_object`` for the others."""

    @property
    def name(self) -> str:
        """Object name."""
        return self.spec.name

    def __repr__(self) -> str:
        return f"SceneObject({self.spec.name!r}, at={np.round(self.T_world_object[:3, 3], 3).tolist()})"


@dataclass(frozen=True)
class Scene:
    """Room, table, objects and standing spot of one take."""

    task: TaxonomyTask
    room_size_m: tuple[float, float, float]
    """Room extents x, y, z (floor centred on the origin), metres; floor and walls are textured by the
    renderer."""
    T_world_table: np.ndarray
    """(4, 4) pose of the table-top centre: x along the width, y along the depth (away from the
    participant), z up; ``T_world_table[2, 3]`` is the table height."""
    table_size_m: tuple[float, float, float]
    """Width, depth, height, metres."""
    T_world_stand: np.ndarray
    """(4, 4) the participant's starting spot on the floor: x forward (facing direction), y left, z up."""
    objects: tuple[SceneObject, ...]

    @property
    def table_top_z(self) -> float:
        """Table height, metres."""
        return float(self.T_world_table[2, 3])

    def object(self, name: str) -> SceneObject:
        """The scene object called ``name``.

        Raises:
            KeyError: naming the objects present.
        """
        return find_named(
            self.objects,
            name,
            error=f"no object {name!r} in the scene; objects: {[o.name for o in self.objects]}",
        )

    def __repr__(self) -> str:
        return f"Scene(task={self.task.task_id}, objects={[o.name for o in self.objects]})"


def _footprint(spec: ObjectSpec) -> float:
    sx, sy, _ = spec.size_m
    return 0.5 * float(np.hypot(sx, sy)) if spec.shape == "box" else 0.5 * sx


def _place_on_table(
    task: TaxonomyTask, *, rng: np.random.Generator
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Table-frame (x, y, yaw) of every object's home and work spot, non-overlapping and within reach.

    Random sequential placement, largest objects first (work spots, which must be central, before
    homes); a dead end restarts the whole layout.

    Raises:
        RuntimeError: if 100 layouts fail (the task's objects do not fit its table).
    """
    w, d, _ = task.table_size_m
    placed = {s.objects[0] for s in task.steps if s.action == "place"}
    by_size = sorted(task.objects, key=_footprint, reverse=True)
    for _ in range(100):
        discs: list[tuple[float, float, float]] = []

        def spot(r: float, *, half_x: float, discs: list = discs) -> np.ndarray | None:
            hx = min(w / 2 - r - 0.03, half_x)
            y_lo, y_hi = -d / 2 + max(r, 0.06) + 0.03, -d / 2 + max(_REACH_DEPTH, r + 0.08)
            for _ in range(200):
                x, y = rng.uniform(-hx, hx), rng.uniform(y_lo, y_hi)
                if all(np.hypot(x - cx, y - cy) > r + cr + 0.01 for cx, cy, cr in discs):
                    discs.append((x, y, r))
                    return np.array([x, y])
            return None

        work = {s.name: spot(_footprint(s), half_x=0.3) for s in by_size if s.name in placed}
        homes = {s.name: spot(_footprint(s), half_x=_REACH_SIDE) for s in by_size}
        if any(v is None for v in (*work.values(), *homes.values())):
            continue
        out = {}
        for spec in by_size:
            yaw = rng.uniform(
                -0.6, 0.6
            )  # one orientation for both spots: a placed object lands exactly there
            home = np.array([*homes[spec.name], yaw])
            out[spec.name] = (home, np.array([*work[spec.name], yaw]) if spec.name in work else home)
        return out
    raise RuntimeError(f"could not place the objects of task {task.task_id} on its table")


def make_scene(task: TaxonomyTask, *, rng: np.random.Generator | int, body: Body | None = None) -> Scene:
    """Lay out the world of a take.

    Procedural tasks: the table somewhere near the room centre, the participant facing it from its near
    side, every object at a random non-overlapping spot within reach (plus a second spot in the work
    area). Physical tasks: the participant in open space; the table against a wall; a ball held at the
    chest (basketball) or on the floor ahead (soccer); a hoop 4.5 m ahead at 3.05 m; a climbing wall
    ahead; a guitar strapped on.

    Args:
        task: the catalogue task.
        rng: generator or integer seed.
        body: the participant, to size carried objects' starting poses (default: a 1.70 m adult).

    Returns:
        The :class:`Scene`.
    """
    rng = np.random.default_rng(rng)
    body = body or Body.from_height(1.70)
    w, d, h = task.table_size_m
    room = task.room_size_m
    if task.procedural:
        yaw = rng.uniform(-np.pi, np.pi)
        centre = np.array([*rng.uniform(-0.4, 0.4, 2), h])
    else:  # against the +y wall, out of the way
        yaw = 0.0
        centre = np.array([rng.uniform(-1.0, 1.0), room[1] / 2 - d / 2 - 0.05, h])
    T_world_table = make_pose(rot_z(np.float64(yaw)), centre)
    if task.procedural:
        stand_in_table = make_pose(rot_z(np.float64(np.pi / 2)), np.array([0.0, -(d / 2 + _STAND_BACK), -h]))
        T_world_stand = T_world_table @ stand_in_table
        spots = _place_on_table(task, rng=rng)
        objects = tuple(
            SceneObject(
                s,
                *(T_world_table @ make_pose(rot_z(p[2]), np.array([p[0], p[1], 0.0])) for p in spots[s.name]),
            )
            for s in task.objects
        )
    else:
        stand_yaw = np.pi / 2 + rng.uniform(-0.3, 0.3)
        stand_xy = np.array([rng.uniform(-0.5, 0.5), -room[1] / 2 + min(2.5, room[1] / 3)])
        T_world_stand = make_pose(rot_z(np.float64(stand_yaw)), np.array([*stand_xy, 0.0]))
        objects = tuple(_physical_object(s, T_world_stand=T_world_stand, body=body) for s in task.objects)
    return Scene(task, room, T_world_table, (w, d, h), T_world_stand, objects)


def _physical_object(spec: ObjectSpec, *, T_world_stand: np.ndarray, body: Body) -> SceneObject:
    """Starting pose of a physical scenario's object, relative to the participant's spot."""
    pelvis_z = body.standing_pelvis_z
    if spec.name == "hoop":
        local = make_pose(np.eye(3), np.array([4.5, 0.0, 3.05]))
    elif spec.name == "climbing wall":
        local = make_pose(rot_z(np.float64(np.pi / 2)), np.array([0.5 + spec.size_m[1] / 2, 0.0, 0.0]))
    elif spec.name == "guitar":
        local = make_pose(_guitar_rotation(), np.array([0.13, 0.12, pelvis_z + 0.22]))
    elif spec.name == "basketball":
        local = make_pose(
            np.eye(3), np.array([0.35, 0.0, pelvis_z + 0.6 * body.torso_m - spec.size_m[2] / 2])
        )
    else:  # a ball on the floor ahead
        local = make_pose(np.eye(3), np.array([0.4, -0.05, 0.0]))
    pose = T_world_stand @ local
    return SceneObject(spec, pose, pose.copy())


def _guitar_rotation() -> np.ndarray:
    """Guitar orientation in the pelvis frame: neck (x) to the left and 20° up, face (z) forward."""
    x = np.array([0.0, np.cos(0.35), np.sin(0.35)])
    z = np.array([1.0, 0.0, 0.0])
    return np.stack([x, np.cross(z, x), z], axis=-1)
