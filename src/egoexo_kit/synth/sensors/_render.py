"""A small vectorized ray caster: exact pictures and instance masks through any camera model.

Every pixel of a view is unprojected once by its true camera model (KB3, Fisheye624, pinhole) into
a ray; the scene is a handful of analytic primitives (planes of the room, boxes, spheres,
capsules), so intersections are closed-form and masks are exact. Static cameras reuse their
background hits across frames and only re-test the rays that can reach the moving primitives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Background", "Hits", "Primitives", "Room", "cast", "cast_background", "render_frame", "shade"]

LIGHT_DIR = np.array([0.35, -0.45, 0.82]) / np.linalg.norm([0.35, -0.45, 0.82])
"""Direction towards the key light (world, z up)."""
AMBIENT = 0.45
NO_HIT = 0
"""Instance id of rays that hit nothing (outside the model's field of view)."""
ROOM_ID = 1
"""Instance id of the room surfaces (floor, walls, ceiling)."""


@dataclass(frozen=True)
class Primitives:
    """World-space geometry at one instant, each primitive with an instance id and an RGB albedo (0..1)."""

    spheres: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    """(S, 4): centre xyz and radius, metres."""
    sphere_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    sphere_colors: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    capsules: np.ndarray = field(default_factory=lambda: np.zeros((0, 7)))
    """(C, 7): end points a, b and radius."""
    capsule_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    capsule_colors: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    boxes: np.ndarray = field(default_factory=lambda: np.zeros((0, 4, 4)))
    """(B, 4, 4): ``T_world_box`` (box centred at its origin)."""
    box_half: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    """(B, 3): half extents along the box axes."""
    box_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    box_colors: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    def by_id(self) -> list[Primitives]:
        """One group per instance id (a hand, an object …): the unit of bounding-sphere culling."""
        ids = np.unique(np.concatenate([self.sphere_ids, self.capsule_ids, self.box_ids]))
        return [
            Primitives(
                spheres=self.spheres[self.sphere_ids == i],
                sphere_ids=self.sphere_ids[self.sphere_ids == i],
                sphere_colors=self.sphere_colors[self.sphere_ids == i],
                capsules=self.capsules[self.capsule_ids == i],
                capsule_ids=self.capsule_ids[self.capsule_ids == i],
                capsule_colors=self.capsule_colors[self.capsule_ids == i],
                boxes=self.boxes[self.box_ids == i],
                box_half=self.box_half[self.box_ids == i],
                box_ids=self.box_ids[self.box_ids == i],
                box_colors=self.box_colors[self.box_ids == i],
            )
            for i in ids
        ]

    def bounding_sphere(self) -> tuple[np.ndarray, float] | None:
        """A sphere enclosing every primitive (``None`` when empty): the cheap pre-test of moving parts."""
        pts, rads = [], []
        if len(self.spheres):
            pts.append(self.spheres[:, :3])
            rads.append(self.spheres[:, 3])
        if len(self.capsules):
            pts += [self.capsules[:, :3], self.capsules[:, 3:6]]
            rads += [self.capsules[:, 6]] * 2
        if len(self.boxes):
            pts.append(self.boxes[:, :3, 3])
            rads.append(np.linalg.norm(self.box_half, axis=1))
        if not pts:
            return None
        p, r = np.concatenate(pts), np.concatenate(rads)
        centre = (p.min(axis=0) + p.max(axis=0)) / 2
        return centre, float(np.max(np.linalg.norm(p - centre, axis=1) + r))


@dataclass(frozen=True)
class Room:
    """An axis-aligned room ``[-sx/2, sx/2] × [-sy/2, sy/2] × [0, sz]`` seen from inside."""

    size: tuple[float, float, float] = (6.0, 6.0, 3.0)


@dataclass
class Hits:
    """Nearest hit per ray: distance, instance id, world normal, albedo and world point."""

    t: np.ndarray
    ids: np.ndarray
    normal: np.ndarray
    albedo: np.ndarray
    point: np.ndarray

    @classmethod
    def empty(cls, n: int) -> Hits:
        """No hit for ``n`` rays."""
        return cls(
            np.full(n, np.inf), np.zeros(n, np.int32), np.zeros((n, 3)), np.zeros((n, 3)), np.zeros((n, 3))
        )

    def take(self, other: Hits, rows: np.ndarray) -> None:
        """Replace the hits of ``rows`` where ``other`` (hits of those rows) is nearer."""
        closer = other.t < self.t[rows]
        sel = rows[closer]
        self.t[sel] = other.t[closer]
        self.ids[sel] = other.ids[closer]
        self.normal[sel] = other.normal[closer]
        self.albedo[sel] = other.albedo[closer]
        self.point[sel] = other.point[closer]

    def copy(self) -> Hits:
        """A deep copy (background hits are reused across frames)."""
        return Hits(self.t.copy(), self.ids.copy(), self.normal.copy(), self.albedo.copy(), self.point.copy())


def _room_hits(origin: np.ndarray, dirs: np.ndarray, room: Room) -> Hits:
    """Ray exits of an inside-out box: the farthest-first slab test, with procedural textures."""
    half = np.array([room.size[0] / 2, room.size[1] / 2, room.size[2] / 2])
    lo, hi = -half + [0, 0, half[2]], half + [0, 0, half[2]]
    with np.errstate(divide="ignore", invalid="ignore"):
        t_lo, t_hi = (lo - origin) / dirs, (hi - origin) / dirs
    t_exit = np.where(dirs > 0, t_hi, np.where(dirs < 0, t_lo, np.inf))
    axis = np.argmin(t_exit, axis=1)
    t = t_exit[np.arange(len(dirs)), axis]
    point = origin + dirs * t[:, None]
    normal = np.zeros_like(dirs)
    normal[np.arange(len(dirs)), axis] = -np.sign(dirs[np.arange(len(dirs)), axis])
    floor = (axis == 2) & (dirs[:, 2] < 0)
    checker = (np.floor(point[:, 0] / 0.5) + np.floor(point[:, 1] / 0.5)) % 2
    stripes = (np.floor((point[:, 0] + point[:, 1]) / 0.4) % 2) * 0.08
    albedo = np.where(
        floor[:, None],
        np.where(checker[:, None] > 0, [0.55, 0.45, 0.35], [0.42, 0.33, 0.25]),
        np.where((axis == 2)[:, None], [0.9, 0.9, 0.88], np.array([0.62, 0.68, 0.72]) + stripes[:, None]),
    )
    ok = np.isfinite(t)
    return Hits(
        np.where(ok, t, np.inf), np.where(ok, ROOM_ID, NO_HIT).astype(np.int32), normal, albedo, point
    )


def _sphere_t(origin: np.ndarray, dirs: np.ndarray, spheres: np.ndarray) -> np.ndarray:
    """(N, S) entry distances (inf on a miss) of unit rays against spheres."""
    oc = origin[:, None, :] - spheres[None, :, :3] if origin.ndim == 2 else origin - spheres[None, :, :3]
    b = np.einsum("nk,nsk->ns", dirs, oc) if oc.ndim == 3 else dirs @ oc[0].T
    c = np.einsum("nsk,nsk->ns", oc, oc) if oc.ndim == 3 else (oc[0] ** 2).sum(-1)[None, :]
    disc = b * b - (c - spheres[None, :, 3] ** 2)
    t = -b - np.sqrt(np.maximum(disc, 0))
    return np.where((disc >= 0) & (t > 1e-6), t, np.inf)


def _capsule_t(origin: np.ndarray, dirs: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """(N, C) entry distances of unit rays against capsules (cylinder body plus end spheres)."""
    a, b, r = caps[None, :, :3], caps[None, :, 3:6], caps[None, :, 6]
    o = origin[:, None, :] if origin.ndim == 2 else origin[None, None, :]
    d = dirs[:, None, :]
    ba, oa = b - a, o - a
    baba = (ba * ba).sum(-1)
    bard = (ba * d).sum(-1)
    baoa = (ba * oa).sum(-1)
    rdoa = (d * oa).sum(-1)
    oaoa = (oa * oa).sum(-1)
    qa = baba - bard * bard
    qb = baba * rdoa - baoa * bard
    qc = baba * oaoa - baoa * baoa - r * r * baba
    h = qb * qb - qa * qc
    with np.errstate(divide="ignore", invalid="ignore"):
        t_body = (-qb - np.sqrt(np.maximum(h, 0))) / qa
    y = baoa + t_body * bard
    body_ok = (h >= 0) & (qa > 1e-12) & (y > 0) & (y < baba) & (t_body > 1e-6)
    t_caps = np.minimum(
        _sphere_t(origin, dirs, np.concatenate([caps[:, :3], caps[:, 6:7]], axis=1)),
        _sphere_t(origin, dirs, np.concatenate([caps[:, 3:6], caps[:, 6:7]], axis=1)),
    )
    return np.where(body_ok, t_body, t_caps)


def _box_t(
    origin: np.ndarray, dirs: np.ndarray, boxes: np.ndarray, *, half: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(N, B) entry distances and the entry axis (0..2) of unit rays against oriented boxes (slab test)."""
    n, b = len(dirs), len(boxes)
    t_out, axis_out = np.full((n, b), np.inf), np.zeros((n, b), np.int64)
    for k in range(b):  # few boxes: one (N, 3) @ (3, 3) product each beats a batched einsum
        rot = boxes[k, :3, :3]
        o_loc = (origin - boxes[k, :3, 3]) @ rot
        d_loc = dirs @ rot
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = 1.0 / d_loc
            t1, t2 = (-half[k] - o_loc) * inv, (half[k] - o_loc) * inv
        t_near = np.nan_to_num(np.minimum(t1, t2), nan=-np.inf)
        t_far = np.nan_to_num(np.maximum(t1, t2), nan=np.inf)
        t_enter, axis = t_near.max(-1), t_near.argmax(-1)
        ok = (t_enter <= t_far.min(-1)) & (t_enter > 1e-6)
        t_out[:, k] = np.where(ok, t_enter, np.inf)
        axis_out[:, k] = axis
    return t_out, axis_out


def _bounds(geom: np.ndarray, *, kind: str, half: np.ndarray) -> np.ndarray:
    """(P, 4) bounding spheres (centre, radius) of spheres, capsules or boxes."""
    if kind == "sphere":
        return geom
    if kind == "capsule":
        a, b = geom[:, :3], geom[:, 3:6]
        return np.concatenate(
            [(a + b) / 2, (np.linalg.norm(b - a, axis=1) / 2 + geom[:, 6])[:, None]], axis=1
        )
    return np.concatenate([geom[:, :3, 3], np.linalg.norm(half, axis=1)[:, None]], axis=1)


def _culled_t(
    origin: np.ndarray, dirs: np.ndarray, geom: np.ndarray, *, kind: str, half: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(N, P) hit distances (and box entry axes) of rays against each primitive.

    The exact test runs only for rays that reach the primitive's bounding sphere: most rays miss most
    parts, so this is where the time goes.
    """
    n, p = len(dirs), len(geom)
    t = np.full((n, p), np.inf)
    axis = np.zeros((n, p), np.int64)
    bounds = _bounds(geom, kind=kind, half=half)
    for k in range(p):
        oc = origin - bounds[k, :3]
        b = dirs @ oc if origin.ndim == 1 else np.einsum("nk,nk->n", dirs, oc)
        c = (oc * oc).sum(-1) - bounds[k, 3] ** 2
        rows = np.flatnonzero((b * b - c >= 0) & ((b <= 0) | (c < 0)))
        if not len(rows):
            continue
        o = origin if origin.ndim == 1 else origin[rows]
        if kind == "sphere":
            t[rows, k] = _sphere_t(o, dirs[rows], geom[k : k + 1])[:, 0]
        elif kind == "capsule":
            t[rows, k] = _capsule_t(o, dirs[rows], geom[k : k + 1])[:, 0]
        else:
            tk, ak = _box_t(o, dirs[rows], geom[k : k + 1], half=half[k : k + 1])
            t[rows, k], axis[rows, k] = tk[:, 0], ak[:, 0]
    return t, axis


def cast(origin: np.ndarray, dirs: np.ndarray, prims: Primitives) -> Hits:
    """Nearest hit of every ray against the primitives (the room is not included).

    Args:
        origin: ray origin(s), (3,) shared or (N, 3).
        dirs: (N, 3) unit ray directions, world frame.
        prims: the primitives at this instant.
    """
    n = len(dirs)
    hits = Hits.empty(n)
    kinds = [
        (prims.spheres, prims.sphere_ids, prims.sphere_colors, "sphere"),
        (prims.capsules, prims.capsule_ids, prims.capsule_colors, "capsule"),
        (prims.boxes, prims.box_ids, prims.box_colors, "box"),
    ]
    rows = np.arange(n)
    for geom, ids, colors, kind in kinds:
        if not len(geom) or not n:
            continue
        t, axis = _culled_t(origin, dirs, geom, kind=kind, half=prims.box_half)
        k_all = np.argmin(t, axis=1)
        hit = np.flatnonzero(np.isfinite(t[rows, k_all]))
        if not len(hit):
            continue
        k, tk, d = k_all[hit], t[hit, k_all[hit]], dirs[hit]
        point = (origin if origin.ndim == 1 else origin[hit]) + d * tk[:, None]
        if kind == "sphere":
            normal = point - geom[k, :3]
        elif kind == "capsule":
            a, b = geom[k, :3], geom[k, 3:6]
            ba = b - a
            s = np.clip(((point - a) * ba).sum(-1) / np.maximum((ba * ba).sum(-1), 1e-12), 0, 1)
            normal = point - (a + s[:, None] * ba)
        else:
            ax = axis[hit, k]
            rot = geom[k, :3, :3]
            local_dir = np.einsum("nji,nj->ni", rot, d)
            sign = -np.sign(local_dir[np.arange(len(hit)), ax])
            normal = rot[np.arange(len(hit)), :, ax] * sign[:, None]
        normal = normal / np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-12)
        hits.take(Hits(tk, ids[k].astype(np.int32), normal, colors[k], point), hit)
    return hits


@dataclass
class Background:
    """Hits of a static camera's rays against the static scene, computed once and reused per frame."""

    origin: np.ndarray
    dirs: np.ndarray
    valid: np.ndarray
    hits: Hits


def _cast_groups(
    hits: Hits, *, origin: np.ndarray, dirs: np.ndarray, rows: np.ndarray, groups: Sequence[Primitives]
) -> None:
    """Update ``hits`` of ``rows`` with each group, testing only the rays that reach its bounding sphere."""
    for group in groups:
        bound = group.bounding_sphere()
        if bound is None or not len(rows):
            continue
        centre, radius = bound
        o = origin if origin.ndim == 1 else origin[rows]
        near = np.isfinite(_sphere_t(o, dirs[rows], np.array([[*centre, radius]]))[:, 0])
        near |= np.linalg.norm(np.atleast_2d(o) - centre, axis=-1) < radius
        sel = rows[near]
        if len(sel):
            hits.take(cast(origin if origin.ndim == 1 else origin[sel], dirs[sel], group), sel)


def cast_background(
    origin: np.ndarray, dirs: np.ndarray, valid: np.ndarray, *, room: Room, static: Sequence[Primitives]
) -> Background:
    """Hits of the room and the static primitive groups (table …) for rays the camera model can form."""
    hits = _room_hits(origin, np.where(valid[:, None], dirs, [0.0, 0.0, 1.0]), room)
    _cast_groups(hits, origin=origin, dirs=dirs, rows=np.flatnonzero(valid), groups=static)
    hits.t[~valid] = np.inf
    hits.ids[~valid] = NO_HIT
    return Background(origin=origin, dirs=dirs, valid=valid, hits=hits)


def reaching(
    origin: np.ndarray, dirs: np.ndarray, groups: Sequence[Primitives], *, ids: set[int]
) -> np.ndarray:
    """(N,) bool: rays that can reach a group holding one of the instance ``ids`` (bounding-sphere test)."""
    near = np.zeros(len(dirs), bool)
    for group in groups:
        present = (
            set(group.sphere_ids.tolist()) | set(group.capsule_ids.tolist()) | set(group.box_ids.tolist())
        )
        bound = group.bounding_sphere()
        if bound is None or not present & ids:
            continue
        near |= np.isfinite(_sphere_t(origin, dirs, np.array([[*bound[0], bound[1]]]))[:, 0])
        near |= np.linalg.norm(np.atleast_2d(origin) - bound[0], axis=-1) < bound[1]
    return near


def render_frame(
    background: Background, dynamic: Sequence[Primitives], *, focus: set[int] | None = None
) -> Hits:
    """Background hits updated with the moving primitive groups (each culled by its bounding sphere).

    Group small parts (a hand, an object) separately: rays are tested against a group's primitives
    only when they reach the group's bounding sphere. With ``focus`` (instance ids), only the rays
    that can reach those instances are cast (enough for their masks; other pixels stay background).
    """
    hits = background.hits.copy()
    valid = background.valid
    if focus is not None:
        valid = valid & reaching(background.origin, background.dirs, dynamic, ids=focus)
    _cast_groups(
        hits, origin=background.origin, dirs=background.dirs, rows=np.flatnonzero(valid), groups=dynamic
    )
    return hits


def shade(hits: Hits) -> np.ndarray:
    """(N, 3) uint8 colours: Lambert key light plus ambient, distance haze; black where nothing is hit."""
    lam = np.clip(hits.normal @ LIGHT_DIR, 0, 1)
    light = AMBIENT + (1 - AMBIENT) * lam
    haze = np.exp(-np.where(np.isfinite(hits.t), hits.t, 0) / 25.0)[:, None]
    rgb = hits.albedo * light[:, None] * haze + (1 - haze) * 0.6
    rgb[hits.ids == NO_HIT] = 0
    return np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
