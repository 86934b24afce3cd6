"""Atomic file writes (DESIGN §6): write to a temporary sibling, then rename, so nothing is half-written."""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = [
    "atomic_dir",
    "atomic_path",
    "cache_dir",
    "is_temp_name",
    "json_ready",
    "remove_stale_temps",
    "write_json",
    "write_png",
    "write_text",
]

_TEMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{6,}\.(tmp|old)(\..*)?$")


def _read_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set-and-restore, done once at import (see _umask)
    os.umask(mask)
    return mask


_IMPORT_UMASK = _read_umask()


def _umask() -> int:
    """The umask new files get, without the set-and-restore race of ``os.umask``.

    ``os.umask`` can only be read by setting it, and a file another thread creates in between
    gets the temporary mask. On Linux the mask is read from ``/proc``; elsewhere the value read
    once at import is used.
    """
    if os.path.exists("/proc/self/status"):
        return _read_umask()
    return _IMPORT_UMASK


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``, on error delete it.

    The temporary name keeps the suffix (``.mp4``, ``.csv.gz``) so writers that infer the format
    from the extension still work.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp" + "".join(path.suffixes), dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; a release file is as readable as any other
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException as e:
        tmp_path.unlink(missing_ok=True)
        _raise_write_error(e, path)
        raise


_OUT_OF_SPACE = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS}
"""Errors that mean "this output cannot be written here", whoever wrote the bytes (Python, FFmpeg, libpng)."""


def _raise_write_error(e: BaseException, path: Path, *, tmp: Path | None = None) -> None:
    """Re-raise a full disk (a file-size limit, a quota, a read-only file system) as a WriteError.

    The :class:`~egoexo_kit.errors.WriteError` names ``path`` (a file inside the temporary folder
    ``tmp`` of :func:`atomic_dir` is named under ``path``); any other exception is left alone.
    """
    from egoexo_kit.errors import EgoExoKitError, WriteError

    if isinstance(e, OSError) and not isinstance(e, EgoExoKitError) and e.errno in _OUT_OF_SPACE:
        raise WriteError(f"cannot write: {e.strerror or os.strerror(e.errno)}", path=path) from e
    if isinstance(e, WriteError) and tmp is not None and e.path and Path(e.path).is_relative_to(tmp):
        raise WriteError(e.message, path=path / Path(e.path).relative_to(tmp)) from e


def cache_dir(*parts: str) -> Path:
    """The user cache folder for derived data (``parts`` appended), never inside a release.

    ``$EGOEXO_KIT_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/egoexo-kit``, else
    ``~/.cache/egoexo-kit``. The folder is not created here: writers create it when they write, and
    treat a folder that cannot be written as "no cache" (a cache is an optimisation, never required).
    """
    own = os.environ.get("EGOEXO_KIT_CACHE_DIR", "").strip()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    root = Path(own) if own else (Path(xdg) if xdg else Path.home() / ".cache") / "egoexo-kit"
    return root.joinpath(*parts)


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is a temporary sibling made by :func:`atomic_path` or :func:`atomic_dir`."""
    return bool(_TEMP_NAME.match(name))


def remove_stale_temps(folder: str | Path, *, recursive: bool = True) -> int:
    """Delete temporary siblings a killed run left under ``folder``; returns how many went.

    Call it only while holding the folder's writer lock (:func:`egoexo_kit._lock.folder_lock`):
    then no live writer owns them. ``kill -9`` gives a run no chance to clean up itself.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return 0
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        found += [Path(dirpath) / n for n in filenames if is_temp_name(n)]
        stale = [n for n in dirnames if is_temp_name(n)]
        found += [Path(dirpath) / n for n in stale]
        dirnames[:] = [n for n in dirnames if n not in stale] if recursive else []
    for p in found:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    return len(found)


def write_text(path: str | Path, text: str) -> None:
    """Atomically write UTF-8 text."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def json_ready(obj: Any) -> Any:
    """``obj`` as strict JSON can hold it: NaN and infinities as ``None``, numpy scalars as Python ones.

    Dict keys become strings, tuples lists. numpy is recognised without importing it, so the CLI's
    start-up does not pay for it.
    """
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if type(obj).__module__ == "numpy" and getattr(obj, "ndim", None) == 0:
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_json(path: str | Path, obj: Any, *, indent: int | None = None) -> None:
    """Atomically write JSON (compact by default, as FORMAT §2.0 recommends)."""
    write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False))


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it replaces ``path``, on error it goes.

    Readers see either the old folder or the complete new one (the swap is two renames: the old folder
    moves aside first, then the new one moves in, then the old one is deleted).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        old = None
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        _raise_write_error(e, path, tmp=tmp)
        raise


def write_png(path: str | Path, rgb: Any) -> None:
    """Atomically write an ``(H, W, 3)`` uint8 RGB image as PNG.

    Encoded in memory and written by Python: OpenCV's own file writing crashes the process on a
    file name that is not UTF-8, and a full disk then raises a located error like any other write.
    """
    import cv2
    import numpy as np

    from egoexo_kit.errors import EgoExoKitError

    ok, png = cv2.imencode(".png", np.ascontiguousarray(np.asarray(rgb)[..., ::-1]))
    if not ok:
        raise EgoExoKitError("could not encode PNG", path=path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(png.tobytes())
