"""Procedural choreography: keysteps at a table as reach → grasp → move/use → release.

The participant stands at the scene's standing spot facing the table; the hand on the object's side
manipulates (the right one unless the object lies clearly to the left), the other rests or steadies a
target. For every reach the torso twists toward the target and leans forward just enough (stepping up
to 15 cm if need be) to keep both targets within 90 % of the arm's reach, so contacts are exact. An
object is grasped at its top centre; while held it follows that hand's grip point (see
``_motion.py``); it is set down exactly on the table (or back where it was).

How proficiency shows here (on top of the plan's pace, pauses and ordering mistakes): reaches of less
proficient participants more often miss and end with a corrective sub-movement, and their hands carry
more low-frequency tremor (added in ``_motion.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from egoexo_kit.synth.motion._choreo import Choreo, Hold, narrate_hesitation, narrate_mistake, narrate_step
from egoexo_kit.synth.motion._tracks import rot_y, rot_z
from egoexo_kit.synth.plan import PlannedStep

__all__ = ["choreograph_procedural"]

_UP = np.array([0.0, 0.0, 1.0])
_LEANS = np.linspace(0.0, 0.9, 19)
_SHIFTS = (0.0, 0.05, 0.1, 0.15)
_REACH_MARGIN = 0.9
_OPEN, _GRASP = 0.1, 0.55
_PICK = (0.15, 0.06, 0.06, 0.08)  # reach over, descend, close fingers, lift
_PUT = (0.12, 0.06, 0.05, 0.12)  # carry over the destination, lower, open fingers, retract
_LIFT = 0.12
_STROKE_PERIOD = {"cut": 0.45, "tap": 0.5, "stir": 0.6, "scrub": 0.5, "turn": 0.7}
_STROKE_DEPTH = {"cut": -0.07, "tap": -0.05, "scrub": -0.04, "stir": -0.03, "turn": -0.03}
_KEYS = ("r", "l")


class _Stand:
    """The participant's stance: spot, axes, torso geometry and resting hand positions."""

    def __init__(self, ch: Choreo) -> None:
        T = ch.scene.T_world_stand
        b = ch.body
        self.f, self.l = T[:3, 0], T[:3, 1]
        self.yaw = float(np.arctan2(self.f[1], self.f[0]))
        self.pelvis = T[:3, 3] + np.array([0.0, 0.0, b.standing_pelvis_z])
        top = ch.scene.table_top_z
        self.home = [self.pelvis + 0.30 * self.f + s * 0.22 * self.l for s in (-1.0, 1.0)]
        for h in self.home:
            h[2] = top + 0.06
        self.view = self.pelvis + 0.33 * self.f - 0.04 * self.l + (b.torso_m - 0.06) * _UP
        self.nose = (
            self.pelvis + 0.058 * b.height_m * self.f + (b.torso_m + b.neck_m + 0.012 * b.height_m) * _UP
        )
        R = rot_z(self.yaw + np.zeros_like(_LEANS)) @ rot_y(_LEANS)  # (G, 3, 3)
        chest = b.torso_m * R[:, :, 2]
        self._shoulders = [chest + s * b.shoulder_half_width_m * R[:, :, 1] for s in (-1.0, 1.0)]  # (G, 3)
        self._reach = _REACH_MARGIN * ch.body.reach_m
        self._leg = b.standing_pelvis_z - b.ankle_height_m

    def posture(self, targets: tuple[np.ndarray, np.ndarray], active: int) -> np.ndarray:
        """Pelvis channel value (x, y, z, yaw, lean) keeping both grip targets (right, left) in reach.

        The torso twists toward the active hand's target, then leans forward as little as possible; if
        even the deepest lean is not enough the pelvis also shifts up to 15 cm toward the target.
        """
        rel = targets[active] - self.pelvis
        twist = float(np.clip(0.4 * np.arctan2(rel @ self.l, rel @ self.f), -0.35, 0.35))
        toward = rel * np.array([1.0, 1.0, 0.0])
        toward /= max(float(np.linalg.norm(toward)), 1e-9)
        inv = rot_z(np.float64(-twist))  # undo the twist on the targets instead of re-rotating the torso
        for shift in _SHIFTS:  # a step toward the target, dropping the hips so the legs keep their bend
            base = self.pelvis + shift * toward - (self._leg - np.sqrt(self._leg**2 - shift**2)) * _UP
            ok = np.ones(_LEANS.shape, dtype=bool)
            for side in (0, 1):
                ok &= (
                    np.linalg.norm(self._shoulders[side] - inv @ (targets[side] - base), axis=1)
                    <= self._reach
                )
            if ok.any():
                return np.array([*base, self.yaw + twist, _LEANS[int(np.argmax(ok))]])
        return np.array([*base, self.yaw + twist, _LEANS[-1]])


def _top(pose: np.ndarray, height: float) -> np.ndarray:
    return pose[:3, 3] + height * pose[:3, 2]


class _Actor:
    """Writes hand, torso and object keyframes for one procedural take.

    Each step is done by the hand on the object's side (the right hand unless the object lies clearly to
    the left); the other hand rests, or steadies the target of a ``use`` step.
    """

    def __init__(self, ch: Choreo) -> None:
        self.ch = ch
        self.st = _Stand(ch)
        self.where = {o.name: o.T_world_object for o in ch.scene.objects}
        self.side = 0
        self._other_back: np.ndarray | None = None
        self._pending: tuple[str, np.ndarray, float, np.ndarray] | None = None
        tr = ch.tracks
        tr.start("pelvis_xy", np.array([self.st.pelvis[0], self.st.pelvis[1], self.st.yaw]))
        tr.start("pelvis_z", np.array([self.st.pelvis[2], 0.0]))
        for k, side in enumerate(_KEYS):
            tr.start(f"grip_{side}", self.st.home[k])
            tr.start(f"close_{side}", _OPEN)
            foot = self.st.pelvis + (2 * k - 1) * (ch.body.hip_half_width_m + 0.02) * self.st.l
            foot[2] = ch.body.ankle_height_m
            tr.start(f"ankle_{side}", foot)
            tr.start(f"lift_{side}", 0.0)
        for o in ch.scene.objects:
            tr.start(f"rot:{o.name}", np.zeros(3))

    @property
    def outward(self) -> np.ndarray:
        """Unit vector from the body's midline toward the active hand's side."""
        return (2 * self.side - 1) * self.st.l

    def choose_hand(self, name: str) -> None:
        """Use the left hand for objects lying more than 12 cm left of the midline."""
        lateral = (self.where[name][:3, 3] - self.st.pelvis) @ self.st.l
        self.side = 1 if lateral > 0.12 else 0

    def height(self, name: str) -> float:
        return self.ch.scene.object(name).spec.size_m[2]

    def move(
        self, t0: float, t1: float, hand: np.ndarray | None = None, *, other: np.ndarray | None = None
    ) -> None:
        """Move the active hand and/or the other hand (grip points, world) and the torso over ``[t0, t1]``."""
        tr = self.ch.tracks
        keys = (_KEYS[self.side], _KEYS[1 - self.side])
        new = [tr.last(f"grip_{k}") if v is None else v for k, v in zip(keys, (hand, other), strict=True)]
        targets = (new[0], new[1]) if self.side == 0 else (new[1], new[0])
        x, y, z, yaw, lean = self.st.posture(targets, self.side)
        tr.move("pelvis_xy", t0, t1, to=np.array([x, y, yaw]))
        tr.move("pelvis_z", t0, t1, to=np.array([z, lean]))
        for k, v in zip(keys, new, strict=True):
            tr.move(f"grip_{k}", t0, t1, to=v)

    def reach(self, t0: float, t1: float, target: np.ndarray) -> None:
        """Active-hand reach; sometimes (per proficiency) a miss then a corrective sub-movement."""
        rng = self.ch.rng
        if rng.random() < self.ch.prof.correction_prob:
            err = rng.normal(size=3)
            err[2] = abs(err[2])
            err *= rng.uniform(0.03, 0.06) / np.linalg.norm(err)
            tm = t0 + 0.72 * (t1 - t0)
            self.move(t0, tm, target + err)
            self.move(tm, t1, target)
        else:
            self.move(t0, t1, target)

    def fingers(self, t0: float, t1: float, value: float) -> None:
        self.ch.tracks.move(f"close_{_KEYS[self.side]}", t0, t1, to=value)

    def retract(self, t0: float, t1: float) -> None:
        self.move(t0, t1, self.st.home[self.side])

    def pick_up(self, name: str, t: np.ndarray) -> float:
        """Reach over, descend, grasp and lift ``name`` over ``t[0]..t[4]``; returns the grasp time."""
        g = _top(self.where[name], self.height(name))
        self.ch.attend(t[0], name)
        self.reach(t[0], t[1], g + 0.1 * _UP)
        self.move(t[1], t[2], g)
        self.fingers(t[2], t[3], _GRASP)
        self.ch.contact(t[3], name, "grasp")
        self.move(t[3], t[4], g + _LIFT * _UP)
        return float(t[3])

    def put_down(self, name: str, t: np.ndarray, *, t_grasp: float, dest: np.ndarray) -> None:
        """Carry ``name`` over ``dest``, set it down and release it, retract (``t[0]..t[4]``)."""
        g = _top(dest, self.height(name))
        self.move(t[0], t[1], g + _LIFT * _UP, other=self._other_back)
        self._other_back = None
        self.move(t[1], t[2], g)
        self.ch.contact(t[2], name, "release")
        self.ch.holds.append(Hold(name, t_grasp, float(t[2]), side=self.side))
        self.where[name] = dest
        self.fingers(t[2], t[3], _OPEN)
        self.ch.attend(t[3], "")
        self.retract(t[3], t[4])

    def carried(
        self, name: str, middle: tuple[float, ...], ps: PlannedStep, *, dest: np.ndarray | None = None
    ) -> np.ndarray:
        """Pick up, leave ``len(middle)`` phases to the caller, put down; returns the middle boundaries."""
        self.choose_hand(name)
        t = self.ch.phases(ps.start_sec, ps.end_sec, _PICK + middle + _PUT)
        k = len(middle)
        t_grasp = self.pick_up(name, t[:5])
        self._pending = (name, t[4 + k :], t_grasp, self.where[name] if dest is None else dest)
        return t[4 : 5 + k]

    def finish(self) -> None:
        """Put down the object picked up by :meth:`carried`."""
        assert self._pending is not None
        name, t, t_grasp, dest = self._pending
        self._pending = None
        self.put_down(name, t, t_grasp=t_grasp, dest=dest)

    # -- actions -------------------------------------------------------------------------------------

    def place(self, ps: PlannedStep) -> None:
        name = ps.step.objects[0]
        obj = self.ch.scene.object(name)
        dest = obj.T_world_work if np.allclose(self.where[name], obj.T_world_object) else obj.T_world_object
        self.carried(name, (), ps, dest=dest)
        self.finish()

    def use(self, ps: PlannedStep) -> None:
        tool, target = ps.step.objects[:2]
        t = self.carried(tool, (0.1, 0.35), ps)
        tgt = self.where[target]
        spec = self.ch.scene.object(target).spec
        w = _top(tgt, spec.size_m[2]) + (self.height(tool) + 0.04) * _UP
        reach_in = 0.5 * max(spec.size_m[:2]) + 0.03
        steady = tgt[:3, 3] - reach_in * self.outward + (spec.size_m[2] + 0.02) * _UP
        self._other_back = self.st.home[1 - self.side]
        self.ch.attend(t[0], target)
        self.move(t[0], t[1], w, other=steady)
        self.strokes(t[1], t[2], w=w, names=(tool, target), style=ps.step.style or "stir")
        self.ch.attend(t[2], tool)
        self.finish()

    def strokes(self, t0: float, t1: float, *, w: np.ndarray, names: tuple[str, str], style: str) -> None:
        """Repeated tool strokes at ``w``; impacts on the target for cut, tap and scrub."""
        tool, target = names
        n = max(2, int(round((t1 - t0) / (_STROKE_PERIOD[style] * self.ch.prof.pace))))
        edges = np.linspace(t0, t1, n + 1)
        down = w + _STROKE_DEPTH[style] * _UP
        fwd, lat = self.st.f, self.st.l
        for k in range(n):
            a, b = edges[k], edges[k + 1]
            m = 0.5 * (a + b)
            sign = (-1) ** k
            if style == "stir":
                self.move(a, m, down + 0.03 * sign * lat)
                self.move(m, b, down + 0.03 * sign * fwd)
            elif style == "turn":
                self.ch.tracks.move(f"rot:{tool}", a, m, to=0.5 * sign * _UP)
                self.move(a, m, down)
                self.move(m, b, w)
            else:
                self.move(a, m, down + (0.05 * sign * lat if style == "scrub" else 0.0))
                self.ch.contact(m, target, "impact")
                self.move(m, b, w)
        if style == "turn":
            self.ch.tracks.move(
                f"rot:{tool}", edges[-1] - 0.25 * (edges[1] - edges[0]), edges[-1], to=np.zeros(3)
            )

    def pour(self, ps: PlannedStep) -> None:
        name, target = ps.step.objects[:2]
        t = self.carried(name, (0.1, 0.1, 0.12, 0.08), ps)
        spec = self.ch.scene.object(target).spec
        over = _top(self.where[target], spec.size_m[2]) + (0.10 + self.height(name)) * _UP
        self.ch.attend(t[0], target)
        self.move(t[0], t[1], over)
        self.ch.tracks.move(f"rot:{name}", t[1], t[2], to=-1.7 * (2 * self.side - 1) * self.st.f)
        self.ch.tracks.move(f"rot:{name}", t[3], t[4], to=np.zeros(3))
        self.ch.attend(t[4], name)
        self.finish()

    def inspect(self, ps: PlannedStep) -> None:
        name = ps.step.objects[0]
        t = self.carried(name, (0.12, 0.28), ps)
        self.move(t[0], t[1], self.st.view + 0.08 * self.outward)
        e = self.ch.phases(t[1], t[2], (1.0, 1.4, 1.0))
        for a, b, v in zip(e[:-1], e[1:], (0.7, -0.5, 0.0), strict=True):
            self.ch.tracks.move(f"rot:{name}", a, b, to=v * _UP)
        self.finish()

    def face(self, ps: PlannedStep) -> None:
        name = ps.step.objects[0]
        t = self.carried(name, (0.14, 0.24, 0.1), ps)
        near = self.st.nose + (self.height(name) + 0.015) * self.st.f
        rot = f"rot:{name}"
        self.move(t[0], t[1], near)
        self.ch.tracks.move(rot, t[0], t[1], to=0.5 * np.pi * self.st.l)
        e = np.linspace(t[1], t[2], 5)
        for k, (a, b) in enumerate(zip(e[:-1], e[1:], strict=True)):
            self.move(a, b, near + 0.012 * (-1) ** k * self.st.l if k < 3 else near)
        self.move(t[2], t[3], self.st.view + 0.08 * self.outward)
        self.ch.tracks.move(rot, t[2], t[3], to=np.zeros(3))
        self.finish()

    def press(self, ps: PlannedStep) -> None:
        name = ps.step.objects[0]
        self.choose_hand(name)
        t = self.ch.phases(ps.start_sec, ps.end_sec, (0.3, 0.15, 0.1, 0.15, 0.3))
        g = _top(self.where[name], self.height(name))
        self.ch.attend(t[0], name)
        self.reach(t[0], t[1], g + 0.08 * _UP)
        self.move(t[1], t[2], g)
        self.fingers(t[1], t[2], 0.3)
        self.ch.contact(t[2], name, "impact")
        self.move(t[3], t[4], g + 0.08 * _UP)
        self.fingers(t[3], t[4], _OPEN)
        self.ch.attend(t[4], "")
        self.retract(t[4], t[5])

    def wait(self, ps: PlannedStep) -> None:
        name = ps.step.objects[0] if ps.step.objects else ""
        self.ch.attend(ps.start_sec, name)
        self.ch.attend(ps.end_sec, "")

    def hesitate(self, t0: float, t1: float) -> None:
        """A pause: the gaze wanders over the objects, the right hand fidgets."""
        ch = self.ch
        names = [o.name for o in ch.scene.objects]
        k = int(ch.rng.integers(1, 4))
        looks = ch.rng.permutation(names)[:k]
        for ta, name in zip(np.linspace(t0, t1, len(looks) + 1)[:-1], looks, strict=True):
            ch.attend(ta, str(name))
        if ch.rng.random() < 0.5:
            narrate_hesitation(ch, t0 + 0.1 * (t1 - t0))
        self.side = 0
        tm = 0.5 * (t0 + t1)
        self.move(t0, tm, self.st.home[0] + 0.04 * _UP + 0.03 * self.st.f)
        self.retract(tm, t1)
        ch.attend(t1, "")


def choreograph_procedural(ch: Choreo) -> None:
    """Lay out the keyframes of a procedural take from ``ch.plan``."""
    actor = _Actor(ch)
    actions: dict[str, Callable[[PlannedStep], None]] = {
        "place": actor.place,
        "use": actor.use,
        "pour": actor.pour,
        "inspect": actor.inspect,
        "face": actor.face,
        "press": actor.press,
        "wait": actor.wait,
    }
    ch.attend(0.0, "")
    items = [(ps.start_sec, 1, ps) for ps in ch.plan.steps] + [(a, 0, (a, b)) for a, b in ch.plan.pauses]
    for _, kind, item in sorted(items, key=lambda x: (x[0], x[1])):
        if kind == 0:
            actor.hesitate(*item)
            continue
        narrate_step(ch, item.start_sec + 0.05 * (item.end_sec - item.start_sec), item.name)
        actions[item.step.action](item)
        if item.mistake:
            narrate_mistake(ch, item.end_sec)
