"""``egoexo-kit download`` / ``publish`` as a user types them: official flag spellings, lists, exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from egoexo_kit.cli import app

from .test_publish_select import TRAIN, rel_files

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    return " ".join(text.split())


def test_dry_run_prints_sizes_per_part_and_writes_nothing(mirror, tmp_path):
    res = run("download", tmp_path / "out", "--source", mirror, "--parts", "metadata", "takes", "--dry-run")
    assert res.exit_code == 0, res.output
    text = flat(res.output)
    assert "│ metadata │ 6 │" in text and "│ takes │ 21 │" in text and "│ total │ 27 │" in text
    assert not (tmp_path / "out").exists()


def test_space_separated_comma_and_repeated_lists_mean_the_same(mirror, tmp_path):
    a = run(
        "download",
        "-o",
        tmp_path / "a",
        "--source",
        mirror,
        "--parts",
        "takes",
        "metadata",
        "--uids",
        TRAIN,
        "--cams",
        "cam02",
        "aria01",
        "-y",
        "--json",
    )
    b = run(
        "download",
        tmp_path / "b",
        "--base_dir",
        mirror,
        "--parts",
        "takes,metadata",
        "--uids",
        TRAIN,
        "--cams",
        "cam02,aria01",
        "--num_workers",
        "3",
        "-y",
        "--json",
    )
    c = run(
        "download",
        tmp_path / "c",
        "--source",
        mirror,
        "--parts",
        "takes",
        "--parts",
        "metadata",
        "--uids",
        TRAIN,
        "--cams",
        "cam02",
        "--cams",
        "aria01",
        "-y",
        "--json",
    )
    for res in (a, b, c):
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["files"] == 5  # cam02 + 4 Aria streams; metadata dropped by --uids
    assert rel_files(tmp_path / "a") == rel_files(tmp_path / "b") == rel_files(tmp_path / "c")


def test_bad_options_are_one_line_errors(mirror, tmp_path):
    res = run("download", tmp_path, "--source", mirror, "--parts", "trajectory", "--dry-run")
    assert (
        res.exit_code == 2
        and "no manifest for part(s) trajectory" in flat(res.output)
        and "not a part name egoexo-kit knows" in flat(res.output)
        and "Traceback" not in res.output
    )
    res = run("download", tmp_path, "--source", mirror, "--parts", "../takes", "--dry-run")
    assert res.exit_code == 2 and "invalid part name" in flat(res.output)
    res = run("download", tmp_path, "--source", mirror, "--views", "side", "--dry-run")
    assert res.exit_code == 2 and "--views takes ego and/or exo" in flat(res.output)
    res = run("download", tmp_path, "--source", "ftp://host/x", "--dry-run")
    assert res.exit_code == 2 and "unsupported source" in flat(res.output)
    res = run("download", tmp_path, "--source", mirror, "--release", "v9", "--dry-run")
    assert res.exit_code == 2 and "no manifest for part(s) metadata" in flat(res.output)


def test_delete_removes_only_what_is_not_selected(mirror, tmp_path):
    out = tmp_path / "out"
    assert run("download", out, "--source", mirror, "--parts", "metadata", "-y").exit_code == 0
    (out / "stray.txt").write_text("x")
    (out / "captures.json.part.1048576").write_text("a range of a selected file")
    (out / "takes.json").unlink()
    res = run("download", out, "--source", mirror, "--parts", "metadata", "-dy")  # the official -dy spelling
    assert res.exit_code == 0, res.output
    assert not (out / "stray.txt").exists() and (out / "takes.json").exists()
    assert (out / "captures.json.part.1048576").exists()
    assert (out / ".egoexo-kit/download-state.json").exists()


def test_force_fetches_everything_again(mirror, tmp_path):
    out = tmp_path / "out"
    first = json.loads(run("download", out, "--source", mirror, "--parts", "metadata", "-y", "--json").stdout)
    again = json.loads(run("download", out, "--source", mirror, "--parts", "metadata", "-y", "--json").stdout)
    forced = json.loads(
        run("download", out, "--source", mirror, "--parts", "metadata", "-y", "--json", "--force").stdout
    )
    assert first["fetched_bytes"] == forced["fetched_bytes"] > 0 and again["fetched_bytes"] == 0
    assert again["counts"] == {"sha256 (already there)": 6} and forced["counts"] == {"sha256": 6}


def test_unknown_benchmark_warns(mirror, tmp_path):
    res = run(
        "download",
        tmp_path,
        "--source",
        mirror,
        "--parts",
        "annotations",
        "--benchmarks",
        "nope",
        "--dry-run",
    )
    assert res.exit_code == 0 and "benchmark(s) nope appear in no selected manifest" in flat(res.output)


def test_publish_cli_then_download_reads_it_back(tiny_release_ro, tmp_path):
    res = run("publish", tiny_release_ro, "--to", tmp_path / "m", "--release", "mine", "--json")
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["parts"]["takes"] == [
        3,
        21,
        sum(p.stat().st_size for p in (tiny_release_ro / "takes").rglob("*.mp4")),
    ]
    res = run(
        "download", tmp_path / "out", "--source", tmp_path / "m", "--release", "mine", "--parts", "all", "-y"
    )
    assert res.exit_code == 0, res.output
    assert "all verified" in flat(res.output)


def test_an_unreachable_mirror_is_one_sentence(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/egoexo"
    res = run("download", tmp_path, "--source", dead, "--parts", "metadata", "--retries", "0", "-y")
    text = flat(res.output)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"cannot read from {dead}: cannot reach the server" in text and "(--source)" in text
