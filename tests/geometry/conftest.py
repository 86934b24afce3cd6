"""A generated release shared with tests/synth (same name and settings, so it is built once per run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from egoexo_kit.synth import SynthConfig, generate_release

SMALL = {"exo_size": (96, 54), "ego_size": 64, "seconds": 4.0, "workers": 1}


@pytest.fixture(scope="module")
def synth_release(shared) -> Path:
    """Bike repair + basketball, one take each: the same release tests/synth/test_generate.py builds."""
    config = SynthConfig(captures=2, takes_per_capture=1, scenarios=("bike repair", "basketball"), **SMALL)
    return shared("synth", lambda out: generate_release(out, config))
