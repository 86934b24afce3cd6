"""The CLI on a release URL: ``info``, ``frames``, ``takes``, ``annotations``, ``query`` and ``cache``.

Real servers on 127.0.0.1 (moto's S3, the HTTP mirror); each command's output on the mirror equals its
output on the local folder.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.download.conftest import http_mirror
from typer.testing import CliRunner

import egoexo_kit
from egoexo_kit.cli import app

__all__ = ["http_mirror"]

runner = CliRunner()


def test_cli_info_frames_and_cache_on_a_remote_release(s3_release, tmp_path):
    url, endpoint = s3_release
    res = runner.invoke(app, ["info", url, "--endpoint-url", endpoint, "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["root"] == url and "takes" in summary["parts"]
    take = summary["take_names"][0]
    out = tmp_path / "frames"

    def frame(n: int):
        args = ["frames", url, take, "--frame", str(n), "--views", "cam01", "--out", str(out)]
        return runner.invoke(app, [*args, "--endpoint-url", endpoint])

    res = frame(5)
    assert res.exit_code == 0, res.output
    assert len(list(out.glob("*cam01.png"))) == 1
    res = runner.invoke(app, ["cache", "show", "--json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.output)["blocks"]
    assert shown["bytes"] > 0 and shown["take_files"] > 0  # the capture's timesync.csv at least
    assert shown["total_bytes"] == shown["bytes"] + shown["take_file_bytes"]
    res = runner.invoke(app, ["cache", "trim", "--max-size", "0", "--json"])
    assert res.exit_code == 0, res.output
    trimmed = json.loads(res.output)
    assert trimmed["blocks"]["total_bytes"] == 0 and trimmed["freed_bytes"] == shown["total_bytes"]
    shadow = trimmed["releases"][0]["folder"]
    assert (Path(shadow) / "takes.json").is_file()  # metadata is kept
    res = frame(6)  # what was trimmed is fetched again
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["info", url, "--endpoint-url", endpoint, "--s3-profile", "nope"])
    assert res.exit_code == 2 and "profile 'nope' is not configured" in res.output


def test_cli_takes_annotations_and_query_on_a_mirror_match_the_folder(http_mirror, tiny_release_ro):
    url = f"{http_mirror.url}/v2"
    take = egoexo_kit.open_release(tiny_release_ro).takes[0].name
    for args in (
        ["takes", "{}", "--json"],
        ["annotations", "{}", take, "--family", "keystep", "--json"],
        ["query", "{}", "SELECT take_name, count(*) AS n FROM keysteps GROUP BY ALL ORDER BY 1", "--json"],
    ):
        remote = runner.invoke(app, [a.format(url) for a in args])
        local = runner.invoke(app, [a.format(tiny_release_ro) for a in args])
        assert remote.exit_code == local.exit_code == 0, remote.output
        assert json.loads(remote.stdout) == json.loads(local.stdout), args[0]


def test_validate_of_a_mirror_url_says_what_to_do_instead():
    res = runner.invoke(app, ["validate", "s3://bucket/egoexo/v2"])
    assert res.exit_code == 2
    assert "validate checks a local release folder" in res.output and "egoexo-kit download" in res.output
    assert "s3://bucket/egoexo/v2" in res.output  # the URL as given, not a path with one slash
