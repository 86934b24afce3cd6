"""The generated release shared with tests/geometry and tests/synth (same name and settings: built once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from egoexo_kit.synth import SynthConfig, generate_release

SMALL = {"exo_size": (96, 54), "ego_size": 64, "seconds": 4.0, "workers": 1}
TAKE = "unc_bike_02_1"
"""The bike-repair take: keysteps, masks of four objects, body and hand poses, gaze."""


@pytest.fixture(scope="module")
def synth_release(shared) -> Path:
    """Bike repair + basketball, one take each: the release tests/geometry uses."""
    config = SynthConfig(captures=2, takes_per_capture=1, scenarios=("bike repair", "basketball"), **SMALL)
    return shared("synth", lambda out: generate_release(out, config))
