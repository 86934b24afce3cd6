"""``egoexo-kit takes``: a filtered listing that fits 80 columns, and the same takes as JSON records."""

from __future__ import annotations

import json

from typer.testing import CliRunner

import egoexo_kit as ek
from egoexo_kit.cli import app

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, ["takes", *(str(a) for a in args)], env={"COLUMNS": "80"})


def test_table_lists_each_take_in_80_columns(tiny_release_ro):
    r = run(tiny_release_ro)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    row = next(line.split() for line in lines if "cmu_bike01_1" in line)
    assert row == ["cmu_bike01_1", "Bike", "Repair", "1.0", "s", "6", "train"]
    assert any("upenn_0710_Guitar_1_1" in line for line in lines)
    assert lines[-1] == "3 of 3 takes"


def test_filters_combine(tiny_release_ro):
    assert run(tiny_release_ro, "--scenario", "bike repair", "--split", "val").output.splitlines()[-1] == (
        "1 of 3 takes"
    )
    out = run(tiny_release_ro, "--match", "GUITAR").output
    assert "upenn_0710_Guitar_1_1" in out and "cmu_bike01" not in out
    none = run(tiny_release_ro, "--benchmark", "no_such_benchmark")
    assert none.exit_code == 0 and none.output.strip() == "0 of 3 takes"


def test_json_is_the_records(tiny_release_ro):
    r = run(tiny_release_ro, "--scenario", "Bike Repair", "--json")
    assert r.exit_code == 0
    records = ek.open_release(tiny_release_ro).takes.filter(scenario="bike repair").records()
    assert json.loads(r.output) == records and len(records) == 2


def test_long_names_are_cut_not_wrapped(tiny_release, edit_json):
    long = "a_very_long_take_name_that_would_never_fit_the_first_column_" * 2

    def rename(takes):
        takes[0]["take_name"] = long

    edit_json(tiny_release / "takes.json", rename)
    r = run(tiny_release)
    assert r.exit_code == 0 and max(len(line) for line in r.output.splitlines()) <= 80
    assert "…" in r.output and long not in r.output


def test_missing_release_is_one_line_exit_2(tmp_path):
    r = run(tmp_path / "nowhere")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1 and "does not exist" in r.output
