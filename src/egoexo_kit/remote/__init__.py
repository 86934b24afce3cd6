"""Remote releases: read a release in place from an S3 bucket or HTTPS mirror (issue 21).

Three pieces, bottom up: :class:`BlockCache` (blocks of remote objects on disk, content-addressed by
URL and version, size-capped LRU, safe across processes), :class:`RemoteFile` (a seekable binary file
over one object, read by ranged GETs through that cache, so ``av.open(RemoteFile(...))`` decodes a
remote MP4 fetching only the ``moov`` box and the groups of pictures it needs) and
:class:`RemoteRelease` (the mirror's small files in a local shadow folder laid out like a release, its
media by range). ``egoexo_kit.open_release("s3://…/v2")`` builds on them, and ``egoexo-kit download``
reuses the cached blocks of the files it fetches (:class:`CacheReuse`).

Sits beside ``video`` (layer 4): imports ``download`` (sources, retries, manifests), ``release``,
``_io``, ``_lock`` and ``errors``.
"""

from __future__ import annotations

from egoexo_kit.remote._cache import DEFAULT_MAX_BYTES as DEFAULT_MAX_BYTES
from egoexo_kit.remote._cache import BlockCache as BlockCache
from egoexo_kit.remote._cache import CacheUsage as CacheUsage
from egoexo_kit.remote._cache import cache_max_bytes as cache_max_bytes
from egoexo_kit.remote._cache import parse_size as parse_size
from egoexo_kit.remote._file import DEFAULT_BLOCK as DEFAULT_BLOCK
from egoexo_kit.remote._file import MAX_REQUEST as MAX_REQUEST
from egoexo_kit.remote._file import RemoteFile as RemoteFile
from egoexo_kit.remote._file import TransferStats as TransferStats
from egoexo_kit.remote._file import block_size as block_size
from egoexo_kit.remote._release import MEDIA_SUFFIXES as MEDIA_SUFFIXES
from egoexo_kit.remote._release import Opening as Opening
from egoexo_kit.remote._release import RemoteRelease as RemoteRelease
from egoexo_kit.remote._release import is_remote as is_remote
from egoexo_kit.remote._release import open_remote as open_remote
from egoexo_kit.remote._release import reopen as reopen
from egoexo_kit.remote._reuse import CachedBlocks as CachedBlocks
from egoexo_kit.remote._reuse import CacheReuse as CacheReuse

__all__ = [
    "DEFAULT_BLOCK",
    "DEFAULT_MAX_BYTES",
    "MAX_REQUEST",
    "MEDIA_SUFFIXES",
    "BlockCache",
    "CacheReuse",
    "CacheUsage",
    "CachedBlocks",
    "Opening",
    "RemoteFile",
    "RemoteRelease",
    "TransferStats",
    "block_size",
    "cache_max_bytes",
    "is_remote",
    "open_remote",
    "parse_size",
    "reopen",
]
