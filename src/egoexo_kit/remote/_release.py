"""A release read in place from an S3 bucket or HTTPS mirror: small files in a local shadow, media by range.

The mirror has the official bucket layout (``<base>/<release>/<part>/manifest.json``, FORMAT §9.2;
what ``egoexo-kit publish`` writes). :func:`open_remote` gives a :class:`RemoteRelease` whose
:attr:`~RemoteRelease.shadow` is a local folder laid out like a release, so every reader of the
toolkit works on it unchanged:

- **eagerly**, on open: the ``metadata`` part (``takes.json``, ``captures.json``, ``metadata.json``
  …) and ``annotations/splits.json`` (each take's split and benchmarks), i.e. what
  :class:`~egoexo_kit.release.ReleaseIndex` reads;
- **lazily**, when a take is first used for anything but its metadata: its capture's
  ``timesync.csv`` for a timeline (any frame or clip); every other non-media file of that take and
  its capture in every part (calibration, trajectories, eye gaze, point clouds, audio, features …)
  for cameras, sensors, audio or features; the release-wide annotation files plus that take's
  (EgoPose, expert commentary) for ``take.annotations``; every file under ``annotations/`` for the
  catalog and benchmark ground truth (:meth:`RemoteRelease.ensure_annotations`);
- **never**: media (``.mp4``, ``.vrs``): :meth:`RemoteRelease.open_file` reads them as
  :class:`~egoexo_kit.remote.RemoteFile` through the block cache, a few blocks at a time.

Part manifests are kept in ``<shadow>/.egoexo-kit/remote/`` with the version token the server gave
them, and fetched again when a ``HEAD`` shows they changed. Small files are fetched with
:func:`egoexo_kit.download.fetch_file` (retries, size and hash checked against the manifest, atomic
rename), under the shadow's ``flock`` so that processes sharing the cache never write the same file at
once; a shadow file whose manifest has a ``sha256`` is hashed again before it is trusted.
"""

from __future__ import annotations

import contextlib
import fnmatch
import glob
import hashlib
import json
import os
import threading
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from egoexo_kit._io import atomic_path, cache_dir
from egoexo_kit._lock import folder_lock
from egoexo_kit.download import (
    FileJob,
    ManifestEntry,
    MissingObject,
    ObjectInfo,
    PathSpec,
    Source,
    TransferPolicy,
    fetch_file,
    open_source,
    parse_checksum,
    parse_manifest,
    redact_url,
    retrying,
)
from egoexo_kit.errors import DownloadError, NotFoundError
from egoexo_kit.release import KNOWN_PARTS, classify_part, safe_join
from egoexo_kit.remote._cache import BlockCache
from egoexo_kit.remote._file import RemoteFile, TransferStats

__all__ = ["MEDIA_SUFFIXES", "Opening", "RemoteRelease", "is_remote", "open_remote", "reopen"]

MEDIA_SUFFIXES = (".mp4", ".vrs", ".webm")
"""Files never copied into the shadow with a take or the annotations: read by range
(:meth:`RemoteRelease.open_file`), or fetched on demand (:meth:`RemoteRelease.fetch_whole`). ``.webm``:
the expert commentary's audio recordings, which nothing in the toolkit reads."""

_SCHEMES = ("s3", "http", "https", "file")
_STATE = ".egoexo-kit/remote"
SPLITS_FILE = "annotations/splits.json"
_LOCK_WHAT = "egoexo-kit remote fetch"


def is_remote(root: object) -> bool:
    """Whether ``root`` is a release URL (``s3://``, ``http(s)://``, ``file://``), not a folder path."""
    return isinstance(root, str) and urllib.parse.urlsplit(root).scheme in _SCHEMES


def _split(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix/v2`` → (``s3://bucket/prefix``, ``v2``); a query string stays with the base."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    base_path, _, release = path.rpartition("/")
    if not release or (parts.scheme != "file" and not parts.netloc):
        raise DownloadError(
            f"not a release URL: {redact_url(url)} (expected s3://bucket/prefix/<release> or "
            "https://host/path/<release>)"
        )
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, base_path or "/", parts.query, ""))
    return base, release


@dataclass(frozen=True)
class Opening:
    """How to connect to a mirror: what :func:`~egoexo_kit.download.open_source` is given."""

    base: str
    release: str
    endpoint_url: str | None = None
    profile: str | None = None
    anonymous: bool = False
    timeout: float = 30.0

    def connect(self) -> Source:
        """A new source (new connections).

        Raises:
            DownloadError: an unsupported URL, a profile that does not exist, keys inside an S3 URL.
        """
        try:
            return open_source(
                self.base,
                release=self.release,
                endpoint_url=self.endpoint_url,
                profile=self.profile,
                anonymous=self.anonymous,
                timeout=self.timeout,
            )
        except ValueError as e:
            raise DownloadError(str(e)) from e

    @property
    def url(self) -> str:
        """The release URL (the inverse of the split :func:`open_remote` makes; it may hold a secret)."""
        parts = urllib.parse.urlsplit(self.base)
        path = f"{parts.path.rstrip('/')}/{self.release}"
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))

    def open(self, *, cache: BlockCache | None = None, policy: TransferPolicy | None = None) -> RemoteRelease:
        """The release this opening names, in this process's shadow folder, its metadata fetched.

        What :func:`open_remote` does after parsing the URL; a process handed only the opening (a
        feature worker, a Ray task on another machine) so reads the mirror with its own connections.
        """
        policy = policy or TransferPolicy(retries=5, backoff_s=0.2, max_backoff_s=5.0, timeout_s=self.timeout)
        source = self.connect()
        endpoint = self.endpoint_url or os.environ.get("AWS_ENDPOINT_URL", "")
        ident = json.dumps([source.label, self.release, endpoint])
        shadow = cache_dir("remote", "releases", hashlib.sha256(ident.encode()).hexdigest()[:20])
        remote = RemoteRelease(redact_url(self.url), self, shadow, policy, cache or BlockCache())
        remote._source = (os.getpid(), source)
        remote.fetch_metadata()
        return remote


@dataclass
class RemoteRelease:
    """One remote release: its source, local shadow folder and manifests (see the module docstring).

    Picklable, and safe across ``fork``: a copy in another process (a DataLoader worker) connects
    again on first use, never sharing the parent's connections.
    """

    url: str
    """The release URL with credentials hidden (:func:`~egoexo_kit.download.redact_url`)."""
    opening: Opening
    shadow: Path
    """The local folder laid out like the release (small files only)."""
    policy: TransferPolicy
    cache: BlockCache
    stats: TransferStats = field(default_factory=TransferStats)
    """Bytes and requests of the media read by range (for benchmarks)."""
    fetched_files: int = 0
    """Small files this process copied into the shadow (an index that listed files before must look again)."""
    _manifests: dict[str, list[ManifestEntry] | None] = field(default_factory=dict, repr=False)
    _part_locks: dict[str, threading.Lock] = field(default_factory=dict, repr=False)
    _files: dict[str, tuple[str, PathSpec]] = field(default_factory=dict, repr=False)
    _heads: dict[str, ObjectInfo] = field(default_factory=dict, repr=False)
    _done: set[str] = field(default_factory=set, repr=False)
    _take_files: dict[str, list[PathSpec]] = field(default_factory=dict, repr=False)
    _verified: dict[str, int] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _all_loaded: bool = False
    _source: tuple[int, Source] | None = field(default=None, repr=False)

    @property
    def source(self) -> Source:
        """This process's connection to the mirror (made again after a fork or in a new process)."""
        with self._lock:
            if self._source is None or self._source[0] != os.getpid():
                self._source = (os.getpid(), self.opening.connect())
            return self._source[1]

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_lock"], state["_source"], state["_part_locks"] = None, None, {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    # -- manifests -----------------------------------------------------------------------------------
    def manifest(self, part: str) -> list[ManifestEntry] | None:
        """The entries of ``part``'s manifest (``None``: no such part); cached, fetched again when changed.

        The local copy is named by the version the server gave (content-addressed: two processes
        never mix two versions); one thread per part fetches it, the others wait for it.
        """
        with self._lock:
            if part in self._manifests:
                return self._manifests[part]
            part_lock = self._part_locks.setdefault(part, threading.Lock())
        with part_lock:
            with self._lock:
                if part in self._manifests:
                    return self._manifests[part]
            entries = self._read_manifest(part)
            with self._lock:
                self._manifests[part] = entries
                for entry in entries or []:
                    for spec in entry.paths:
                        self._files.setdefault(spec.relative_path, (part, spec))
        return entries

    def _read_manifest(self, part: str) -> list[ManifestEntry] | None:
        url = self.source.manifest_url(part)
        try:
            info = retrying(lambda: self.source.head(url), policy=self.policy)
        except MissingObject:
            return None
        folder = self.shadow / _STATE / "manifests"
        stem = part.replace("/", "__")
        local = folder / f"{stem}.{hashlib.sha256(info.version.encode()).hexdigest()[:16]}.json"
        try:
            text = local.read_bytes()
        except OSError:
            text = retrying(lambda: self.source.read(url), policy=self.policy)
            with atomic_path(local) as tmp:
                tmp.write_bytes(text)
            for old in folder.glob(f"{glob.escape(stem)}.*.json"):
                if old != local and old.name.count(".") == 2:
                    old.unlink(missing_ok=True)  # an older version of this manifest
        return parse_manifest(text, source=redact_url(url))

    def load_all(self) -> None:
        """Read every part's manifest (in parallel; absent parts are skipped)."""
        if self._all_loaded:
            return
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self.manifest, KNOWN_PARTS))
        self._all_loaded = True

    def parts(self) -> dict[str, tuple[int, int]]:
        """Part → (files, bytes) as the mirror's manifests list them (parts with files only)."""
        self.load_all()
        out = {}
        for part, entries in self._manifests.items():
            files = [spec for e in entries or [] for spec in e.paths]
            if files:
                out[part] = (len(files), sum(spec.size or 0 for spec in files))
        return out

    def spec(self, relative_path: str) -> tuple[str, PathSpec]:
        """``(part, path spec)`` of a release file.

        Raises:
            NotFoundError: no manifest lists it.
        """
        found = self._files.get(relative_path)
        part = classify_part(relative_path)
        if found is None and part is not None:  # its own part's manifest first: one request, not all
            self.manifest(part)
            found = self._files.get(relative_path)
        if found is None:
            self.load_all()
            found = self._files.get(relative_path)
        if found is None:
            raise NotFoundError(f"no part manifest of {self.url} lists this file", path=relative_path)
        return found

    # -- small files into the shadow -----------------------------------------------------------------
    def _fetch(self, specs: Iterable[PathSpec]) -> int:
        """Copy ``specs`` into the shadow (verified; valid copies there are kept); returns how many came."""
        todo = []
        for spec in specs:
            if not self._valid(spec):
                todo.append(spec)
            else:  # recency for the cache's LRU (take files share its cap)
                with contextlib.suppress(OSError):
                    os.utime(self.shadow / spec.relative_path)
        if not todo:
            return 0
        with folder_lock(self.shadow, what=_LOCK_WHAT, wait=600.0):
            todo = [s for s in todo if not self._valid(s)]  # another process may have fetched them

            def one(spec: PathSpec) -> None:
                dest = safe_join(self.shadow, spec.relative_path, source="manifest", pointer="")
                job = FileJob(
                    self.source.file_url(spec.source_path, spec.relative_path),
                    dest,
                    spec.size,
                    _checksum(spec),
                )
                result = fetch_file(self.source, job, policy=self.policy)
                if not result.ok:
                    raise DownloadError(f"cannot fetch: {result.reason}", path=redact_url(job.url))
                if result.method == "sha256":  # checked as it came: not hashed again in this process
                    with self._lock:
                        self._verified[spec.relative_path] = result.size

            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(one, todo))
        with self._lock:
            self.fetched_files += len(todo)
        if self.cache.shadows is not None and self.shadow.is_relative_to(self.cache.shadows):
            self.cache.wrote(sum(spec.size or 0 for spec in todo))  # may trim older take files
        return len(todo)

    def _valid(self, spec: PathSpec) -> bool:
        """Whether the shadow holds ``spec`` with its size (and its sha256 when the manifest has one).

        A file this process already hashed (or fetched) is only checked for presence and size again.
        """
        path = self.shadow / spec.relative_path
        try:
            size = path.stat().st_size
        except OSError:
            return False
        if spec.size is not None and size != spec.size:
            return False
        if self._verified.get(spec.relative_path) == size:
            return True
        want = _checksum(spec)
        if want is None or want.algorithm != "sha256":
            return True
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != want.hexdigest:
            return False
        with self._lock:
            self._verified[spec.relative_path] = size
        return True

    def fetch_metadata(self) -> None:
        """Fetch what :class:`~egoexo_kit.release.ReleaseIndex` reads: part ``metadata`` and ``splits.json``.

        ``annotations/splits.json`` gives every take its split and benchmarks, so it is metadata here.
        The two manifests are read in parallel.

        Raises:
            NotFoundError: the mirror has no ``metadata`` manifest (not a release).
        """
        with ThreadPoolExecutor(max_workers=2) as pool:
            entries, _ = pool.map(self.manifest, ("metadata", "annotations"))
        if entries is None:
            raise NotFoundError(
                f"no metadata/manifest.json at {self.url}: not a release in the official bucket layout "
                "(publish one with `egoexo-kit publish`)"
            )
        splits = self._files.get(SPLITS_FILE)
        self._fetch([spec for e in entries for spec in e.paths] + ([splits[1]] if splits else []))

    def ensure_take(
        self, take_uid: str, capture_uid: str | None = None, *, parts: tuple[str, ...] | None = None
    ) -> None:
        """Fetch the non-media files of one take and its capture (once per process).

        Args:
            take_uid: the take; entries whose uid is it, or starts with ``<take_uid>_`` (expert
                commentary), are fetched.
            capture_uid: its capture (``timesync.csv``, capture trajectories).
            parts: only these parts (e.g. ``("captures",)`` for a timeline); ``None``: every part.
        """
        key = f"take:{take_uid}:{parts}"
        for done in (key, f"take:{take_uid}:None"):
            if done in self._take_files and self._present(self._take_files[done]):
                return  # fetched before in this process and still there (the cache may trim them)
        if parts is None:
            self.load_all()
        manifests = {p: self.manifest(p) for p in parts} if parts else dict(self._manifests)
        owners = {take_uid, capture_uid} - {None}
        specs = [
            spec
            for entries in manifests.values()
            for e in entries or []
            if e.uid in owners or (e.uid or "").startswith(f"{take_uid}_")
            for spec in e.paths
            if not spec.relative_path.lower().endswith(MEDIA_SUFFIXES)
        ]
        self._fetch(specs)
        self._take_files[key] = specs

    def _present(self, specs: list[PathSpec]) -> bool:
        return all((self.shadow / spec.relative_path).is_file() for spec in specs)

    def fetch_whole(self, path: str | Path) -> bool:
        """Copy one listed file into the shadow whole, media included (verified; a valid copy is kept).

        For what only reads a local path: a take's VRS (projectaria-tools opens files by name), which
        ``take.imu()`` fetches on first use. Returns whether the mirror lists the file.
        """
        try:
            _, spec = self.spec(self.relative(path))
        except (NotFoundError, ValueError):
            return False
        self._fetch([spec])
        return True

    def ensure_annotations(
        self, take_uid: str | None = None, take_name: str | None = None, *, automatic_pose: bool = False
    ) -> int:
        """Fetch the annotation files (everything under ``annotations/``, from every part), once per process.

        With a take: the release-wide files directly in ``annotations/`` (keysteps, descriptions,
        splits …) plus the files of that take (its uid or ``/<take name>/`` in the path: EgoPose,
        expert commentary, its audio transcriptions); without: all of them and every take's
        ``takes/<name>/audio/*_transcriptions.json`` (the catalog's narrations, benchmark ground truth),
        except the automatic EgoPose files of every take (part ``ego_pose_pseudo_gt``, 139 GB of the
        real release; FORMAT §9) unless ``automatic_pose``. Expert commentary recordings (``.webm``)
        are never fetched.

        Returns:
            How many files were fetched now (0: the shadow already had them).
        """
        everything = "annotations:all+automatic"
        key = everything if take_uid is None and automatic_pose else f"annotations:{take_uid or 'all'}"
        if key in self._done or everything in self._done:
            return 0
        self.load_all()

        def wanted(rel: str) -> bool:
            if fnmatch.fnmatchcase(rel, "takes/*/audio/*_transcriptions.json"):
                return take_uid is None or rel.split("/")[1] == take_name
            if not rel.startswith("annotations/") or rel.lower().endswith(MEDIA_SUFFIXES):
                return False
            if take_uid is None:
                return automatic_pose or not _automatic_pose(rel)
            if rel.count("/") == 1:
                return True
            return take_uid in rel or (take_name is not None and f"/{take_name}/" in rel)

        fetched = self._fetch(spec for rel, (_, spec) in list(self._files.items()) if wanted(rel))
        self._done.add(key)
        return fetched

    # -- media by range ------------------------------------------------------------------------------
    def relative(self, path: str | Path) -> str:
        """A shadow path (or a release-relative one) as the release-relative POSIX path manifests use."""
        p = Path(path)
        return (p.relative_to(self.shadow) if p.is_absolute() else PurePosixPath(p)).as_posix()

    def head(self, relative_path: str) -> tuple[str, ObjectInfo]:
        """The URL and :class:`~egoexo_kit.download.ObjectInfo` of a release file (one ``HEAD`` per process).

        The first ``HEAD`` of an object also drops cached blocks of its older versions.
        """
        _, spec = self.spec(relative_path)
        url = self.source.file_url(spec.source_path, spec.relative_path)
        with self._lock:
            info = self._heads.get(url)
        if info is None:
            info = retrying(lambda: self.source.head(url), policy=self.policy)
            self.cache.forget_other_versions(url, info.version)
            with self._lock:
                self._heads[url] = info
        return url, info

    def open_file(self, path: str | Path) -> RemoteFile:
        """A :class:`RemoteFile` over a release file (shadow path or release-relative path)."""
        url, info = self.head(self.relative(path))
        return RemoteFile(self.source, url, info=info, cache=self.cache, policy=self.policy, stats=self.stats)

    def exists(self, path: str | Path) -> bool:
        """Whether a manifest lists the file (media included)."""
        try:
            self.spec(self.relative(path))
        except (NotFoundError, ValueError):
            return False
        return True


def _automatic_pose(rel: str) -> bool:
    """Whether ``rel`` is an automatic EgoPose file (``annotations/ego_pose/<split>/<part>/automatic/…``)."""
    return rel.startswith("annotations/ego_pose/") and "/automatic/" in rel


def _checksum(spec: PathSpec):  # noqa: ANN202 - Checksum | None
    try:
        return parse_checksum(spec.checksum)
    except ValueError:
        return None


def open_remote(
    url: str,
    *,
    endpoint_url: str | None = None,
    profile: str | None = None,
    anonymous: bool = False,
    timeout: float = 30.0,
    cache: BlockCache | None = None,
    policy: TransferPolicy | None = None,
) -> RemoteRelease:
    """Open ``s3://bucket/prefix/<release>`` or ``https://host/path/<release>`` and fetch its metadata.

    Credentials follow ``egoexo-kit download``: ``endpoint_url`` (else ``$AWS_ENDPOINT_URL``),
    ``profile`` (else the standard AWS chain), ``anonymous`` for public buckets (unsigned requests);
    an HTTPS mirror may carry ``user:password@`` or a token query string, never shown in messages.

    Args:
        url: the release URL (the last path segment is the release name, e.g. ``v2``).
        endpoint_url: S3-compatible endpoint.
        profile: AWS profile.
        anonymous: unsigned S3 requests (``--no-sign-request``).
        timeout: per-request stall timeout (seconds); a stalled request is retried.
        cache: the block cache (default: ``cache_dir("remote", "blocks")``, capped by
            ``$EGOEXO_KIT_CACHE_MAX``).
        policy: retries and backoff (default: 5 retries, 0.2 s first backoff).

    Raises:
        DownloadError: the URL is not a release URL, or the mirror cannot be read.
        NotFoundError: the mirror has no ``metadata`` part.
    """
    base, release = _split(url)
    remote = Opening(base, release, endpoint_url, profile, anonymous, timeout).open(
        cache=cache, policy=policy
    )
    remote.url = redact_url(url)  # as the caller spelled it (a trailing slash kept)
    if redact_url(url) == url:  # the shadow remembers its mirror, unless the URL holds a secret
        origin = {"url": url, "endpoint_url": endpoint_url, "profile": profile, "anonymous": anonymous}
        with atomic_path(remote.shadow / _STATE / "origin.json") as tmp:
            tmp.write_text(json.dumps(origin), "utf-8")
    return remote


def reopen(folder: str | Path) -> RemoteRelease | None:
    """The remote release whose shadow ``folder`` is, opened again from its mirror; ``None`` otherwise.

    ``open_release(release.root)`` of a remote release (what a DataLoader worker does with a dataset's
    ``root``) so reads the mirror again instead of a folder without videos. A URL that held a
    password or token is not remembered (nothing secret is written to disk): its shadow opens as a
    plain folder.
    """
    path = Path(folder) / _STATE / "origin.json"
    try:
        origin = json.loads(path.read_text("utf-8"))
        url = origin["url"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return open_remote(
        url,
        endpoint_url=origin.get("endpoint_url"),
        profile=origin.get("profile"),
        anonymous=bool(origin.get("anonymous")),
    )
