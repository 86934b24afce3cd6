"""Bytes a download need not fetch: blocks of the same object already held on this machine.

A user who read a remote release in place (``open_release("s3://…")``) holds blocks of its videos in
the remote block cache. ``download`` sits below that layer, so it only knows the shape of such a
store, as two protocols: a :class:`BlockReuse` hook, given a file's URL and size, answers with a
:class:`CachedObject` (the blocks of the version the server holds *now*, checked by a ``HEAD``) or
``None``; the transfer then copies the blocks it holds and requests only the runs in between
(:func:`pieces`). ``egoexo_kit.remote.CacheReuse`` is the implementation over the block cache; the
CLI plugs it in.

Nothing this reuses is trusted on its own: a file that took cached bytes is still renamed into place
only after its size and hash check out (the manifest's hash, else the one the server gave), and is
only attempted when such a hash exists. A mismatch drops that object's cached blocks and fetches the
file again from the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from egoexo_kit.download._manifest import Checksum
from egoexo_kit.download._sources import Source

__all__ = ["BlockReuse", "CachedObject", "pieces"]


class CachedObject(Protocol):
    """The locally held blocks of one object's current version."""

    size: int
    """The object's size, as the server gave it now."""
    block: int
    """Bytes per block: block ``i`` holds bytes ``[i * block, (i + 1) * block)`` (the last one fewer)."""
    checksum: Checksum | None
    """A hash the server vouches for now (from its ``HEAD``), used when the manifest gives none."""

    def get(self, index: int, length: int) -> bytes | None:
        """Block ``index`` if held with exactly ``length`` bytes, else ``None``."""
        ...

    def discard(self) -> None:
        """Forget every held block of this object (they produced a file that failed its hash)."""
        ...


class BlockReuse(Protocol):
    """A hook that finds the held blocks of ``url`` (cheaply ``None`` when it holds none)."""

    def __call__(self, source: Source, url: str, size: int) -> CachedObject | None:
        """The held blocks of ``url``'s current version if it has ``size`` bytes, else ``None``."""
        ...


def pieces(cached: CachedObject, start: int, stop: int) -> Iterator[bytes | tuple[int, int]]:
    """Bytes ``[start, stop)`` of the object in order: held bytes, or ``(a, b)`` ranges to fetch.

    Consecutive missing blocks make one range (one request); a held block is read only when its
    turn comes, so at most one block is in memory.
    """
    gap: tuple[int, int] | None = None
    pos = start
    while pos < stop:
        index = pos // cached.block
        first = index * cached.block
        end = min(stop, first + cached.block)
        data = cached.get(index, min(cached.block, cached.size - first))
        if data is None:
            gap = (gap[0] if gap else pos, end)
        else:
            if gap:
                yield gap
                gap = None
            yield data[pos - first : end - first]
        pos = end
    if gap:
        yield gap
