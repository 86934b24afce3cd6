"""Animate a planned take: the participant's skeleton, the objects, gaze, contacts and narration.

``perform(plan, body=…, scene=…, rng=…)`` runs a choreographer (``_procedural.py`` or
``_physical.py``) that lays out keyframes, evaluates the minimum-jerk tracks on the frame grid (plus the
exact event times), poses the skeleton, attaches held objects to the hand, and derives attention, head
orientation and gaze. Everything is deterministic given the seed and vectorized over time.

Proficiency shows as: longer steps and pauses (the plan), ordering mistakes (the plan), corrective
sub-movements in reaches, low-frequency (0.8–3 Hz) hand tremor of 8 mm RMS for a Novice down to 1.5 mm
for a Late Expert (faded out at every keyframe, so contacts stay exact) and, in physical scenarios,
slower tempo and lower jumps.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from egoexo_kit.geometry import make_pose
from egoexo_kit.synth.motion._choreo import Choreo, Contact, NarrationLine, Realized
from egoexo_kit.synth.motion._physical import choreograph_physical
from egoexo_kit.synth.motion._procedural import choreograph_procedural
from egoexo_kit.synth.motion._scene import Scene
from egoexo_kit.synth.motion._skeleton import Body, pose_skeleton
from egoexo_kit.synth.motion._tracks import Keyframes, min_jerk, rodrigues, rot_y, rot_z, smooth_noise
from egoexo_kit.synth.plan import PlannedStep, StepSchedule, TaxonomyTask, proficiency_profile

__all__ = ["Performance", "chain", "perform"]

_HEAD_LAG_S = 0.12
"""The head starts turning this long after the eyes switch target."""
_HEAD_TURN_S = 0.35
_HEAD_SMOOTH_S = 0.08
_TREMOR_BAND_HZ = (0.8, 3.0)


@dataclass(frozen=True)
class Performance:
    """One animated take, sampled at ``fps`` from t = 0 (world frame, metres, seconds)."""

    fps: float
    t: np.ndarray
    """(T,) frame times, seconds from take start (frame ``i`` at ``i / fps``)."""
    body_world: np.ndarray
    """(T, 17, 3) COCO body joints (FORMAT §7.9 order)."""
    hands_world: np.ndarray
    """(T, 42, 3) hand joints, right hand first (FORMAT §7.9 names)."""
    T_world_head: np.ndarray
    """(T, 4, 4) head (Aria headset) pose; OpenCV axes: z forward, x right, y down; origin between the
    eyes, slightly forward."""
    T_world_pelvis: np.ndarray
    """(T, 4, 4) torso pose (x forward, y left, z up)."""
    objects_T_world: dict[str, np.ndarray]
    """Object name → (T, 4, 4) pose (bottom centre, z up; see ``Scene``)."""
    attended: np.ndarray
    """(T,) name of the object the eyes look at, ``""`` when none."""
    gaze_world: np.ndarray
    """(T, 3) the point the eyes fixate, metres."""
    contacts: tuple[Contact, ...]
    """Grasp, release and impact events, sorted by time."""
    segments: tuple[PlannedStep, ...]
    """The realised plan: steps (or phrases) with their times and mistake flags."""
    pauses: tuple[tuple[float, float], ...]
    """Hesitations ``(start_sec, end_sec)``."""
    narration: tuple[NarrationLine, ...]
    """First-person sentences for Narrate-and-Act takes, sorted by time."""
    proficiency: str
    task: TaxonomyTask
    body: Body

    def __post_init__(self) -> None:
        n = self.t.shape[0]
        expected = {
            "body_world": (n, 17, 3),
            "hands_world": (n, 42, 3),
            "T_world_head": (n, 4, 4),
            "T_world_pelvis": (n, 4, 4),
            "attended": (n,),
            "gaze_world": (n, 3),
        }
        for name, shape in expected.items():
            if getattr(self, name).shape != shape:
                raise ValueError(
                    f"Performance.{name} must have shape {shape}; got {getattr(self, name).shape}"
                )
        for name, poses in self.objects_T_world.items():
            if poses.shape != (n, 4, 4):
                raise ValueError(f"objects_T_world[{name!r}] must have shape {(n, 4, 4)}; got {poses.shape}")

    def __repr__(self) -> str:
        return (
            f"Performance(task={self.task.task_id}, proficiency={self.proficiency!r}, "
            f"frames={self.t.shape[0]}, fps={self.fps}, objects={sorted(self.objects_T_world)}, "
            f"segments={len(self.segments)})"
        )


def perform(
    plan: StepSchedule,
    *,
    body: Body,
    scene: Scene,
    rng: np.random.Generator | int,
    seconds: float | None = None,
    fps: float = 30.0,
) -> Performance:
    """Animate ``plan``.

    Args:
        plan: from :func:`~egoexo_kit.synth.plan._scenarios.plan_take`.
        body: the participant.
        scene: from :func:`~egoexo_kit.synth.motion._scene.make_scene` for the same task (and body).
        rng: generator or integer seed; the same seed gives identical arrays.
        seconds: take length, seconds (default ``plan.seconds``).
        fps: frame rate (30 for frame-aligned videos).

    Returns:
        The :class:`Performance`, ``round(seconds * fps)`` frames.

    Raises:
        ValueError: if the scene belongs to another task or the take is shorter than the plan.
    """
    seconds = plan.seconds if seconds is None else float(seconds)
    if scene.task.task_id != plan.task.task_id:
        raise ValueError(f"scene is for task {scene.task.task_id}, plan for task {plan.task.task_id}")
    if seconds < plan.task_end_sec:
        raise ValueError(f"seconds={seconds} ends before the plan's task_end_sec={plan.task_end_sec}")
    rng_plan, rng_noise = np.random.default_rng(rng).spawn(2)
    ch = Choreo(body, scene, plan, proficiency_profile(plan.proficiency), rng_plan, hands_local=False)
    (choreograph_procedural if plan.task.procedural else choreograph_physical)(ch)
    tracks = ch.tracks.build()

    t_frames = np.arange(int(round(seconds * fps))) / fps
    t_all = np.unique(np.concatenate([t_frames, np.asarray(ch.event_times, dtype=np.float64)]))
    frames = np.searchsorted(t_all, t_frames)
    xy, zl = tracks["pelvis_xy"](t_all), tracks["pelvis_z"](t_all)  # (x, y, yaw), (z, lean)
    T_world_pelvis = make_pose(
        rot_z(xy[:, 2]) @ rot_y(zl[:, 1]), np.stack([xy[:, 0], xy[:, 1], zl[:, 0]], -1)
    )
    grips = _grips(tracks, t_all, tremor_m=ch.prof.tremor_m, rng=rng_noise)
    if ch.hands_local:
        grips = np.einsum("nij,nsj->nsi", T_world_pelvis[:, :3, :3], grips) + T_world_pelvis[:, None, :3, 3]
    closure = np.concatenate([tracks["close_r"](t_all), tracks["close_l"](t_all)], axis=1)
    ankles = np.stack([tracks[f"ankle_{s}"](t_all) for s in "rl"], axis=1)
    ankles[..., 2] += np.concatenate([tracks["lift_r"](t_all), tracks["lift_l"](t_all)], axis=1)
    limbs = {
        "T_world_pelvis": T_world_pelvis,
        "grip_world": grips,
        "closure": closure,
        "ankles_world": ankles,
    }
    real = Realized(t_all, pose_skeleton(body, **limbs))
    objects = _held_objects(ch, tracks, real)
    for fn in ch.post:
        fn(real, objects)
    attended, look, gaze = _attention(ch, real, objects)
    pose = pose_skeleton(body, look_at_world=look, **limbs)

    return Performance(
        fps=float(fps),
        t=t_frames,
        body_world=pose.body_world[frames],
        hands_world=pose.hands_world[frames],
        T_world_head=pose.T_world_head[frames],
        T_world_pelvis=T_world_pelvis[frames],
        objects_T_world={k: v[frames] for k, v in objects.items()},
        attended=attended[frames],
        gaze_world=gaze[frames],
        contacts=tuple(sorted(ch.contacts)),
        segments=plan.steps,
        pauses=plan.pauses,
        narration=tuple(sorted(ch.narration)),
        proficiency=plan.proficiency,
        task=plan.task,
        body=body,
    )


def _grips(
    tracks: dict[str, Keyframes], t: np.ndarray, *, tremor_m: float, rng: np.random.Generator
) -> np.ndarray:
    """(N, 2, 3) grip targets plus tremor, which vanishes (with its slope) at every keyframe."""
    out = np.stack([tracks["grip_r"](t), tracks["grip_l"](t)], axis=1)
    noise = smooth_noise(t, rng=rng, dim=6, band_hz=_TREMOR_BAND_HZ).reshape(-1, 2, 3) / np.sqrt(3.0)
    env = np.stack([tracks["grip_r"].envelope(t), tracks["grip_l"].envelope(t)], axis=1)
    return out + tremor_m * env[..., None] * noise


def _held_objects(ch: Choreo, tracks: dict[str, Keyframes], real: Realized) -> dict[str, np.ndarray]:
    """(N, 4, 4) poses of every scene object: at rest, or following the grip point while held."""
    n = real.t.shape[0]
    out = {}
    for obj in ch.scene.objects:
        poses = np.broadcast_to(obj.T_world_object, (n, 4, 4)).copy()
        rot = tracks.get(f"rot:{obj.name}")
        for h in sorted((h for h in ch.holds if h.name == obj.name), key=lambda h: h.t_grasp):
            i0, i1 = real.index(h.t_grasp), real.index(h.t_release)
            rest = poses[i0].copy()
            grip = real.pose.grip_world[i0 : i1 + 1, h.side]
            offset = rest[:3, :3].T @ (grip[0] - rest[:3, 3])
            R = rest[:3, :3] if rot is None else rodrigues(rot(real.t[i0 : i1 + 1])) @ rest[:3, :3]
            poses[i0 : i1 + 1] = make_pose(R, grip - R @ offset)
            poses[i1 + 1 :] = poses[i1]
        out[obj.name] = poses
    return out


def _centre(name: str, ch: Choreo, objects: dict[str, np.ndarray]) -> np.ndarray:
    poses = objects[name]
    return poses[:, :3, 3] + 0.5 * ch.scene.object(name).spec.size_m[2] * poses[:, :3, 2]


def _default_look(ch: Choreo, real: Realized) -> np.ndarray:
    """(N, 3) where the eyes rest when nothing is attended."""
    n = real.t.shape[0]
    T = ch.scene.T_world_stand
    if ch.plan.task.procedural:
        point = T[:3, 3] + 0.45 * T[:3, 0]
        point[2] = ch.scene.table_top_z
        return np.broadcast_to(point, (n, 3)).copy()
    P = real.pose.T_world_pelvis
    fwd = P[:, :3, 0] * np.array([1.0, 1.0, 0.0])
    fwd /= np.linalg.norm(fwd, axis=1, keepdims=True)
    out = P[:, :3, 3] + 3.0 * fwd
    out[:, 2] = P[:, 2, 3] + 0.4
    return out


def _attention(
    ch: Choreo, real: Realized, objects: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attended names (N,), the head's lagged look-at point (N, 3) and the eye fixation point (N, 3)."""
    t = real.t
    switches = sorted(ch.attention, key=lambda x: x[0]) or [(0.0, "")]
    default = _default_look(ch, real)
    cache: dict[str, np.ndarray] = {"": default}

    def point(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = _centre(name, ch, objects)
        return cache[name]

    names = np.array([""] + [name for _, name in switches])
    idx = np.searchsorted(np.array([s for s, _ in switches]), t, side="right")
    attended = names[idx]
    gaze = default.copy()
    for k, (_, name) in enumerate(switches):
        sel = idx == k + 1
        gaze[sel] = point(name)[sel]
    look = point(switches[0][1]).copy()
    for ts, name in switches[1:]:
        w = min_jerk((t - ts - _HEAD_LAG_S) / _HEAD_TURN_S)[:, None]
        look += w * (point(name) - look)
    return attended, _smoothed(t, look, sigma_s=_HEAD_SMOOTH_S), gaze


def _smoothed(t: np.ndarray, x: np.ndarray, *, sigma_s: float) -> np.ndarray:
    """Gaussian-smoothed copy of ``x`` (N, D) sampled at sorted times ``t`` (N,).

    The head follows targets whose velocity can jump (a ball bouncing, an object picked up); smoothing on
    a uniform 200 Hz grid keeps the head's motion C1 at any output frame rate.
    """
    if t.shape[0] < 2:
        return x
    step = 1.0 / 200.0
    grid = np.arange(t[0], t[-1] + step, step)
    k = np.arange(-int(3 * sigma_s / step), int(3 * sigma_s / step) + 1) * step
    kernel = np.exp(-0.5 * (k / sigma_s) ** 2)
    kernel /= kernel.sum()
    pad = kernel.shape[0] // 2
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        g = np.pad(np.interp(grid, t, x[:, j]), pad, mode="edge")
        out[:, j] = np.interp(t, grid, np.convolve(g, kernel, mode="valid"))
    return out


def chain(perfs: list[Performance]) -> Performance:
    """Performances of one participant one after the other, each shifted to start where the previous ends.

    Between two of them the scene jumps back to its initial state (a fresh set of objects per round).
    """
    offsets = np.cumsum([0.0] + [p.t.shape[0] / p.fps for p in perfs[:-1]])
    first = perfs[0]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in perfs])

    return dataclasses.replace(
        first,
        t=np.concatenate([p.t + off for p, off in zip(perfs, offsets, strict=True)]),
        body_world=cat("body_world"),
        hands_world=cat("hands_world"),
        T_world_head=cat("T_world_head"),
        T_world_pelvis=cat("T_world_pelvis"),
        objects_T_world={
            k: np.concatenate([p.objects_T_world[k] for p in perfs]) for k in first.objects_T_world
        },
        attended=cat("attended"),
        gaze_world=cat("gaze_world"),
        contacts=tuple(
            c._replace(t_sec=c.t_sec + off) for p, off in zip(perfs, offsets, strict=True) for c in p.contacts
        ),
        segments=tuple(
            dataclasses.replace(s, start_sec=s.start_sec + off, end_sec=s.end_sec + off)
            for p, off in zip(perfs, offsets, strict=True)
            for s in p.segments
        ),
        pauses=tuple((a + off, b + off) for p, off in zip(perfs, offsets, strict=True) for a, b in p.pauses),
        narration=tuple(
            n._replace(t_sec=n.t_sec + off)
            for p, off in zip(perfs, offsets, strict=True)
            for n in p.narration
        ),
    )
