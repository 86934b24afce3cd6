"""The world in motion: the participant's body, the scene it acts in, and each take's choreography.

``_tracks`` (minimum-jerk keyframe tracks), ``_hands`` and ``_skeleton`` (the body model and its
posing), ``_scene`` (room, table, objects and the participant's spot, placed within the body's reach,
which is why the scene lives here and not in ``plan``), ``_choreo`` (the shared choreography state),
``_procedural``, ``_physical`` and ``_ball`` (the choreographers), ``_motion`` (``perform``: a planned
take becomes a :class:`Performance`) and ``_sample`` (a performance at arbitrary device times).
Imports ``synth.plan`` only, among the synth stages.

Re-exports what the later stages use; the choreographers and track helpers stay in their modules.
"""

from __future__ import annotations

from egoexo_kit.synth.motion._motion import Performance as Performance
from egoexo_kit.synth.motion._motion import chain as chain
from egoexo_kit.synth.motion._motion import perform as perform
from egoexo_kit.synth.motion._sample import State as State
from egoexo_kit.synth.motion._sample import concatenate as concatenate
from egoexo_kit.synth.motion._sample import sample as sample
from egoexo_kit.synth.motion._scene import Scene as Scene
from egoexo_kit.synth.motion._scene import make_scene as make_scene
from egoexo_kit.synth.motion._skeleton import BODY_BONES as BODY_BONES
from egoexo_kit.synth.motion._skeleton import BODY_INDEX as BODY_INDEX
from egoexo_kit.synth.motion._skeleton import BODY_JOINTS as BODY_JOINTS
from egoexo_kit.synth.motion._skeleton import HAND_BONES as HAND_BONES
from egoexo_kit.synth.motion._skeleton import HAND_JOINTS as HAND_JOINTS
from egoexo_kit.synth.motion._skeleton import Body as Body

__all__ = [
    "BODY_BONES",
    "BODY_INDEX",
    "BODY_JOINTS",
    "Body",
    "HAND_BONES",
    "HAND_JOINTS",
    "Performance",
    "Scene",
    "State",
    "chain",
    "concatenate",
    "make_scene",
    "perform",
    "sample",
]
