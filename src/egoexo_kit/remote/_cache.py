"""The on-disk block cache of remote objects: content-addressed, size-capped LRU, safe across processes.

Layout under :func:`~egoexo_kit._io.cache_dir` ``("remote", "blocks")``::

    <url hash>-<version hash>/<block index>.blk

The folder name holds a hash of the object's address and a hash of its version token (ETag, else
hash, else size and ``Last-Modified``: :class:`~egoexo_kit.download.ObjectInfo`), so a block is only
ever looked up for the very version it was fetched from; opening a newer version deletes the older
version's folder. Each block file is written atomically (temporary name, then rename), so a reader
never sees a half-written block, and ends with a 16-byte BLAKE2b digest of its bytes: a block whose
length is not exactly what the object size says, or whose bytes no longer match their digest (a
damaged disk, a hand edit), is discarded and fetched again instead of served. Recency is the
file's ``mtime`` (touched on every hit); trimming deletes the least recently used blocks until the
cache is under its cap, holding the cache's ``flock`` so that two processes do not trim at once
(reads and writes need no lock). The files a remote release fetched for its takes (under its shadow's
``takes/`` and ``captures/``: trajectories, point clouds, audio, VRS …; touched when a process first
uses them) share that cap and that order; a trimmed one is fetched again when next used. Metadata and
annotations are never trimmed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from egoexo_kit._io import atomic_path, cache_dir, is_temp_name
from egoexo_kit._lock import LOCK_NAME, folder_lock
from egoexo_kit.errors import ArgumentError, BusyError

__all__ = ["DEFAULT_MAX_BYTES", "BlockCache", "CacheUsage", "cache_max_bytes", "parse_size"]

DEFAULT_MAX_BYTES = 20 << 30
"""Default cap of the block cache (20 GiB); ``$EGOEXO_KIT_CACHE_MAX`` overrides it."""

_RESCAN_BYTES = 64 << 20
"""Bytes this process writes before it measures the whole cache again (other processes write too); a
tenth of the cap when that is less. Until then another process's writes are not counted: the cap is
exact for one process and soft across several (over by at most what the others wrote since)."""

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_size(text: str) -> int:
    """``"20G"``, ``"512M"``, ``"1.5GiB"``, ``"1000"`` → bytes (binary units).

    Raises:
        ArgumentError: not a size.
    """
    raw = text.strip().lower().removesuffix("ib").removesuffix("b")
    number, unit = raw, ""
    if raw and raw[-1] in _UNITS:
        number, unit = raw[:-1], raw[-1]
    try:
        value = float(number)
    except ValueError:
        raise ArgumentError(f"not a size: {text!r} (e.g. 20G, 512M, 1000000)") from None
    if not value >= 0 or value == float("inf"):
        raise ArgumentError(f"not a size: {text!r} (must be a finite number >= 0)")
    return int(value * _UNITS[unit])


def cache_max_bytes() -> int:
    """The cache cap: ``$EGOEXO_KIT_CACHE_MAX`` (e.g. ``20G``) or :data:`DEFAULT_MAX_BYTES`.

    Raises:
        ArgumentError: the variable is set to something that is not a size.
    """
    own = os.environ.get("EGOEXO_KIT_CACHE_MAX", "").strip()
    return parse_size(own) if own else DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class CacheUsage:
    """What the block cache holds."""

    root: Path
    objects: int
    """Object versions with at least one block."""
    blocks: int
    bytes: int
    """Everything the cap covers: blocks and fetched take files."""
    max_bytes: int
    block_bytes: int = 0
    """Of ``bytes``, the video blocks."""
    files: int = 0
    """Take and capture files fetched into remote releases' shadows (trimmed with the blocks)."""


_TRIMMABLE = ("takes", "captures")
"""Folders of a shadow whose fetched files share the cap (fetched again when used after a trim)."""

TRAILER = 16
"""Bytes after each block's data in its file: the BLAKE2b digest :meth:`BlockCache.get` checks."""


def _seal(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=TRAILER).digest()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


class BlockCache:
    """Blocks of remote objects on disk (see the module docstring); thread- and process-safe.

    Args:
        root: the cache folder (default ``cache_dir("remote", "blocks")``).
        max_bytes: the cap (default :func:`cache_max_bytes`); a write that takes the cache over it
            trims the least recently used blocks and fetched take files.
        shadows: the folder of remote releases' shadows whose take files (under ``takes/`` and
            ``captures/``: trajectories, point clouds, audio, VRS …) share the cap; the default cache
            uses ``cache_dir("remote", "releases")``. Metadata and annotations are never trimmed.
    """

    def __init__(
        self, root: Path | None = None, *, max_bytes: int | None = None, shadows: Path | None = None
    ) -> None:
        self.root = Path(root) if root is not None else cache_dir("remote", "blocks")
        default = shadows is None and root is None
        self.shadows = cache_dir("remote", "releases") if default else shadows
        """The remote releases' shadow folders whose fetched take files count toward the cap (the
        default cache: ``cache_dir("remote", "releases")``; ``None``: blocks only)."""
        self.max_bytes = cache_max_bytes() if max_bytes is None else max_bytes
        self._lock = threading.Lock()
        self._estimate: int | None = None  # bytes in the cache as this process last measured + wrote
        self._since_scan = 0
        self.hits = 0
        """Blocks served from disk (for benchmarks and tests)."""
        self.misses = 0
        """Blocks that had to be fetched."""

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- addressing ----------------------------------------------------------------------------------
    def folder(self, url: str, version: str) -> Path:
        """The folder of one object version's blocks."""
        return self.root / f"{_digest(url)}-{_digest(version)}"

    def forget_other_versions(self, url: str, version: str) -> int:
        """Delete the blocks of every other cached version of ``url`` (it changed on the server).

        Returns:
            How many block files were deleted.
        """
        keep = self.folder(url, version).name
        prefix = f"{_digest(url)}-"
        gone = 0
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.root):
                if entry.name.startswith(prefix) and entry.name != keep and entry.is_dir():
                    gone += _remove_folder(Path(entry.path))
        return gone

    def addresses(self) -> frozenset[str]:
        """The address keys (:meth:`address`) of every object with a folder in the cache: one listing.

        What a caller checks many URLs against (``download`` asks about every file it fetches) without
        listing the cache, or sending a ``HEAD``, once per URL.
        """
        with contextlib.suppress(FileNotFoundError):
            return frozenset(
                e.name.partition("-")[0] for e in os.scandir(self.root) if "-" in e.name and e.is_dir()
            )
        return frozenset()

    @staticmethod
    def address(url: str) -> str:
        """The key of ``url`` in the folder names (:meth:`folder` is ``<address>-<version key>``)."""
        return _digest(url)

    def drop(self, url: str, version: str) -> int:
        """Delete every cached block of one object version (found wrong: never serve it again).

        Returns:
            How many block files were deleted.
        """
        return _remove_folder(self.folder(url, version))

    # -- blocks --------------------------------------------------------------------------------------
    def get(self, folder: Path, index: int, length: int) -> bytes | None:
        """Block ``index`` if cached with ``length`` intact bytes, else ``None`` (a wrong one is deleted)."""
        path = folder / f"{index}.blk"
        try:
            with open(path, "rb") as f:
                sealed = f.read(length + TRAILER + 1)
        except OSError:
            return None
        data, digest = sealed[:-TRAILER], sealed[-TRAILER:]
        if len(sealed) != length + TRAILER or _seal(data) != digest:
            path.unlink(missing_ok=True)  # never serve a block that is not the object's: fetch it again
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recency for the LRU
        with self._lock:
            self.hits += 1
        return data

    def put(self, folder: Path, index: int, data: bytes) -> None:
        """Store one block atomically, then trim if the cache went over its cap.

        A cache that cannot be written (read-only, full) is skipped silently: it is an optimisation.
        """
        try:
            with atomic_path(folder / f"{index}.blk") as tmp:
                tmp.write_bytes(data + _seal(data))
        except Exception:
            return
        self.wrote(len(data))

    def wrote(self, nbytes: int) -> None:
        """Count ``nbytes`` just added (a block, or files fetched into a shadow); trim when over the cap."""
        with self._lock:
            if self._estimate is None or self._since_scan > min(_RESCAN_BYTES, self.max_bytes // 10):
                self._estimate, self._since_scan = self.usage().bytes, 0
            else:
                self._estimate += nbytes
                self._since_scan += nbytes
            over = self._estimate > self.max_bytes
        if over:
            self.trim(wait=30.0)  # another process trimming: wait, then measure again with its result

    # -- whole cache ---------------------------------------------------------------------------------
    def _blocks(self) -> list[tuple[float, int, Path]]:
        """Every block file as ``(mtime, size, path)``."""
        out = []
        with contextlib.suppress(FileNotFoundError):
            for obj in os.scandir(self.root):
                if not obj.is_dir():
                    continue
                with contextlib.suppress(FileNotFoundError):
                    for blk in os.scandir(obj.path):
                        if blk.name.endswith(".blk") and not is_temp_name(blk.name):
                            with contextlib.suppress(FileNotFoundError):
                                st = blk.stat()
                                out.append((st.st_mtime, st.st_size, Path(blk.path)))
        return out

    def _take_files(self) -> list[tuple[float, int, Path]]:
        """Every fetched take or capture file of every shadow as ``(mtime, size, path)``."""
        out = []
        if self.shadows is None:
            return out
        with contextlib.suppress(FileNotFoundError):
            for shadow in os.scandir(self.shadows):
                for sub in _TRIMMABLE:
                    for dirpath, _, files in os.walk(os.path.join(shadow.path, sub)):
                        for name in files:
                            if not is_temp_name(name):
                                with contextlib.suppress(FileNotFoundError):
                                    st = os.stat(os.path.join(dirpath, name))
                                    out.append((st.st_mtime, st.st_size, Path(dirpath, name)))
        return out

    def usage(self) -> CacheUsage:
        """Objects, blocks, fetched take files and bytes in the cache now."""
        blocks, files = self._blocks(), self._take_files()
        block_bytes = sum(size for _, size, _ in blocks)
        return CacheUsage(
            self.root,
            objects=len({p.parent for _, _, p in blocks}),
            blocks=len(blocks),
            bytes=block_bytes + sum(size for _, size, _ in files),
            max_bytes=self.max_bytes,
            block_bytes=block_bytes,
            files=len(files),
        )

    def trim(self, max_bytes: int | None = None, *, wait: float = 0.0) -> int:
        """Delete least recently used blocks and take files until the cache holds at most ``max_bytes``.

        Trims to 90% of an automatic cap (so that the next writes do not trim again at once), to exactly
        ``max_bytes`` when it is given. Another process already trimming makes this a no-op, unless
        ``wait`` gives it time to finish.

        Returns:
            Bytes deleted.
        """
        target = int(self.max_bytes * 0.9) if max_bytes is None else max_bytes
        try:
            with folder_lock(self.root, what="egoexo-kit cache trim", wait=wait):
                blocks = sorted(self._blocks() + self._take_files())
                total = sum(size for _, size, _ in blocks)
                freed = 0
                for _, size, path in blocks:
                    if total - freed <= target:
                        break
                    path.unlink(missing_ok=True)
                    freed += size
                for folder in {p.parent for _, _, p in blocks if p.is_relative_to(self.root)}:
                    with contextlib.suppress(OSError):
                        folder.rmdir()  # only when empty
                with self._lock:
                    self._estimate, self._since_scan = total - freed, 0
                return freed
        except BusyError:
            return 0
        except OSError:
            return 0


def _remove_folder(folder: Path) -> int:
    gone = 0
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(folder):
            if entry.name != LOCK_NAME:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry.path)
                    gone += 1
    with contextlib.suppress(OSError):
        folder.rmdir()
    return gone
