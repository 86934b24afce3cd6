"""Documented caps: one located LimitError over the cap, raised for one run by its variable."""

from __future__ import annotations

import math

import pytest

from egoexo_kit import limits
from egoexo_kit.errors import LimitError


def test_every_cap_is_documented_in_the_module_table():
    for cap in limits.LIMITS:
        assert f"``{cap.name}``" in limits.__doc__
        assert cap.env == f"EGOEXO_KIT_MAX_{cap.name.upper()}"


def test_over_the_cap_is_one_located_error_naming_the_variable():
    limits.IMAGE_SIDE.check(8192)
    with pytest.raises(
        LimitError,
        match=r"f\.json:/a: image side 1e\+06 px is over the cap of 8192 \(set EGOEXO_KIT_MAX_IMAGE_SIDE",
    ):
        limits.IMAGE_SIDE.check(1e6, path="f.json", pointer="/a")
    with pytest.raises(LimitError):
        limits.CLIP_FPS.check(math.nan)


def test_env_raises_a_cap_and_ignores_nonsense(monkeypatch):
    monkeypatch.setenv("EGOEXO_KIT_MAX_CLIP_FPS", "1000")
    limits.CLIP_FPS.check(999)
    monkeypatch.setenv("EGOEXO_KIT_MAX_CLIP_FPS", "lots")
    assert limits.CLIP_FPS.value == 240


def test_every_cap_is_in_the_design_doc_with_its_variable():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
    for cap in limits.LIMITS:
        assert f"`{cap.env}`" in doc, cap.env
