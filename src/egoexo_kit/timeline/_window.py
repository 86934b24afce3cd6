"""The take window: which ``timesync.csv`` rows a take's aligned frames map to (FORMAT §3.2, §11 C1).

Recommended convention: aligned frame ``i`` ↔ timesync row ``timesync_start_idx + 1 + i`` for
``i in [0, N)``, ``N = timesync_end_idx - timesync_start_idx - 1``. Official and third-party code
disagree by one frame (C1), and the convention has not been confirmed on real videos, so
:func:`detect_window_convention` compares a decoded frame count with every candidate and reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from egoexo_kit.release import Timesync

__all__ = ["CONVENTIONS", "RECOMMENDED", "WindowCheck", "detect_window_convention"]

RECOMMENDED = "end-start-1"
"""The recommended convention (FORMAT §3.2): frame ``i`` ↔ row ``start + 1 + i``, ``N = end - start - 1``."""

CONVENTIONS: dict[str, tuple[int, int]] = {
    "end-start-1": (1, -1),
    "end-start": (0, 0),
    "end-start+1": (0, 1),
}
"""Name -> (first row offset from ``start``, frame-count offset from ``end - start``).

``end-start`` is ambiguous about its first row (``start`` or ``start + 1``); ``start`` is listed.
"""

_SOURCES = {
    "end-start-1": "docs takes.md, gaze/pose tutorials, features config (recommended)",
    "end-start": "one third-party converter (start+i)",
    "end-start+1": "'end inclusive' comment of metadata.md / V1 take_timings.csv",
}


@dataclass(frozen=True)
class WindowCheck:
    """Outcome of comparing a decoded frame count with the take window (FORMAT §3.2)."""

    convention: str | None
    """The matching key of :data:`CONVENTIONS`, or ``None`` when no candidate gives ``video_frames``."""
    video_frames: int
    """Frames decoded (or counted) in the aligned video."""
    expected_frames: int
    """``N = end - start - 1`` under the recommended convention."""
    first_row: int | None
    """Timesync row of frame 0 under ``convention`` (``None`` when none matched)."""
    rows_available: bool
    """The timesync table has every row the matched convention needs."""
    message: str
    """One human-readable line: what matched, the difference and the rows used."""

    @property
    def is_recommended(self) -> bool:
        """The video has exactly the recommended ``end - start - 1`` frames."""
        return self.convention == RECOMMENDED

    @property
    def difference(self) -> int:
        """``video_frames - expected_frames`` (FORMAT §3.2 tolerates ±1: log it, do not fail)."""
        return self.video_frames - self.expected_frames


def detect_window_convention(
    ts: Timesync | int | None,
    start: int,
    end: int,
    *,
    video_frames: int,
) -> WindowCheck:
    """Tell which take-window convention explains a video's frame count, and report the ±1 ambiguity.

    Args:
        ts: The capture's timesync table (or its row count) to check that the rows exist; ``None``
            skips that check.
        start: ``timesync_start_idx`` from ``takes.json`` (0-based row, header not counted).
        end: ``timesync_end_idx`` from ``takes.json``.
        video_frames: Frames of the frame-aligned MP4 (e.g. ``probe_video(path).num_frames``).

    Returns:
        A :class:`WindowCheck`; ``convention`` is ``"end-start-1"`` when the count matches the
        recommended rule, another name for a ±1 mismatch (with a message saying so), else ``None``.

    Raises:
        ValueError: ``end <= start`` or a negative frame count.
    """
    if end <= start or start < 0:
        raise ValueError(f"invalid take window: timesync_start_idx={start}, timesync_end_idx={end}")
    if video_frames < 0:
        raise ValueError(f"video_frames must be >= 0, got {video_frames}")
    n_rows = len(ts) if isinstance(ts, Timesync) else ts
    expected = end - start - 1
    window = f"window start={start}, end={end}"
    for name, (row0, dn) in CONVENTIONS.items():
        if end - start + dn != video_frames:
            continue
        last_row = start + row0 + video_frames - 1
        ok = n_rows is None or last_row < n_rows
        rows = f"rows {start + row0}..{last_row}"
        if name == RECOMMENDED:
            msg = f"{video_frames} frames = end-start-1 ({window}): recommended convention, {rows}"
        else:
            msg = (
                f"±1 ambiguity (FORMAT §11 C1): video has {video_frames} frames but end-start-1 = {expected} "
                f"({window}); the count matches convention {name} [{_SOURCES[name]}], {rows}"
            )
        if not ok:
            msg += f"; timesync has only {n_rows} rows"
        return WindowCheck(name, video_frames, expected, start + row0, ok, msg)
    msg = (
        f"video has {video_frames} frames, end-start-1 = {expected} ({window}): difference "
        f"{video_frames - expected:+d} matches no known convention"
    )
    return WindowCheck(None, video_frames, expected, None, False, msg)
