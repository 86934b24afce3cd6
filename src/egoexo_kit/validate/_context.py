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

__all__ = ["Ctx", "Progress", "guard"]

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


def guard(ctx: Ctx, fn: Callable[[], Any]) -> Any:
    """Run a reader; a located library error becomes a reported problem (and ``None``) instead."""
    try:
        return fn()
    except EgoExoKitError as e:
        ctx.report.exception(e)
        return None
