"""Fetch one file: ``.part`` resume with ranged reads, retries with backoff, hash while writing, verify.

A file is only renamed from ``<name>.part`` to ``<name>`` once its size and hash are checked, so a
final name on disk always means "verified when written". A ``.part`` left by a crash or a kill is
resumed from its size on the next run. Blocks of the object held on this machine (a
:class:`~egoexo_kit.download._reuse.BlockReuse` hook: the remote block cache) are copied into the
``.part`` instead of fetched, under the same checks (see ``_reuse``).
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from egoexo_kit.download._manifest import Checksum
from egoexo_kit.download._reuse import BlockReuse, CachedObject, pieces
from egoexo_kit.download._sources import CHUNK, PermanentError, Source, TransientError
from egoexo_kit.download._state import DiskStamp
from egoexo_kit.errors import DownloadError

__all__ = [
    "ChangedOnDisk",
    "FileJob",
    "FileResult",
    "Interrupted",
    "LocalWriteError",
    "TransferPolicy",
    "backoff",
    "discard_partial",
    "fetch_file",
    "hash_file",
    "hash_on_disk",
    "part_path",
    "retrying",
]

T = TypeVar("T")


@dataclass(frozen=True)
class TransferPolicy:
    """How hard to try one file, and how many streams a large one gets."""

    retries: int = 5
    """Failed attempts allowed after the first (attempts that advanced the ``.part`` do not count)."""
    backoff_s: float = 0.5
    """First wait; doubles per failure, with jitter, up to :attr:`max_backoff_s`."""
    max_backoff_s: float = 30.0
    timeout_s: float = 60.0
    """Per-request stall timeout: a connection silent this long is dropped and the file resumed."""
    segment_bytes: int = 16 << 20
    """Files larger than this are fetched as ranges of this size, several at once."""
    streams: int = 4
    """Ranges of one large file in flight at once (1: always one stream per file)."""


@dataclass(frozen=True)
class FileJob:
    """One file to fetch."""

    url: str
    """Where the source reads it from."""
    dest: Path
    """Final path under the download root."""
    size: int | None
    """Expected bytes (manifest or source), ``None`` if unknown."""
    checksum: Checksum | None
    """Expected hash from the manifest, if any."""


@dataclass
class FileResult:
    """What happened to one selected file."""

    relative_path: str
    part: str
    ok: bool
    method: str | None = None
    """How it was verified: ``sha256``, ``md5`` (S3 ETag) or ``size`` (declared fallback)."""
    reason: str | None = None
    """Why it failed (``None`` when ok)."""
    fetched: int = 0
    """Bytes transferred for it in this run."""
    reused: int = 0
    """Bytes copied from blocks already held on this machine (the remote block cache) instead."""
    attempts: int = 0
    cached: bool = False
    """Already present (this run fetched nothing for it)."""
    reverified: bool = False
    """Already present, and its bytes on disk were hashed again in this run (``--verify``, or no record)."""
    repaired: bool = False
    """A wrong copy was on disk (size or hash) and was replaced by a verified one."""
    refused: bool = False
    """The manifest record was refused before any transfer (an unsafe ``relative_path``)."""
    sha256: str | None = None
    size: int | None = None
    stamp: DiskStamp | None = None
    """The file on disk as it was when its bytes were hashed (size, mtime, inode)."""
    checksum: Checksum | None = None
    """The hash (manifest's or source's) the file matched; ``None`` when only its size was known."""


def part_path(dest: Path) -> Path:
    """The resumable sibling ``<name>.part`` a download writes to."""
    return dest.with_name(dest.name + ".part")


def hash_file(path: Path, algorithm: str = "sha256", *, limit: int | None = None) -> hashlib._Hash:
    """Hash a file (or its first ``limit`` bytes), 1 MiB at a time."""
    h = hashlib.new(algorithm)
    left = limit
    with open(path, "rb") as f:
        while left is None or left > 0:
            data = f.read(CHUNK if left is None else min(CHUNK, left))
            if not data:
                break
            h.update(data)
            if left is not None:
                left -= len(data)
    return h


class ChangedOnDisk(TransientError):
    """A file changed while it was being hashed, or is not what was just written: fetch it again."""


def hash_on_disk(
    path: Path,
    algorithms: tuple[str, ...] = ("sha256",),
    *,
    on_chunk: Callable[[int], None] = lambda n: None,
) -> tuple[DiskStamp, dict[str, str]]:
    """Hash the file at ``path`` as it is on disk (one read for all ``algorithms``), with its stamp.

    Returns:
        The stamp the file kept the whole time it was read, and ``{algorithm: hexdigest}``.

    Raises:
        ChangedOnDisk: the file is missing, not a regular file, or changed while being read (another
            writer): its hash would describe no version of it.
        OSError: it cannot be read.
    """
    before = DiskStamp.of(path)
    if before is None:
        raise ChangedOnDisk("is not on disk (or not a regular file)", path=path)
    hashes = {a: hashlib.new(a) for a in algorithms}
    with open(path, "rb") as f:
        for data in iter(lambda: f.read(CHUNK), b""):
            for h in hashes.values():
                h.update(data)
            on_chunk(len(data))
    if DiskStamp.of(path) != before:
        raise ChangedOnDisk("changed on disk while it was being hashed (another writer?)", path=path)
    return before, {a: h.hexdigest() for a, h in hashes.items()}


class LocalWriteError(DownloadError):
    """Writing under the download root failed in a way every other file would hit too: the run stops.

    Disk full, quota exceeded, read-only file system. The message names the file and what to do.
    """


_STOP_ALL = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
}


class Interrupted(PermanentError):
    """The download was stopped (Ctrl-C): no retry; what arrived stays in the partial files."""


class _Mismatch(TransientError):
    """The bytes arrived but do not match: the ``.part`` is discarded and fetched again."""


class _NoRanges(TransientError):
    """The server ignored a bounded range: fetch this file as one stream."""


class _Counter:
    """Bytes received (and bytes reused from held blocks) for one file, from any number of streams."""

    def __init__(self) -> None:
        self.fetched = 0
        self.reused = 0
        self._lock = threading.Lock()

    def add(self, n: int) -> None:
        with self._lock:
            self.fetched += n

    def add_reused(self, n: int) -> None:
        with self._lock:
            self.reused += n


def _fill(
    source: Source,
    url: str,
    path: Path,
    *,
    start: int,
    stop: int | None,
    feed: Callable[[bytes], None],
    restart: Callable[[], None] = lambda: None,
) -> tuple[int, Any]:
    """Append bytes ``[start + len(path), stop)`` of ``url`` to ``path``, which holds ``[start, …)``.

    ``feed`` sees every chunk written; ``restart`` is called if the server sends the whole file
    instead of the asked range (the file is then rewritten from byte 0). Returns ``(bytes now in
    path, the response)``.

    Raises:
        _NoRanges: the server answered from byte 0 although a later offset was asked, or sent more
            than the asked range.
    """
    have = path.stat().st_size if path.exists() else 0
    resp = source.open(url, start=start + have, stop=stop)
    try:
        if resp.start != start + have:
            if start != 0 or stop is not None:
                raise _NoRanges("the server ignores byte ranges", path=url)
            have = 0  # a whole-file answer: start over
            restart()
        with _open_at(path, have) as f:
            have += _write_body(resp, f, at=start + have, stop=stop, feed=feed, url=url)
    finally:
        resp.close()
    return have, resp


def _open_at(path: Path, have: int) -> BinaryIO:
    """``path`` opened to write from byte ``have`` on (what followed it cut off; 0: emptied)."""
    f = open(path, "r+b" if have else "wb")  # the caller closes it (a ``with``)
    try:
        if have:
            f.seek(have)
            f.truncate()
    except BaseException:
        f.close()
        raise
    return f


def _write_body(
    resp: Any, f: Any, *, at: int, stop: int | None, feed: Callable[[bytes], None], url: str
) -> int:
    """Write ``resp``'s chunks (bytes from offset ``at`` of the object) to ``f``; returns how many.

    Raises:
        _NoRanges: the server sent past ``stop``.
    """
    n = 0
    for data in resp.chunks:
        if stop is not None and at + n + len(data) > stop:
            raise _NoRanges("the server sends more than the asked byte range", path=url)
        f.write(data)
        n += len(data)
        feed(data)
    return n


def _fill_reusing(
    source: Source,
    url: str,
    path: Path,
    *,
    start: int,
    stop: int,
    cached: CachedObject,
    feed: Callable[[bytes], None],
    reused: Callable[[bytes], None],
) -> tuple[int, Checksum | None]:
    """:func:`_fill` of ``[start + len(path), stop)``, copying held blocks and requesting only the gaps.

    Every byte goes through ``feed`` (held ones through ``reused``) in file order, so the running
    hash and the resumable prefix work as for a plain fill. Each gap is one bounded ranged GET, whose
    answer must be of the object the blocks belong to (its size and, when both are known, its hash).
    Returns ``(bytes now in path, a hash the server gave)``.

    Raises:
        _NoRanges: the server ignored a range.
        _Mismatch: the object on the server is not the one the blocks came from (changed since).
    """
    have = path.stat().st_size if path.exists() else 0
    checksum = cached.checksum
    with _open_at(path, have) as f:
        for piece in pieces(cached, start + have, stop):
            if isinstance(piece, bytes):
                f.write(piece)
                have += len(piece)
                reused(piece)
                continue
            a, b = piece
            resp = source.open(url, start=a, stop=b)
            try:
                if resp.start != a:
                    raise _NoRanges("the server ignores byte ranges", path=url)
                if (resp.total is not None and resp.total != cached.size) or (
                    None not in (resp.checksum, cached.checksum) and resp.checksum != cached.checksum
                ):
                    raise _Mismatch("changed on the server since its cached blocks were checked", path=url)
                checksum = resp.checksum or checksum
                have += _write_body(resp, f, at=start + have, stop=b, feed=feed, url=url)
            finally:
                resp.close()
            if start + have != b:
                raise TransientError(f"connection closed after {start + have} of {stop} bytes", path=url)
    return have, checksum


def _attempt(
    source: Source,
    job: FileJob,
    *,
    policy: TransferPolicy,
    counter: _Counter,
    on_bytes: Callable[[int], None],
    cached: CachedObject | None = None,
) -> tuple[str, str, DiskStamp, Checksum | None]:
    """One try; returns ``(method, sha256, stamp on disk, hash checked)`` or raises.

    Bytes received go into ``counter``; ``cached`` (when given, ``job.size`` is known) supplies the
    blocks it holds.
    """
    part = part_path(job.dest)
    part.parent.mkdir(parents=True, exist_ok=True)
    if job.size is not None and part.exists() and part.stat().st_size > job.size:
        part.unlink()
    if _ranged(job, policy):
        sha, size, source_checksum = _segmented(
            source, job, policy=policy, counter=counter, on_bytes=on_bytes, cached=cached
        )
        expected = job.size
    else:
        have = part.stat().st_size if part.exists() else 0
        sha = hash_file(part, limit=have) if have else hashlib.sha256()
        size, source_checksum, expected = have, None, job.size
        if job.size is None or have < job.size:
            hashes = [sha]

            def feed(data: bytes) -> None:
                hashes[-1].update(data)
                counter.add(len(data))
                on_bytes(len(data))

            def reused(data: bytes) -> None:
                hashes[-1].update(data)
                counter.add_reused(len(data))
                on_bytes(len(data))

            if cached is not None and job.size is not None:
                size, source_checksum = _fill_reusing(
                    source, job.url, part, start=0, stop=job.size, cached=cached, feed=feed, reused=reused
                )
            else:
                size, resp = _fill(
                    source,
                    job.url,
                    part,
                    start=0,
                    stop=None,
                    feed=feed,
                    restart=lambda: hashes.append(hashlib.sha256()),
                )
                source_checksum = resp.checksum
                expected = job.size if job.size is not None else resp.total
            sha = hashes[-1]
    if expected is not None and size != expected:
        if size > expected:
            part.unlink(missing_ok=True)
            raise _Mismatch(f"got {size} bytes, expected {expected}; discarded", path=job.url)
        raise TransientError(f"connection closed after {size} of {expected} bytes", path=job.url)
    want = job.checksum or source_checksum or (cached.checksum if cached is not None else None)
    method, digest = _verify(part, want, sha.hexdigest(), url=job.url)
    os.replace(part, job.dest)
    return method, digest, _check_written(job.dest, size=size, sha256=digest), want


def _check_written(dest: Path, *, size: int, sha256: str) -> DiskStamp:
    """Hash what the rename put at ``dest``: it must be the bytes just verified, not another writer's.

    The stream's hash proves what arrived; only reading the file back proves what is on disk (a
    ``.part`` truncated or rewritten under the run by another process would otherwise be renamed
    into place and reported verified). A file that differs is deleted, so it is fetched again.
    """
    try:
        stamp, hashes = hash_on_disk(dest)
    except ChangedOnDisk:
        dest.unlink(missing_ok=True)
        raise
    on_disk = hashes["sha256"]
    if (stamp.size, on_disk) != (size, sha256):
        dest.unlink(missing_ok=True)
        raise ChangedOnDisk(
            f"the file on disk is not what was written ({stamp.size} bytes, sha256 {on_disk[:12]}…; "
            f"expected {size} bytes, sha256 {sha256[:12]}…): another writer? discarded",
            path=dest,
        )
    return stamp


def _ranged(job: FileJob, policy: TransferPolicy) -> bool:
    """Whether ``job`` is fetched as parallel ranges."""
    return job.size is not None and job.size > policy.segment_bytes and policy.streams > 1


def _segments(part: Path, size: int, segment: int) -> list[tuple[int, int]]:
    """Byte ranges still to fetch, after the contiguous ``.part`` prefix; repairs a half-done append.

    Range ``k`` is ``[k * segment, (k + 1) * segment)``, except that the first one starts where the
    ``.part`` ends (it may hold a single-stream prefix). A ``.part.<start>`` file holds the bytes of
    the range starting at ``start``; one whose start lies inside the prefix means a crash during its
    append, so the prefix is cut back to it.
    """
    have = part.stat().st_size if part.exists() else 0
    pending = []
    for s in sorted(int(p.suffix[1:]) for p in _segment_files(part)):
        if s % segment and s != have:
            _segment_path(part, s).unlink()  # not a range of this layout
        else:
            pending.append(s)
    inside = [s for s in pending if s < have]
    if inside:
        with open(part, "r+b") as f:
            f.truncate(max(inside))
        have = max(inside)
        for s in inside[:-1]:
            _segment_path(part, s).unlink()  # already in the kept prefix
    starts = [have] + list(range((have // segment + 1) * segment, size, segment))
    return [(s, min(size, (s // segment + 1) * segment)) for s in starts if s < size]


def _segment_path(part: Path, start: int) -> Path:
    return part.with_name(f"{part.name}.{start}")


def _segment_files(part: Path) -> list[Path]:
    return [p for p in part.parent.glob(glob.escape(part.name) + ".*") if p.suffix[1:].isdigit()]


def discard_partial(dest: Path, *, ranged: bool = True) -> None:
    """Delete what an earlier run left of ``dest``: its ``.part`` and (``ranged``) its range files.

    Looking for range files lists the folder, so callers pass ``ranged=False`` for files too small
    to be fetched in ranges (a folder of 50,000 feature files must not be listed 50,000 times).
    """
    part = part_path(dest)
    part.unlink(missing_ok=True)
    for piece in _segment_files(part) if ranged else ():
        piece.unlink(missing_ok=True)


def _segmented(
    source: Source,
    job: FileJob,
    *,
    policy: TransferPolicy,
    counter: _Counter,
    on_bytes: Callable[[int], None],
    cached: CachedObject | None = None,
) -> tuple[Any, int, Checksum | None]:
    """Fetch a large file as ranges in parallel, each into its own resumable ``.part.<start>``.

    With ``cached``, each range copies the held blocks it covers and requests only the gaps.

    Finished ranges are appended to ``.part`` in order (hashing as they go), so ``.part`` is always a
    verified-so-far prefix and a kill loses at most the bytes not yet flushed in each stream.
    """
    part = part_path(job.dest)
    size = job.size or 0
    ranges = _segments(part, size, policy.segment_bytes)
    have = ranges[0][0] if ranges else size
    sha = hash_file(part, limit=have) if have else hashlib.sha256()

    def feed(data: bytes) -> None:
        counter.add(len(data))
        on_bytes(len(data))

    def reused(data: bytes) -> None:
        counter.add_reused(len(data))
        on_bytes(len(data))

    def fetch(rng: tuple[int, int]) -> tuple[int, Checksum | None]:
        start, stop = rng
        piece = _segment_path(part, start)
        have = piece.stat().st_size if piece.exists() else 0
        if have == stop - start:
            return stop - start, None  # finished in an earlier attempt, waiting for its turn to append
        if have > stop - start:
            piece.unlink()  # not this range's bytes
        if cached is not None:
            return _fill_reusing(
                source, job.url, piece, start=start, stop=stop, cached=cached, feed=feed, reused=reused
            )
        got, resp = _fill(source, job.url, piece, start=start, stop=stop, feed=feed)
        if got != stop - start:
            raise TransientError(f"connection closed after {start + got} of {size} bytes", path=job.url)
        return got, resp.checksum

    checksum = None
    with ThreadPoolExecutor(max_workers=policy.streams) as pool:
        futures = [pool.submit(fetch, r) for r in ranges]
        try:
            with open(part, "ab") as out:
                for (start, _), fut in zip(ranges, futures, strict=True):
                    checksum = fut.result()[1] or checksum
                    piece = _segment_path(part, start)
                    with open(piece, "rb") as f:
                        for data in iter(lambda f=f: f.read(CHUNK), b""):
                            out.write(data)
                            sha.update(data)
                    out.flush()
                    piece.unlink()
        finally:
            for fut in futures:
                fut.cancel()
    return sha, part.stat().st_size if part.exists() else 0, checksum


def _verify(path: Path, want: Checksum | None, sha256: str, *, url: str) -> tuple[str, str]:
    if want is None:
        return "size", sha256
    got = sha256 if want.algorithm == "sha256" else hash_file(path, want.algorithm).hexdigest()
    if got != want.hexdigest:
        path.unlink(missing_ok=True)
        raise _Mismatch(
            f"{want.algorithm} mismatch: expected {want.hexdigest}, got {got}; discarded", path=url
        )
    return want.algorithm, sha256


def fetch_file(
    source: Source,
    job: FileJob,
    *,
    policy: TransferPolicy,
    on_bytes: Callable[[int], None] = lambda n: None,
    sleep: Callable[[float], None] = time.sleep,
    reuse: BlockReuse | None = None,
) -> FileResult:
    """Fetch ``job`` with resume and retries; never raises for a transfer problem.

    An attempt that advanced the ``.part`` does not use up a retry (a flaky link that keeps making
    progress finishes), but a hash mismatch always does; a permanent error stops at once.

    ``reuse`` may supply blocks of the object held on this machine; they are used only for a file
    of known size that a hash will verify (the manifest's, else the server's). If the file then fails
    its hash, those blocks are discarded (from the hook's store too) and the file is fetched again
    from the network alone, so held bytes never end up in a file that is not verified.

    Returns:
        A :class:`FileResult` with ``relative_path``/``part`` left empty for the caller to fill.

    Raises:
        LocalWriteError: the disk is full, over quota or read-only (every other file would fail too).
    """
    failures = attempts = 0
    counter = _Counter()
    cached = _held(reuse, source, job)
    while True:
        attempts += 1
        before = counter.fetched + counter.reused
        try:
            method, digest, stamp, want = _attempt(
                source, job, policy=policy, counter=counter, on_bytes=on_bytes, cached=cached
            )
            return FileResult(
                "",
                "",
                ok=True,
                method=method,
                fetched=counter.fetched,
                reused=counter.reused,
                attempts=attempts,
                sha256=digest,
                size=stamp.size,
                stamp=stamp,
                checksum=want,
            )
        except _NoRanges:  # fall back to one stream; its .part prefix stays valid
            policy, cached = replace(policy, streams=1), None  # held blocks need ranges for the gaps
            for piece in _segment_files(part_path(job.dest)):
                piece.unlink()
            continue
        except DownloadError as e:
            err = e
        except OSError as e:  # local disk trouble: retrying will not help
            if e.errno in _STOP_ALL:
                raise LocalWriteError(
                    f"{_STOP_ALL[e.errno]} while writing it; free space (or fix the disk), then rerun: "
                    "verified files are kept and partial ones resume",
                    path=job.dest,
                ) from e
            err = PermanentError(f"cannot write {job.dest}: {e.strerror or e}")
        if isinstance(err, _Mismatch):  # start the file over: no piece of it can be trusted
            discard_partial(job.dest, ranged=_ranged(job, policy))
            if cached is not None:  # its held blocks may be what was wrong: never use them again
                cached.discard()
                cached, counter.reused = None, 0
        wrong = isinstance(err, _Mismatch | ChangedOnDisk)  # bytes arrived but are wrong: a real failure
        if not isinstance(err, PermanentError) and (counter.fetched + counter.reused == before or wrong):
            failures += 1
        if isinstance(err, PermanentError) or failures > policy.retries or attempts > 20 + policy.retries:
            reason = err.message if isinstance(err, DownloadError) else str(err)
            tries = f" (after {attempts} attempts)" if attempts > 1 else ""
            return FileResult(
                "", "", ok=False, reason=reason + tries, fetched=counter.fetched, attempts=attempts
            )
        sleep(backoff(policy, failures))


def _held(reuse: BlockReuse | None, source: Source, job: FileJob) -> CachedObject | None:
    """The blocks ``reuse`` holds of ``job``'s object, when a hash will verify the file; else ``None``."""
    if reuse is None or job.size is None:
        return None
    try:
        cached = reuse(source, job.url, job.size)
    except DownloadError:  # the hook could not check the object (its HEAD failed): fetch as usual
        return None
    if cached is None or cached.size != job.size or (job.checksum is None and cached.checksum is None):
        return None  # held bytes only go into a file that a hash checks
    return cached


def backoff(policy: TransferPolicy, failures: int) -> float:
    """Seconds to wait after ``failures`` failures: exponential, capped, with jitter (0.5-1x)."""
    delay = min(policy.max_backoff_s, policy.backoff_s * 2 ** max(0, failures - 1))
    return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


def retrying(
    call: Callable[[], T], *, policy: TransferPolicy, sleep: Callable[[float], None] = time.sleep
) -> T:
    """``call()``, retried on :class:`TransientError` like a file transfer (for manifests, sizes)."""
    failures = 0
    while True:
        try:
            return call()
        except TransientError:
            failures += 1
            if failures > policy.retries:
                raise
            sleep(backoff(policy, failures))
