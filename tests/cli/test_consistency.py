"""One argument order, list options with spaces, take names in info, --json, query at 80 columns."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.cli._common import console

TAKE = "cmu_bike01_1"
runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_take_is_positional_and_the_old_take_option_still_works(tiny_release_ro):
    new = run("annotations", tiny_release_ro, TAKE, "--family", "keystep", "atomic_descriptions", "--json")
    old = run(
        "annotations", tiny_release_ro, "--take", TAKE, "--family", "keystep,atomic_descriptions", "--json"
    )
    assert new.exit_code == 0 and old.exit_code == 0, new.output + old.output
    assert json.loads(new.stdout) == json.loads(old.stdout)
    assert {r["family"] for r in json.loads(new.stdout)} == {"keystep", "atomic"}
    assert json.loads(run("info", tiny_release_ro, TAKE, "--json").stdout)["take_name"] == TAKE


def test_info_lists_take_names(tiny_release_ro):
    from egoexo_kit import open_release

    names = open_release(tiny_release_ro).takes.names
    res = run("info", tiny_release_ro, "--json")
    assert json.loads(res.stdout)["take_names"] == names
    text = run("info", tiny_release_ro).stdout
    assert "takes: " + ", ".join(names[:8]) in " ".join(text.split())


def test_info_points_at_the_takes_command_when_there_are_many():
    from egoexo_kit.cli.info import take_names_line

    line = take_names_line([f"t{i}" for i in range(20)], "REL")
    assert line == "takes: t0, t1, t2, t3, t4, t5, t6, t7 … 12 more; see `egoexo-kit takes REL`"


def test_release_first_and_the_deprecated_task_first_order(tiny_release_ro, tmp_path):
    new = run("baseline", tiny_release_ro, "body-pose", "--trivial", "static", "--out", tmp_path / "a.json")
    old = run("baseline", "body-pose", tiny_release_ro, "--trivial", "static", "--out", tmp_path / "b.json")
    assert new.exit_code == 0 and old.exit_code == 0, new.output + old.output
    assert "deprecated" not in new.stderr
    assert "note: use `egoexo-kit baseline REL TASK`; the task-first order is deprecated" in old.stderr
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


@pytest.mark.parametrize("views", [["cam01", "cam02"], ["cam01,cam02"], ["cam01", "--views", "cam02"]])
def test_list_options_take_spaces_commas_and_repeats(tiny_release_ro, tmp_path, views):
    res = run("frames", tiny_release_ro, TAKE, "--frame", "3", "--views", *views, "--out", tmp_path, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert sorted(out["views"]) == ["cam01", "cam02"] and out["frame"] == 3
    assert all(isinstance(p, str) for p in out["views"].values())


def test_export_rerun_views_with_spaces(tiny_release_ro, tmp_path):
    pytest.importorskip("rerun")
    out = tmp_path / "take.rrd"
    res = run(
        "export-rerun",
        tiny_release_ro,
        TAKE,
        "--views",
        "cam01",
        "cam02",
        "--t0",
        "0",
        "--t1",
        "0.2",
        "--out",
        out,
    )
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 0


def test_query_prints_records_when_the_table_is_too_wide(tiny_release_ro, monkeypatch):
    monkeypatch.setattr(console, "width", 80)
    wide = run("query", tiny_release_ro, "SELECT * FROM takes LIMIT 2")
    assert wide.exit_code == 0, wide.output
    lines = wide.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.startswith("take_name") and TAKE[:3] in line for line in lines)
    assert "row 1 of 2" in wide.stdout
    narrow = run("query", tiny_release_ro, "SELECT take_name FROM takes LIMIT 1")
    assert "row 1 of" not in narrow.stdout and "┃ take_name" in narrow.stdout
    as_json = run("query", tiny_release_ro, "SELECT * FROM takes LIMIT 2", "--json")
    assert len(json.loads(as_json.stdout)) == 2
