"""The validation report: every problem found, located, split into errors and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from egoexo_kit.errors import EgoExoKitError, Problem

__all__ = ["Report"]


@dataclass
class Report:
    """Errors and warnings collected by one validation run (it never stops at the first)."""

    root: Path
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    strict: bool = False
    """In strict mode every warning counts as an error for :attr:`ok`."""

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
