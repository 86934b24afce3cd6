"""Synthetic releases in the official Ego-Exo4D layout, with exact ground truth in ``.synth/``.

``generate_release(out, SynthConfig(...))`` is the full world generator (participant, scenarios,
rendering through the true camera models, sensors, every annotation family); ``write_tiny_release``
is a one-second hand-laid release for fast reader tests; ``generate_raw`` writes only the raw
captures (input of ``egoexo-kit build``) and their clock truth.

May import every other layer (DESIGN §1). Not re-exported: the world, motion, rendering and
writer modules (``_*.py``), whose APIs serve the generator.
"""

from __future__ import annotations

from egoexo_kit.synth._config import SynthConfig as SynthConfig
from egoexo_kit.synth._generate import generate_raw as generate_raw
from egoexo_kit.synth._generate import generate_release as generate_release
from egoexo_kit.synth._groundtruth import GROUND_TRUTH as GROUND_TRUTH
from egoexo_kit.synth._tiny import write_tiny_release as write_tiny_release

__all__ = ["GROUND_TRUTH", "SynthConfig", "generate_raw", "generate_release", "write_tiny_release"]
