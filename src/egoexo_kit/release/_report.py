"""The validation report: every problem found, located, split into errors and warnings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from egoexo_kit.errors import EgoExoKitError

__all__ = ["EMPTY_POSE_FRAME", "Problem", "Report", "unknown_take"]

EMPTY_POSE_FRAME = "empty pose frame (no annotation): skipped, as the official loaders do"
"""The note on an EgoPose frame whose value is ``[]`` (validator and annotation loaders say the same)."""


def unknown_take(uid: object, *, then: str = "its entry is not used") -> str:
    """The note on an annotation naming a take that ``takes.json`` lacks (a redacted take)."""
    return f"take uid {uid!r} is not in takes.json (a redacted take?): {then}"


@dataclass(frozen=True)
class Problem:
    """One finding: the file (relative to the release root), where inside it, and what is wrong."""

    path: str
    where: str
    message: str

    def to_json(self) -> dict[str, str]:
        """``{"path", "where", "message"}`` as in ``validate --json``."""
        return {"path": self.path, "where": self.where, "message": self.message}


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

    def _rel(self, path: str | Path | None) -> str:
        if path is None:
            return ""
        p = Path(path)
        try:
            return p.relative_to(self.root).as_posix() if p.is_absolute() else p.as_posix()
        except ValueError:
            return p.as_posix()

    def add(
        self,
        level: Literal["error", "warning"],
        path: str | Path | None,
        message: str,
        *,
        where: str = "",
    ) -> None:
        """Record one problem."""
        (self.errors if level == "error" else self.warnings).append(Problem(self._rel(path), where, message))

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
