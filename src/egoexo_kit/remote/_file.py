"""A seekable, read-only binary file over one remote object, read in blocks through the block cache.

``av.open(RemoteFile(...))`` demuxes a remote MP4 like a local one: FFmpeg reads the ``moov`` box
and then the packets of the group of pictures it decodes, and each read becomes at most a few
ranged GETs of whole blocks (:data:`DEFAULT_BLOCK`), kept on disk by the
:class:`~egoexo_kit.remote.BlockCache` and the last few in memory. A run of reads that walks forward
(sequential decoding) fetches the next blocks in the same request, twice as many each time
(read-ahead, up to :data:`MAX_REQUEST`).

Transfers go through :func:`egoexo_kit.download.retrying` with a
:class:`~egoexo_kit.download.TransferPolicy`: a dropped connection, a 5xx burst, throttling
(503 SlowDown, 429) or a stall (socket timeout) is retried with backoff; a permanent error (missing
object, access denied) or a run of failures raises one located
:class:`~egoexo_kit.errors.DownloadError`. Every block is checked against the object's size (a short
or long answer is a transient error), and every response against the version it was opened at (an
object replaced on the server mid-read is refused, never mixed).
"""

from __future__ import annotations

import io
import os
import threading
from collections import OrderedDict
from typing import Any

from egoexo_kit.download import (
    ObjectInfo,
    PermanentError,
    Source,
    TransferPolicy,
    TransientError,
    redact_url,
    retrying,
)
from egoexo_kit.errors import DownloadError
from egoexo_kit.remote._cache import BlockCache

__all__ = ["DEFAULT_BLOCK", "RemoteFile", "TransferStats", "block_size"]

DEFAULT_BLOCK = 256 << 10
"""Bytes per block (256 KiB): the granularity of a random read (opening an MP4 costs its first block
and the blocks of its ``moov`` box); override with ``$EGOEXO_KIT_REMOTE_BLOCK`` (e.g. ``1M``)."""

MAX_REQUEST = 8 << 20
"""Most bytes one request fetches while reads walk forward: a forward walk doubles each request
(1, 2, 4 … blocks), so decoding a large group of pictures costs a few round trips, not one per block."""

_MEMORY_BLOCKS = 8
"""Recently used blocks kept in memory (FFmpeg reads in small pieces, often the same block again)."""


def block_size() -> int:
    """The block size: ``$EGOEXO_KIT_REMOTE_BLOCK`` (e.g. ``256K``) or :data:`DEFAULT_BLOCK`."""
    from egoexo_kit.remote._cache import parse_size

    own = os.environ.get("EGOEXO_KIT_REMOTE_BLOCK", "").strip()
    return max(4096, parse_size(own)) if own else DEFAULT_BLOCK


class TransferStats:
    """Bytes and requests one :class:`RemoteFile` (or several sharing it) caused; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.bytes = 0
        """Bytes received from the server."""
        self.requests = 0
        """Ranged GETs sent (retries included)."""

    def __getstate__(self) -> dict[str, object]:
        return {"bytes": self.bytes, "requests": self.requests}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def add(self, *, nbytes: int = 0, requests: int = 0) -> None:
        """Count a transfer."""
        with self._lock:
            self.bytes += nbytes
            self.requests += requests


class RemoteFile(io.RawIOBase):
    """A read-only, seekable binary file over ``url`` of ``source`` (see the module docstring).

    Args:
        source: where the object lives (:func:`egoexo_kit.download.open_source`).
        url: the object's address in that source.
        info: its size and version when the caller already has them (and dropped older versions'
            blocks); else one ``HEAD``, after which cached blocks of other versions are deleted.
        cache: the block cache (default: the user cache, :class:`BlockCache`).
        policy: retries, backoff and stall timeout.
        block: bytes per block (default :func:`block_size`).
        stats: where to count transferred bytes (default: a new :class:`TransferStats`).

    Raises:
        DownloadError: the object cannot be reached or does not exist (located, redacted URL).
    """

    def __init__(
        self,
        source: Source,
        url: str,
        *,
        info: ObjectInfo | None = None,
        cache: BlockCache | None = None,
        policy: TransferPolicy | None = None,
        block: int | None = None,
        stats: TransferStats | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.url = url
        self.policy = policy or TransferPolicy(retries=5, backoff_s=0.2, max_backoff_s=5.0)
        self.cache = cache or BlockCache()
        if info is None:  # a fresh HEAD: blocks of any older version of the object are stale now
            info = retrying(lambda: source.head(url), policy=self.policy)
            self.cache.forget_other_versions(url, info.version)
        self.info = info
        self.block = block or block_size()
        self.stats = stats or TransferStats()
        self.name = redact_url(url)
        self._folder = self.cache.folder(url, self.info.version)
        self._pos = 0
        self._memory: OrderedDict[int, bytes] = OrderedDict()
        self._last_block = -2  # last block read, to detect forward walks
        self._streak = 0  # fetches in a row that continued a forward walk
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteFile({self.name!r}, {self.info.size} bytes)"

    # -- the io protocol -----------------------------------------------------------------------------
    def readable(self) -> bool:
        """Always readable."""
        return True

    def seekable(self) -> bool:
        """Always seekable."""
        return True

    def tell(self) -> int:
        """The current offset."""
        return self._pos

    @property
    def size(self) -> int:
        """The object's size in bytes."""
        return self.info.size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset`` from the start, the current offset or the end; returns the new offset."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.info.size}[whence]
        pos = base + offset
        if pos < 0:
            raise OSError(f"negative seek position {pos}")
        self._pos = pos
        return pos

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` bytes from the current offset (``-1``: to the end); ``b""`` at the end."""
        end = self.info.size if size is None or size < 0 else min(self.info.size, self._pos + size)
        if end <= self._pos:
            return b""
        out = self.pread(self._pos, end)
        self._pos += len(out)
        return out

    def readinto(self, buffer: Any) -> int:
        """Read into a writable buffer; returns the bytes read."""
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        """Everything from the current offset to the end."""
        return self.read(-1)

    # -- blocks --------------------------------------------------------------------------------------
    def pread(self, start: int, stop: int) -> bytes:
        """Bytes ``[start, stop)`` (clipped to the object), without moving the offset."""
        stop = min(stop, self.info.size)
        if stop <= start:
            return b""
        first, last = start // self.block, (stop - 1) // self.block
        with self._lock:
            pieces = [self._block(i) for i in range(first, last + 1)]
        data = b"".join(pieces)
        offset = start - first * self.block
        return data[offset : offset + (stop - start)]

    def _length(self, index: int) -> int:
        return min(self.block, self.info.size - index * self.block)

    def _block(self, index: int) -> bytes:
        data = self._memory.get(index)
        if data is not None:
            self._memory.move_to_end(index)
        else:
            data = self.cache.get(self._folder, index, self._length(index))
            if data is None:
                data = self._fetch(index)
            self._remember(index, data)
        self._last_block = index
        return data

    def _remember(self, index: int, data: bytes) -> None:
        self._memory[index] = data
        self._memory.move_to_end(index)
        while len(self._memory) > _MEMORY_BLOCKS:
            self._memory.popitem(last=False)

    def _fetch(self, index: int) -> bytes:
        """Fetch block ``index`` (plus read-ahead on a forward walk), store them, return the first."""
        self._streak = self._streak + 1 if index == self._last_block + 1 else 0
        want = min(max(1, MAX_REQUEST // self.block), 1 << min(self._streak, 16))
        count = 1
        n_blocks = -(-self.info.size // self.block)
        while (
            count < want
            and index + count < n_blocks
            and index + count not in self._memory
            and not (self._folder / f"{index + count}.blk").exists()
        ):
            count += 1
        self.cache.misses += 1
        start = index * self.block
        stop = min(self.info.size, (index + count) * self.block)
        data = retrying(lambda: self._get_range(start, stop), policy=self.policy)
        for k in range(count):
            piece = data[k * self.block : (k + 1) * self.block]
            self.cache.put(self._folder, index + k, piece)
            if k:
                self._remember(index + k, piece)
        return data[: self._length(index)]

    def _get_range(self, start: int, stop: int) -> bytes:
        """One ranged GET of exactly ``[start, stop)`` of the version opened, or a transfer error."""
        self.stats.add(requests=1)
        resp = self.source.open(self.url, start=start, stop=stop)
        try:
            if resp.start != start:
                raise _no_ranges(self.name)
            if resp.total is not None and resp.total != self.info.size:
                raise _Changed(self.name, f"{resp.total} bytes now, {self.info.size} when opened")
            if (
                resp.checksum is not None
                and self.info.checksum is not None
                and resp.checksum != self.info.checksum
            ):
                raise _Changed(self.name, f"its hash is now {resp.checksum}, was {self.info.checksum}")
            chunks = []
            got = 0
            for chunk in resp.chunks:
                chunks.append(chunk)
                got += len(chunk)
                self.stats.add(nbytes=len(chunk))
                if got > stop - start:  # a whole object for a range: the server ignores ranges
                    raise _no_ranges(self.name)
        finally:
            resp.close()
        if got != stop - start:
            raise TransientError(f"connection closed after {got} of {stop - start} bytes", path=self.name)
        return b"".join(chunks)

    # -- pickling (a DataLoader worker reconnects with its own source) -------------------------------
    def __getstate__(self) -> dict[str, Any]:
        raise TypeError(
            "a RemoteFile is not picklable: open it again in the worker (open_release(url) there)"
        )


def _no_ranges(name: str) -> DownloadError:
    """The server answers a byte range with the whole object: no retry will help."""
    return PermanentError(
        "the server ignores byte ranges: remote reading needs ranged GETs (download the release instead)",
        path=name,
    )


def _Changed(name: str, what: str) -> DownloadError:
    """The object was replaced on the server while being read: refuse, never mix two versions."""
    return PermanentError(
        f"changed on the server while being read ({what}); open it again to read the new version",
        path=name,
    )
