"""One writer per output folder: an advisory lock that dies with its holder (DESIGN §6).

``download``, ``build``, the catalog and ``features`` each take :func:`folder_lock` on the folder
they write. The lock is ``fcntl.flock`` on a hidden file in that folder, so the kernel releases it
when the holder exits, however it exits (``kill -9`` included): there is never a stale lock to
clear by hand. The file holds a one-line description of the holder (command, pid, host, start time;
never its arguments, which may hold credentials), which a refused run names.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from egoexo_kit.errors import BusyError

__all__ = ["LOCK_NAME", "folder_lock", "holder_of"]

LOCK_NAME = ".egoexo-kit.lock"
_POLL_S = 0.2


def holder_of(folder: str | Path) -> str | None:
    """Who holds ``folder``'s lock, as the holder wrote it (``None`` when nobody wrote one)."""
    try:
        info = json.loads((Path(folder) / LOCK_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict):
        return None
    started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info.get("started", 0))))
    who = f"pid {info.get('pid', '?')} on {info.get('host', '?')}, since {started}"
    return f"`{info.get('what', 'egoexo-kit')}` ({who})"


@contextlib.contextmanager
def folder_lock(folder: str | Path, *, what: str, wait: float = 0.0) -> Iterator[Path]:
    """Hold ``folder``'s writer lock for the block; yields the lock file's path.

    Args:
        folder: the output folder (created if missing).
        what: the holder's description other runs will see, e.g. ``"egoexo-kit download"``.
        wait: seconds to wait for a busy lock before giving up; ``0`` refuses at once.

    Raises:
        BusyError: another run holds the lock (the message names it and how to proceed).
    """
    import fcntl  # POSIX only; imported here so the module imports everywhere

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    holder = holder_of(folder) or "another egoexo-kit run"
                    raise BusyError(
                        f"{holder} is writing here; wait for it to finish or stop it, then run again",
                        path=folder,
                    ) from None
                time.sleep(_POLL_S)
        info = {"what": what, "pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
