"""A small synthetic raw capture (one take, two GoPros started seconds early) with its clock truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from egoexo_kit.synth import SynthConfig, generate_raw

RAW_CONFIG = SynthConfig(
    captures=1,
    takes_per_capture=1,
    seconds=4.0,
    exo_size=(64, 36),
    ego_size=64,
    exo_cams=2,
    raw=True,
    raw_lead_s=3.0,
    workers=2,
)


@pytest.fixture(scope="session")
def raw_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<root>`` with ``raw/<capture>/`` and ``.synth/release.json`` (read-only by convention)."""
    root = tmp_path_factory.mktemp("raw_release")
    generate_raw(root, RAW_CONFIG)
    return root
