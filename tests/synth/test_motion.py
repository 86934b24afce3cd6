"""Performances: exact contacts, resting objects, smoothness, determinism, proficiency, speed."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from egoexo_kit.synth.motion import Performance, make_scene, perform
from egoexo_kit.synth.motion._skeleton import BODY_BONES, HAND_BONES, HAND_INDEX, Body
from egoexo_kit.synth.plan._scenarios import PROFICIENCY_LEVELS, TASKS, get_task, plan_take

PROCEDURAL = sorted(t.task_id for t in TASKS.values() if t.procedural)
PHYSICAL = sorted(t.task_id for t in TASKS.values() if not t.procedural)
GRIPS = [HAND_INDEX["right_middle_1"], HAND_INDEX["left_middle_1"]]


@functools.cache
def take(
    task_id: int, level: str, seed: int, *, fps: float = 30.0, seconds: float | None = None
) -> Performance:
    rng = np.random.default_rng(seed)
    task = get_task(task_id)
    body = Body.sample(rng)
    plan = plan_take(task, proficiency=level, seconds=seconds, rng=rng)
    scene = make_scene(task, rng=rng, body=body)
    return perform(plan, body=body, scene=scene, rng=seed, fps=fps)


def cases(task_ids: list[int], n: int = 2) -> list[tuple[int, str, int]]:
    return [(t, PROFICIENCY_LEVELS[(t + s) % 4], s) for t in task_ids for s in range(n)]


def held_mask(perf: Performance, name: str) -> np.ndarray:
    """Frames at or after a grasp of ``name`` and before its release."""
    held = np.zeros(perf.t.shape, dtype=bool)
    grasp = None
    for c in perf.contacts:
        if c.object_name != name:
            continue
        if c.kind == "grasp":
            grasp = c.t_sec
        elif c.kind == "release" and grasp is not None:
            held |= (perf.t >= grasp - 1e-9) & (perf.t <= c.t_sec + 1e-9)
            grasp = None
    return held


def grasp_point(perf: Performance, name: str, frame: int) -> np.ndarray:
    spec = perf.task.object(name)
    T = perf.objects_T_world[name][frame]
    return T[:3, 3] + spec.size_m[2] * T[:3, 2]


@pytest.mark.parametrize(("task_id", "level", "seed"), cases(PROCEDURAL + PHYSICAL, 1))
def test_shapes_and_records(task_id, level, seed):
    perf = take(task_id, level, seed)
    n = perf.t.shape[0]
    assert perf.fps == 30.0 and perf.t[-1] >= perf.segments[-1].end_sec - 1 / 30
    np.testing.assert_allclose(perf.t, np.arange(n) / 30.0)
    assert perf.body_world.shape == (n, 17, 3) and perf.hands_world.shape == (n, 42, 3)
    assert perf.T_world_head.shape == (n, 4, 4) and perf.gaze_world.shape == (n, 3)
    assert set(perf.objects_T_world) == {o.name for o in perf.task.objects}
    names = set(perf.objects_T_world) | {"floor"}
    assert all(c.object_name in names and c.kind in {"grasp", "release", "impact"} for c in perf.contacts)
    assert [c.t_sec for c in perf.contacts] == sorted(c.t_sec for c in perf.contacts)
    assert all(0 <= c.t_sec <= perf.t[-1] + 1 / 30 for c in perf.contacts)
    assert set(perf.attended) <= names - {"floor"} | {""}
    assert len(perf.narration) >= len(perf.segments)
    assert all(line.text[-1] in ".?!" for line in perf.narration)
    assert perf.proficiency == level
    assert "Performance(" in repr(perf) and "frames=" in repr(perf)


@pytest.mark.parametrize(("task_id", "level", "seed"), cases(PROCEDURAL + PHYSICAL))
def test_bones_floor_and_head(task_id, level, seed):
    perf = take(task_id, level, seed)
    for points, bones in ((perf.body_world, BODY_BONES), (perf.hands_world, HAND_BONES)):
        idx = np.array(bones)
        lengths = np.linalg.norm(points[:, idx[:, 0]] - points[:, idx[:, 1]], axis=-1)
        np.testing.assert_allclose(lengths, np.broadcast_to(lengths[0], lengths.shape), rtol=0, atol=1e-9)
    assert (
        perf.body_world[:, [15, 16], 2].min() >= perf.body.ankle_height_m - 1e-9
    )  # feet never below the floor
    assert perf.hands_world[..., 2].min() > 0.0
    R = perf.T_world_head[:, :3, :3]
    np.testing.assert_allclose(np.swapaxes(R, 1, 2) @ R, np.broadcast_to(np.eye(3), R.shape), atol=1e-12)
    np.testing.assert_allclose(np.linalg.det(R), 1.0, atol=1e-12)
    np.testing.assert_allclose(perf.T_world_head[:, 3], np.broadcast_to([0, 0, 0, 1.0], (len(R), 4)))
    # The eyes look where the head faces, more or less (eyes do the rest).
    to_gaze = perf.gaze_world - perf.T_world_head[:, :3, 3]
    cos = np.sum(to_gaze * R[:, :, 2], axis=1) / np.linalg.norm(to_gaze, axis=1)
    assert np.mean(cos > 0.3) > 0.95


@pytest.mark.parametrize(("task_id", "level", "seed"), cases(PROCEDURAL, 3))
def test_hands_reach_objects_and_objects_rest_on_the_table(task_id, level, seed):
    perf = take(task_id, level, seed)
    table_z = perf.task.table_size_m[2]
    grips = perf.hands_world[:, GRIPS]
    grasps = [c for c in perf.contacts if c.kind == "grasp"]
    assert grasps
    for c in grasps:
        i = int(round(c.t_sec * perf.fps))
        assert np.linalg.norm(grips[i] - grasp_point(perf, c.object_name, i), axis=-1).min() < 0.02
    moved = False
    for name, poses in perf.objects_T_world.items():
        held = held_mask(perf, name)
        free = ~held
        # Static between holds: every free frame equals its free neighbour.
        same = np.all(np.abs(np.diff(poses, axis=0)) < 1e-12, axis=(1, 2))
        assert same[free[:-1] & free[1:]].all()
        np.testing.assert_allclose(poses[free][:, 2, 3], table_z, atol=1e-9)  # on the table top
        assert poses[:, 2, 3].min() >= table_z - 1e-9  # never pushed into it, even while held
        np.testing.assert_allclose(
            poses[free][:, :3, 2], np.broadcast_to([0, 0, 1.0], (free.sum(), 3)), atol=1e-9
        )
        if held.any():
            moved |= np.ptp(poses[held][:, :3, 3], axis=0).max() > 0.05
    assert moved


def test_attended_object_is_fixated():
    perf = take(1001, "Novice", 0)
    for name in set(perf.attended) - {""}:
        sel = perf.attended == name
        T = perf.objects_T_world[name][sel]
        centre = T[:, :3, 3] + 0.5 * perf.task.object(name).size_m[2] * T[:, :3, 2]
        np.testing.assert_allclose(perf.gaze_world[sel], centre, atol=1e-12)


def test_held_objects_follow_the_hand_rigidly():
    perf = take(4004, "Late Expert", 1)
    for name in perf.objects_T_world:
        held = held_mask(perf, name)
        if not held.any():
            continue
        T = perf.objects_T_world[name][held]
        grip = perf.hands_world[held][:, GRIPS]
        d = np.linalg.norm(
            grip - (T[:, :3, 3] + perf.task.object(name).size_m[2] * T[:, :3, 2])[:, None], axis=-1
        )
        assert d.min(axis=1).max() < 1e-6  # the grasp point stays at the grip point


def test_same_seed_same_arrays_other_seed_different():
    a, b = take(2001, "Novice", 5), take(2001, "Novice", 5, seconds=None)
    rng = np.random.default_rng(5)
    task = get_task(2001)
    body = Body.sample(rng)
    plan = plan_take(task, proficiency="Novice", rng=rng)
    scene = make_scene(task, rng=rng, body=body)
    c = perform(plan, body=body, scene=scene, rng=5)
    for x in (b, c):
        for field in ("body_world", "hands_world", "T_world_head", "gaze_world", "attended"):
            assert np.array_equal(getattr(a, field), getattr(x, field))
        assert all(np.array_equal(a.objects_T_world[k], x.objects_T_world[k]) for k in a.objects_T_world)
        assert a.contacts == x.contacts and a.narration == x.narration
    d = perform(plan, body=body, scene=scene, rng=6)
    assert not np.array_equal(c.hands_world, d.hands_world)
    assert not np.array_equal(take(2001, "Novice", 6).body_world[:10], a.body_world[:10])


@pytest.mark.parametrize("task_id", [1001, 4001, 5001, 6001, 7001, 9001])
def test_motion_is_c1(task_id):
    """Second differences converge as the frame rate rises: no velocity jumps anywhere (ball excluded)."""
    acc = []
    for fps in (30.0, 240.0, 480.0):
        perf = take(task_id, "Late Expert", 2, fps=fps)
        x = np.concatenate([perf.body_world, perf.hands_world, perf.T_world_head[:, None, :3, 3]], axis=1)
        acc.append(np.linalg.norm(np.diff(x, 2, axis=0), axis=-1).max() * fps * fps)
    assert acc[2] < 1.2 * acc[1] + 1.0  # a velocity jump would double it
    assert acc[0] < 150.0  # m/s², plausible for a person


def test_ball_flies_bounces_and_returns():
    perf = take(6001, "Intermediate Expert", 0)
    ball = perf.objects_T_world["basketball"][:, :3, 3]
    assert ball[:, 2].min() >= -1e-9  # the ball's lowest point never enters the floor
    assert ball[:, 2].max() > 2.5  # a shot reached the hoop
    bounces = [c for c in perf.contacts if c.object_name == "basketball" and c.kind == "impact"]
    assert bounces


def test_soccer_ball_rests_on_the_floor_between_phrases():
    perf = take(8001, "Late Expert", 0)
    ball = perf.objects_T_world["soccer ball"]
    assert ball[:, 2, 3].min() >= -1e-9
    np.testing.assert_allclose(ball[0], ball[-1], atol=1e-9)


def test_guitar_is_strapped_to_the_torso():
    perf = take(5001, "Novice", 0)
    rel = np.linalg.inv(perf.T_world_pelvis) @ perf.objects_T_world["guitar"]
    np.testing.assert_allclose(rel, np.broadcast_to(rel[0], rel.shape), atol=1e-9)


def test_climber_leaves_the_floor_and_comes_back():
    perf = take(7001, "Early Expert", 1)
    ankles = perf.body_world[:, [15, 16], 2]
    assert ankles.max() > 0.3
    np.testing.assert_allclose(ankles[-1], perf.body.ankle_height_m, atol=1e-6)


def _submovements_per_metre(perf: Performance) -> float:
    v = np.linalg.norm(np.diff(perf.hands_world[:, GRIPS], axis=0), axis=-1) * perf.fps
    peaks = (v[1:-1] > v[:-2]) & (v[1:-1] > v[2:]) & (v[1:-1] > 0.05)
    return float(peaks.sum() / (v.sum() / perf.fps))


def test_novice_hands_are_less_smooth():
    """Tremor and corrective sub-movements: more speed peaks per metre of hand path."""
    novice = np.mean([_submovements_per_metre(take(t, "Novice", s)) for t in PROCEDURAL for s in range(3)])
    late = np.mean([_submovements_per_metre(take(t, "Late Expert", s)) for t in PROCEDURAL for s in range(3)])
    assert novice > 2.0 * late


def test_perform_errors():
    plan = plan_take(1001, proficiency="Novice", seconds=20.0, rng=0)
    with pytest.raises(ValueError, match="scene is for task 2001"):
        perform(plan, body=Body.from_height(1.7), scene=make_scene(get_task(2001), rng=0), rng=0)
    with pytest.raises(ValueError, match="ends before the plan's task_end_sec"):
        perform(plan, body=Body.from_height(1.7), scene=make_scene(get_task(1001), rng=0), rng=0, seconds=1.0)
