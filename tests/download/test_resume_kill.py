"""``egoexo-kit download`` killed with SIGKILL mid-file, then rerun: it resumes and verifies everything."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import Faults, make_mirror, serve_dir

SRC = str(Path(__file__).resolve().parents[2] / "src")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-c", "from egoexo_kit.cli import main; main()", *args]


def test_sigkill_mid_download_then_rerun_resumes(tmp_path):
    files = {"takes/t/cam01.mp4": os.urandom(6_000_000), "takes/t/cam02.mp4": os.urandom(6_000_000)}
    base = make_mirror(tmp_path / "m", files)
    faults = Faults(rate=3_000_000)  # bytes/s per response: slow enough to be killed mid-file
    server, url = serve_dir(base, faults)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = cli("download", str(out), "--source", url, "--parts", "takes", "-y", "--num-workers", "2")
    try:
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        parts = [out / (rel + ".part") for rel in files]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and sum(p.stat().st_size for p in parts if p.exists()) < 4_000_000:
            assert proc.poll() is None, "the download ended before it could be killed"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        on_disk = sum(p.stat().st_size for p in parts if p.exists())
        assert on_disk >= 4_000_000 and not any((out / rel).exists() for rel in files)

        faults.rate = None
        faults.served = 0
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all verified" in done.stdout
    for rel, data in files.items():
        assert (out / rel).read_bytes() == data
        assert not (out / (rel + ".part")).exists()
    manifest = (base / "v2/takes/manifest.json").stat().st_size
    total = sum(len(d) for d in files.values())
    resent = faults.served - manifest - (total - on_disk)  # bytes sent again that were already on disk
    assert resent < 0.05 * on_disk, (resent, on_disk)
