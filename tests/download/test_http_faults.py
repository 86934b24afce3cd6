"""An HTTP mirror that misbehaves (started by the test): drops, corrupt bytes, 5xx bursts, stalls."""

from __future__ import annotations

import hashlib
import os

from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import RetryPolicy, Selection, download, open_source, plan_download

from .conftest import Faults, make_mirror, serve_dir

runner = CliRunner()
FAST = RetryPolicy(retries=3, backoff_s=0.01, max_backoff_s=0.05, timeout_s=5.0)
DATA = os.urandom(300_000)
OTHER = os.urandom(50_000)


def served_mirror(tmp_path, faults):
    base = make_mirror(tmp_path / "m", {"takes/t/cam01.mp4": DATA, "takes/t/cam02.mp4": OTHER})
    return serve_dir(base, faults)


def fetch(url, out, *, policy=FAST, timeout=5.0):
    src = open_source(url, release="v2", timeout=timeout)
    plan = plan_download(out, source=src, selection=Selection(parts=("takes",)), policy=policy)
    return download(plan, workers=2, policy=policy)


def test_connection_dropped_mid_file_resumes_with_a_range(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["drop"]})
    server, url = served_mirror(tmp_path, faults)
    try:
        report = fetch(url, tmp_path / "out")
    finally:
        server.shutdown()
    assert report.ok, report.to_json()
    assert (tmp_path / "out/takes/t/cam01.mp4").read_bytes() == DATA
    ranges = [r for p, r in faults.requests if p.endswith("cam01.mp4")]
    assert ranges == [None, f"bytes={len(DATA) // 2}-"]  # the second request starts where the first broke
    manifest = (tmp_path / "m/v2/takes/manifest.json").stat().st_size
    assert faults.served == manifest + len(DATA) + len(OTHER)  # not one byte sent twice


def test_corrupt_bytes_are_caught_by_sha256_and_fetched_again(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["corrupt"]})
    server, url = served_mirror(tmp_path, faults)
    try:
        report = fetch(url, tmp_path / "out")
    finally:
        server.shutdown()
    assert report.ok
    r = next(r for r in report.results if r.relative_path.endswith("cam01.mp4"))
    assert (r.method, r.attempts) == ("sha256", 2)
    assert (
        hashlib.sha256((tmp_path / "out/takes/t/cam01.mp4").read_bytes()).hexdigest()
        == hashlib.sha256(DATA).hexdigest()
    )


def test_always_corrupt_fails_with_the_reason_and_exit_1(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["corrupt"] * 10})
    server, url = served_mirror(tmp_path, faults)
    try:
        res = runner.invoke(
            app,
            [
                "download",
                str(tmp_path / "out"),
                "--source",
                url,
                "--parts",
                "takes",
                "--retries",
                "1",
                "-y",
                "--json",
            ],
        )
    finally:
        server.shutdown()
    assert res.exit_code == 1
    import json

    out = json.loads(res.stdout)
    assert out["ok"] is False and out["counts"] == {"failed": 1, "sha256": 1}
    (failed,) = out["failed"]
    assert failed["path"] == "takes/t/cam01.mp4" and "sha256 mismatch" in failed["reason"]
    assert not (tmp_path / "out/takes/t/cam01.mp4").exists()  # nothing unverified under a final name


def test_5xx_bursts_are_retried(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["503", "500", "503"], "manifest.json": ["503"]})
    server, url = served_mirror(tmp_path, faults)
    try:
        report = fetch(url, tmp_path / "out")
    finally:
        server.shutdown()
    assert report.ok
    assert next(r for r in report.results if r.relative_path.endswith("cam01.mp4")).attempts == 4


def test_a_stalled_response_times_out_and_resumes(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["stall"]}, stall_s=3.0)
    server, url = served_mirror(tmp_path, faults)
    try:
        report = fetch(
            url, tmp_path / "out", policy=RetryPolicy(retries=2, backoff_s=0.01, timeout_s=0.5), timeout=0.5
        )
    finally:
        server.shutdown()
    assert report.ok
    ranges = [r for p, r in faults.requests if p.endswith("cam01.mp4")]
    assert len(ranges) == 2 and ranges[1] is not None and int(ranges[1].split("=")[1].rstrip("-")) > 0


def test_missing_on_the_mirror_is_a_failure_not_a_skip(tmp_path):
    faults = Faults()
    server, url = served_mirror(tmp_path, faults)
    (tmp_path / "m/v2/takes/t/cam02.mp4").unlink()
    try:
        report = fetch(url, tmp_path / "out")
    finally:
        server.shutdown()
    assert not report.ok
    assert [(r.relative_path, r.reason) for r in report.failed] == [
        ("takes/t/cam02.mp4", "HTTP 404: not on the mirror")
    ]
