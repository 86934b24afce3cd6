"""``download`` reuses the block cache: bytes that reading a mirror in place cached are not fetched again.

:class:`CacheReuse` is the :class:`~egoexo_kit.download.BlockReuse` hook ``egoexo-kit download``
plugs in. It lists the cache once (which URLs have blocks), so a file whose URL has none costs
nothing more than a set lookup (a real download has ~100k small files). For a URL that has blocks,
one ``HEAD`` gives the version the server holds now; blocks of any other version are deleted (as
:class:`~egoexo_kit.remote.RemoteFile` does) and only blocks of that version are offered.

The URL is the cache key, and both sides build it with the same
:meth:`~egoexo_kit.download.Source.file_url`: a release opened as ``s3://bucket/prefix/v2`` and a
download with ``--source s3://bucket/prefix --release v2`` (or an ``https://`` mirror, with or
without credentials or a trailing slash) address each file identically.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from egoexo_kit.download import Checksum, ObjectInfo, Source, TransferPolicy, retrying
from egoexo_kit.errors import DownloadError
from egoexo_kit.remote._cache import BlockCache
from egoexo_kit.remote._file import block_size

__all__ = ["CacheReuse", "CachedBlocks"]


@dataclass
class CachedBlocks:
    """The cached blocks of one object version (a :class:`~egoexo_kit.download.CachedObject`)."""

    cache: BlockCache
    url: str
    info: ObjectInfo
    block: int

    @property
    def size(self) -> int:
        """The object's size now."""
        return self.info.size

    @property
    def checksum(self) -> Checksum | None:
        """The hash the server gave with the ``HEAD``, if any."""
        return self.info.checksum

    @property
    def folder(self) -> Path:
        """Where this version's blocks are."""
        return self.cache.folder(self.url, self.info.version)

    def get(self, index: int, length: int) -> bytes | None:
        """Block ``index`` if cached with exactly ``length`` bytes."""
        return self.cache.get(self.folder, index, length)

    def discard(self) -> None:
        """Delete this version's blocks: a file built with them failed its hash."""
        self.cache.drop(self.url, self.info.version)


class CacheReuse:
    """Offers ``download`` the cached blocks of the files it fetches (see the module docstring).

    Args:
        cache: the block cache (default: the user's, :class:`~egoexo_kit.remote.BlockCache`).
        policy: retries of the ``HEAD`` (a failed one means: fetch the file as usual).
        block: bytes per block the cache was filled with (default
            :func:`~egoexo_kit.remote.block_size`, as :class:`~egoexo_kit.remote.RemoteFile` uses).
    """

    def __init__(
        self,
        cache: BlockCache | None = None,
        *,
        policy: TransferPolicy | None = None,
        block: int | None = None,
    ) -> None:
        self.cache = cache or BlockCache()
        self.policy = policy or TransferPolicy(retries=2, backoff_s=0.2, max_backoff_s=2.0)
        self.block = block or block_size()
        self.heads = 0
        """``HEAD`` requests sent (one per file whose URL had blocks)."""
        self._addresses: frozenset[str] | None = None
        self._lock = threading.Lock()

    def holds(self, url: str) -> bool:
        """Whether the cache had blocks of any version of ``url`` when first asked (one listing)."""
        with self._lock:
            if self._addresses is None:
                self._addresses = self.cache.addresses()
            return self.cache.address(url) in self._addresses

    def __call__(self, source: Source, url: str, size: int) -> CachedBlocks | None:
        """The cached blocks of ``url``'s current version, if it has ``size`` bytes and any are cached."""
        if not self.holds(url):
            return None
        try:
            with self._lock:
                self.heads += 1
            info = retrying(lambda: source.head(url), policy=self.policy)
        except DownloadError:
            return None
        self.cache.forget_other_versions(url, info.version)  # changed on the server: stale now
        found = CachedBlocks(self.cache, url, info, self.block)
        if info.size != size or not _any_block(found.folder):
            return None
        return found


def _any_block(folder: Path) -> bool:
    try:
        return any(p.suffix == ".blk" for p in folder.iterdir())
    except OSError:
        return False
