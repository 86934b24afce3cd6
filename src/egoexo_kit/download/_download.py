"""``download``: plan a selection from the manifests, check what is on disk, fetch the rest, report.

Nothing is skipped silently: every selected file ends in the report as verified (and how) or failed
(and why); ``report.ok`` is true only when every selected file is present and verified.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from egoexo_kit._io import write_json
from egoexo_kit.download._manifest import (
    ManifestEntry,
    expand_parts,
    parse_checksum,
    parse_manifest,
    unknown_parts,
)
from egoexo_kit.download._select import CameraIndex, Selected, Selection, select
from egoexo_kit.download._sources import MissingObject, S3Source, Source
from egoexo_kit.download._transfer import (
    FileJob,
    FileResult,
    Interrupted,
    TransferPolicy,
    discard_partial,
    fetch_file,
    hash_file,
    part_path,
    retrying,
)
from egoexo_kit.errors import DownloadError, EgoExoKitError, FormatError
from egoexo_kit.release import safe_join

__all__ = ["DownloadReport", "Plan", "PlannedFile", "download", "plan_download", "stale_files"]

STATE_FILE = ".egoexo-kit/download-state.json"
"""Per-file record of what was verified (size, mtime, sha256), so a rerun need not re-hash terabytes."""


@dataclass(frozen=True)
class PlannedFile:
    """A selected file with its address and destination."""

    part: str
    uid: str | None
    relative_path: str
    url: str
    dest: Path
    size: int | None
    checksum: str | None


@dataclass
class PartSize:
    """Size of a selection in one part."""

    files: int = 0
    bytes: int = 0
    on_disk: int = 0
    """Bytes already on disk at the expected size (final files) or as ``.part`` prefixes."""


@dataclass
class Plan:
    """What a download would fetch; :func:`download` runs it. Building a plan writes nothing."""

    out: Path
    source: Source
    files: list[PlannedFile]
    parts: dict[str, PartSize]
    warnings: list[str] = field(default_factory=list)
    problems: list[FileResult] = field(default_factory=list)
    """Selected files that cannot be fetched at all (their size could not be found)."""

    @property
    def total_bytes(self) -> int:
        """Bytes of the whole selection."""
        return sum(p.bytes for p in self.parts.values())

    @property
    def to_fetch_bytes(self) -> int:
        """Bytes not yet on disk (an upper bound: present files may still fail verification)."""
        return sum(p.bytes - p.on_disk for p in self.parts.values())


def _read_manifests(
    source: Source, parts: list[str], *, policy: TransferPolicy
) -> dict[str, tuple[str, list[ManifestEntry]]]:
    out, missing = {}, []
    for part in parts:
        url = source.manifest_url(part)
        try:
            text = retrying(lambda u=url: source.read(u), policy=policy)
        except MissingObject:
            missing.append(part)
            continue
        except DownloadError as e:
            raise _human(e, source) from e
        out[part] = (url, parse_manifest(text, source=url))
    if missing:
        odd = unknown_parts(missing)
        hint = f" ({', '.join(odd)}: not a part name egoexo-kit knows; misspelt?)" if odd else ""
        raise DownloadError(
            f"no manifest for part(s) {', '.join(missing)} at {source.label}{hint} "
            f"(looked for {source.manifest_url(missing[0])}). Check --source and --release; "
            "the parts present there are the ones with a <release>/<part>/manifest.json."
        )
    return out


def _human(err: DownloadError, source: Source) -> DownloadError:
    """The credential/endpoint preflight message: which profile, which endpoint, what to do."""
    text = err.message
    profile = getattr(source, "profile", None) or os.environ.get("AWS_PROFILE") or "default"
    if "access denied" in text or "credentials" in text.lower():
        return DownloadError(
            f"{source.label} refused access ({text}) using AWS profile {profile!r}. "
            "Check the keys of that profile (`aws configure list --profile NAME`), pass --s3-profile, "
            "or set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; for the official bucket the keys come "
            "with the approved Ego-Exo4D licence.",
            path=err.path,
        )
    where = "--source, --endpoint-url, AWS_ENDPOINT_URL" if isinstance(source, S3Source) else "--source"
    return DownloadError(
        f"cannot read from {source.label}: {text}. Check the address ({where}) and the network, "
        "then rerun: finished files are kept and partial ones resume.",
        path=err.path,
    )


def _camera_index(
    source: Source, manifests: dict[str, tuple[str, list[ManifestEntry]]], *, policy: TransferPolicy
) -> CameraIndex:
    meta = manifests.get("metadata") or _read_manifests(source, ["metadata"], policy=policy)["metadata"]
    for entry in meta[1]:
        for spec in entry.paths:
            if spec.relative_path == "takes.json":
                url = source.file_url(spec.source_path, spec.relative_path)
                try:
                    raw = json.loads(retrying(lambda u=url: source.read(u), policy=policy))
                except json.JSONDecodeError as e:
                    raise FormatError(f"invalid JSON: {e.msg}", path=url, line=e.lineno) from e
                except DownloadError as e:
                    raise _human(e, source) from e
                return CameraIndex.from_takes_json(raw, source=url)
    raise DownloadError(f"camera selection needs takes.json, but the metadata manifest {meta[0]} lists none")


def plan_download(
    out: str | Path,
    *,
    source: Source,
    selection: Selection,
    workers: int = 8,
    policy: TransferPolicy | None = None,
) -> Plan:
    """Read the manifests of the selected parts and decide every file to fetch; writes nothing.

    Transient failures reading manifests (and sizes) are retried as ``policy`` says.

    Raises:
        DownloadError: a manifest is missing or the source refuses access (a human message).
        FormatError: a manifest is malformed (located).
        UnsafePathError: a ``relative_path`` would escape ``out``: the whole download is refused.
        ValueError: a part name that cannot be a folder name.
    """
    out = Path(out)
    policy = policy or TransferPolicy()
    parts = expand_parts(list(selection.parts))
    manifests = _read_manifests(source, parts, policy=policy)
    cameras = _camera_index(source, manifests, policy=policy) if selection.by_camera else None
    warnings = [  # the official client downloads any part with a manifest; so do we, with a note
        f"part {p!r} is not one egoexo-kit knows; downloading it as {manifests[p][0]} lists it"
        for p in unknown_parts(parts)
    ]
    if selection.benchmarks:
        known = {b for _, entries in manifests.values() for e in entries for b in e.benchmarks or ()}
        unknown = sorted(selection.benchmarks - known)
        if unknown:
            warnings.append(f"benchmark(s) {', '.join(unknown)} appear in no selected manifest")
    if cameras is not None:  # odd takes.json records: left out, their camera files not selected
        warnings.extend(f"{e} (take left out of the camera selection)" for e in cameras.skipped)
    if cameras is not None and selection.best_exo_only:
        n = sum(1 for t in cameras.takes.values() if not t.best_exo)
        if n:
            warnings.append(f"{n} take(s) have no best_exo: only their ego cameras are selected")
    chosen: list[Selected] = list(select(manifests, selection, cameras=cameras))
    files = []
    for s in chosen:
        dest = safe_join(out, s.spec.relative_path, source=s.manifest, pointer=s.pointer + "/relative_path")
        url = source.file_url(s.spec.source_path, s.spec.relative_path)
        files.append(
            PlannedFile(s.part, s.uid, s.spec.relative_path, url, dest, s.spec.size, s.spec.checksum)
        )
    problems = []
    unsized = [f for f in files if f.size is None]
    if unsized:  # official step 3: ask the source for sizes the manifest lacks
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            stats = list(pool.map(lambda f: _stat(source, f, policy), unsized))
        sizes = {f.relative_path: s for f, s in zip(unsized, stats, strict=True)}
        kept = []
        for f in files:
            got = sizes.get(f.relative_path, f.size)
            if isinstance(got, str):
                problems.append(
                    FileResult(f.relative_path, f.part, ok=False, reason=f"cannot get its size: {got}")
                )
            else:
                kept.append(replace(f, size=got))
        files = kept
    table = {p: PartSize() for p in parts}
    for f in files:
        row = table[f.part]
        row.files += 1
        row.bytes += f.size or 0
        row.on_disk += _on_disk(f)
    return Plan(out, source, files, table, warnings, problems)


def _stat(source: Source, f: PlannedFile, policy: TransferPolicy) -> int | str:
    try:
        return retrying(lambda: source.stat(f.url), policy=policy)[0]
    except DownloadError as e:
        return e.message


def _on_disk(f: PlannedFile) -> int:
    try:
        size = f.dest.stat().st_size
        if size == f.size:
            return size
    except OSError:
        pass
    try:
        return min(part_path(f.dest).stat().st_size, f.size or 0)
    except OSError:
        return 0


@dataclass
class DownloadReport:
    """The integrity report: one result per selected file."""

    results: list[FileResult]
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """Every selected file is present and verified."""
        return all(r.ok for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        """The files that are not present and verified, each with its reason."""
        return [r for r in self.results if not r.ok]

    @property
    def fetched_bytes(self) -> int:
        """Bytes transferred in this run."""
        return sum(r.fetched for r in self.results)

    def counts(self) -> dict[str, int]:
        """How many files were verified by each method, were already there, or failed."""
        out: dict[str, int] = {}
        for r in self.results:
            key = "failed" if not r.ok else f"{r.method}{' (already there)' if r.cached else ''}"
            out[key] = out.get(key, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        """A machine-readable form of the report."""
        return {
            "ok": self.ok,
            "files": len(self.results),
            "fetched_bytes": self.fetched_bytes,
            "counts": self.counts(),
            "failed": [{"path": r.relative_path, "part": r.part, "reason": r.reason} for r in self.failed],
            "warnings": self.warnings,
        }


class _State:
    """The verification record in ``<out>/.egoexo-kit/download-state.json`` (rebuildable cache)."""

    def __init__(self, out: Path, *, enabled: bool) -> None:
        self.path = out / STATE_FILE
        self.enabled = enabled
        self.lock = threading.Lock()
        self.last_save = time.monotonic()
        try:
            self.data: dict[str, dict[str, Any]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def hit(self, f: PlannedFile) -> dict[str, Any] | None:
        rec = self.data.get(f.relative_path)
        try:
            st = f.dest.stat()
        except OSError:
            return None
        if not rec or rec.get("size") != st.st_size or rec.get("mtime_ns") != st.st_mtime_ns:
            return None
        want = parse_checksum(f.checksum)
        if want is not None and (want.algorithm != "sha256" or want.hexdigest != rec.get("sha256")):
            return None
        return rec

    def record(self, f: PlannedFile, r: FileResult) -> None:
        with self.lock:
            if r.ok and r.sha256:
                st = f.dest.stat()
                self.data[f.relative_path] = {
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns,
                    "sha256": r.sha256,
                    "method": r.method,
                }
            if time.monotonic() - self.last_save > 2.0:
                self.save()

    def save(self) -> None:
        if self.enabled:
            self.last_save = time.monotonic()
            write_json(self.path, self.data)


def _check_present(f: PlannedFile, source: Source, state: _State) -> FileResult | None:
    """A verified result if ``f`` is already complete on disk, else ``None`` (fetch it)."""
    try:
        size = f.dest.stat().st_size
    except OSError:
        return None
    if size != f.size:
        return None
    rec = state.hit(f)
    if rec is not None:
        return FileResult(
            f.relative_path, f.part, ok=True, method=rec["method"], cached=True, sha256=rec["sha256"]
        )
    want = parse_checksum(f.checksum)
    if want is None:
        try:
            want = source.stat(f.url)[1]
        except DownloadError:
            want = None
    sha = hash_file(f.dest).hexdigest()
    if want is not None:
        got = sha if want.algorithm == "sha256" else hash_file(f.dest, want.algorithm).hexdigest()
        if got != want.hexdigest:
            return None  # stale or damaged: fetch again (the new copy replaces it only once verified)
    method = want.algorithm if want is not None else "size"
    return FileResult(f.relative_path, f.part, ok=True, method=method, cached=True, sha256=sha, size=size)


def download(
    plan: Plan,
    *,
    workers: int = 8,
    force: bool = False,
    policy: TransferPolicy | None = None,
    on_bytes: Callable[[int], None] = lambda n: None,
    on_file: Callable[[FileResult], None] = lambda r: None,
) -> DownloadReport:
    """Fetch every file of ``plan`` that is not already present and verified.

    Args:
        plan: from :func:`plan_download`.
        workers: threads transferring files at once (each streams one file).
        force: fetch everything again, ignoring files and partial files on disk.
        policy: retries, backoff and the per-request stall timeout.
        on_bytes: called with each chunk's byte count (for a progress bar), from worker threads.
        on_file: called with each file's result as it finishes, from worker threads.

    Returns:
        The integrity report; ``report.ok`` only if every selected file is present and verified.
    """
    policy = policy or TransferPolicy()
    start = time.monotonic()
    state = _State(plan.out, enabled=True)
    stop = threading.Event()

    def counted(n: int) -> None:
        if stop.is_set():  # Ctrl-C: every stream stops at its next chunk, its .part kept for a rerun
            raise Interrupted("interrupted")
        on_bytes(n)

    def one(f: PlannedFile) -> FileResult:
        try:
            if force:
                discard_partial(f.dest, ranged=(f.size or 0) > policy.segment_bytes)
            else:
                done = _check_present(f, plan.source, state)
                if done is not None:
                    state.record(f, done)
                    on_bytes(f.size or 0)
                    on_file(done)
                    return done
            job = FileJob(f.url, f.dest, f.size, parse_checksum(f.checksum))
            r = fetch_file(plan.source, job, policy=policy, on_bytes=counted)
            r.relative_path, r.part = f.relative_path, f.part
            state.record(f, r)
        except (OSError, EgoExoKitError) as e:  # local trouble (disk full, permissions): reported, not raised
            r = FileResult(f.relative_path, f.part, ok=False, reason=f"{type(e).__name__}: {e}")
        on_file(r)
        return r

    # biggest first: the pool's tail is then small files, not one lone giant
    order = sorted(plan.files, key=lambda f: -(f.size or 0))
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        futures = [pool.submit(one, f) for f in order]
        results = [fut.result() for fut in as_completed(futures)]  # a callback's exception stops all
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        state.save()
    by_path = {r.relative_path: r for r in results}
    ordered = [by_path[f.relative_path] for f in plan.files]
    return DownloadReport(ordered + plan.problems, list(plan.warnings), time.monotonic() - start)


def stale_files(plan: Plan) -> list[Path]:
    """Files under the download root that the plan does not select (what ``--delete`` removes).

    The verification cache ``.egoexo-kit/`` and the partial files of selected paths are kept.
    """
    keep = {f.dest for f in plan.files} | {part_path(f.dest) for f in plan.files}

    def kept(p: Path) -> bool:  # a selected file, its .part, or one of its .part.<start> ranges
        return p in keep or (p.suffix[1:].isdigit() and p.with_suffix("") in keep)

    out = []
    for dirpath, dirnames, filenames in os.walk(plan.out):
        if Path(dirpath) == plan.out and ".egoexo-kit" in dirnames:
            dirnames.remove(".egoexo-kit")
        out += [p for p in (Path(dirpath) / n for n in filenames) if not kept(p)]
    return sorted(out)
