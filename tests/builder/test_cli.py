"""``egoexo-kit build``: the QA table, JSON rows, and located errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from egoexo_kit.cli import app

runner = CliRunner()


def test_build_sync_only_prints_the_qa_rows(raw_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    res = runner.invoke(app, ["build", str(raw_release / "raw"), str(out), "--only", "sync", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout[res.stdout.index("[") :])
    assert {r["device"] for r in rows} == {"aria01", "cam01", "cam02"}
    assert all(r["error_ms"] < 1.0 for r in rows)
    assert (out / "captures").is_dir() and not (out / "takes").exists()


def test_a_folder_without_raw_captures_is_a_located_error(tmp_path: Path) -> None:
    res = runner.invoke(app, ["build", str(tmp_path), str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "no raw capture" in res.output and str(tmp_path) in res.output
    assert not (tmp_path / "out").exists()  # refused before taking OUT's lock: nothing created


def test_an_unknown_stage_is_refused(tmp_path: Path) -> None:
    res = runner.invoke(app, ["build", str(tmp_path), str(tmp_path / "out"), "--only", "encode"])
    assert res.exit_code == 2
    assert "unknown stage" in res.output


def test_an_unknown_detector_is_refused(tmp_path: Path) -> None:
    res = runner.invoke(app, ["build", str(tmp_path), str(tmp_path / "out"), "--detector", "yolo"])
    assert res.exit_code == 2
    assert "detector must be one of" in res.output
