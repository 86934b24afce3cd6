"""The one exception hierarchy of egoexo-kit (DESIGN §6).

Every error carries where it happened: the file, a JSON pointer, a CSV/JSON line or a video
frame, so a user can open the file and look. ``str(err)`` renders the location in front of the
message. Each class also subclasses the builtin it means (``ValueError``, ``IndexError`` …) so
plain ``except ValueError`` code keeps working.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DownloadError",
    "EgoExoKitError",
    "EgoExoKitWarning",
    "FormatError",
    "FrameIndexError",
    "MissingExtraError",
    "NotFoundError",
    "SubmissionError",
    "UnsafePathError",
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


class EgoExoKitWarning(UserWarning):
    """Warning for recoverable problems (only ``viz`` export skips things with it)."""
