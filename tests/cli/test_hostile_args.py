"""Argument values the CLI fuzz run found: one usage line and exit 2, never an OverflowError/TypeError."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app


@pytest.mark.parametrize(
    "args",
    [
        ["features", "{rel}", "--window-s", "-1e308"],
        ["features", "{rel}", "--stride-s", "inf"],
        ["features", "{rel}", "--workers", "2147483648"],
        ["query", "{rel}", "SELECT 1 \udcff"],
    ],
)
def test_hostile_values_are_one_usage_line(tiny_release_ro, args):
    res = CliRunner().invoke(app, [a.replace("{rel}", str(tiny_release_ro)) for a in args])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert [x for x in res.output.splitlines() if x.strip()][0].startswith("error:")
