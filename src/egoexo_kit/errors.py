"""The one exception hierarchy of egoexo-kit (DESIGN §6).

Every error carries where it happened: the file, a JSON pointer, a CSV/JSON line or a video
frame, so a user can open the file and look. ``str(err)`` renders the location in front of the
message. Each class also subclasses the builtin it means (``ValueError``, ``IndexError`` …) so
plain ``except ValueError`` code keeps working. :class:`Problem` is the same location as a record,
for findings that are collected instead of raised (lenient reading, ``validate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ArgumentError",
    "DownloadError",
    "EgoExoKitError",
    "EgoExoKitWarning",
    "FormatError",
    "FrameIndexError",
    "MissingExtraError",
    "NotFoundError",
    "Problem",
    "QueryRefusedError",
    "SubmissionError",
    "BusyError",
    "LimitError",
    "UnsafePathError",
    "WriteError",
]


class EgoExoKitError(Exception):
    """Base class: a message plus an optional location (path, JSON pointer, line, column, frame)."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
        frame: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.pointer = pointer
        self.line = line
        self.column = column
        self.frame = frame

    @property
    def where(self) -> str:
        """The location inside the file, e.g. ``/3/capture/cameras/0/is_ego`` or ``line 12``."""
        parts = []
        if self.pointer is not None:
            parts.append(self.pointer or "/")
        if self.line is not None:
            parts.append(f"line {self.line}" + (f", column {self.column}" if self.column is not None else ""))
        if self.frame is not None:
            parts.append(f"frame {self.frame}")
        return " ".join(parts)

    def __str__(self) -> str:
        loc = ":".join(x for x in (self.path, self.where) if x)
        return f"{loc}: {self.message}" if loc else self.message


class ArgumentError(EgoExoKitError, ValueError):
    """A call's arguments are out of range or inconsistent (e.g. a clip with ``t1 <= t0``)."""


class FormatError(EgoExoKitError, ValueError):
    """A file does not follow the release format (bad JSON, missing column, wrong type …)."""


class UnsafePathError(FormatError):
    """A relative path from metadata or a manifest escapes the root it must stay under."""


class NotFoundError(EgoExoKitError, LookupError):
    """A take, capture, view or file asked for by name is not in the release."""


class FrameIndexError(EgoExoKitError, IndexError):
    """A frame index or time lies outside a video or take window."""


class MissingExtraError(EgoExoKitError, ImportError):
    """An optional dependency is needed: the message names the extra to install.

    Built by :func:`egoexo_kit.extras.require`; ``name`` is the missing module (as ``ImportError``),
    ``extra`` the egoexo-kit extra that installs it (``None`` when the message names another way).
    """

    extra: str | None = None


class SubmissionError(EgoExoKitError, ValueError):
    """A benchmark submission file is malformed."""


class DownloadError(EgoExoKitError, OSError):
    """A transfer failed or a downloaded file does not verify."""


class WriteError(EgoExoKitError, OSError):
    """An output could not be written: the disk is full, the file too large, the file system read-only.

    Raised by the atomic writers with the path the caller asked for (never the temporary sibling,
    which is removed): nothing half-written is left behind.
    """


class BusyError(EgoExoKitError, RuntimeError):
    """Another egoexo-kit run holds the output folder's lock (the message names it)."""


class LimitError(EgoExoKitError, ValueError):
    """A size that a user or a file controls is over its documented cap (:mod:`egoexo_kit.limits`)."""


class QueryRefusedError(EgoExoKitError, PermissionError):
    """A catalog query asked for what the sandbox forbids: files, settings, writes, other databases."""


class EgoExoKitWarning(UserWarning):
    """Warning for recoverable problems (only ``viz`` export skips things with it)."""


@dataclass(frozen=True)
class Problem:
    """One located finding that is collected, not raised: the file, where inside it, what is wrong.

    Lenient readers (``release.warnings``, ``take.annotations`` notes) and the validator's report
    all list these; :meth:`from_error` turns a located :class:`EgoExoKitError` into one.
    """

    path: str
    """The file, relative to the release root when it lies under it (POSIX), else as given."""
    where: str
    """Inside the file: a JSON pointer, ``line N``, ``frame N`` … (empty: the whole file)."""
    message: str

    @classmethod
    def at(
        cls, path: str | Path | None, message: str, *, where: str = "", root: Path | None = None
    ) -> Problem:
        """A problem in ``path``, shown relative to ``root`` when it lies under it."""
        if path is None:
            return cls("", where, message)
        p = Path(path)
        if root is not None and p.is_absolute():
            try:
                return cls(p.relative_to(root).as_posix(), where, message)
            except ValueError:
                pass
        return cls(p.as_posix(), where, message)

    @classmethod
    def from_error(cls, exc: EgoExoKitError, *, root: Path | None = None) -> Problem:
        """The location and message of a library error, as a problem."""
        return cls.at(exc.path, exc.message, where=exc.where, root=root)

    def to_json(self) -> dict[str, str]:
        """``{"path", "where", "message"}`` as in ``validate --json``."""
        return {"path": self.path, "where": self.where, "message": self.message}
