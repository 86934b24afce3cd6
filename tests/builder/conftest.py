"""A small synthetic raw capture (one take, two GoPros started seconds early) with its clock truth."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from egoexo_kit.builder import BuildConfig, build
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


LEAN = {"preset": "ultrafast", "workers": 1, "downscaled": False, "collage": False, "detector": "none"}
"""The quickest build settings (no 448p copies, no collage, no pose): the integrity tests' builds."""
LEAN_FLAGS = [
    "--preset",
    "ultrafast",
    "--workers",
    "1",
    "--no-downscaled",
    "--no-collage",
    "--detector",
    "none",
]
""":data:`LEAN` as ``egoexo-kit build`` flags."""


def release_digest(root: Path) -> dict[str, str]:
    """Every file's sha256, except the ledger, the lock file and the readers' frame-index cache."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
        and p.name not in ("ledger.jsonl", ".egoexo-kit.lock")
        and ".egoexo-kit/frames" not in p.as_posix()
    }


@pytest.fixture(scope="session")
def lean_built(raw_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean build of :func:`raw_release` with :data:`LEAN` settings (read-only: copy it to break it)."""
    out = tmp_path_factory.mktemp("lean_built") / "release"
    build(raw_release / "raw", out, BuildConfig(**LEAN))
    return out
