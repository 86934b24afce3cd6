"""``egoexo-kit features`` as a user runs it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from egoexo_kit._lock import folder_lock
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


def test_one_run_at_a_time_writes_a_features_folder(tiny_release):
    folder = tiny_release / "features" / "stats"
    args = ["features", str(tiny_release), "--views", "cam01", "--takes", "cmu_bike01_1", "--device", "cpu"]
    with folder_lock(folder, what="egoexo-kit features"):
        for extra in ([], ["--wait", "0.3"]):
            res = runner.invoke(app, args + extra)
            assert res.exit_code == 2, res.output
            (line,) = res.output.strip().splitlines()
            assert (
                line.startswith(f"error: {folder}: `egoexo-kit features` (pid ") and "is writing here" in line
            )
    assert not list(folder.glob("*.pt"))
    left = folder / ".x_cam01_0.pt.k2j4x9.tmp.pt"  # what a killed run left half-written
    left.write_bytes(b"\x80")
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert len(list(folder.glob("*.pt"))) == 1 and not left.exists()
