"""The build's JSONL ledger: one line per unit start, finish or failure, appended by any worker.

A unit is finished when its last line says ``done`` with the same key (a hash of the stage's version,
the unit and the settings that shape its output): a rerun skips it; a crash leaves it ``started``, so
resume reruns exactly the unfinished units.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

__all__ = ["Ledger", "unit_key"]


def unit_key(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (stage version, unit name, output-shaping settings)."""
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


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

    def last(self) -> dict[str, dict[str, Any]]:
        """Each unit's last record (a torn last line from a crash is ignored)."""
        out: dict[str, dict[str, Any]] = {}
        if not self.path.is_file():
            return out
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            out[rec["unit"]] = rec
        return out
