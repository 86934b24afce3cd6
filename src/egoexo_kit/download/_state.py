"""The verification record ``<out>/.egoexo-kit/download-state.json``: a rebuildable cache, not the truth.

It maps each verified file's relative path to what was on disk when its bytes were hashed (size,
mtime, inode, sha256, method), so a rerun need not re-hash terabytes: a file whose size, mtime and
inode still match its record is "already there". ``--verify`` ignores the record and re-hashes.

A record that cannot be read (corrupt JSON, wrong shape, unreadable file, a folder in its place) is
reported as a warning and rebuilt from what this run verifies; a record that cannot be written is a
warning too. Neither stops a download: correctness never depends on the cache.
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egoexo_kit._io import write_json
from egoexo_kit.download._manifest import Checksum

__all__ = ["STATE_FILE", "DiskStamp", "VerifyState"]

STATE_FILE = ".egoexo-kit/download-state.json"
"""Per-file record of what was verified (size, mtime, sha256), so a rerun need not re-hash terabytes."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_METHODS = frozenset({"sha256", "md5", "size"})
_SAVE_EVERY_S = 2.0


@dataclass(frozen=True)
class DiskStamp:
    """What identifies one version of a file on disk without reading it."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> DiskStamp | None:
        """The stamp of ``path`` now, or ``None`` when it is not a regular file."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        return cls(st.st_size, st.st_mtime_ns, st.st_ino)


def _valid(rec: Any) -> bool:
    return (
        isinstance(rec, dict)
        and all(type(rec.get(k)) is int for k in ("size", "mtime_ns"))
        and type(rec.get("inode", 0)) is int
        and isinstance(rec.get("sha256"), str)
        and bool(_SHA256.match(rec["sha256"]))
        and rec.get("method") in _METHODS
        and (rec.get("verified") is None or isinstance(rec["verified"], str))
    )


class VerifyState:
    """The record of verified files in ``<out>/.egoexo-kit/download-state.json``, shared by worker threads."""

    def __init__(self, out: Path) -> None:
        self.path = out / STATE_FILE
        self.warnings: list[str] = []
        """What was wrong with the record on disk (reported once in the download report)."""
        self._lock = threading.Lock()
        self._last_save = time.monotonic()
        self._save_failed = False
        self.data: dict[str, dict[str, Any]] = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            return self._corrupt(f"cannot be read ({reason})")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            return self._corrupt(f"is not valid JSON (line {e.lineno}: {e.msg})")
        except (ValueError, RecursionError) as e:  # a 10⁴-digit number, nesting deeper than Python parses
            return self._corrupt(f"is not usable JSON ({type(e).__name__})")
        if not isinstance(raw, dict):
            return self._corrupt(f"holds a JSON {type(raw).__name__}, not an object")
        good = {k: v for k, v in raw.items() if _valid(v)}
        if len(good) < len(raw):
            self.warnings.append(
                f"{self.path}: {len(raw) - len(good)} malformed record(s) dropped; those files are "
                "re-hashed and the record rebuilt"
            )
        return good

    def _corrupt(self, why: str) -> dict[str, dict[str, Any]]:
        self.warnings.append(
            f"{self.path}: the verification record {why}; it is rebuilt, and files already there are "
            "re-hashed instead of trusted"
        )
        return {}

    def hit(self, rel: str, stamp: DiskStamp, want: Checksum | None) -> dict[str, Any] | None:
        """The record of ``rel`` if it describes the file with ``stamp`` and was verified against ``want``."""
        rec = self.data.get(rel)
        if rec is None or (rec["size"], rec["mtime_ns"]) != (stamp.size, stamp.mtime_ns):
            return None
        if "inode" in rec and rec["inode"] != stamp.inode:
            return None  # another file moved into place with the same size and time
        if want is not None and want.algorithm == "sha256":
            return rec if want.hexdigest == rec["sha256"] else None
        if want is not None and rec.get("verified") != str(want):
            return None  # verified against another hash (or none): hash it again
        return rec

    def recorded_sha256(self, rel: str) -> str | None:
        """The sha256 this folder's downloader last verified for ``rel`` (whatever the file is now)."""
        rec = self.data.get(rel)
        return rec["sha256"] if rec else None

    def record(
        self, rel: str, stamp: DiskStamp, *, sha256: str, method: str, verified: Checksum | None
    ) -> None:
        """Remember that the file ``rel`` with ``stamp`` hashed to ``sha256`` and matched ``verified``.

        Saved every few seconds, so a killed run loses little of it.
        """
        with self._lock:
            self.data[rel] = {
                "size": stamp.size,
                "mtime_ns": stamp.mtime_ns,
                "inode": stamp.inode,
                "sha256": sha256,
                "method": method,
                "verified": str(verified) if verified is not None else None,
            }
            if time.monotonic() - self._last_save > _SAVE_EVERY_S:
                self.save()

    def forget(self, rel: str) -> None:
        """Drop the record of ``rel`` (it no longer verifies)."""
        with self._lock:
            self.data.pop(rel, None)

    def save(self) -> None:
        """Write the record atomically; a failure is one warning (the next run re-hashes), never an error."""
        self._last_save = time.monotonic()
        try:
            write_json(self.path, self.data)
        except OSError as e:
            if not self._save_failed:
                self._save_failed = True
                self.warnings.append(
                    f"{self.path}: the verification record cannot be written ({e.strerror or e}); "
                    "the next run re-hashes the files already there"
                )
