"""Plan a download: read the manifests, apply the selection, check every destination; writes nothing.

Each manifest path becomes a :class:`PlannedFile` whose destination is checked here, record by
record: a ``relative_path`` that is empty, absolute, holds a NUL or control character, escapes the
download root (``..``, a symlink), names the root itself (``.``, ``a/..``) or a folder, lands in the
downloader's own files (``.egoexo-kit/``, the lock), or sits under an existing *file* is refused
with a located :class:`~egoexo_kit.errors.UnsafePathError` for that record alone. Refused records
are listed in :attr:`Plan.problems` (so the report fails); every other file still downloads.
"""

from __future__ import annotations

import os
import posixpath
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from egoexo_kit._lock import LOCK_NAME
from egoexo_kit.download._manifest import (
    ManifestEntry,
    expand_parts,
    load_manifest_json,
    parse_manifest,
    unknown_parts,
)
from egoexo_kit.download._redact import redact_url
from egoexo_kit.download._select import CameraIndex, Selected, Selection, select
from egoexo_kit.download._sources import MissingObject, S3Source, Source
from egoexo_kit.download._state import STATE_FILE
from egoexo_kit.download._transfer import FileResult, TransferPolicy, part_path, retrying
from egoexo_kit.errors import DownloadError, UnsafePathError
from egoexo_kit.release import safe_join

__all__ = ["PartSize", "Plan", "PlannedFile", "plan_download"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_OWN = (STATE_FILE.split("/", 1)[0], LOCK_NAME)
"""Top-level names under the download root that belong to the downloader itself."""


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
            f"(looked for {redact_url(source.manifest_url(missing[0]))}). Check --source and --release; "
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
                    text = retrying(lambda u=url: source.read(u), policy=policy)
                except DownloadError as e:
                    raise _human(e, source) from e
                return CameraIndex.from_takes_json(load_manifest_json(text, source=url), source=url)
    raise DownloadError(
        f"camera selection needs takes.json, but the metadata manifest {redact_url(meta[0])} lists none"
    )


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
        ValueError: a part name that cannot be a folder name.

    A ``relative_path`` that is not a safe file path under ``out`` refuses that record only: it is in
    :attr:`Plan.problems` with its located :class:`~egoexo_kit.errors.UnsafePathError` (module docstring).
    """
    out = Path(out)
    policy = policy or TransferPolicy()
    parts = expand_parts(list(selection.parts))
    manifests = _read_manifests(source, parts, policy=policy)
    cameras = _camera_index(source, manifests, policy=policy) if selection.by_camera else None
    warnings = [  # the official client downloads any part with a manifest; so do we, with a note
        f"part {p!r} is not one egoexo-kit knows; downloading it as {redact_url(manifests[p][0])} lists it"
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
    files, problems = _destinations(out, chosen, source)
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


def _destination(out: Path, s: Selected, folders_ok: set[Path]) -> Path:
    """Where ``s`` goes under ``out``, or a located :class:`UnsafePathError` (see the module docstring)."""
    rel = s.spec.relative_path
    where = {"path": redact_url(s.manifest), "pointer": s.pointer + "/relative_path"}
    if not rel.strip():
        raise UnsafePathError(f"empty relative_path {rel!r}: not a file name", **where)
    if _CONTROL.search(rel):
        hint = "a NUL byte" if "\x00" in rel else "a control character"
        raise UnsafePathError(f"relative_path {rel!r} holds {hint}", **where)
    if rel.replace("\\", "/").endswith("/"):
        raise UnsafePathError(f"relative_path {rel!r} names a folder, not a file", **where)
    safe_join(
        out, rel, source=where["path"], pointer=where["pointer"]
    )  # absolute, ``..`` escapes, escapes through a symlink
    norm = posixpath.normpath(rel.replace("\\", "/"))
    if norm in (".", ""):
        raise UnsafePathError(f"relative_path {rel!r} is the download root itself, not a file in it", **where)
    pieces = norm.split("/")
    if pieces[0] in _OWN:
        raise UnsafePathError(f"relative_path {rel!r} would overwrite the downloader's own files", **where)
    dest = out.joinpath(*pieces)
    if dest.is_dir():
        raise UnsafePathError(f"relative_path {rel!r} is an existing folder under {out}", **where)
    for parent in list(dest.relative_to(out).parents)[-2::-1]:  # outermost first, the root left out
        folder = out / parent
        if folder in folders_ok:
            continue
        if folder.exists() and not folder.is_dir():
            raise UnsafePathError(
                f"relative_path {rel!r} needs {parent.as_posix()!r} to be a folder, but it is a file", **where
            )
        folders_ok.add(folder)  # a folder, or not there yet (then created as one)
    return dest


def _destinations(
    out: Path, chosen: list[Selected], source: Source
) -> tuple[list[PlannedFile], list[FileResult]]:
    """The files to fetch and the records refused, each refusal located (one never blocks the rest)."""
    files: dict[Path, tuple[PlannedFile, Selected]] = {}
    problems: list[FileResult] = []
    folders_ok: set[Path] = set()

    def refuse(s: Selected, message: str) -> None:
        err = UnsafePathError(message, path=redact_url(s.manifest), pointer=s.pointer + "/relative_path")
        problems.append(FileResult(s.spec.relative_path, s.part, ok=False, reason=str(err), refused=True))

    for s in chosen:
        try:
            dest = _destination(out, s, folders_ok)
        except UnsafePathError as e:
            problems.append(FileResult(s.spec.relative_path, s.part, ok=False, reason=str(e), refused=True))
            continue
        if dest in files:  # ``a/b`` and ``a//b``: one file, so two entries must agree on it
            same = files[dest][0]
            if (same.size, same.checksum) != (s.spec.size, s.spec.checksum):
                refuse(
                    s,
                    f"relative_path {s.spec.relative_path!r} is the file {same.relative_path!r} "
                    "again, with another size or checksum",
                )
            continue
        url = source.file_url(s.spec.source_path, s.spec.relative_path)
        f = PlannedFile(s.part, s.uid, s.spec.relative_path, url, dest, s.spec.size, s.spec.checksum)
        files[dest] = (f, s)
    # a selected file that is another one's folder, or its partial-download name, cannot be written
    folders = {parent for dest in files for parent in dest.parents}
    partials = {part_path(dest) for dest in files}
    for dest, (_, s) in list(files.items()):
        if dest in folders:
            clash = "the folder of another selected file"
        elif dest in partials or (dest.suffix[1:].isdigit() and dest.with_suffix("") in partials):
            clash = "the partial-download name of another selected file"
        else:
            continue
        del files[dest]
        refuse(s, f"relative_path {s.spec.relative_path!r} is {clash}")
    return [f for f, _ in files.values()], problems
