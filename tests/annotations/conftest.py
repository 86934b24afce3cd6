"""A small annotations-only synthetic release shared by the annotation tests (read-only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from egoexo_kit import open_release
from egoexo_kit.annotations import build_catalog
from egoexo_kit.synth import SynthConfig, generate_release


@pytest.fixture(scope="session")
def ann_release(shared) -> Path:
    """Twelve takes of metadata and every annotation family (no videos); never modify it."""
    config = SynthConfig(annotations_only=True, takes=12, seconds=4.0, workers=1, seed=3)
    return shared("annotations12", lambda out: generate_release(out, config))


def catalogued_copy(src: Path, factory: pytest.TempPathFactory, name: str) -> Path:
    """A private copy of a release with its catalog built (the catalog is written inside the release)."""
    dst = factory.mktemp(name) / "release"
    shutil.copytree(src, dst)
    build_catalog(open_release(dst), workers=1)
    return dst
