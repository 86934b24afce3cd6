"""``download``: under the download root's lock, check what is on disk, fetch the rest, check again, report.

Nothing is skipped silently: every selected file ends in the report as verified (and how) or failed
(and why); ``report.ok`` is true only when every selected file is present and verified *on disk at
the end of the run*. One run writes into a folder at a time (:func:`lock_root`); a killed run leaves
only resumable ``.part`` files and temporary siblings that the next holder of the lock clears.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from egoexo_kit._io import remove_stale_temps
from egoexo_kit._lock import LOCK_NAME, folder_lock
from egoexo_kit.download._manifest import parse_checksum
from egoexo_kit.download._plan import Plan, PlannedFile
from egoexo_kit.download._redact import redact_url
from egoexo_kit.download._reuse import BlockReuse
from egoexo_kit.download._sources import Source
from egoexo_kit.download._state import STATE_FILE, DiskStamp, VerifyState
from egoexo_kit.download._transfer import (
    ChangedOnDisk,
    FileJob,
    FileResult,
    Interrupted,
    LocalWriteError,
    TransferPolicy,
    discard_partial,
    fetch_file,
    hash_on_disk,
    part_path,
)
from egoexo_kit.errors import DownloadError, EgoExoKitError

__all__ = ["LOCK_WHAT", "DownloadReport", "DownloadStopped", "download", "lock_root", "stale_files"]

LOCK_WHAT = "egoexo-kit download"
"""How a download names itself in the root's lock (what a refused second run prints)."""


@dataclass
class DownloadReport:
    """The integrity report: one result per selected file."""

    results: list[FileResult]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every selected file is present and verified on disk."""
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        """The files that are not present and verified, each with its reason."""
        return [r for r in self.results if not r.ok]

    @property
    def reverified(self) -> list[FileResult]:
        """Files already there whose bytes were hashed again in this run (``--verify``, or no record)."""
        return [r for r in self.results if r.ok and r.reverified]

    @property
    def repaired(self) -> list[FileResult]:
        """Files that were on disk but wrong (size or hash), now replaced by a verified copy."""
        return [r for r in self.results if r.ok and r.repaired]

    @property
    def refused(self) -> list[FileResult]:
        """Manifest records refused before any transfer (unsafe ``relative_path``)."""
        return [r for r in self.results if r.refused]

    @property
    def fetched_bytes(self) -> int:
        """Bytes transferred in this run."""
        return sum(r.fetched for r in self.results)

    @property
    def reused_bytes(self) -> int:
        """Bytes of verified files taken from blocks held on this machine (the remote block cache)."""
        return sum(r.reused for r in self.results)

    def counts(self) -> dict[str, int]:
        """How many files were verified by each method, were already there, or failed."""
        out: dict[str, int] = {}
        for r in self.results:
            key = "failed" if not r.ok else f"{r.method}{' (already there)' if r.cached else ''}"
            out[key] = out.get(key, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        """A machine-readable form of the report (URLs redacted)."""
        return {
            "ok": self.ok,
            "files": len(self.results),
            "fetched_bytes": self.fetched_bytes,
            "reused_bytes": self.reused_bytes,
            "counts": self.counts(),
            "reverified": [r.relative_path for r in self.reverified],
            "repaired": [r.relative_path for r in self.repaired],
            "refused": [r.relative_path for r in self.refused],
            "failed": [
                {"path": r.relative_path, "part": r.part, "reason": redact_url(r.reason or "")}
                for r in self.failed
            ],
            "warnings": [redact_url(w) for w in self.warnings],
        }


class DownloadStopped(DownloadError):
    """The run stopped early for a reason every file shares (disk full, read-only): see :attr:`report`."""

    def __init__(self, message: str, *, path: str | Path | None, report: DownloadReport) -> None:
        super().__init__(message, path=path)
        self.report = report
        """What was verified before the stop, and every other selected file as failed."""


def _root_problem(out: Path) -> str | None:
    """Why ``out`` cannot be the download root (a file, or under one), or ``None``."""
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                return f"{p} is a file" if p == out else f"{p} is a file, so no folder can be made under it"
            return None
    return None


@contextlib.contextmanager
def lock_root(out: str | Path, *, wait: float = 0.0) -> Iterator[Path]:
    """Hold the download root's writer lock for the block (creating the root), then clear stale temps.

    One download writes into a folder at a time: a second one is refused at once with a
    :class:`~egoexo_kit.errors.BusyError` naming the holder, or waits up to ``wait`` seconds for it.
    The kernel releases the lock however its holder ends (``kill -9`` included). Holding it, the
    temporary files a killed run left in ``.egoexo-kit/`` are deleted; ``.part`` files stay (they
    resume, and each is checked against the manifest when used).

    Raises:
        BusyError: another run holds the lock (after ``wait`` seconds).
        DownloadError: ``out`` is a file or lies under one, or cannot be created or written.
    """
    out = Path(out)
    problem = _root_problem(out)
    if problem:
        raise DownloadError(f"cannot use it as the download root: {problem}", path=out)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(folder_lock(out, what=LOCK_WHAT, wait=wait))
        except OSError as e:
            raise DownloadError(
                f"cannot use it as the download root: {e.strerror or e}", path=e.filename or out
            ) from e
        remove_stale_temps(out / STATE_FILE.split("/", 1)[0])
        yield out


def _present(
    f: PlannedFile, source: Source, state: VerifyState, *, verify: bool, on_verify: Callable[[int], None]
) -> tuple[FileResult | None, bool]:
    """``(verified result, False)`` if ``f`` is complete on disk, else ``(None, a wrong copy is there)``.

    The size is always checked. A file whose record (size, mtime, inode, hash) still matches is
    trusted unless ``verify``; any other is hashed and compared with the manifest's hash, else the
    source's, else (``verify``) the sha256 this folder's record holds.
    """
    stamp = DiskStamp.of(f.dest)
    if stamp is None:
        return None, f.dest.exists() or f.dest.is_symlink()
    if stamp.size != f.size:
        return None, True
    want = parse_checksum(f.checksum)
    rec = None if verify else state.hit(f.relative_path, stamp, want)
    if rec is not None:
        checked = want or (parse_checksum(rec["verified"]) if rec.get("verified") else None)
        return FileResult(
            f.relative_path,
            f.part,
            ok=True,
            method=rec["method"],
            cached=True,
            sha256=rec["sha256"],
            size=stamp.size,
            stamp=stamp,
            checksum=checked,
        ), False
    if want is None:
        try:
            want = source.stat(f.url)[1]
        except DownloadError:
            want = None
    algorithms = ("sha256",) if want is None or want.algorithm == "sha256" else ("sha256", want.algorithm)
    try:
        stamp, hashes = hash_on_disk(f.dest, algorithms, on_chunk=on_verify)
    except ChangedOnDisk:
        return None, True
    recorded = state.recorded_sha256(f.relative_path) if verify and want is None else None
    if (want is not None and hashes[want.algorithm] != want.hexdigest) or (
        recorded is not None and hashes["sha256"] != recorded
    ):
        return None, True  # stale or damaged: fetch again (the new copy replaces it only once verified)
    return FileResult(
        f.relative_path,
        f.part,
        ok=True,
        method=want.algorithm if want is not None else "size",
        cached=True,
        reverified=True,
        sha256=hashes["sha256"],
        size=stamp.size,
        stamp=stamp,
        checksum=want,
    ), False


def _record(state: VerifyState, r: FileResult) -> None:
    if r.ok and r.sha256 and r.stamp is not None and r.method:
        state.record(r.relative_path, r.stamp, sha256=r.sha256, method=r.method, verified=r.checksum)


def _final_check(f: PlannedFile, r: FileResult, state: VerifyState) -> FileResult:
    """``r``, or a failure if the file is not on disk as verified at the end of the run.

    A file whose stamp (size, mtime, inode) is the one it had when hashed still holds those bytes;
    one that changed since is hashed again and must give the same sha256.
    """
    if not r.ok:
        return r
    now = DiskStamp.of(f.dest)
    why = None
    if now is None:
        why = "missing at the end of the run (deleted by another program?)"
    elif now.size != f.size:
        why = f"{now.size} bytes on disk at the end of the run, expected {f.size}"
    elif r.stamp is not None and now != r.stamp:
        try:
            _, hashes = hash_on_disk(f.dest)
        except ChangedOnDisk as e:
            why = e.message
        else:
            if hashes["sha256"] != r.sha256:
                why = "changed on disk after it was verified (another writer?)"
    if why is None:
        return r
    state.forget(f.relative_path)
    return replace(r, ok=False, reason=why, method=None, cached=False, reverified=False, repaired=False)


def download(
    plan: Plan,
    *,
    workers: int = 8,
    force: bool = False,
    verify: bool = False,
    wait: float = 0.0,
    lock: bool = True,
    policy: TransferPolicy | None = None,
    on_bytes: Callable[[int], None] = lambda n: None,
    on_file: Callable[[FileResult], None] = lambda r: None,
    on_verify: Callable[[int], None] = lambda n: None,
    reuse: BlockReuse | None = None,
) -> DownloadReport:
    """Fetch every file of ``plan`` that is not already present and verified, then check them all on disk.

    Args:
        plan: from :func:`plan_download`.
        workers: threads transferring files at once (each streams one file).
        force: fetch everything again, ignoring files and partial files on disk.
        verify: hash every file already there against the manifest's (or source's) hash instead of
            trusting the record of an earlier run; a file that differs is fetched again (repaired).
        wait: seconds to wait for another download holding the root's lock (0: refuse at once).
        lock: take the root's lock (:func:`lock_root`); pass ``False`` only inside ``lock_root(plan.out)``.
        policy: retries, backoff and the per-request stall timeout.
        on_bytes: called with each chunk's byte count (for a progress bar), from worker threads.
        on_file: called with each file's result as it finishes, from worker threads.
        on_verify: called with the byte count of each chunk hashed to re-check a file already there.
        reuse: finds blocks of a file's object already held on this machine, copied instead of
            fetched (``egoexo_kit.remote.CacheReuse()``: the blocks that reading the mirror in place
            cached); the file is verified as any other. Not used with ``force``.

    Returns:
        The integrity report; ``report.ok`` only if every selected file is present and verified on
        disk at the end of the run.

    Raises:
        BusyError: another run holds the download root (after ``wait`` seconds).
        DownloadError: the root is a file, lies under one, or cannot be written.
        DownloadStopped: the disk filled up (or is read-only); its ``report`` says what was done.
    """
    held = lock_root(plan.out, wait=wait) if lock else contextlib.nullcontext()
    with held:
        return _run(
            plan,
            workers=workers,
            force=force,
            verify=verify,
            policy=policy or TransferPolicy(),
            on_bytes=on_bytes,
            on_file=on_file,
            on_verify=on_verify,
            reuse=None if force else reuse,
        )


def _run(
    plan: Plan,
    *,
    workers: int,
    force: bool,
    verify: bool,
    policy: TransferPolicy,
    on_bytes: Callable[[int], None],
    on_file: Callable[[FileResult], None],
    on_verify: Callable[[int], None],
    reuse: BlockReuse | None,
) -> DownloadReport:
    start = time.monotonic()
    state = VerifyState(plan.out)
    stop = threading.Event()

    def counted(n: int) -> None:
        if stop.is_set():  # Ctrl-C or a full disk: every stream stops at its next chunk, its .part kept
            raise Interrupted("interrupted")
        on_bytes(n)

    def one(f: PlannedFile) -> FileResult:
        wrong = False
        try:
            if force:
                discard_partial(f.dest, ranged=(f.size or 0) > policy.segment_bytes)
            else:
                done, wrong = _present(f, plan.source, state, verify=verify, on_verify=on_verify)
                if done is not None:
                    _record(state, done)
                    # a complete file needs no partial one (a killed run's, or another writer's)
                    discard_partial(f.dest, ranged=(f.size or 0) > policy.segment_bytes)
                    on_bytes(f.size or 0)
                    on_file(done)
                    return done
            job = FileJob(f.url, f.dest, f.size, parse_checksum(f.checksum))
            r = fetch_file(plan.source, job, policy=policy, on_bytes=counted, reuse=reuse)
            r.relative_path, r.part, r.repaired = f.relative_path, f.part, wrong and r.ok
            _record(state, r)
        except LocalWriteError:
            stop.set()
            raise
        except (OSError, EgoExoKitError) as e:  # local trouble (permissions …): reported, not raised
            r = FileResult(f.relative_path, f.part, ok=False, reason=redact_url(f"{type(e).__name__}: {e}"))
        on_file(r)
        return r

    # biggest first: the pool's tail is then small files, not one lone giant
    order = sorted(plan.files, key=lambda f: -(f.size or 0))
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures: dict[Future[FileResult], PlannedFile] = {}
    try:
        futures = {pool.submit(one, f): f for f in order}
        for fut in as_completed(futures):
            fut.result()  # a callback's exception (Ctrl-C) or a full disk stops all
    except LocalWriteError as e:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        state.save()
        report = _report(plan, futures, state, start=start)
        raise DownloadStopped(e.message, path=e.path, report=report) from e
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        state.save()
        raise
    finally:
        pool.shutdown(wait=True)
    return _report(plan, futures, state, start=start)


def _report(
    plan: Plan, futures: dict[Future[FileResult], PlannedFile], state: VerifyState, *, start: float
) -> DownloadReport:
    """Every selected file's result after the on-disk check; files never tried are failures."""
    done: dict[str, FileResult] = {}
    for fut, f in futures.items():
        if not fut.done() or fut.cancelled():
            continue
        err = fut.exception()
        if err is None:
            done[f.relative_path] = fut.result()
        elif isinstance(err, EgoExoKitError):  # the file that stopped the run, with the reason
            done[f.relative_path] = FileResult(f.relative_path, f.part, ok=False, reason=str(err))
    results = []
    for f in plan.files:
        r = done.get(f.relative_path)
        if r is None:
            r = FileResult(f.relative_path, f.part, ok=False, reason="not done: the run stopped")
        results.append(_final_check(f, r, state))
    state.save()
    return DownloadReport(
        results + plan.problems, [*plan.warnings, *state.warnings], time.monotonic() - start
    )


def stale_files(plan: Plan) -> list[Path]:
    """Files under the download root that the plan does not select (what ``--delete`` removes).

    The verification cache ``.egoexo-kit/``, the lock file and the partial files of selected paths
    are kept (deleting the lock file would let a second run lock a new one beside a live holder).
    """
    keep = {f.dest for f in plan.files} | {part_path(f.dest) for f in plan.files}

    def kept(p: Path) -> bool:  # a selected file, its .part, or one of its .part.<start> ranges
        return p in keep or (p.suffix[1:].isdigit() and p.with_suffix("") in keep)

    out = []
    for dirpath, dirnames, filenames in os.walk(plan.out):
        top = Path(dirpath) == plan.out
        if top and ".egoexo-kit" in dirnames:
            dirnames.remove(".egoexo-kit")
        out += [
            p
            for p in (Path(dirpath) / n for n in filenames)
            if not kept(p) and not (top and p.name == LOCK_NAME)
        ]
    return sorted(out)
