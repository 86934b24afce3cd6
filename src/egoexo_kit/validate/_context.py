"""What the checks of one ``validate`` run share: the report, the opened release and what was parsed.

Its own module so that the check modules (metadata, files, annotations) import it, and the entry
point imports them, with no cycle between files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.release import CaptureRecord, PartsOnDisk, ReleaseIndex, TakeEntry
from egoexo_kit.validate._report import Report

__all__ = ["READ_FAILURES", "Ctx", "Progress", "guard"]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` while validating."""


@dataclass
class Ctx:
    """State shared by the checks of one run."""

    root: Path
    report: Report
    release: ReleaseIndex
    takes: list[TakeEntry]
    captures: dict[str, CaptureRecord]
    parts: PartsOnDisk
    check_videos: bool
    progress: Progress | None
    deep: bool = False
    """Decode every video packet and hash files against manifest checksums (``validate --deep``)."""
    take_uids: set[str] | None = field(default_factory=set)
    """Every ``take_uid`` string in ``takes.json``, valid record or not; ``None`` if it is unreadable."""
    valid_take_uids: set[str] = field(default_factory=set)
    """Uids of the records that parsed."""
    timesyncs: dict[str, Any] = field(default_factory=dict)
    """Parsed ``timesync.csv`` per capture uid (filled by the capture checks, read by later ones)."""

    def step(self, stage: str, done: int, total: int) -> None:
        """Report progress, if anyone listens."""
        if self.progress is not None:
            self.progress(stage, done, total)


READ_FAILURES = (ValueError, TypeError, KeyError, IndexError, AttributeError, ArithmeticError, RecursionError)
"""What a reader may raise on hostile bytes besides its located errors (a reader bug to fix there).

``validate`` never raises on bad data, so these become the file's error too, named by class so
the bug stays visible; the readers' own fuzz tests (``tests/fuzz``) are where they get fixed."""


def guard(ctx: Ctx, fn: Callable[[], Any], *, path: str | Path | None = None) -> Any:
    """Run a reader; its error becomes a reported problem of ``path`` (and ``None``) instead.

    A located library error is reported as located; one of :data:`READ_FAILURES` as an error of
    ``path`` naming the exception class.
    """
    try:
        return fn()
    except EgoExoKitError as e:
        ctx.report.exception(e)
    except READ_FAILURES as e:
        ctx.report.error(path, f"cannot be read (the reader raised {type(e).__name__}: {str(e)[:160]})")
    return None
