"""Hostile manifest ``relative_path`` values (issue 19): each refuses its own record, never the others.

The issue's reproduction: a ``relative_path`` of ``.`` wrote next to OUT (or made OUT itself a file),
and one escaping path refused the whole download. Now every unsafe record is listed as refused with
its manifest and JSON pointer, the other files download, nothing lands outside OUT, the exit is 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import Selection, download, open_source, plan_download

from .conftest import make_mirror

runner = CliRunner()
GOOD = {"takes/t/good.mp4": b"g" * 1000}

HOSTILE = [
    (".", "download root itself"),
    ("a/..", "download root itself"),
    ("./", "names a folder"),
    ("", "empty relative_path"),
    ("   ", "empty relative_path"),
    ("..", "escapes"),
    ("../outside.mp4", "escapes"),
    ("a/../../outside.mp4", "escapes"),
    ("/tmp/abs.mp4", "absolute"),
    ("takes/\x00nul.mp4", "NUL byte"),
    ("takes/\x1b[31mred.mp4", "control character"),
    ("takes/t/", "names a folder"),
    (".egoexo-kit/download-state.json", "downloader's own files"),
    (".egoexo-kit.lock", "downloader's own files"),
]


def hostile_mirror(tmp_path, rel: str):
    """The one-good-file mirror plus a second record whose ``relative_path`` is ``rel``."""
    base = make_mirror(tmp_path / "m", {**GOOD, "takes/t/other.mp4": b"o" * 10})
    m = base / "v2/takes/manifest.json"
    raw = json.loads(m.read_text())
    raw[1]["paths"][0]["relative_path"] = rel
    m.write_text(json.dumps(raw))
    return base


def fetch(base, out):
    src = open_source(str(base), release="v2")
    plan = plan_download(out, source=src, selection=Selection(parts=("takes",)))
    return plan, download(plan, workers=2)


@pytest.mark.parametrize(("rel", "why"), HOSTILE, ids=[repr(r) for r, _ in HOSTILE])
def test_a_hostile_relative_path_refuses_its_record_only(tmp_path, rel, why):
    out = tmp_path / "dl" / "out"
    plan, report = fetch(hostile_mirror(tmp_path, rel), out)
    assert [f.relative_path for f in plan.files] == ["takes/t/good.mp4"]
    assert not report.ok and [r.relative_path for r in report.refused] == [rel]
    (refused,) = report.failed
    assert why in refused.reason and "/1/paths/0/relative_path" in refused.reason
    assert "manifest.json" in refused.reason  # located: which manifest, which record
    assert (out / "takes/t/good.mp4").read_bytes() == GOOD["takes/t/good.mp4"]
    assert out.is_dir() and sorted(p.name for p in (tmp_path / "dl").iterdir()) == [
        "out"
    ]  # nothing beside OUT
    assert not (tmp_path / "outside.mp4").exists()
    state = json.loads((out / ".egoexo-kit/download-state.json").read_text())
    assert set(state) == {"takes/t/good.mp4"}


def test_a_path_that_is_an_existing_folder_or_under_a_file_is_refused(tmp_path):
    base = make_mirror(
        tmp_path / "m", {**GOOD, "takes/t/cam01": b"1" * 10, "takes/f/x.mp4": b"x" * 10, "takes/ok.mp4": b"k"}
    )
    out = tmp_path / "out"
    (out / "takes/t/cam01").mkdir(parents=True)  # a folder where a file must go
    (out / "takes/f").write_bytes(b"a file where a folder must go")
    _, report = fetch(base, out)
    reasons = {r.relative_path: r.reason for r in report.refused}
    assert "is an existing folder" in reasons["takes/t/cam01"]
    assert "'takes/f' to be a folder, but it is a file" in reasons["takes/f/x.mp4"]
    assert {r.relative_path for r in report.results if r.ok} == {"takes/t/good.mp4", "takes/ok.mp4"}
    assert (out / "takes/f").read_bytes() == b"a file where a folder must go"  # left alone


def test_a_file_that_is_another_files_folder_or_partial_name_is_refused(tmp_path):
    base = make_mirror(tmp_path / "m", {**GOOD, "takes/x.mp4": b"x" * 5, "takes/x.mp4.part": b"p" * 5})
    m = base / "v2/takes/manifest.json"
    raw = json.loads(m.read_text())
    folder = json.loads(json.dumps(raw[0]))
    folder["paths"][0]["relative_path"] = "takes/t"  # the folder of takes/t/good.mp4
    m.write_text(json.dumps([*raw, folder]))
    _, report = fetch(base, tmp_path / "out")
    reasons = {r.relative_path: r.reason for r in report.refused}
    assert set(reasons) == {"takes/t", "takes/x.mp4.part"}
    assert "folder of another selected file" in reasons["takes/t"]
    assert "partial-download name" in reasons["takes/x.mp4.part"]
    assert (tmp_path / "out/takes/x.mp4").read_bytes() == b"x" * 5


def test_two_spellings_of_one_file_download_it_once(tmp_path):
    base = make_mirror(tmp_path / "m", GOOD)
    m = base / "v2/takes/manifest.json"
    raw = json.loads(m.read_text())
    twin = json.loads(json.dumps(raw[0]))
    twin["paths"][0]["relative_path"] = "takes//t/./good.mp4"
    clash = json.loads(json.dumps(twin))
    clash["paths"][0]["relative_path"] = "takes/t/../t/good.mp4"
    clash["paths"][0]["size"] = 3  # the same file with another size: refused
    m.write_text(json.dumps([raw[0], twin, clash]))
    plan, report = fetch(base, tmp_path / "out")
    assert len(plan.files) == 1 and [r.relative_path for r in report.refused] == ["takes/t/../t/good.mp4"]
    assert "another size or checksum" in report.refused[0].reason


def test_cli_lists_the_refused_records_and_exits_1(tmp_path):
    base = hostile_mirror(tmp_path, "../../escape.mp4")
    res = runner.invoke(
        app, ["download", str(tmp_path / "out"), "--source", str(base), "--parts", "takes", "-y"]
    )
    text = " ".join(res.output.split())
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert "INCOMPLETE" in text and "escape.mp4" in text
    assert (tmp_path / "out/takes/t/good.mp4").exists() and not (tmp_path / "escape.mp4").exists()
    res = runner.invoke(
        app, ["download", str(tmp_path / "out2"), "--source", str(base), "--parts", "takes", "-y", "--json"]
    )
    out = json.loads(res.stdout)
    assert res.exit_code == 1 and out["refused"] == ["../../escape.mp4"] and out["counts"]["failed"] == 1
    (failed,) = out["failed"]
    assert "escapes the release root" in failed["reason"] and "/1/paths/0/relative_path" in failed["reason"]


def test_control_characters_never_reach_the_terminal(tmp_path):
    base = hostile_mirror(tmp_path, "takes/\x1b]0;owned\x07x.mp4")
    res = runner.invoke(
        app, ["download", str(tmp_path / "out"), "--source", str(base), "--parts", "takes", "-y"]
    )
    assert res.exit_code == 1 and "\x1b" not in res.output and "\x07" not in res.output
    assert "control character" in res.output


def test_the_real_release_manifests_have_no_refused_record(tmp_path):
    """Real data first: every path of the real manifests (tests/fixtures/real_release) is accepted."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    parts = tuple(
        m.parent.relative_to(fixtures / "real_release").as_posix()
        for m in (fixtures / "real_release").rglob("manifest.json")
    )
    src = open_source(str(fixtures), release="real_release")
    plan = plan_download(tmp_path / "out", source=src, selection=Selection(parts=parts))
    assert len(parts) >= 10 and not [p for p in plan.problems if p.refused]
    assert len(plan.files) + len(plan.problems) >= 50
