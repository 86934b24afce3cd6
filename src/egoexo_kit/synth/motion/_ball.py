"""A ball's trajectory: held, resting, rolling, or flying on exact ballistic arcs between contacts.

The path is a list of waypoints whose positions may depend on the posed skeleton (a grip or an ankle at
the waypoint's time), so it is resolved after posing (``Choreo.post``). Between two waypoints the ball
follows the mode of the first: held by both hands (midpoint of the grips), by one hand or foot (with an
offset), at rest, rolling along the floor (minimum-jerk), or in free flight under gravity
(0, 0, -9.81) m/s² (DESIGN §2), which makes every bounce and catch land exactly where it should.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from egoexo_kit.geometry import make_pose
from egoexo_kit.synth.motion._choreo import Realized
from egoexo_kit.synth.motion._tracks import min_jerk

__all__ = ["BallPath"]

_G = np.array([0.0, 0.0, -9.81])
_UP = np.array([0.0, 0.0, 1.0])


@dataclass
class BallPath:
    """Waypoints ``(t, spec)`` and the mode of each segment between consecutive waypoints.

    Specs: ``("hold2",)`` midpoint of the two grips; ``("hand", side, offset)``; ``("foot", side, offset)``;
    ``("point", xyz)``; ``("bounce",)`` on the floor midway between its neighbours. Modes: ``hold2``,
    ``hand``, ``foot`` (follow the spec of the segment start), ``flight`` (ballistic), ``roll``
    (minimum-jerk along the floor), ``rest``.
    """

    name: str
    radius: float
    times: list[float] = field(default_factory=list)
    specs: list[tuple] = field(default_factory=list)
    modes: list[str] = field(default_factory=list)

    def add(self, t: float, spec: tuple, mode: str) -> None:
        """Waypoint at ``t``; ``mode`` applies from ``t`` to the next waypoint."""
        if self.times and t <= self.times[-1] + 1e-9:
            raise ValueError(f"ball waypoint at {t} not after {self.times[-1]}")
        self.times.append(float(t))
        self.specs.append(spec)
        self.modes.append(mode)

    def _at(self, real: Realized, k: int) -> np.ndarray:
        spec, t = self.specs[k], self.times[k]
        if spec[0] == "hold2":
            return real.grip(t).mean(axis=0)
        if spec[0] == "hand":
            return real.grip(t)[spec[1]] + spec[2]
        if spec[0] == "foot":
            return real.ankle(t)[spec[1]] + spec[2]
        return np.asarray(spec[1], dtype=np.float64)

    def poses(self, real: Realized, objects: dict[str, np.ndarray]) -> None:
        """Write the ball's (N, 4, 4) poses (origin at its lowest point) into ``objects``."""
        k_n = len(self.times)
        pts = [None if s[0] == "bounce" else self._at(real, k) for k, s in enumerate(self.specs)]
        for k in range(k_n):
            if pts[k] is None:
                mid = 0.5 * (pts[k - 1] + pts[k + 1])
                pts[k] = np.array([mid[0], mid[1], self.radius])
        t = real.t
        centre = np.broadcast_to(pts[0], (t.shape[0], 3)).copy()
        grips, ankles = real.pose.grip_world, real.pose.body_world[:, [16, 15]]
        for k in range(k_n):
            t0 = self.times[k]
            t1 = self.times[k + 1] if k + 1 < k_n else np.inf
            sel = (t >= t0) & (t < t1) if k > 0 else t < t1
            mode, spec = self.modes[k], self.specs[k]
            if mode == "hold2":
                centre[sel] = grips[sel].mean(axis=1)
            elif mode == "hand":
                centre[sel] = grips[sel, spec[1]] + spec[2]
            elif mode == "foot":
                centre[sel] = ankles[sel, spec[1]] + spec[2]
            elif mode == "flight" and k + 1 < k_n:
                dt, tau = t1 - t0, t[sel] - t0
                v0 = (pts[k + 1] - pts[k] - 0.5 * _G * dt * dt) / dt
                centre[sel] = pts[k] + tau[:, None] * v0 + 0.5 * _G * (tau * tau)[:, None]
            elif mode == "roll" and k + 1 < k_n:
                s = min_jerk((t[sel] - t0) / (t1 - t0))[:, None]
                centre[sel] = pts[k] + s * (pts[k + 1] - pts[k])
            else:
                centre[sel] = pts[k]
        objects[self.name] = make_pose(np.eye(3), centre - self.radius * _UP)
