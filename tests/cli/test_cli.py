"""The CLI as a user runs it: exit codes, JSON shapes, located errors without tracebacks."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.cli.demo import demo_steps
from egoexo_kit.extras import EXTRAS

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    """Rich wraps at the terminal width: compare with whitespace folded."""
    return " ".join(text.split())


def test_validate_json_ok(tiny_release_ro):
    res = run("validate", tiny_release_ro, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {"ok": True, "errors": [], "warnings": []}


def test_validate_json_reports_located_errors(tiny_release):
    (tiny_release / "takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4").unlink()
    (tiny_release / "participants.json").write_text("[{]", encoding="utf-8")
    res = run("validate", tiny_release, "--json")
    assert res.exit_code == 1
    report = json.loads(res.stdout)
    assert set(report) == {"ok", "errors", "warnings"} and report["ok"] is False
    assert {
        "path": "participants.json",
        "where": "line 1, column 3",
        "message": "invalid JSON: Expecting property name enclosed in double quotes",
    } in report["errors"]
    assert any(e["path"] == "takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4" for e in report["errors"])
    assert all(set(e) == {"path", "where", "message"} for e in report["errors"] + report["warnings"])


def test_validate_rich_output_and_strict(tiny_release, edit_json):
    edit_json(tiny_release / "takes.json", lambda takes: takes[0].update(duration_sec=99.0))
    res = run("validate", tiny_release, "--no-videos")
    assert res.exit_code == 0
    assert "Warnings (1)" in res.stdout and "0 error(s), 1 warning(s)" in flat(res.stdout)
    warning = json.loads(run("validate", tiny_release, "--no-videos", "--json").stdout)["warnings"][0]
    assert warning["message"].startswith("take cmu_bike01_1: duration_sec 99.0 differs")
    res = run("validate", tiny_release, "--no-videos", "--strict")
    assert res.exit_code == 1
    assert "FAILED" in res.stdout


def test_validate_missing_folder(tmp_path):
    res = run("validate", tmp_path / "nope", "--json")
    assert res.exit_code == 2 and res.stdout == ""
    assert res.stderr.strip() == f"error: {tmp_path / 'nope'}: release folder does not exist"


def test_info_json(tiny_release_ro):
    res = run("info", tiny_release_ro, "--json")
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert (s["takes"], s["captures"]) == (3, 2)
    assert s["by_scenario"] == {"Bike Repair": 2, "Music": 1}
    assert s["by_university"] == {"cmu": 2, "upenn": 1}
    assert s["by_split"] == {"train": 1, "val": 1, "test": 1}
    assert {"metadata", "annotations", "takes", "captures", "take_trajectory"} <= set(s["parts"])
    assert "downscaled_takes/448" not in s["parts"]
    assert s["total_bytes"] >= sum(s["part_bytes"].values()) > 0
    assert set(s["extras"]) == set(EXTRAS)  # every capability extra, installed or not
    assert s["extras"]["aria"] is (importlib.util.find_spec("projectaria_tools") is not None)
    assert s["extras"]["catalog"] is (importlib.util.find_spec("duckdb") is not None)


def test_info_take(tiny_release_ro):
    res = run("info", tiny_release_ro, "upenn_0710_Guitar_1_1", "--json")
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout)
    assert [v["view"] for v in s["views"]] == [
        "aria02_214-1",
        "aria02_1201-1",
        "aria02_1201-2",
        "aria02_211-1",
        "gp01",
        "gp02",
    ]
    assert s["n_frames"] == 30 and s["is_narrated"] is True and s["split"] == "test"
    assert s["annotations"] == ["ego_pose/test/camera_pose"]  # test split: only camera poses are public
    res = run("info", tiny_release_ro, "cmu_bike01_1")
    assert res.exit_code == 0
    assert "aria01_1201-1" in res.stdout and "keystep_train" in res.stdout


def test_errors_are_one_line_without_traceback(tiny_release_ro, tmp_path):
    res = run("info", tiny_release_ro, "no_such_take")
    assert res.exit_code == 2
    assert "no take 'no_such_take'" in res.stderr
    assert "Traceback" not in res.output
    res = run("info", tmp_path)
    assert res.exit_code == 2
    assert "not a release: takes.json is missing" in res.stderr


def test_odd_takes_record_from_info(tiny_release):
    """Lenient by default (issue 16 item 7): the record is left out, located; --strict refuses it."""
    (tiny_release / "takes.json").write_text('[{"take_uid": "x", "take_name": 3}]', encoding="utf-8")
    res = run("info", tiny_release)
    assert res.exit_code == 0
    assert "left out: takes.json:/0/take_name: Input should be a valid string" in flat(res.stderr)
    res = run("info", tiny_release, "--strict")
    assert res.exit_code == 2
    assert "takes.json:/0/take_name: Input should be a valid string" in res.stderr


def test_debug_shows_traceback(tmp_path):
    res = run("--debug", "info", tmp_path)
    assert res.exit_code != 0
    assert res.exception is not None and type(res.exception).__name__ == "FormatError"


def test_demo_writes_a_valid_release(tmp_path):
    res = run("demo", "--out", tmp_path / "demo", "--tiny")  # the generator itself is tested in tests/synth
    assert res.exit_code == 0, res.output
    assert (tmp_path / "demo/takes.json").is_file()
    assert "OK" in res.stdout and "3 takes, 2 captures" in flat(res.stdout)
    assert len(list((tmp_path / "demo-demo").glob("*_sheet.png"))) == 1
    assert len(list((tmp_path / "demo-demo").glob("*_collage.mp4"))) == 1
    # progress line by line, as a pipe or CI log shows it: no live display, no cursor codes
    assert "\r" not in res.stdout and "\x1b" not in res.stdout
    lines = res.stdout.splitlines()
    titles = demo_steps(tiny=True)
    for i, title in enumerate(titles, 1):
        start = lines.index(f"step {i}/{len(titles)} {title} …")
        end = next(n for n, line in enumerate(lines) if line.startswith(f"step {i}/{len(titles)} done in "))
        assert start < end and re.fullmatch(r"step \d+/\d+ done in \d+\.\d s \(total \d+\.\d s\)", lines[end])


def test_console_script_entry_point(tiny_release_ro):
    """The installed ``egoexo-kit`` script runs (a subprocess, as a user would)."""
    exe = Path(sys.executable).with_name("egoexo-kit")
    out = subprocess.run(
        [str(exe), "validate", str(tiny_release_ro), "--json"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["ok"] is True
    ver = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    assert ver.stdout.startswith("egoexo-kit ")


def test_synth_command(tmp_path):
    out = tmp_path / "syn"
    res = run(
        "synth",
        out,
        "--captures",
        "1",
        "--takes-per-capture",
        "1",
        "--seconds",
        "4",
        "--exo-size",
        "96x54",
        "--ego-size",
        "64",
        "--scenarios",
        "bike repair",
        "--workers",
        "1",
    )
    assert res.exit_code == 0, res.output
    assert "wrote" in res.stdout
    assert json.loads(run("validate", out, "--json").stdout)["ok"] is True
    bad = run("synth", tmp_path / "bad", "--exo-size", "31x20")
    assert bad.exit_code == 2
    assert "exo_size must be even" in bad.output
    bad = run("synth", tmp_path / "bad", "--exo-size", "wide")
    assert bad.exit_code == 2 and "WIDTHxHEIGHT" in bad.output


def test_bad_arguments_are_refused_before_anything_is_written(tiny_release_ro, tmp_path):
    """A too-short take, an unknown scenario, an empty clip span: one line, exit 2, no folder left behind."""
    for args, text in (
        (("--seconds", "2"), "seconds must be in [4, 600]"),
        (("--scenarios", "cookin"), "unknown scenarios ['cookin']"),
    ):
        out = tmp_path / "never"
        res = run("synth", out, *args)
        assert res.exit_code == 2, res.output
        assert text in " ".join(res.output.split()) and "Traceback" not in res.output
        assert not out.exists()
    res = run(
        "clips", tiny_release_ro, "cmu_bike01_1", "--t0", "0.6", "--t1", "0.2", "--out", tmp_path / "c.mp4"
    )
    assert res.exit_code == 2 and "clip needs t1 > t0" in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "c.mp4").exists()


def test_frames_and_clips_commands(tiny_release_ro, tmp_path):
    import cv2

    res = run(
        "frames",
        tiny_release_ro,
        "cmu_bike01_1",
        "--frame",
        "12",
        "--views",
        "aria01_214-1,cam02",
        "--out",
        tmp_path / "fr",
    )
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "fr").iterdir())
    assert names == [
        "cmu_bike01_1_000012_aria01_214-1.png",
        "cmu_bike01_1_000012_cam02.png",
        "cmu_bike01_1_000012_sheet.png",
    ]
    png = cv2.imread(str(tmp_path / "fr" / names[1]))[..., ::-1]
    from egoexo_kit.video import read_rgb_frames

    ref = read_rgb_frames(tiny_release_ro / "takes/cmu_bike01_1/frame_aligned_videos/cam02.mp4")[12]
    assert (png == ref).all()
    res = run(
        "clips", tiny_release_ro, "cmu_bike01_1", "--t0", "0.1", "--t1", "0.5", "--out", tmp_path / "c.mp4"
    )
    assert res.exit_code == 0, res.output
    from egoexo_kit.video import probe_video

    assert probe_video(tmp_path / "c.mp4").num_frames == 12
    bad = run("frames", tiny_release_ro, "cmu_bike01_1", "--t", "9", "--out", tmp_path / "x")
    assert bad.exit_code == 2 and "outside the take window" in bad.stderr
