"""``publish``: host a release in the official bucket layout, so ``download`` (and the official CLI) reads it.

Writes ``<to>/<release>/<relative_path>`` for every file and then ``<to>/<release>/<part>/manifest.json``
per part, filled as the official generator fills them (FORMAT §9.1-9.2): entry uids, splits and
benchmarks from ``splits.json``, views from each camera's ``is_ego``, universities, file types, exact
sizes, plus what the official manifests lack: a ``sha256:<hex>`` checksum per file. Manifests go up
last, so a half-finished publish is never visible as a release; a rerun skips files already there.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from egoexo_kit._io import atomic_path, is_temp_name, write_text
from egoexo_kit._lock import LOCK_NAME
from egoexo_kit.download._manifest import ManifestEntry, PathSpec, dump_manifest
from egoexo_kit.download._redact import redact_url
from egoexo_kit.download._sources import s3_client, split_s3
from egoexo_kit.download._transfer import hash_file
from egoexo_kit.errors import DownloadError
from egoexo_kit.release import CLIPS_PART, KNOWN_PARTS, ReleaseIndex, classify_part

__all__ = ["PublishReport", "build_manifests", "publish"]

_POSE_PARTS = ("body", "hand")
_PARTIAL = re.compile(r"\.part(\.\d+)?$")


@dataclass
class PublishReport:
    """What a publish wrote."""

    to: str
    """The target, credentials hidden (:func:`redact_url`)."""
    release: str
    parts: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    """Part → (entries, files, bytes)."""
    uploaded: int = 0
    """Files written in this run."""
    unchanged: int = 0
    """Files already at the target with the same size and hash."""
    ignored: list[str] = field(default_factory=list)
    """Release files that belong to no download part (not published)."""


@dataclass(frozen=True)
class _File:
    rel: str
    part: str
    size: int
    sha256: str


def _walk(root: Path) -> tuple[list[tuple[str, str]], list[str]]:
    files, ignored = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))  # caches, ground truth
        for name in sorted(filenames):
            if name == LOCK_NAME or is_temp_name(name):  # a writer's lock, a killed writer's leftovers
                continue
            rel = (Path(dirpath) / name).relative_to(root).as_posix()
            part = None if _PARTIAL.search(name) else classify_part(rel)  # unfinished downloads stay home
            (files.append((rel, part)) if part else ignored.append(rel))
    return files, ignored


def _pose_benchmarks(kind: str) -> list[str]:
    """Benchmark names the official generator gives EgoPose files (FORMAT §9.1)."""
    names = ["egopose", "ego_pose"]
    for p in _POSE_PARTS if kind == "camera_pose" else (kind,):
        names += [f"{p}_pose", f"ego_{p}_pose", f"{p}pose", f"ego{p}pose", f"ego_{p}pose"]
        if kind == "camera_pose":
            names.append("camera_pose")
    return names


def _annotation_file_benchmarks(name: str) -> tuple[str, list[str] | None]:
    """(uid, benchmarks) of a top-level annotation file, as the official generator derives them."""
    stem = "_".join(name.split("_")[:-1])
    if not stem:
        return stem, None
    benchmarks = [stem]
    if "proficiency" in stem:
        benchmarks.append("proficiency")
    if "procedur" in stem:
        benchmarks += ["taskgraph", "keystep_taskgraph"]
    return stem, benchmarks


class _Describer:
    """Manifest fields of one release file (uid, views, universities, splits, benchmarks)."""

    def __init__(self, release: ReleaseIndex) -> None:
        self.release = release
        self.takes_by_dir = {t.record.dir: t for t in release.takes}
        self.takes_by_uid = {t.uid: t for t in release.takes}
        self.takes_by_name = {t.name: t for t in release.takes}
        self.captures_by_dir = {c.dir: c for c in release.captures}
        self.capture_splits: dict[str, set[str]] = defaultdict(set)
        for t in release.takes:
            if t.split and t.record.capture_uid:
                self.capture_splits[t.record.capture_uid].add(t.split)
        self.views: dict[str, str] = {}
        self.cam_kind: dict[tuple[str, str], str] = {}
        for t in release.takes:
            for v in t.views:
                self.cam_kind[(t.uid, v.cam_id)] = v.kind
                if v.relative_path:
                    self.views[f"{t.record.dir}/{v.relative_path}"] = v.kind

    def entry_key(self, rel: str, part: str) -> tuple[Any, ...]:
        """Group key of the entry a file goes into, and that entry's fields."""
        p = PurePosixPath(rel)
        if part == "metadata":
            return (p.stem, None, None)
        if part in ("annotations", "ego_pose_pseudo_gt", "expert_commentary"):
            return self._annotation(p, part)
        if part == CLIPS_PART:  # keystep_benchmark/clips_448p/<split>/<take_name>/<clip>.mp4
            take = self.takes_by_name.get(p.parts[3]) if len(p.parts) > 4 else None
            if take is None:
                return (p.parts[-2], None, ("keystep",))
            return (take.uid, (p.parts[2],), ("keystep",))
        if part.startswith("features/"):
            take = self.takes_by_uid.get(p.name.split("_")[0])
            if p.suffix in (".yaml", ".yml") or take is None:
                return ("omnivore_video_config", None, None)  # (sic) the official uid for feature configs
            return self._take_fields(take)
        # a folder takes.json / captures.json does not list still gets a string uid (the official
        # client requires one): its folder name
        if p.parts[0] == "takes":
            take = self.takes_by_dir.get("/".join(p.parts[:2]))
            return self._take_fields(take) if take else (p.parts[1], None, None)
        capture = self.captures_by_dir.get("/".join(p.parts[:2]))
        if capture is None:
            return (p.parts[1], None, None)
        splits = sorted(self.capture_splits.get(capture.capture_uid, ()))
        return (capture.capture_uid, tuple(splits), ())

    def _take_fields(self, take: Any) -> tuple[Any, ...]:
        return (take.uid, (take.split,) if take.split else None, tuple(take.benchmarks) or None)

    def _annotation(self, p: PurePosixPath, part: str) -> tuple[Any, ...]:
        if len(p.parts) == 2 or p.parts[1] != "ego_pose" and p.parts[1] != "expert_commentary":
            uid, benchmarks = _annotation_file_benchmarks(p.name)
            return (uid, None, tuple(benchmarks) if benchmarks else None)
        if p.parts[1] == "expert_commentary":  # annotations/expert_commentary/<take_name>/<expert>/...
            take = self.takes_by_name.get(p.parts[2])
            uid = f"{take.uid if take else p.parts[2]}_{p.parts[3]}"
            return (uid, (take.split,) if take and take.split else None, ("expert_commentary",))
        # annotations/ego_pose/<split>/<body|hand|camera_pose>/.../<take_uid>.json
        return (p.stem, (p.parts[2],), tuple(_pose_benchmarks(p.parts[3])))

    def spec_fields(self, rel: str, part: str) -> dict[str, Any]:
        """``views``, ``universities`` and ``file_type`` of one path, as the official generator sets them."""
        p = PurePosixPath(rel)
        file_type = p.suffix[1:] or None
        if part in ("metadata", "annotations", "ego_pose_pseudo_gt", "expert_commentary"):
            return {"views": None, "universities": None, "file_type": None}
        if part in ("take_audio", "take_transcription"):
            return {"views": None, "universities": None, "file_type": None}
        university = None
        views = None
        if p.parts[0] == "captures":
            capture = self.captures_by_dir.get("/".join(p.parts[:2]))
            university = capture.university_name if capture else None
        else:
            if part.startswith("features/"):
                take = self.takes_by_uid.get(p.name.split("_")[0])
            elif part == CLIPS_PART:
                take = self.takes_by_name.get(p.parts[-2])
            else:
                take = self.takes_by_dir.get("/".join(p.parts[:2]))
            university = take.university if take else None
            if part == "takes":
                views = self.views.get(rel)
            elif part.startswith("features/") and take is not None:
                views = self.cam_kind.get((take.uid, p.name.split("_")[1]))
            elif part == CLIPS_PART and take is not None:  # start<s>_end<e>_<cam>[_<stream>].mp4
                views = self.cam_kind.get((take.uid, p.stem.split("_")[2] if p.stem.count("_") >= 2 else ""))
            elif part in ("take_vrs", "take_vrs_noimagestream"):
                views = "ego"
        return {
            "views": (views,) if views else None,
            "universities": (university,) if university else None,
            "file_type": file_type,
        }


def _sha256_and_size(path: Path) -> tuple[str, int]:
    return hash_file(path).hexdigest(), path.stat().st_size


def build_manifests(
    root: str | Path, *, source_of: Callable[[str], str], workers: int = 8
) -> tuple[dict[str, list[ManifestEntry]], list[_File], list[str]]:
    """Hash every release file and group it into per-part manifest entries.

    Args:
        root: the release folder.
        source_of: relative path → the ``source_path`` to write for it.
        workers: hashing threads.

    Returns:
        ``(part → entries, files, ignored relative paths)``; every part has a manifest (``[]`` when the
        release has none of its files), so ``--parts all`` and the official client's plain run work.
    """
    root = Path(root)
    release = ReleaseIndex.open(root)
    describe = _Describer(release)
    found, ignored = _walk(root)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        hashed = list(pool.map(lambda item: _sha256_and_size(root / item[0]), found))
    files = [_File(rel, part, size, sha) for (rel, part), (sha, size) in zip(found, hashed, strict=True)]
    groups: dict[str, dict[tuple[Any, ...], list[PathSpec]]] = defaultdict(dict)
    for f in files:
        key = describe.entry_key(f.rel, f.part)
        spec = PathSpec(
            source_path=source_of(f.rel),
            relative_path=f.rel,
            size=f.size,
            checksum=f"sha256:{f.sha256}",
            **describe.spec_fields(f.rel, f.part),
        )
        groups[f.part].setdefault(key, []).append(spec)
    manifests: dict[str, list[ManifestEntry]] = {p: [] for p in KNOWN_PARTS}
    for part, by_key in groups.items():
        manifests[part] = [
            ManifestEntry(uid=uid, paths=tuple(paths), splits=splits, benchmarks=benchmarks)
            for (uid, splits, benchmarks), paths in by_key.items()
        ]
    return manifests, files, ignored


class _DirTarget:
    def __init__(self, base: Path, release: str) -> None:
        self.base = base / release

    def source_of(self, rel: str) -> str:
        return (self.base / rel).absolute().as_uri()

    def has(self, f: _File) -> bool:
        dest = self.base / f.rel
        return dest.is_file() and dest.stat().st_size == f.size and hash_file(dest).hexdigest() == f.sha256

    def put(self, src: Path, f: _File) -> None:
        with atomic_path(self.base / f.rel) as tmp:
            shutil.copyfile(src, tmp)

    def put_text(self, rel: str, text: str) -> None:
        write_text(self.base / rel, text)


class _S3Target:
    def __init__(self, base: str, release: str, client: Any) -> None:
        self.bucket, prefix = split_s3(base)
        self.prefix = "/".join(x for x in (prefix.strip("/"), release) if x)
        self.client = client

    def key(self, rel: str) -> str:
        return f"{self.prefix}/{rel}"

    def source_of(self, rel: str) -> str:
        return f"s3://{self.bucket}/{self.key(rel)}"

    def has(self, f: _File) -> bool:
        import botocore.exceptions as bx

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(f.rel))
        except bx.ClientError:
            return False
        return head["ContentLength"] == f.size and (head.get("Metadata") or {}).get("sha256") == f.sha256

    def put(self, src: Path, f: _File) -> None:
        # the sha256 travels as object metadata too, so `download` can verify files of any manifest
        self.client.upload_file(
            str(src), self.bucket, self.key(f.rel), ExtraArgs={"Metadata": {"sha256": f.sha256}}
        )

    def put_text(self, rel: str, text: str) -> None:
        data = text.encode("utf-8")
        sha = hashlib.sha256(data).hexdigest()
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.key(rel),
            Body=data,
            ContentType="application/json",
            Metadata={"sha256": sha},
        )


def publish(
    root: str | Path,
    to: str | Path,
    *,
    release: str = "v2",
    endpoint_url: str | None = None,
    profile: str | None = None,
    workers: int = 8,
    on_file: Callable[[str], None] = lambda rel: None,
) -> PublishReport:
    """Publish the release folder ``root`` to ``to`` (``s3://bucket/prefix`` or a folder).

    Args:
        root: release folder in the official layout.
        to: target base; the release lands in ``<to>/<release>/``.
        release: release name (the ``--release`` a downloader passes).
        endpoint_url: S3-compatible endpoint (else ``AWS_ENDPOINT_URL`` or AWS itself).
        profile: AWS profile for S3 targets.
        workers: parallel hashing and uploads.
        on_file: called with each relative path once it is at the target.

    Raises:
        DownloadError: the target cannot be written (with the reason).
    """
    import urllib.parse

    to_str = str(to)
    scheme = urllib.parse.urlparse(to_str).scheme
    if scheme == "s3":
        client = s3_client(endpoint_url=endpoint_url, profile=profile, workers=workers, timeout=60.0)
        target: Any = _S3Target(to_str, release, client)
    elif scheme in ("", "file") or len(scheme) == 1:
        path = Path(urllib.parse.urlparse(to_str).path if scheme == "file" else to_str)
        target = _DirTarget(path.expanduser(), release)
    else:
        raise DownloadError(f"cannot publish to {redact_url(to_str)!r}: use s3://bucket/prefix or a folder")
    root = Path(root)
    manifests, files, ignored = build_manifests(root, source_of=target.source_of, workers=workers)
    report = PublishReport(redact_url(to_str), release, ignored=ignored)

    def put(f: _File) -> bool:
        if target.has(f):
            on_file(f.rel)
            return False
        target.put(root / f.rel, f)
        on_file(f.rel)
        return True

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            written = list(pool.map(put, files))
        for part, entries in manifests.items():
            target.put_text(f"{part}/manifest.json", dump_manifest(entries))
    except OSError as e:
        raise DownloadError(redact_url(f"cannot write to {to_str}: {e}")) from e
    except Exception as e:  # botocore errors: no boto3 import at module level
        if type(e).__module__.startswith(("botocore", "boto3", "s3transfer")):
            where = f"{to_str} (endpoint {endpoint_url or 'AWS'})"
            raise DownloadError(redact_url(f"cannot upload to {where}: {e}")) from e
        raise
    report.uploaded = sum(written)
    report.unchanged = len(written) - report.uploaded
    for part, entries in manifests.items():
        report.parts[part] = (
            len(entries),
            sum(len(e.paths) for e in entries),
            sum(p.size or 0 for e in entries for p in e.paths),
        )
    return report
