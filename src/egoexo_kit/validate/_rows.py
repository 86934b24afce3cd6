"""Every bad row of a CSV that does not parse, not only the first (issue 19 item 7).

The release's CSV reader (``release.read_csv``) is all-or-nothing: a file with one bad cell raises
one located error naming the first bad line, and none of its columns can be read. ``validate``
wants the whole list, so when a ``timesync.csv`` is refused this module walks the file line by line
and yields every line whose width or numeric cells are wrong. It applies the column kinds the
reader applies to the file (``*_global_time`` float, frame numbers, pts and device clocks exact
integers, FORMAT §3.1); the reader's own error stays the authority when this scan finds nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

__all__ = ["MAX_LINE_BYTES", "BadRow", "bad_rows", "timesync_kinds"]

Kind = Literal["int", "float"]

_INT = re.compile(r"-?[0-9]+(?:\.0*)?")
"""An integer cell; pandas writes integer columns with gaps as ``721.0`` (FORMAT §3.1)."""
_INT64_MAX = 2**63 - 1
MAX_LINE_BYTES = 1 << 20
"""Longest line scanned (a timesync row is under 1 KiB); longer ones are reported, not read into memory."""
_TIMESYNC_KINDS: dict[str, Kind] = {  # column suffix → kind, as ``release.read_timesync`` parses them
    "global_time": "float",
    "pts": "int",
    "frame_number": "int",
    "capture_timestamp_ns": "int",
}


@dataclass(frozen=True)
class BadRow:
    """One line of a CSV file that does not parse."""

    line: int
    """1-based file line (line 1 is the header)."""
    column: int | None
    """1-based column of the first bad cell, ``None`` when the whole line is wrong."""
    message: str

    @property
    def where(self) -> str:
        """``line N`` or ``line N, column C``, as located library errors write it."""
        return f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")


def timesync_kinds(names: tuple[str, ...]) -> dict[str, Kind]:
    """The numeric kind of each device column of a ``timesync.csv`` header, by its suffix (FORMAT §3.1)."""
    return {
        name: kind
        for name in names
        for suffix, kind in _TIMESYNC_KINDS.items()
        if name.endswith(f"_{suffix}") and len(name) > len(suffix) + 1
    }


def bad_rows(path: Path, *, names: tuple[str, ...], kinds: dict[str, Kind]) -> Iterator[BadRow]:
    """Yield every data line of ``path`` that the reader would refuse, in file order.

    A line is bad when it is not UTF-8, does not split into ``len(names)`` cells, or holds a cell in
    a ``kinds`` column that is not a number of that kind (empty cells are gaps, not errors). Blank
    lines are skipped, as the reader skips them. Reads one line at a time, each at most
    :data:`MAX_LINE_BYTES` (a longer one is a bad row): any file size is fine.
    """
    checks = [(i, name, kinds[name]) for i, name in enumerate(names) if name in kinds]
    with path.open("rb") as f:
        for line, raw in enumerate(_lines(f), start=1):
            if line == 1:
                continue  # the header, already read by the reader
            if raw is None:
                yield BadRow(line, None, f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            try:
                text = raw.decode("utf-8")
                cells = next(csv.reader([text]), [])
            except (UnicodeDecodeError, csv.Error) as e:
                yield BadRow(line, None, f"unreadable line ({type(e).__name__}: {e})")
                continue
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != len(names):
                yield BadRow(
                    line, None, f"expected {len(names)} columns (as in the header), found {len(cells)}"
                )
                continue
            for i, name, kind in checks:
                problem = _cell_problem(cells[i], kind)
                if problem is not None:
                    yield BadRow(line, i + 1, f"column {name!r}: {cells[i][:40]!r} {problem}")
                    break


def _lines(f: BinaryIO) -> Iterator[bytes | None]:
    """The lines of a binary file; ``None`` for a line over :data:`MAX_LINE_BYTES` (skipped unread)."""
    while raw := f.readline(MAX_LINE_BYTES + 1):
        if len(raw) <= MAX_LINE_BYTES or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := f.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
            pass
        yield None


def _cell_problem(cell: str, kind: Kind) -> str | None:
    """Why a cell is not a number of ``kind``; ``None`` when it is one, or is empty."""
    text = cell.strip()
    if not text:
        return None
    if kind == "int":
        if not _INT.fullmatch(text):
            return "is not an integer"
        if abs(int(text.split(".")[0])) > _INT64_MAX:
            return "does not fit in int64"
        return None
    try:
        float(text)
    except ValueError:
        return "is not a number"
    return "is not a number" if "_" in text else None
