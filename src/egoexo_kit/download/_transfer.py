"""Fetch one file: ``.part`` resume with ranged reads, retries with backoff, hash while writing, verify.

A file is only renamed from ``<name>.part`` to ``<name>`` once its size and hash are checked, so a
final name on disk always means "verified when written". A ``.part`` left by a crash or a kill is
resumed from its size on the next run.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from egoexo_kit.download._manifest import Checksum
from egoexo_kit.download._sources import CHUNK, PermanentError, Source, TransientError
from egoexo_kit.errors import DownloadError

__all__ = [
    "FileJob",
    "FileResult",
    "RetryPolicy",
    "backoff",
    "fetch_file",
    "hash_file",
    "part_path",
    "retrying",
]

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one file."""

    retries: int = 5
    """Failed attempts allowed after the first (attempts that advanced the ``.part`` do not count)."""
    backoff_s: float = 0.5
    """First wait; doubles per failure, with jitter, up to :attr:`max_backoff_s`."""
    max_backoff_s: float = 30.0
    timeout_s: float = 60.0
    """Per-request stall timeout: a connection silent this long is dropped and the file resumed."""


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
    attempts: int = 0
    cached: bool = False
    """Already present and verified by an earlier run."""
    sha256: str | None = None
    size: int | None = None


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


class _Mismatch(TransientError):
    """The bytes arrived but do not match: the ``.part`` is discarded and fetched again."""


@dataclass
class _Counter:
    fetched: int = 0


def _attempt(
    source: Source, job: FileJob, *, counter: _Counter, on_bytes: Callable[[int], None]
) -> tuple[str, str, int]:
    """One try; returns ``(method, sha256, size)`` or raises. Bytes received go into ``counter``."""
    part = part_path(job.dest)
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    if job.size is not None and have > job.size:
        have = 0
    sha = hash_file(part, limit=have) if have else hashlib.sha256()
    source_checksum = None
    if job.size is None or have < job.size:
        resp = source.open(job.url, start=have)
        try:
            if resp.start != have:  # the server ignored the range: start over
                have, sha = 0, hashlib.sha256()
            source_checksum = resp.checksum
            expected = job.size if job.size is not None else resp.total
            size = have
            with open(part, "r+b" if have else "wb") as f:
                f.seek(have)
                f.truncate()
                for data in resp.chunks:
                    f.write(data)
                    sha.update(data)
                    size += len(data)
                    counter.fetched += len(data)
                    on_bytes(len(data))
        finally:
            resp.close()
    else:
        expected = size = have
    if expected is not None and size != expected:
        if size > expected:
            part.unlink(missing_ok=True)
            raise _Mismatch(f"got {size} bytes, expected {expected}; discarded", path=job.url)
        raise TransientError(f"connection closed after {size} of {expected} bytes", path=job.url)
    method, digest = _verify(part, job.checksum or source_checksum, sha.hexdigest(), url=job.url)
    os.replace(part, job.dest)
    return method, digest, size


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
    policy: RetryPolicy,
    on_bytes: Callable[[int], None] = lambda n: None,
    sleep: Callable[[float], None] = time.sleep,
) -> FileResult:
    """Fetch ``job`` with resume and retries; never raises for a transfer problem.

    An attempt that advanced the ``.part`` does not use up a retry (a flaky link that keeps making
    progress finishes), but a hash mismatch always does; a permanent error stops at once.

    Returns:
        A :class:`FileResult` with ``relative_path``/``part`` left empty for the caller to fill.
    """
    failures = attempts = 0
    counter = _Counter()
    while True:
        attempts += 1
        before = counter.fetched
        try:
            method, digest, size = _attempt(source, job, counter=counter, on_bytes=on_bytes)
            return FileResult(
                "",
                "",
                ok=True,
                method=method,
                fetched=counter.fetched,
                attempts=attempts,
                sha256=digest,
                size=size,
            )
        except DownloadError as e:
            err = e
        except OSError as e:  # local disk trouble: retrying will not help
            err = PermanentError(f"cannot write {job.dest}: {e.strerror or e}")
        if not isinstance(err, PermanentError) and (counter.fetched == before or isinstance(err, _Mismatch)):
            failures += 1
        if isinstance(err, PermanentError) or failures > policy.retries or attempts > 20 + policy.retries:
            reason = err.message if isinstance(err, DownloadError) else str(err)
            tries = f" (after {attempts} attempts)" if attempts > 1 else ""
            return FileResult(
                "", "", ok=False, reason=reason + tries, fetched=counter.fetched, attempts=attempts
            )
        sleep(backoff(policy, failures))


def backoff(policy: RetryPolicy, failures: int) -> float:
    """Seconds to wait after ``failures`` failures: exponential, capped, with jitter (0.5-1x)."""
    delay = min(policy.max_backoff_s, policy.backoff_s * 2 ** max(0, failures - 1))
    return delay * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto


def retrying(call: Callable[[], T], *, policy: RetryPolicy, sleep: Callable[[float], None] = time.sleep) -> T:
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
