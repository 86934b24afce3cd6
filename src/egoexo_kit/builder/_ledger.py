"""The build's JSONL ledger: one line per unit start, finish or failure, appended by any worker.

A unit is finished when its last line says ``done`` with the same key (a hash of the stage's version,
the unit and the settings that shape its output) **and** the outputs that line recorded are still what
was written: a rerun skips it; a crash leaves it ``started``, so resume reruns exactly the unfinished
units; a deleted, truncated or altered output makes the unit run again.

What a ``done`` line records of each output file (its :func:`fingerprint`, path relative to the
release): the size always, and a SHA-256 of the whole file when it is at most :data:`WHOLE_HASH_BYTES`
(metadata, CSV, JSON, short audio, small videos), else of its first and last :data:`EDGE_BYTES` (large
videos: a truncated, replaced or re-encoded MP4 changes its size or its header and index; reading
gigabytes on every rerun would cost more than the check is worth, and a flipped bit in the middle of
a large payload is ``validate``'s job). Timestamps are not used, so a copied release stays trusted.
Records from before fingerprints existed are not trusted (those units run once more).

A ledger line that cannot be read (a torn write, a truncated or corrupt file) is never trusted:
:meth:`Ledger.repair` drops it and reports it in one line, and the unit it recorded runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from egoexo_kit._io import write_text

__all__ = ["EDGE_BYTES", "WHOLE_HASH_BYTES", "Ledger", "fingerprint", "fingerprints", "intact", "unit_key"]

WHOLE_HASH_BYTES = 4 << 20
"""Files up to this size (4 MiB) are hashed whole."""
EDGE_BYTES = 1 << 16
"""Larger files: the hash covers their first and last 64 KiB."""


def unit_key(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (stage version, unit name, output-shaping settings)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprint(path: Path, *, whole: int = WHOLE_HASH_BYTES) -> list[Any]:
    """``[size, sha256]`` of one file: hashed whole up to ``whole`` bytes, else its two ends."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size <= max(whole, 2 * EDGE_BYTES):
            h.update(f.read())
        else:
            h.update(f.read(EDGE_BYTES))
            f.seek(size - EDGE_BYTES)
            h.update(f.read(EDGE_BYTES))
    return [size, h.hexdigest()]


def fingerprints(out: Path, outputs: Iterable[Path]) -> dict[str, list[Any]]:
    """Fingerprints of the files of ``outputs`` (files, or folders taken whole), keyed relative to ``out``."""
    files: list[Path] = []
    for p in outputs:
        files += sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    return {f.relative_to(out).as_posix(): fingerprint(f) for f in files}


def intact(out: Path, record: dict[str, Any] | None) -> bool:
    """Whether ``record`` is a ``done`` line whose recorded outputs are all still what was written."""
    if record is None or record.get("status") != "done":
        return False
    outputs = record.get("outputs")
    if not isinstance(outputs, dict):
        return False  # a record from before fingerprints, or a damaged one
    for rel, expected in outputs.items():
        path = out / rel
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            return False  # never read outside the release on the word of a damaged ledger
        try:
            if not path.is_file() or path.stat().st_size != expected[0] or fingerprint(path) != expected:
                return False
        except (OSError, TypeError, IndexError, KeyError):
            return False
    return True


def _parse(line: bytes) -> dict[str, Any] | None:
    """One ledger record, or ``None`` when the line is not one (torn, corrupt, or of the wrong shape)."""
    try:
        rec = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):  # bad UTF-8 or JSON, huge integers, absurd nesting
        return None
    if not isinstance(rec, dict) or not all(isinstance(rec.get(k), str) for k in ("unit", "status", "key")):
        return None
    return rec


class Ledger:
    """Append-only status records of the build units of one output folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def record(self, unit: str, status: str, *, key: str, **extra: Any) -> None:
        """Append one line (a single ``write`` on an ``O_APPEND`` file, so lines from workers do not mix)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"unit": unit, "status": status, "key": key, "time": time.time(), **extra}) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def _read(self) -> tuple[bytes, list[dict[str, Any]], list[int]]:
        """The file's bytes, its records, and the 1-based numbers of the lines that are not records."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return b"", [], []
        records, bad = [], []
        for i, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue  # a blank line holds no record and hides none
            rec = _parse(line)
            if rec is None:
                bad.append(i)
            else:
                records.append(rec)
        return data, records, bad

    def last(self) -> dict[str, dict[str, Any]]:
        """Each unit's last readable record (unreadable lines are skipped: see :meth:`repair`)."""
        return {rec["unit"]: rec for rec in self._read()[1]}

    def repair(self) -> str | None:
        """Rewrite the ledger without its unreadable lines; a one-line warning when there were any.

        Call it while holding the output folder's lock (no worker is appending). A unit whose last
        line was lost falls back to its previous record (or none) and so is not trusted.

        Raises:
            OSError: the ledger cannot be read or rewritten (e.g. a folder stands at its path).
        """
        data, records, bad = self._read()
        if bad or (data and not data.endswith(b"\n")):  # a line without its newline would join the next
            write_text(self.path, "".join(json.dumps(rec) + "\n" for rec in records))
        if not bad:
            return None
        where = f"line {bad[0]}" if len(bad) == 1 else f"lines {bad[0]}, … ({len(bad)} in all)"
        return (
            f"build ledger {self.path}: {where} of {len(records) + len(bad)} unreadable "
            "(a torn write or a damaged file); dropped, and the units they recorded run again"
        )
