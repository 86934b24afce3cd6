"""Opening release files with located errors: a missing file, a folder, a link loop or an unreadable file.

Every reader opens its file through :func:`check_file` or :func:`read_bytes`, so each of these
ends in one :class:`~egoexo_kit.errors.FormatError` naming the path and what is wrong with it,
never in an ``OSError`` from deep inside a parser (issue 19). Special files (a FIFO, a device) are
refused too: reading one could block forever or never end.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from egoexo_kit.errors import FormatError

__all__ = ["check_file", "os_reason", "present", "read_bytes"]

_REASONS = {
    errno.ELOOP: "too many levels of symbolic links (a link loop?)",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a folder on the way is a file",
    errno.EISDIR: "is a folder, expected a file",
    errno.ENAMETOOLONG: "the path is too long",
    errno.EIO: "input/output error",
}


def os_reason(err: OSError) -> str:
    """A short reason for an ``OSError`` on a path, in the words of a message (no errno numbers)."""
    if err.errno in _REASONS:
        return _REASONS[err.errno]
    return (err.strerror or type(err).__name__).lower()


def present(path: str | Path) -> bool:
    """Whether anything is at ``path``: a file, a folder, a special file or a (broken, looping) link.

    Optional files are looked for with this rather than ``is_file()``: a folder or a link loop
    where an optional file belongs is then reported by :func:`check_file`, not taken for absence.
    """
    return os.path.lexists(path)


def check_file(path: str | Path) -> Path:
    """``path`` if it is a regular file (links followed); else a located :class:`FormatError`.

    Raises:
        FormatError: the file does not exist (or is a broken link), is a folder or a special
            file, or cannot be examined (a link loop, no permission); the message says which.
    """
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        broken = path.is_symlink()
        raise FormatError("broken symbolic link" if broken else "file does not exist", path=path) from None
    except OSError as e:
        raise FormatError(f"cannot open: {os_reason(e)}", path=path) from e
    if stat.S_ISDIR(st.st_mode):
        raise FormatError("is a folder, expected a file", path=path)
    if not stat.S_ISREG(st.st_mode):
        raise FormatError("not a regular file (a pipe, socket or device?)", path=path)
    return path


def read_bytes(path: str | Path) -> bytes:
    """The content of a regular file; every way it can fail is a located :class:`FormatError`."""
    path = check_file(path)
    try:
        return path.read_bytes()
    except OSError as e:
        raise FormatError(f"cannot read: {os_reason(e)}", path=path) from e
    except MemoryError:
        raise FormatError("file too large to read into memory", path=path) from None
