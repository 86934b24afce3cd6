"""A small annotations-only synthetic release shared by the annotation tests (read-only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from egoexo_kit.synth import SynthConfig, generate_release


@pytest.fixture(scope="session")
def ann_release(shared) -> Path:
    """Twelve takes of metadata and every annotation family (no videos); never modify it."""
    config = SynthConfig(annotations_only=True, takes=12, seconds=4.0, workers=1, seed=3)
    return shared("annotations12", lambda out: generate_release(out, config))
