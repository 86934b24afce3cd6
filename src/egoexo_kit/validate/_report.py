"""The validation report: every problem found, located, split into errors and warnings.

Checks that find a problem per row, frame or packet go through :meth:`Report.add_row`: the first
:data:`LISTED_PER_FILE` of a file are listed one by one, the rest only counted, and
:meth:`Report.finish` adds one line per file saying how many were left out, so a broken file with a
million bad rows still gives a short report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from egoexo_kit.errors import EgoExoKitError, Problem

__all__ = ["LISTED_PER_FILE", "Report"]

LISTED_PER_FILE = 20
"""Row, frame and packet problems listed per file and level; the rest are counted in one summary line."""


@dataclass
class Report:
    """Errors and warnings collected by one validation run (it never stops at the first)."""

    root: Path
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    strict: bool = False
    """In strict mode every warning counts as an error for :attr:`ok`."""
    _rows: Counter[tuple[str, str]] = field(default_factory=Counter, repr=False)
    """Row problems seen per ``(level, path)`` by :meth:`add_row`, listed or not."""

    @property
    def ok(self) -> bool:
        """True when there are no errors (and, in strict mode, no warnings)."""
        return not self.errors and not (self.strict and self.warnings)

    def add(
        self,
        level: Literal["error", "warning"],
        path: str | Path | None,
        message: str,
        *,
        where: str = "",
    ) -> None:
        """Record one problem (``path`` is shown relative to the release root)."""
        problem = Problem.at(path, message, where=where, root=self.root)
        (self.errors if level == "error" else self.warnings).append(problem)

    def error(self, path: str | Path | None, message: str, *, where: str = "") -> None:
        """Record an error."""
        self.add("error", path, message, where=where)

    def warn(self, path: str | Path | None, message: str, *, where: str = "") -> None:
        """Record a warning."""
        self.add("warning", path, message, where=where)

    def add_row(
        self, level: Literal["error", "warning"], path: str | Path, message: str, *, where: str
    ) -> None:
        """Record one row/frame/packet problem; past :data:`LISTED_PER_FILE` per file it is only counted."""
        problem = Problem.at(path, message, where=where, root=self.root)
        key = (level, problem.path)
        self._rows[key] += 1
        if self._rows[key] <= LISTED_PER_FILE:
            (self.errors if level == "error" else self.warnings).append(problem)

    def finish(self) -> None:
        """Add one summary problem per file whose row problems were not all listed (call once, at the end)."""
        for (level, path), n in sorted(self._rows.items()):
            if n > LISTED_PER_FILE:
                self.add(
                    level,
                    path,
                    f"{n - LISTED_PER_FILE} more {level}(s) in this file are not listed "
                    f"({n} in all; the first {LISTED_PER_FILE} are listed)",
                )
        self._rows.clear()

    def exception(self, exc: EgoExoKitError, *, level: Literal["error", "warning"] = "error") -> None:
        """Record a located library error as a problem."""
        self.add(level, exc.path, exc.message, where=exc.where)

    def to_json(self) -> dict[str, Any]:
        """Exactly ``{"ok": bool, "errors": [...], "warnings": [...]}``."""
        return {
            "ok": self.ok,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }
