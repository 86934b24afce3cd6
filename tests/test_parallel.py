"""Worker processes die with their parent, kill -9 included; files keep the user's umask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from egoexo_kit import _io

PARENT = """
import os, sys, time
from egoexo_kit._parallel import pool_map

def work(i):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: the two workers share the pipe
    time.sleep(120)

if __name__ == "__main__":
    pool_map(work, [0, 1], workers=2, start=sys.argv[1])
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _check_workers_die(start: str, tmp_path) -> None:
    script = tmp_path / "parent.py"  # a file, so spawned workers can import ``work`` from it
    script.write_text(PARENT)
    proc = subprocess.Popen([sys.executable, str(script), start], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    workers = [int(proc.stdout.readline()) for _ in range(2)]
    assert all(_alive(p) for p in workers)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "orphaned workers outlived kill -9 of their parent"


def test_forked_workers_die_with_killed_parent(tmp_path):
    _check_workers_die("fork", tmp_path)


def test_spawned_workers_die_with_killed_parent(tmp_path):
    _check_workers_die("spawn", tmp_path)


def test_atomic_writes_never_change_the_process_umask(tmp_path, monkeypatch):
    """Setting and restoring the umask to read it lets another thread create 0666 files in between."""
    old = os.umask(0o027)
    try:
        real_umask = os.umask

        def refuse(mask: int) -> int:
            raise AssertionError(f"os.umask({mask:o}) called while writing")

        monkeypatch.setattr(os, "umask", refuse)
        _io.write_text(tmp_path / "a.txt", "x")
        with _io.atomic_dir(tmp_path / "d") as d:
            (d / "f").write_text("y")
        monkeypatch.setattr(os, "umask", real_umask)
        assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o640
        assert (tmp_path / "d").stat().st_mode & 0o777 == 0o750
    finally:
        os.umask(old)


def test_stale_temporaries_of_a_killed_writer_are_found_and_removed(tmp_path):
    keep = [tmp_path / "takes.json", tmp_path / ".synth", tmp_path / "a" / ".hidden.json"]
    keep[1].mkdir()
    keep[2].parent.mkdir()
    for p in (keep[0], keep[2]):
        p.write_text("{}")
    with _io.atomic_path(tmp_path / "a" / "cam01.mp4") as tmp:
        name = tmp.name  # the name a writer killed at this point leaves behind
        tmp.write_bytes(b"done")
    stale_file = tmp_path / "a" / name
    stale_file.write_bytes(b"half")
    stale_dir = tmp_path / ".take.k3j4l5_x.tmp"
    stale_dir.mkdir()
    (stale_dir / "x").write_text("1")
    assert _io.is_temp_name(stale_file.name)
    assert _io.remove_stale_temps(tmp_path) == 2
    assert not stale_file.exists() and not stale_dir.exists()
    assert all(p.exists() for p in keep)
