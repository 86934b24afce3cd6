"""Physical choreography: movement phrases (basketball, soccer, dance, music, climbing).

Hands are keyed in the pelvis frame (they travel with the body) except when climbing, where they hold
fixed points on the wall. Balls follow the hands or feet while in contact and fly on exact ballistic
arcs (gravity 9.81 m/s², DESIGN §2) between contacts, bouncing on the floor; every phrase starts and
ends in the same ball state (held at the chest, or resting on the floor ahead), so phrases chain in any
order. A guitar is strapped to the torso.

Proficiency shows as tempo (cycle periods scale with the proficiency pace), jump height, and (from
``_motion.py``) hand tremor.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from egoexo_kit.geometry import make_pose
from egoexo_kit.synth.motion._ball import BallPath
from egoexo_kit.synth.motion._choreo import Choreo, Realized, narrate_hesitation, narrate_step
from egoexo_kit.synth.motion._tracks import rot_z

__all__ = ["choreograph_physical"]

_UP = np.array([0.0, 0.0, 1.0])
_KEYS = ("r", "l")
_SIGN = (-1.0, 1.0)  # right, left along the pelvis y axis
_CLIMB_MAX = 0.6  # highest pelvis rise on the wall, m


def _pair(points: tuple[np.ndarray, np.ndarray] | list[np.ndarray]) -> dict[str, np.ndarray]:
    """``right=``/``left=`` keywords for :meth:`_Mover.hands` from a (right, left) pair."""
    return {"right": points[0], "left": points[1]}


class _Mover:
    """Keyframe helpers for body-level motion."""

    def __init__(self, ch: Choreo, *, hands_local: bool) -> None:
        self.ch, self.b, self.tr = ch, ch.body, ch.tracks
        T = ch.scene.T_world_stand
        self.S, self.f, self.l = T[:3, 3].copy(), T[:3, 0], T[:3, 1]
        self.yaw0 = float(np.arctan2(self.f[1], self.f[0]))
        self.pz = self.b.standing_pelvis_z
        self.pace = ch.prof.pace
        ch.hands_local = hands_local
        self.tr.start("pelvis_xy", np.array([self.S[0], self.S[1], self.yaw0]))
        self.tr.start("pelvis_z", np.array([self.pz, 0.0]))
        for k, s in enumerate(_KEYS):
            self.tr.start(f"grip_{s}", self.hang(k) if hands_local else self.to_world(self.hang(k)))
            self.tr.start(f"close_{s}", 0.1)
            self.tr.start(f"ankle_{s}", self.planted(k, self.S[:2], self.yaw0))
            self.tr.start(f"lift_{s}", 0.0)

    # -- geometry --------------------------------------------------------------------------------------
    def hang(self, side: int) -> np.ndarray:
        """Grip point of a hanging arm, pelvis frame."""
        b = self.b
        return np.array([0.06, _SIGN[side] * (b.shoulder_half_width_m + 0.03), b.torso_m - 0.9 * b.reach_m])

    def local(self, fwd: float, side: float, up: float) -> np.ndarray:
        """A pelvis-frame point; ``up`` is measured from the shoulder line."""
        return np.array([fwd, side, self.b.torso_m + up])

    def to_world(self, p_local: np.ndarray, *, dz: float = 0.0) -> np.ndarray:
        """A pelvis-frame point for the standing pose (raised by ``dz``) in world coordinates."""
        return self.S + rot_z(np.float64(self.yaw0)) @ p_local + (self.pz + dz) * _UP

    def planted(self, side: int, xy: np.ndarray, yaw: float) -> np.ndarray:
        """Ankle of a flat foot under the hip for a pelvis at ``xy`` facing ``yaw``."""
        left = np.array([-np.sin(yaw), np.cos(yaw)])
        foot = xy + _SIGN[side] * (self.b.hip_half_width_m + 0.02) * left
        return np.array([foot[0], foot[1], self.b.ankle_height_m])

    # -- keyframes ---------------------------------------------------------------------------------------
    def hands(
        self, t0: float, t1: float, *, right: np.ndarray | None = None, left: np.ndarray | None = None
    ) -> None:
        """Move grip targets; a path that would pass close to the shoulder goes around it."""
        for k, v in enumerate((right, left)):
            if v is None:
                continue
            start, ta = self.tr.last(f"grip_{_KEYS[k]}"), t0
            via = self._around_shoulder(k, start, v)
            if via is not None:  # split the time in proportion to the two legs' lengths
                first, second = np.linalg.norm(via - start), np.linalg.norm(v - via)
                ta = t0 + (t1 - t0) * first / (first + second)
                self.tr.move(f"grip_{_KEYS[k]}", t0, ta, to=via)
            self.tr.move(f"grip_{_KEYS[k]}", ta, t1, to=v)

    def _around_shoulder(self, side: int, a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
        """A via point pushing the straight path ``a → b`` out to 0.55 reach from the shoulder, if needed.

        Otherwise the shoulder → target direction would sweep through the shoulder and flip the elbow.
        """
        b_ = self.b
        shoulder = np.array([0.0, _SIGN[side] * b_.shoulder_half_width_m, b_.torso_m])
        fwd = np.array([1.0, 0.0, 0.0])
        if not self.ch.hands_local:
            x, y, yaw = self.tr.last("pelvis_xy")
            R = rot_z(np.float64(yaw))
            shoulder = np.array([x, y, self.tr.last("pelvis_z")[0]]) + R @ shoulder
            fwd = R @ fwd
        ab = b - a
        s = float(np.clip((shoulder - a) @ ab / max(float(ab @ ab), 1e-12), 0.0, 1.0))
        closest = a + s * ab
        if s in (0.0, 1.0) or np.linalg.norm(closest - shoulder) >= 0.3 * b_.reach_m:
            return None
        out = closest - shoulder + 0.3 * b_.reach_m * fwd
        return shoulder + 0.55 * b_.reach_m * out / np.linalg.norm(out)

    def close(self, t0: float, t1: float, value: float) -> None:
        for s in _KEYS:
            self.tr.move(f"close_{s}", t0, t1, to=value)

    def posture(self, t0: float, t1: float, *, dz: float = 0.0, lean: float = 0.0) -> None:
        self.tr.move("pelvis_z", t0, t1, to=np.array([self.pz + dz, lean]))

    def lift(self, t0: float, t1: float, *, to: float, sides: tuple[int, ...] = (0, 1)) -> None:
        for k in sides:
            self.tr.move(f"lift_{_KEYS[k]}", t0, t1, to=to)

    def step_to(self, t0: float, t1: float, *, xy: np.ndarray, yaw: float, lead: int = 0) -> None:
        """Move the pelvis to ``(xy, yaw)``, stepping with the ``lead`` foot first, then the other."""
        self.tr.move("pelvis_xy", t0, t1, to=np.array([xy[0], xy[1], yaw]))
        tm = 0.5 * (t0 + t1)
        for k, (a, b) in ((lead, (t0, tm)), (1 - lead, (tm, t1))):
            self.tr.move(f"ankle_{_KEYS[k]}", a, b, to=self.planted(k, xy, yaw))
            self.lift(a, 0.5 * (a + b), to=0.07, sides=(k,))
            self.lift(0.5 * (a + b), b, to=0.0, sides=(k,))

    def cycles(self, t0: float, t1: float, period: float) -> np.ndarray:
        """Boundaries of ``n ≥ 1`` equal cycles of about ``period × pace`` seconds in ``[t0, t1]``."""
        n = max(1, int(round((t1 - t0) / (period * self.pace))))
        return np.linspace(t0, t1, n + 1)

    def jump_height(self) -> float:
        return 0.08 + 0.14 / self.pace


class _Phrases:
    """One method per movement primitive (``Step.action``)."""

    def __init__(self, ch: Choreo) -> None:
        self.ch = ch
        self.climbing = any(s.action.startswith("climb") for s in ch.plan.task.steps)
        self.m = _Mover(ch, hands_local=not self.climbing)
        self.ball: BallPath | None = None
        balls = [o for o in ch.scene.objects if o.spec.shape == "sphere"]
        if balls:
            spec = balls[0].spec
            self.ball = BallPath(spec.name, spec.size_m[2] / 2)
            ch.post.append(self.ball.poses)
            self.ball_rest = balls[0].T_world_object[:3, 3] + self.ball.radius * _UP
            if spec.name == "basketball":  # starts held at the chest
                for k, grip in enumerate(self.chest_grips()):
                    ch.tracks.start(f"grip_{_KEYS[k]}", grip)
                    ch.tracks.start(f"close_{_KEYS[k]}", 0.45)
                self.ball.add(0.0, ("hold2",), "hold2")
            else:
                self.ball.add(0.0, ("point", self.ball_rest), "rest")
        guitars = [o for o in ch.scene.objects if o.name == "guitar"]
        if guitars:  # strapped on: fixed in the pelvis frame, where the scene put it at t = 0
            standing = make_pose(rot_z(np.float64(self.m.yaw0)), self.m.S + self.m.pz * _UP)
            self.T_pelvis_guitar = np.linalg.inv(standing) @ guitars[0].T_world_object
            ch.post.append(self._guitar_poses)
        self.height = 0.0  # climbing: how far the pelvis is above standing

    def _guitar_poses(self, real: Realized, objects: dict[str, np.ndarray]) -> None:
        objects["guitar"] = real.pose.T_world_pelvis @ self.T_pelvis_guitar

    def chest_ball(self) -> np.ndarray:
        """Ball centre when held at the chest, pelvis frame."""
        return self.m.local(0.35, 0.0, -0.4 * self.m.b.torso_m)

    def chest_grips(self, centre: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        c = self.chest_ball() if centre is None else centre
        r = self.ball.radius + 0.01 if self.ball else 0.13
        return c + np.array([0.0, -r, 0.0]), c + np.array([0.0, r, 0.0])

    def world_dir(self, fwd: float, side: float) -> np.ndarray:
        return fwd * self.m.f + side * self.m.l

    # -- basketball ----------------------------------------------------------------------------------------
    def dribble(self, t0: float, t1: float) -> None:
        m, ball, ch = self.m, self.ball, self.ch
        d = t1 - t0
        ta = t0 + 0.15 * d
        m.posture(t0, ta, dz=-0.06, lean=0.15)
        ch.contact(ta, ball.name, "release")
        top = m.local(0.35, -0.22, -0.75 * m.b.torso_m)
        below = -(ball.radius + 0.01) * _UP
        first = ta + min(0.6 * m.pace, 0.3 * d)
        contacts = m.cycles(first, max(first + 0.1, t1 - 0.25 * d), 0.6)
        m.hands(ta, contacts[0], right=top, left=m.local(0.25, 0.35, -0.5 * m.b.torso_m))
        m.close(ta, ta + 0.2 * (contacts[0] - ta), 0.15)
        ball.add(ta, ("hold2",), "flight")
        prev = ta
        for k, c in enumerate(contacts):
            ball.add(0.5 * (prev + c), ("bounce",), "flight")
            ch.contact(0.5 * (prev + c), ball.name, "impact")
            ball.add(c, ("hand", 0, below), "flight")
            ch.contact(c, ball.name, "impact")
            if k + 1 < len(contacts):
                nxt = contacts[k + 1]
                m.hands(c, c + 0.35 * (nxt - c), right=top - 0.15 * _UP)
                m.hands(c + 0.35 * (nxt - c), nxt, right=top)
            prev = c
        catch0 = prev + 0.55 * (t1 - prev)
        ball.add(0.5 * (prev + t1), ("bounce",), "flight")
        ch.contact(0.5 * (prev + t1), ball.name, "impact")
        m.hands(catch0, t1, **_pair(self.chest_grips()))
        m.close(catch0, t1, 0.45)
        m.posture(catch0, t1)
        self._catch(t1)

    def _catch(self, t: float) -> None:
        self.ball.add(t, ("hold2",), "hold2")
        self.ch.contact(t, self.ball.name, "grasp")

    def jump_shot(self, t0: float, t1: float) -> None:
        m, ball, ch = self.m, self.ball, self.ch
        tk = ch.phases(t0, t1, (0.25, 0.2, 0.15, 0.15, 0.25))
        jh = m.jump_height()
        ch.attend(t0 + 0.1 * (t1 - t0), "hoop")
        m.posture(tk[0], tk[1], dz=-0.12, lean=0.2)
        m.hands(tk[0], tk[1], **_pair(self.chest_grips(m.local(0.3, 0.0, -0.55 * m.b.torso_m))))
        m.posture(tk[1], tk[2], dz=jh, lean=0.0)
        m.lift(tk[1], tk[2], to=jh)
        m.hands(tk[1], tk[2], **_pair(self.chest_grips(m.local(0.2, 0.0, 0.42))))
        ch.contact(tk[2], ball.name, "release")
        hoop = ch.scene.object("hoop").T_world_object[:3, 3] + 0.05 * _UP
        rest = t1 - tk[2]
        ball.add(tk[2], ("hold2",), "flight")
        ball.add(tk[2] + 0.35 * rest, ("point", hoop), "flight")
        ch.contact(tk[2] + 0.35 * rest, "hoop", "impact")
        ch.attend(tk[2] + 0.2 * rest, ball.name)
        bounce = hoop - 0.8 * self.m.f
        bounce[2] = ball.radius
        ball.add(tk[2] + 0.62 * rest, ("point", bounce), "flight")
        ch.contact(tk[2] + 0.62 * rest, ball.name, "impact")
        m.posture(tk[2], tk[3], dz=-0.08, lean=0.05)
        m.lift(tk[2], tk[3], to=0.0)
        ch.contact(tk[3], "floor", "impact")
        m.hands(tk[2], tk[3], right=m.local(0.35, -0.15, 0.3), left=m.local(0.35, 0.15, 0.3))
        m.close(tk[2], tk[3], 0.15)
        m.posture(tk[3], tk[4])
        m.hands(tk[4] - 0.5 * (tk[4] - tk[3]), tk[5], **_pair(self.chest_grips()))
        m.close(tk[4] - 0.5 * (tk[4] - tk[3]), tk[5], 0.45)
        self._catch(t1)

    def chest_pass(self, t0: float, t1: float) -> None:
        m, ball, ch = self.m, self.ball, self.ch
        tk = ch.phases(t0, t1, (0.2, 0.15, 0.15, 0.35, 0.15))
        ch.attend(t0, ball.name)
        m.hands(tk[0], tk[1], **_pair(self.chest_grips(m.local(0.22, 0.0, -0.35 * m.b.torso_m))))
        m.hands(tk[1], tk[2], **_pair(self.chest_grips(m.local(0.5, 0.0, -0.3 * m.b.torso_m))))
        ch.contact(tk[2], ball.name, "release")
        partner = m.S + 5.0 * m.f + 1.3 * _UP
        ball.add(tk[2], ("hold2",), "flight")
        ball.add(0.5 * (tk[2] + t1), ("point", partner), "flight")
        m.close(tk[2], tk[3], 0.15)
        m.hands(tk[3], tk[4], **_pair(self.chest_grips(m.local(0.42, 0.0, -0.4 * m.b.torso_m))))
        m.hands(tk[4], tk[5], **_pair(self.chest_grips()))
        m.close(tk[4], tk[5], 0.45)
        self._catch(t1)

    # -- soccer --------------------------------------------------------------------------------------------
    def _on_ball(self, side: int) -> np.ndarray:
        """Ankle target with the sole on top of the resting ball."""
        return (
            self.ball_rest + (self.ball.radius + 0.05) * _UP - 0.08 * self.m.f + _SIGN[side] * 0.03 * self.m.l
        )

    def toe_taps(self, t0: float, t1: float) -> None:
        m, ch = self.m, self.ch
        ch.attend(t0, self.ball.name)
        edges = m.cycles(t0, t1, 0.5)
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            side, mid = k % 2, 0.5 * (a + b)
            m.tr.move(f"ankle_{_KEYS[side]}", a, mid, to=self._on_ball(side))
            ch.contact(mid, self.ball.name, "impact")
            m.tr.move(f"ankle_{_KEYS[side]}", mid, b, to=m.planted(side, m.S[:2], m.yaw0))

    def juggle(self, t0: float, t1: float) -> None:
        m, ball, ch = self.m, self.ball, self.ch
        ch.attend(t0, ball.name)
        d = t1 - t0
        home = m.planted(0, m.S[:2], m.yaw0)
        scoop = (
            self.ball_rest - (ball.radius + 0.08) * m.f + (m.b.ankle_height_m + 0.02 - self.ball.radius) * _UP
        )
        kick = home + 0.3 * m.f + 0.22 * _UP
        on_foot = 0.06 * m.f + (ball.radius + 0.05) * _UP
        ta = t0 + 0.2 * d
        m.tr.move("ankle_r", t0, ta, to=scoop)
        ch.contact(ta, ball.name, "impact")
        ball.add(ta, ("point", self.ball_rest), "flight")
        contacts = m.cycles(ta + 0.6 * m.pace, t1 - 0.3 * d, 0.65)
        m.tr.move("ankle_r", ta, contacts[0], to=kick)
        for k, c in enumerate(contacts):
            ball.add(c, ("foot", 0, on_foot), "flight")
            ch.contact(c, ball.name, "impact")
            if k + 1 < len(contacts):
                mid = 0.5 * (c + contacts[k + 1])
                m.tr.move("ankle_r", c, mid, to=kick - 0.06 * _UP)
                m.tr.move("ankle_r", mid, contacts[k + 1], to=kick)
        land = contacts[-1] + 0.6 * (t1 - contacts[-1])
        m.tr.move("ankle_r", contacts[-1], land, to=home)
        ball.add(land, ("point", self.ball_rest), "flight")
        ch.contact(land, ball.name, "impact")
        ball.add(land + 0.25 * (t1 - land), ("point", self.ball_rest), "rest")
        ch.contact(land + 0.25 * (t1 - land), ball.name, "impact")

    def pass_trap(self, t0: float, t1: float) -> None:
        m, ball, ch = self.m, self.ball, self.ch
        tk = ch.phases(t0, t1, (0.25, 0.15, 0.15, 0.15, 0.22, 0.08))
        ch.attend(t0, ball.name)
        home = m.planted(0, m.S[:2], m.yaw0)
        m.tr.move("ankle_r", tk[0], tk[1], to=home - 0.25 * m.f + 0.12 * _UP)
        contact = self.ball_rest - (ball.radius + 0.06) * m.f
        contact[2] = m.b.ankle_height_m + 0.02
        m.tr.move("ankle_r", tk[1], tk[2], to=contact)
        ch.contact(tk[2], ball.name, "impact")
        far = self.ball_rest + 6.0 * m.f
        ball.add(tk[2], ("point", self.ball_rest), "roll")
        ball.add(tk[4], ("point", far), "roll")
        m.tr.move("ankle_r", tk[2], tk[3], to=home + 0.25 * m.f + 0.1 * _UP)
        m.tr.move("ankle_r", tk[3], tk[4], to=home)
        m.tr.move("ankle_r", tk[4], tk[5], to=self._on_ball(0))
        ball.add(tk[5], ("point", self.ball_rest), "rest")
        ch.contact(tk[5], ball.name, "impact")
        m.tr.move("ankle_r", tk[5], tk[6], to=home)

    # -- dance ----------------------------------------------------------------------------------------------
    def step_touch(self, t0: float, t1: float) -> None:
        m = self.m
        n = len(m.cycles(t0, t1, 0.6)) - 1
        edges = np.linspace(t0, t1, n + n % 2 + 1)  # an even number of side steps ends where it started
        yaw = float(m.tr.last("pelvis_xy")[2])
        out = [m.local(0.25, s * 0.35, -0.1) for s in _SIGN]
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            side = (k // 2) % 2  # out to the right, back, out to the left, back, ...
            if k % 2 == 0:
                m.step_to(a, b, xy=m.S[:2] + 0.3 * _SIGN[side] * m.l[:2], yaw=yaw, lead=side)
            else:
                m.step_to(a, b, xy=m.S[:2], yaw=yaw, lead=1 - side)
            mid = 0.5 * (a + b)
            m.hands(a, mid, **_pair(out))
            m.hands(mid, b, right=m.hang(0), left=m.hang(1))

    def arm_wave(self, t0: float, t1: float) -> None:
        m = self.m
        edges = m.cycles(t0, t1, 2.4)
        up = [m.local(0.1, s * 0.2, 0.85 * m.b.reach_m) for s in _SIGN]
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            q = np.linspace(a, b, 5)
            m.hands(q[0], q[1], right=up[0])
            m.hands(q[1], q[2], right=m.hang(0), left=up[1])
            m.hands(q[2], q[3], right=up[0], left=m.hang(1))
            m.hands(q[3], q[4], right=m.hang(0))
            m.posture(q[0], q[2], dz=-0.04)
            m.posture(q[2], q[4])

    def spin(self, t0: float, t1: float) -> None:
        m = self.m
        sense = 1.0 if self.ch.rng.random() < 0.5 else -1.0
        q = np.linspace(t0, t1, 6)
        out = [m.local(0.05, s * (m.b.shoulder_half_width_m + 0.75 * m.b.reach_m), -0.1) for s in _SIGN]
        m.hands(q[0], q[1], **_pair(out))
        yaw = m.tr.last("pelvis_xy")[2]
        for k in range(4):
            m.step_to(
                q[k], q[k + 1], xy=m.S[:2], yaw=yaw + sense * 0.5 * np.pi * (k + 1), lead=int(sense > 0)
            )
        m.step_to(q[4], q[5], xy=m.S[:2], yaw=yaw + sense * 2.0 * np.pi, lead=int(sense > 0))
        m.hands(q[4], q[5], right=m.hang(0), left=m.hang(1))

    def jump(self, t0: float, t1: float) -> None:
        m = self.m
        tk = self.ch.phases(t0, t1, (0.3, 0.25, 0.2, 0.25))
        jh = m.jump_height()
        m.posture(tk[0], tk[1], dz=-0.12, lean=0.25)
        back = [m.local(-0.15, s * (m.b.shoulder_half_width_m + 0.06), -0.85 * m.b.reach_m) for s in _SIGN]
        m.hands(tk[0], tk[1], **_pair(back))
        m.posture(tk[1], tk[2], dz=jh, lean=0.0)
        m.lift(tk[1], tk[2], to=jh)
        m.hands(
            tk[1], tk[2], **_pair([m.local(0.45 * m.b.reach_m, s * 0.25, 0.45 * m.b.reach_m) for s in _SIGN])
        )
        m.posture(tk[2], tk[3], dz=-0.1, lean=0.1)
        m.lift(tk[2], tk[3], to=0.0)
        self.ch.contact(tk[3], "floor", "impact")
        m.posture(tk[3], tk[4])
        m.hands(tk[3], tk[4], right=m.hang(0), left=m.hang(1))

    # -- music ----------------------------------------------------------------------------------------
    def _on_guitar(self, along: float, across: float = 0.0) -> np.ndarray:
        """Pelvis-frame point just above the guitar's face (guitar frame: x along the neck)."""
        return (self.T_pelvis_guitar @ np.array([along, across, 0.13, 1.0]))[:3]

    def _play(self, t0: float, t1: float, *, period: float, stroke: float, fret_every: int) -> None:
        m, ch = self.m, self.ch
        ta = t0 + min(0.4, 0.15 * (t1 - t0))
        m.hands(t0, ta, right=self._on_guitar(-0.22), left=self._on_guitar(0.3))
        edges = m.cycles(ta, t1, period)
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            m.hands(a, b, right=self._on_guitar(-0.22, stroke * (-1) ** k))
            ch.contact(b, "guitar", "impact")
            if k % fret_every == 0:
                m.hands(a, a + 0.3 * (b - a), left=self._on_guitar(float(ch.rng.uniform(0.22, 0.4))))

    def strum(self, t0: float, t1: float) -> None:
        self.ch.attend(t0, "")
        self._play(t0, t1, period=0.45, stroke=0.07, fret_every=4)

    def pick(self, t0: float, t1: float) -> None:
        self.ch.attend(t0, "guitar")
        self._play(t0, t1, period=0.3, stroke=0.02, fret_every=2)

    def tune(self, t0: float, t1: float) -> None:
        m, ch = self.m, self.ch
        ch.attend(t0, "guitar")
        ta = t0 + min(0.4, 0.15 * (t1 - t0))
        m.hands(t0, ta, right=self._on_guitar(-0.22), left=self._on_guitar(0.47))
        edges = m.cycles(ta, t1, 0.9)
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True)):
            m.hands(a, b, right=self._on_guitar(-0.22, 0.015 * (-1) ** k))
            m.tr.move("close_l", a, b, to=0.35 + 0.2 * (k % 2))
            ch.contact(b, "guitar", "impact")

    # -- climbing -------------------------------------------------------------------------------------
    def _wall(self) -> float:
        """Distance from the standing spot to the wall's face, along the facing direction."""
        wall = self.ch.scene.object("climbing wall")
        return float((wall.T_world_object[:3, 3] - self.m.S) @ self.m.f) - 0.5 * wall.spec.size_m[1]

    def _on_wall_pelvis(self, h: float) -> tuple[np.ndarray, float]:
        return self.m.S[:2] + 0.18 * self.m.f[:2], self.m.pz + h

    def _hold(self, side: int, *, fwd: float, lateral: float, z: float) -> np.ndarray:
        m = self.m
        return m.S + fwd * m.f + _SIGN[side] * lateral * m.l + (z - m.S[2]) * _UP

    def _climb_move(self, a: float, b: float, dh: float) -> None:
        """One move: hands to higher holds, feet up, pelvis up by ``dh`` (negative: down)."""
        m, ch, b_ = self.m, self.ch, self.m.b
        q = np.linspace(a, b, 6)
        face = self._wall()
        h, h1 = self.height, self.height + dh
        xy, _ = self._on_wall_pelvis(0.0)
        m.tr.move("pelvis_xy", q[0], q[1], to=np.array([xy[0], xy[1], m.yaw0]))
        room = np.sqrt((0.85 * b_.reach_m) ** 2 - (face - 0.23) ** 2 - 0.05**2)
        hand_z = m.pz + b_.torso_m + min(h, h1) + min(abs(dh) + 0.25, room)
        order = ((0, q[0], q[1]), (1, q[1], q[2])) if dh > 0 else ((0, q[2], q[3]), (1, q[3], q[4]))
        for side, ta, tb in order:
            ch.contact(ta, "climbing wall", "release")
            hold = self._hold(side, fwd=face - 0.05, lateral=0.25, z=hand_z)
            m.hands(ta, tb, **{("right", "left")[side]: hold})
            ch.contact(tb, "climbing wall", "grasp")
        feet = ((0, q[2], q[3]), (1, q[3], q[4])) if dh > 0 else ((0, q[0], q[1]), (1, q[1], q[2]))
        for side, ta, tb in feet:
            if h1 <= 1e-9:
                target = m.planted(side, m.S[:2], m.yaw0)
            else:
                target = self._hold(side, fwd=face - 0.12, lateral=0.15, z=b_.ankle_height_m + h1)
            m.tr.move(f"ankle_{_KEYS[side]}", ta, tb, to=target)
            m.lift(ta, 0.5 * (ta + tb), to=0.05, sides=(side,))
            m.lift(0.5 * (ta + tb), tb, to=0.0, sides=(side,))
        m.posture(q[2] if dh > 0 else q[1], q[5], dz=h1)
        self.height = h1

    def climb_up(self, t0: float, t1: float) -> None:
        self.ch.attend(t0, "climbing wall")
        edges = self.m.cycles(t0, t1, 3.0)
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            dh = min(0.3, _CLIMB_MAX - self.height)
            if dh > 1e-6:
                self._climb_move(a, b, dh)

    def climb_rest(self, t0: float, t1: float) -> None:
        m = self.m
        q = np.linspace(t0, t1, 7)
        if self.height <= 1e-9:  # not on the wall: shake the arms out standing
            for k in range(6):
                m.hands(
                    q[k], q[k + 1], **_pair([m.to_world(m.hang(s)) + 0.04 * (k % 2) * _UP for s in (0, 1)])
                )
            return
        xy, z = self._on_wall_pelvis(self.height)
        pelvis = np.array([xy[0], xy[1], z])
        for side, (a, b, c, d) in ((0, q[0:4]), (1, q[3:7])):
            key = ("right", "left")[side]
            hold = m.tr.last(f"grip_{_KEYS[side]}")
            hang = pelvis + rot_z(np.float64(m.yaw0)) @ m.hang(side)
            self.ch.contact(a, "climbing wall", "release")
            m.hands(a, b, **{key: hang})
            m.hands(b, c, **{key: hang + 0.05 * m.l})
            m.hands(c, d, **{key: hold})
            self.ch.contact(d, "climbing wall", "grasp")

    def climb_down(self, t0: float, t1: float) -> None:
        m = self.m
        n = max(1, int(np.ceil(self.height / 0.3 - 1e-9)))
        edges = np.linspace(t0, t1, n + 2)
        for a, b in zip(edges[:-2], edges[1:-1], strict=True):
            if self.height > 1e-9:
                self._climb_move(a, b, -min(0.3, self.height))
        a, b = edges[-2], edges[-1]
        m.tr.move("pelvis_xy", a, b, to=np.array([m.S[0], m.S[1], m.yaw0]))
        for side in (0, 1):
            m.tr.move(f"ankle_{_KEYS[side]}", a, b, to=m.planted(side, m.S[:2], m.yaw0))
        self.ch.contact(a, "climbing wall", "release")
        m.hands(a, b, right=m.to_world(m.hang(0)), left=m.to_world(m.hang(1)))
        self.ch.attend(b, "")

    def pause(self, t0: float, t1: float) -> None:
        """A hesitation between phrases: stand still, eyes idle."""
        self.ch.attend(t0, "")
        if self.ch.rng.random() < 0.5:
            narrate_hesitation(self.ch, t0 + 0.1 * (t1 - t0))


def choreograph_physical(ch: Choreo) -> None:
    """Lay out the keyframes of a physical take from ``ch.plan``."""
    ph = _Phrases(ch)
    ch.attend(0.0, "")
    items = [(ps.start_sec, 1, ps) for ps in ch.plan.steps] + [(a, 0, (a, b)) for a, b in ch.plan.pauses]
    for _, kind, item in sorted(items, key=lambda x: (x[0], x[1])):
        if kind == 0:
            ph.pause(*item)
            continue
        # Phrase names are nouns ("Jump shot"); their descriptions read as actions.
        narrate_step(ch, item.start_sec + 0.05 * (item.end_sec - item.start_sec), item.step.description)
        action: Callable[[float, float], None] = getattr(ph, item.step.action)
        action(item.start_sec, item.end_sec)
