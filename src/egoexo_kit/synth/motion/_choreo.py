"""Shared state of a take being choreographed, and the records it produces.

The choreographers (``_procedural.py``, ``_physical.py``) write keyframes into a :class:`Choreo`:
track channels, grasp holds, contacts, attention switches and narration. ``_motion.py`` then evaluates
the tracks, poses the skeleton and derives object poses, gaze and the :class:`~._motion.Performance`.

Channels: ``pelvis_xy`` (x, y, yaw), ``pelvis_z`` (z, lean), ``grip_r``/``grip_l`` (grip-point targets;
world frame, or pelvis frame when :attr:`Choreo.hands_local`), ``close_r``/``close_l`` (finger closure),
``ankle_r``/``ankle_l`` (world) plus ``lift_r``/``lift_l`` (added to the ankle height), and
``rot:<object>`` (rotation vector applied to a held object about its grasp point).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from egoexo_kit.synth.motion._scene import Scene
from egoexo_kit.synth.motion._skeleton import Body, SkeletonPose
from egoexo_kit.synth.motion._tracks import TrackBuilder
from egoexo_kit.synth.plan import ProficiencyProfile, StepSchedule

__all__ = ["Choreo", "Contact", "Hold", "NarrationLine", "Realized"]


class Contact(NamedTuple):
    """A contact event (for audio): ``kind`` is ``grasp``, ``release`` or ``impact``."""

    t_sec: float
    object_name: str
    """A scene object, or ``"floor"`` (landing after a jump)."""
    kind: str


class NarrationLine(NamedTuple):
    """One first-person sentence spoken at ``t_sec``."""

    t_sec: float
    text: str


@dataclass(frozen=True)
class Hold:
    """An object rigidly attached to a hand's grip point during ``[t_grasp, t_release]``."""

    name: str
    t_grasp: float
    t_release: float
    side: int = 0
    """0 right hand, 1 left hand."""


@dataclass(frozen=True)
class Realized:
    """The posed skeleton on the evaluation grid (frames plus event times)."""

    t: np.ndarray
    """(N,) sorted sample times, seconds."""
    pose: SkeletonPose

    def index(self, t: float) -> int:
        """Index of the sample at time ``t`` (which must be on the grid)."""
        i = int(np.clip(np.searchsorted(self.t, t), 0, self.t.shape[0] - 1))
        if i > 0 and abs(self.t[i - 1] - t) < abs(self.t[i] - t):
            i -= 1
        return i

    def grip(self, t: float) -> np.ndarray:
        """(2, 3) realised grip points (right, left) at ``t``."""
        return self.pose.grip_world[self.index(t)]

    def ankle(self, t: float) -> np.ndarray:
        """(2, 3) realised ankles (right, left) at ``t``."""
        return self.pose.body_world[self.index(t), [16, 15]]


PostFn = Callable[[Realized, dict[str, np.ndarray]], None]


@dataclass
class Choreo:
    """Everything a choreographer writes while laying out a take (mutable, private)."""

    body: Body
    scene: Scene
    plan: StepSchedule
    prof: ProficiencyProfile
    rng: np.random.Generator
    hands_local: bool
    tracks: TrackBuilder = field(default_factory=TrackBuilder)
    holds: list[Hold] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    attention: list[tuple[float, str]] = field(default_factory=list)
    narration: list[NarrationLine] = field(default_factory=list)
    event_times: list[float] = field(default_factory=list)
    post: list[PostFn] = field(default_factory=list)
    """Callbacks that write object poses (T_all, 4, 4) once the skeleton is posed."""

    def attend(self, t: float, name: str) -> None:
        """From ``t`` on, gaze goes to object ``name`` (``""``: nothing in particular)."""
        if self.attention and t < self.attention[-1][0]:
            t = self.attention[-1][0]
        self.attention.append((float(t), name))

    def contact(self, t: float, name: str, kind: str) -> None:
        """Record a contact event and sample the skeleton exactly at ``t``."""
        self.contacts.append(Contact(float(t), name, kind))
        self.event_times.append(float(t))

    def say(self, t: float, text: str) -> None:
        """Record a narration line."""
        self.narration.append(NarrationLine(float(t), text))

    def pick(self, options: tuple[str, ...]) -> str:
        """A random choice among strings."""
        return options[int(self.rng.integers(len(options)))]

    def phases(self, t0: float, t1: float, weights: tuple[float, ...]) -> np.ndarray:
        """Boundaries (len(weights) + 1,) splitting ``[t0, t1]`` in proportion to ``weights``."""
        w = np.concatenate([[0.0], np.cumsum(weights)])
        return t0 + (t1 - t0) * w / w[-1]


_STEP_TEMPLATES = (
    "Now I {s}.",
    "Next, I'm going to {s}.",
    "Okay, let me {s}.",
    "Time to {s}.",
    "So now I need to {s}.",
    "Alright, I {s}.",
)
_MISTAKE_TEMPLATES = (
    "Oops, I think I did that too early.",
    "Wait, that should have come later.",
    "Hmm, I got the order wrong there.",
)
_HESITATION_TEMPLATES = ("Hmm, what's next?", "Let me think.", "Where was I?", "Umm, okay.")


def narrate_step(ch: Choreo, t: float, name: str) -> None:
    """Say a first-person sentence announcing step ``name`` (an imperative phrase)."""
    ch.say(t, ch.pick(_STEP_TEMPLATES).format(s=name[:1].lower() + name[1:]))


def narrate_mistake(ch: Choreo, t: float) -> None:
    """Say that the last step was out of order."""
    ch.say(t, ch.pick(_MISTAKE_TEMPLATES))


def narrate_hesitation(ch: Choreo, t: float) -> None:
    """Say a filler sentence while hesitating."""
    ch.say(t, ch.pick(_HESITATION_TEMPLATES))
