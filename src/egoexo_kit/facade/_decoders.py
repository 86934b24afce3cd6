"""Decoders shared by every take of a process: a locked LRU of open readers and one decode pool.

STYLE §2 (LeRobot's ``VideoDecoderCache`` and ``_query_videos``): keep decoders open in a bounded
cache, decode views in parallel threads, and skip the pool for a single view.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from egoexo_kit.video import Opener, VideoReader

__all__ = ["READERS", "decode_pool"]


class _ReaderCache:
    """A locked LRU of open :class:`VideoReader` objects (size: ``EGOEXO_KIT_DECODERS``, default 16).

    Each reader keeps up to ``EGOEXO_KIT_FRAME_CACHE`` decoded frames (default 64, within the reader's
    byte cap) for nearby requests; 0 makes every request decode from its keyframe (what a benchmark
    of cold random access sets).
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._readers: OrderedDict[tuple[Path, Path | None], tuple[VideoReader, threading.Lock]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def get(
        self, path: Path, *, index_dir: Path | None, opener: Opener | None = None
    ) -> tuple[VideoReader, threading.Lock]:
        """The open reader of ``path`` and the lock to hold while using it (readers are not thread-safe).

        ``opener``: how to read a video that is not a local file (a remote release's MP4, whose ``path``
        is its place in the release's local shadow folder).
        """
        key = (path, index_dir)
        with self._lock:
            if os.getpid() != self._pid:  # a forked DataLoader worker: never share the parent's decoders
                self._readers = OrderedDict()
                self._pid = os.getpid()
            entry = self._readers.pop(key, None)
            if entry is None:
                reader = VideoReader(path, index_dir=index_dir, opener=opener, cache_frames=_FRAME_CACHE)
                entry = (reader, threading.Lock())
            self._readers[key] = entry
            while len(self._readers) > self._size:
                _, (old, old_lock) = self._readers.popitem(last=False)
                with old_lock:
                    old.close()
            return entry


_FRAME_CACHE = int(os.environ.get("EGOEXO_KIT_FRAME_CACHE", "64"))
READERS = _ReaderCache(int(os.environ.get("EGOEXO_KIT_DECODERS", "16")))
_THREADS = max(1, os.cpu_count() or 1)
_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def decode_pool() -> ThreadPoolExecutor:
    """This process's shared decode threads (a forked worker makes its own: threads do not survive a fork)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(os.getpid())
        if pool is None:
            _POOLS.clear()
            pool = _POOLS[os.getpid()] = ThreadPoolExecutor(_THREADS, thread_name_prefix="egoexo-decode")
        return pool
