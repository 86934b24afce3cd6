"""Two downloads into one folder, and kills, with real processes against the local S3 (moto) server.

The issue's reproduction: with a second ``download --force`` killed mid-way, the first run exited 0
reporting a truncated file as sha256-verified. Now the second run is refused at once naming the
first (or waits with ``--wait``), a killed waiter changes nothing, and a run killed with SIGKILL
mid-transfer is finished by the next one with every file's sha256 equal to the source.

The S3 endpoint sits behind a throttling proxy whose rate the test changes while the processes
run, so a download is held mid-transfer exactly as long as the test needs, whatever the load.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import s3_mirror

SRC = str(Path(__file__).resolve().parents[2] / "src")
FILES = {"takes/t/cam01.mp4": os.urandom(3_000_000), "takes/t/cam02.mp4": os.urandom(2_000_000)}
SLOW = 200_000  # bytes/s per connection while the test holds run #1 mid-transfer


def start(out: Path, source: str, endpoint: str, *extra: str, log: Path) -> subprocess.Popen:
    """``egoexo-kit download`` in its own process; stdout (JSON) and stderr go to ``log``.{out,err}."""
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [sys.executable, "-c", "from egoexo_kit.cli import main; main()", "download", str(out)]
    args += ["--source", source, "--endpoint-url", endpoint, "--parts", "takes", "-y", "--json", *extra]
    return subprocess.Popen(
        args,
        env=env,
        stdout=log.with_suffix(".out").open("w"),
        stderr=log.with_suffix(".err").open("w"),
    )


def wait_for(condition, what: str, *, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc is None or proc.poll() is None, f"the process ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def partial_bytes(out: Path) -> int:
    return sum(p.stat().st_size for p in out.rglob("*.part*") if p.is_file())


def finished(proc: subprocess.Popen, log: Path) -> tuple[int, dict, str]:
    code = proc.wait(timeout=120)
    err = log.with_suffix(".err").read_text()
    text = log.with_suffix(".out").read_text()
    return code, json.loads(text) if text.strip() else {}, err


def assert_identical_to_source(out: Path) -> None:
    for rel, data in FILES.items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest(), rel


def test_a_second_download_is_refused_or_waits_and_a_killed_waiter_changes_nothing(
    s3, throttled_s3, tmp_path
):
    client, bucket = s3
    source = s3_mirror(client, bucket, FILES)
    out = tmp_path / "out"
    throttled_s3.rate = SLOW
    first = start(out, source, throttled_s3.url, "--num-workers", "2", log=tmp_path / "first")
    try:
        wait_for(lambda: partial_bytes(out) > 50_000, "run #1 to be mid-transfer", proc=first)

        # #2: download --force into the same folder → refused at once, naming #1
        forced = start(out, source, throttled_s3.url, "--force", log=tmp_path / "forced")
        code, report, err = finished(forced, tmp_path / "forced")
        assert code == 2 and report == {}, err
        assert err.count("\n") == 1 and "error:" in err and "Traceback" not in err
        assert f"`egoexo-kit download` (pid {first.pid} on" in err and "is writing here" in err

        # #3: download --force --wait, killed with SIGKILL while it waits (the second run)
        waiter = start(out, source, throttled_s3.url, "--force", "--wait", "60", log=tmp_path / "waiter")
        wait_for(
            lambda: "waiting up to 60 s" in (tmp_path / "waiter.err").read_text(), "#3 to wait", proc=waiter
        )
        waiter.send_signal(signal.SIGKILL)
        waiter.wait(timeout=10)

        # #4: download --wait (no --force) waits for #1, then finds everything already there
        patient = start(out, source, throttled_s3.url, "--wait", "60", log=tmp_path / "patient")
        wait_for(
            lambda: "waiting up to 60 s" in (tmp_path / "patient.err").read_text(), "#4 to wait", proc=patient
        )
        assert first.poll() is None  # all the while, #1 was mid-transfer
        throttled_s3.rate = None
        code, report, err = finished(first, tmp_path / "first")
        assert code == 0 and report["ok"] and report["counts"] == {"sha256": 2}, err
        assert_identical_to_source(out)
        code, report, err = finished(patient, tmp_path / "patient")
        assert (
            code == 0 and report["counts"] == {"sha256 (already there)": 2} and report["fetched_bytes"] == 0
        )
    finally:
        for p in (first,):
            if p.poll() is None:
                p.kill()
    assert_identical_to_source(out)
    assert not list(out.rglob("*.part*"))


def test_sigkill_mid_transfer_then_rerun_finishes_with_every_hash_equal_to_the_source(
    s3, throttled_s3, tmp_path
):
    client, bucket = s3
    source = s3_mirror(client, bucket, FILES)
    out = tmp_path / "out"
    throttled_s3.rate = SLOW
    run = start(out, source, throttled_s3.url, "--num-workers", "2", log=tmp_path / "killed")
    wait_for(lambda: partial_bytes(out) > 200_000, "the run to be mid-transfer", proc=run)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=10)
    kept = partial_bytes(out)
    assert kept > 200_000 and not any((out / rel).exists() for rel in FILES)

    throttled_s3.rate = None  # the lock died with its holder: the rerun takes it at once
    rerun = start(out, source, throttled_s3.url, log=tmp_path / "rerun")
    code, report, err = finished(rerun, tmp_path / "rerun")
    assert code == 0 and report["ok"] and report["failed"] == [], err
    assert (
        report["counts"] == {"sha256": 2} and report["fetched_bytes"] <= sum(map(len, FILES.values())) - kept
    )
    assert_identical_to_source(out)
    assert not list(out.rglob("*.part*"))
