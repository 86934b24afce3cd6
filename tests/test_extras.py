"""``require()``: the one missing-extra message, and the CLI shows its brackets."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.errors import MissingExtraError
from egoexo_kit.extras import installed_extras, require


def test_require_returns_the_module():
    import json

    assert require("json", extra="x", what="y") is json


def test_require_names_the_extra_and_the_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "rerun", None)  # as if not installed
    msg = r"export-rerun needs rerun-sdk: pip install 'egoexo-kit\[viz\]'"
    with pytest.raises(MissingExtraError, match=msg) as e:
        require("rerun", extra="viz", what="export-rerun")
    assert isinstance(e.value, ImportError) and e.value.name == "rerun" and e.value.extra == "viz"


def test_installed_extras_lists_every_extra():
    assert set(installed_extras()) == {"aria", "torch", "viz", "web", "dist", "s3"}


def test_cli_renders_the_brackets_of_the_install_line(monkeypatch, tmp_path):
    # rich read ``[web]`` as a markup tag and printed ``pip install 'egoexo-kit'`` (issue 17)
    monkeypatch.setitem(sys.modules, "fastapi", None)
    monkeypatch.delitem(sys.modules, "egoexo_kit.viz.web", raising=False)
    res = CliRunner().invoke(app, ["serve", str(tmp_path)])
    assert res.exit_code == 2
    assert "pip install 'egoexo-kit[web]'" in res.output
