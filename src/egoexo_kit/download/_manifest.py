"""The official per-part manifest (FORMAT §9.2): parse it strictly but with located errors, write it back.

A manifest is a JSON array of entries ``{uid, paths, splits, benchmarks}``; each path is
``{source_path, relative_path, views, universities, file_type, size, checksum}``. Writers emit exactly
those fields (the official client rejects any other) and put the hash in ``checksum`` as a string.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from egoexo_kit.errors import FormatError
from egoexo_kit.release import ALL_PARTS, KNOWN_PARTS
from egoexo_kit.vocab import pointer

__all__ = [
    "DEFAULT_PARTS",
    "Checksum",
    "ManifestEntry",
    "PathSpec",
    "dump_manifest",
    "expand_parts",
    "load_manifest_json",
    "parse_checksum",
    "parse_manifest",
    "unknown_parts",
]

DEFAULT_PARTS = ("metadata", "annotations", "takes", "captures", "take_trajectory", "take_vrs_noimagestream")
"""What ``--parts default`` (and no ``--parts``) means in the official CLI (FORMAT §1.4)."""

_PATH_FIELDS = ("source_path", "relative_path", "views", "universities", "file_type", "size", "checksum")
_ENTRY_FIELDS = ("uid", "paths", "splits", "benchmarks")
_HEX = re.compile(r"^[0-9a-f]+$")
_PART_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")


@dataclass(frozen=True)
class Checksum:
    """A content hash a downloaded file must match."""

    algorithm: str
    """``sha256`` or ``md5``."""
    hexdigest: str
    """Lower-case hex digest."""

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hexdigest}"


def parse_checksum(value: str | None) -> Checksum | None:
    """``"sha256:<hex>"``, ``"md5:<hex>"`` or a bare 64/32-digit hex string; ``None`` when absent.

    Raises:
        ValueError: the string is neither form.
    """
    if value is None or value == "":
        return None
    algo, _, digest = value.strip().lower().rpartition(":")
    if not algo:
        algo = {64: "sha256", 32: "md5"}.get(len(digest), "")
    want = {"sha256": 64, "md5": 32}.get(algo)
    if want is None or len(digest) != want or not _HEX.match(digest):
        raise ValueError(f"checksum {value!r} is not 'sha256:<64 hex>' or 'md5:<32 hex>'")
    return Checksum(algo, digest)


@dataclass(frozen=True)
class PathSpec:
    """One file of a manifest entry (the official ``PathSpecification``)."""

    source_path: str
    """Where the file lives (``s3://bucket/key`` in the official bucket)."""
    relative_path: str
    """Where it goes under the download root (POSIX separators)."""
    views: tuple[str, ...] | None = None
    """``("ego",)`` / ``("exo",)``; ``None`` for files that are no camera's (kept by ``--views``)."""
    universities: tuple[str, ...] | None = None
    file_type: str | None = None
    size: int | None = None
    """Bytes; ``None`` means "ask the source"."""
    checksum: str | None = None
    """``"sha256:<hex>"`` (written by ``publish``); the official manifests leave it null."""

    def to_json(self) -> dict[str, Any]:
        """The official field set, in the official order."""
        return {
            "source_path": self.source_path,
            "relative_path": self.relative_path,
            "views": list(self.views) if self.views is not None else None,
            "universities": list(self.universities) if self.universities is not None else None,
            "file_type": self.file_type,
            "size": self.size,
            "checksum": self.checksum,
        }


@dataclass(frozen=True)
class ManifestEntry:
    """One take, capture or file group of a part (the official ``ManifestEntry``)."""

    uid: str | None
    paths: tuple[PathSpec, ...]
    splits: tuple[str, ...] | None = None
    benchmarks: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        """The official field set, in the official order."""
        return {
            "uid": self.uid,
            "paths": [p.to_json() for p in self.paths],
            "splits": list(self.splits) if self.splits is not None else None,
            "benchmarks": list(self.benchmarks) if self.benchmarks is not None else None,
        }


def expand_parts(parts: list[str] | tuple[str, ...]) -> list[str]:
    """Expand ``default`` / ``all`` (FORMAT §1.4), keep the order given, drop repeats.

    Any other well-formed name is kept, nested ones (``keystep_benchmark/clips_448p``) included: the
    official client downloads every part that has a ``<release>/<part>/manifest.json``
    (facebookresearch/Ego4d: ego4d/internal/download/cli.py); :func:`unknown_parts` tells which names
    egoexo-kit does not know, for a warning.

    Raises:
        ValueError: a name that cannot be a part folder (empty, ``..``, odd characters).
    """
    out: list[str] = []
    for name in parts or ["default"]:
        names = DEFAULT_PARTS if name == "default" else ALL_PARTS if name == "all" else (name.strip("/"),)
        for part in names:
            if not _PART_NAME.match(part) or {".", ".."} & set(part.split("/")):
                raise ValueError(
                    f"invalid part name {name!r}: a part is a folder name such as 'takes' or "
                    f"'downscaled_takes/448'; known parts are: {', '.join(KNOWN_PARTS)}, "
                    "plus 'default' and 'all'"
                )
            if part not in out:
                out.append(part)
    return out


def unknown_parts(parts: list[str]) -> list[str]:
    """The names among ``parts`` that egoexo-kit does not know (downloaded all the same if listed)."""
    return [p for p in parts if p not in KNOWN_PARTS]


def _strings(raw: Any, *, where: str, name: str, source: str) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise FormatError(f"{name} must be a list of strings or null", path=source, pointer=where)
    return tuple(raw)


def _check_keys(raw: Any, allowed: tuple[str, ...], *, where: str, source: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise FormatError(f"expected a JSON object, got {type(raw).__name__}", path=source, pointer=where)
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise FormatError(f"unknown field(s) {unknown}; allowed: {list(allowed)}", path=source, pointer=where)
    return raw


def _parse_path(raw: Any, *, where: tuple[object, ...], source: str) -> PathSpec:
    obj = _check_keys(raw, _PATH_FIELDS, where=pointer(*where), source=source)
    if not isinstance(obj.get("source_path"), str) or not obj["source_path"]:
        raise FormatError(
            "source_path must be a non-empty string", path=source, pointer=pointer(*where, "source_path")
        )
    if not isinstance(obj.get("relative_path"), str):  # an unsafe value refuses that file alone, in the plan
        raise FormatError(
            "relative_path must be a string", path=source, pointer=pointer(*where, "relative_path")
        )
    size = obj.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise FormatError(
            f"size must be a byte count >= 0 or null (got {size!r})",
            path=source,
            pointer=pointer(*where, "size"),
        )
    checksum = obj.get("checksum")
    try:
        parse_checksum(checksum if isinstance(checksum, str) or checksum is None else "?")
    except ValueError as e:
        raise FormatError(str(e), path=source, pointer=pointer(*where, "checksum")) from e
    file_type = obj.get("file_type")
    if file_type is not None and not isinstance(file_type, str):
        raise FormatError(
            "file_type must be a string or null", path=source, pointer=pointer(*where, "file_type")
        )
    return PathSpec(
        source_path=obj["source_path"],
        relative_path=obj["relative_path"],
        views=_strings(obj.get("views"), where=pointer(*where, "views"), name="views", source=source),
        universities=_strings(
            obj.get("universities"), where=pointer(*where, "universities"), name="universities", source=source
        ),
        file_type=file_type,
        size=size,
        checksum=checksum,
    )


def load_manifest_json(text: str | bytes, *, source: str) -> Any:
    """Parse JSON fetched from a source (a manifest, ``takes.json``); any failure is one located error.

    Raises:
        FormatError: not UTF-8, not JSON, nested deeper than Python parses, or a number too long
            to convert (Python's 4,300-digit cap) — never a bare ``ValueError`` or ``RecursionError``.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(f"invalid JSON: {e.msg}", path=source, line=e.lineno, column=e.colno) from e
    except UnicodeDecodeError as e:
        raise FormatError(f"not UTF-8 text: {e}", path=source) from e
    except RecursionError as e:
        raise FormatError("JSON nested too deeply to parse", path=source) from e
    except ValueError as e:  # int() of a 10⁴-digit number
        raise FormatError(f"unusable JSON: {' '.join(str(e).split())[:200]}", path=source) from e


def parse_manifest(text: str | bytes, *, source: str) -> list[ManifestEntry]:
    """Parse one part's ``manifest.json``; every problem is a :class:`FormatError` located in ``source``.

    Args:
        text: the manifest content.
        source: where it came from (URL or path), for error messages.
    """
    raw = load_manifest_json(text, source=source)
    if not isinstance(raw, list):
        raise FormatError(f"a manifest is a JSON array, got {type(raw).__name__}", path=source, pointer="")
    entries = []
    for i, item in enumerate(raw):
        obj = _check_keys(item, _ENTRY_FIELDS, where=pointer(i), source=source)
        uid = obj.get("uid")
        if uid is not None and not isinstance(uid, str):
            raise FormatError(
                f"uid must be a string or null (got {uid!r})", path=source, pointer=pointer(i, "uid")
            )
        paths = obj.get("paths")
        if not isinstance(paths, list):
            raise FormatError("paths must be a list", path=source, pointer=pointer(i, "paths"))
        entries.append(
            ManifestEntry(
                uid=uid,
                paths=tuple(
                    _parse_path(p, where=(i, "paths", j), source=source) for j, p in enumerate(paths)
                ),
                splits=_strings(obj.get("splits"), where=pointer(i, "splits"), name="splits", source=source),
                benchmarks=_strings(
                    obj.get("benchmarks"), where=pointer(i, "benchmarks"), name="benchmarks", source=source
                ),
            )
        )
    return entries


def dump_manifest(entries: list[ManifestEntry]) -> str:
    """Serialize entries exactly as the official generator's field set (compact JSON array)."""
    return json.dumps([e.to_json() for e in entries], ensure_ascii=False)
