"""Two builds into one folder, one of them killed: real ``egoexo-kit build`` processes (issue 19).

Build #1 is stopped (``SIGSTOP``) in the middle of its take, its half-written take folder on disk and
the folder's lock held. Build #2 is refused at once, in one line naming #1; build #3 (``--wait``)
waits. Then #1 is killed with ``SIGKILL``: the kernel frees the lock, #3 takes over, deletes what #1
left half-written and finishes, and the release equals a clean build and validates without errors.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.builder.conftest import LEAN_FLAGS, release_digest

from egoexo_kit._io import is_temp_name
from egoexo_kit.validate import validate_release

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="watches /proc/<pid>/fd")

PATIENCE_S = 120.0
"""Hang guard only: how long a step may take before the test gives up (never a timing assertion)."""


def _cli(raw: Path, out: Path, *extra: str) -> list[str]:
    main = "from egoexo_kit.cli import main; main()"  # the console script, with this interpreter
    return [sys.executable, "-c", main, "build", str(raw), str(out), *LEAN_FLAGS, *extra]


def _until(what: str, ready, proc: subprocess.Popen | None = None) -> None:
    """Poll ``ready()`` every 10 ms; fail (naming ``what``) if ``proc`` exits first or patience runs out."""
    deadline = time.monotonic() + PATIENCE_S
    while not ready():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"exited ({proc.returncode}) before {what}: {err.decode(errors='replace')}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.01)


def _temps(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if is_temp_name(p.name)]


def _has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (it is inside ``folder_lock``, waiting or holding)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == os.path.realpath(path) for fd in fds)
    except OSError:
        return False


def test_a_second_build_is_refused_a_waiting_one_survives_a_kill_9(
    lean_built: Path, raw_release: Path, tmp_path: Path
) -> None:
    raw, out = raw_release / "raw", tmp_path / "release"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    first = subprocess.Popen(_cli(raw, out), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    waiting = None
    try:
        _until("build #1 started its take", lambda: any((out / "takes").glob(".*.tmp")), first)
        first.send_signal(signal.SIGSTOP)  # mid-take, lock held

        waiting = subprocess.Popen(
            _cli(raw, out, "--wait", str(PATIENCE_S)), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _until(
            "build #3 waits on the lock", lambda: _has_open(waiting.pid, out / ".egoexo-kit.lock"), waiting
        )

        second = subprocess.run(_cli(raw, out), env=env, capture_output=True, text=True, timeout=PATIENCE_S)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), second.stderr
        assert f"`egoexo-kit build` (pid {first.pid} on " in lines[0] and "is writing here" in lines[0]
        assert "Traceback" not in second.stderr + second.stdout

        assert waiting.poll() is None  # still waiting: the stopped build holds the lock
        assert _temps(out)  # #1's half-written take folder
        first.kill()  # kill -9 mid-take
        first.wait(timeout=PATIENCE_S)
        assert first.returncode == -signal.SIGKILL
        _, err = waiting.communicate(timeout=PATIENCE_S)
    finally:
        for proc in (first, waiting):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert waiting.returncode == 0, err.decode(errors="replace")
    assert "Traceback" not in err.decode(errors="replace")
    assert not _temps(out)
    assert release_digest(out) == release_digest(lean_built)  # takes.json, every file, byte for byte
    assert validate_release(out).errors == []
