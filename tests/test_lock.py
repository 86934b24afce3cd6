"""The per-folder writer lock: one holder, named to a refused run, released when the holder dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from egoexo_kit._lock import LOCK_NAME, folder_lock, holder_of
from egoexo_kit.errors import BusyError

HOLD = """
import sys, time
from egoexo_kit._lock import folder_lock
with folder_lock(sys.argv[1], what="egoexo-kit build"):
    print("held", flush=True)
    time.sleep(60)
"""


def _holder(folder: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_second_holder_in_same_process_is_refused_and_named(tmp_path):
    with folder_lock(tmp_path, what="egoexo-kit download"):
        with pytest.raises(BusyError, match=r"`egoexo-kit download` \(pid \d+ on .*\) is writing here"):
            with folder_lock(tmp_path, what="egoexo-kit download"):
                pass
    with folder_lock(tmp_path, what="again"):  # released on exit
        assert "`again`" in holder_of(tmp_path)


def test_lock_of_killed_process_is_released_at_once(tmp_path):
    proc = _holder(tmp_path)
    try:
        with pytest.raises(BusyError, match="egoexo-kit build"):
            with folder_lock(tmp_path, what="x"):
                pass
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    with folder_lock(tmp_path, what="x"):  # no stale lock to clear by hand
        pass
    assert (tmp_path / LOCK_NAME).exists()


def test_waiting_run_gets_the_lock_when_the_holder_ends(tmp_path):
    proc = _holder(tmp_path)
    t0 = time.monotonic()
    subprocess.Popen(["sh", "-c", f"sleep 0.5; kill {proc.pid}"])
    with folder_lock(tmp_path, what="x", wait=30):
        assert time.monotonic() - t0 < 30
    proc.wait()


def test_lock_creates_missing_folder(tmp_path):
    with folder_lock(tmp_path / "a" / "b", what="x") as path:
        assert path == tmp_path / "a" / "b" / LOCK_NAME


def test_lock_file_never_records_the_command_line(tmp_path, monkeypatch):
    """A ``--source https://user:secret@host`` argument must not land in a readable file."""
    monkeypatch.setattr("sys.argv", ["egoexo-kit", "download", "--source", "https://u:s3cret@h/x"])
    with folder_lock(tmp_path, what="egoexo-kit download") as path:
        assert "s3cret" not in path.read_text()
