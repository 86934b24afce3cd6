"""Synthetic releases in the official Ego-Exo4D layout, with exact ground truth in ``.synth/``.

``generate_release(out, SynthConfig(...))`` is the full world generator (participant, scenarios,
rendering through the true camera models, sensors, every annotation family); ``write_tiny_release``
is a one-second hand-laid release for fast reader tests; ``generate_raw`` writes only the raw
captures (input of ``egoexo-kit build``) and their clock truth.

May import every other layer (DESIGN §1). Not re-exported: the stages below, whose APIs serve the
generator (and ``build``, tests and benchmarks), not users.

Layout: one subpackage per stage of the generator, in the order the data flows; each imports only
the stages above it in this list:

- ``plan/``: what happens, decided from the seed (task catalogue, captures, takes, windows, splits);
- ``motion/``: how it happens in 3D (body model, scene, choreographers, the performance of a take);
- ``capture/``: who watches (rig, device clocks, the capture's world, each take's per-view truth);
- ``sensors/``: what they record (ray-cast views, eye images, audio, MPS outputs) and the writers of
  a take's files and of the raw captures;
- ``annotations/``: what the annotators write about it (every family, the keystep clips);
- ``irregular/``: the real release's irregularities, edited into the finished release (imports
  no other stage);
- here: ``_config`` and ``_metadata`` (used by every stage), ``_generate`` (the pipeline),
  ``_groundtruth`` (``.synth/``) and ``_tiny`` (the hand-laid release).

Why these groups: they follow the import graph, so the stages form a chain without cycles. A
"world" group (plan, scene, rig, capture) would import ``motion`` and be imported by it: the scene is
placed within the participant's reach (``motion``) and the capture world animates its takes, while
the choreographers read the plan. So the plan sits below ``motion`` and the capture above it.
Rendering, audio and MPS outputs share one consumer (the take and raw writers) and one input (the
capture), hence one ``sensors`` group; the irregularities only edit files, hence their own. Each
subpackage re-exports, with ``__all__``, the names the other stages use, and those import them from
the subpackage, never from its private modules; tests may reach into the modules.
"""

from __future__ import annotations

from egoexo_kit.synth._config import SynthConfig as SynthConfig
from egoexo_kit.synth._generate import generate_raw as generate_raw
from egoexo_kit.synth._generate import generate_release as generate_release
from egoexo_kit.synth._groundtruth import GROUND_TRUTH as GROUND_TRUTH
from egoexo_kit.synth._tiny import write_tiny_release as write_tiny_release
from egoexo_kit.synth.plan import plan_release as plan_release

__all__ = [
    "GROUND_TRUTH",
    "SynthConfig",
    "generate_raw",
    "generate_release",
    "plan_release",
    "write_tiny_release",
]
