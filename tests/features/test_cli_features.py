"""``egoexo-kit features`` as a user runs it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from egoexo_kit.cli import app

runner = CliRunner()


def test_features_command_writes_the_layout_and_resumes(tiny_release):
    args = ["features", str(tiny_release), "--views", "cam01", "--takes", "cmu_bike01_1"]
    args += ["--window-s", "0.2", "--stride-s", "0.1", "--device", "cpu", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    (only,) = json.loads(res.stdout)
    assert (
        only["key"].endswith("_cam01_0.pt") and only["rows"] == 9 and not only["skipped"]
    )  # (30 - 6) // 3 + 1
    assert (tiny_release / "features" / "stats" / only["key"]).is_file()
    again = json.loads(runner.invoke(app, args).stdout)
    assert again[0]["skipped"]


def test_features_command_errors_are_one_line(tiny_release):
    res = runner.invoke(app, ["features", str(tiny_release), "--window-s", "0.21"])
    assert res.exit_code == 2 and "whole number" in res.output
    res = runner.invoke(app, ["features", str(tiny_release), "--backbone", "resnet9000"])
    assert res.exit_code == 2 and "unknown backbone" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["features", str(tiny_release), "--views", "cam09"])
    assert res.exit_code == 2 and "cam09" in res.output and "Traceback" not in res.output
