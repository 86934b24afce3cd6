"""``timesync.csv`` (FORMAT §3.1): the capture's common time axis and each device's frame and clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.release._csv import CsvTable, _Rows, read_csv

__all__ = ["Timesync", "format_ranges", "read_timesync"]


_TIMESYNC_SUFFIXES = {
    "global_time": "_global_time",
    "pts": "_pts",
    "frame_number": "_frame_number",
    "capture_timestamp_ns": "_capture_timestamp_ns",
}


def format_ranges(values: np.ndarray | list[int], *, limit: int = 8) -> str:
    """Sorted integers as compact ranges for messages: ``[3, 4, 5, 9]`` → ``"3-5, 9"`` (at most ``limit``)."""
    v = np.asarray(values, dtype=np.int64)
    if v.size == 0:
        return ""
    breaks = np.flatnonzero(np.diff(v) != 1)
    starts, ends = np.r_[v[0], v[breaks + 1]], np.r_[v[breaks], v[-1]]
    parts = [str(a) if a == b else f"{a}-{b}" for a, b in zip(starts, ends, strict=True)]
    more = len(parts) - limit
    return ", ".join(parts[:limit]) + (f" and {more} more range(s)" if more > 0 else "")


@dataclass(frozen=True, eq=False, repr=False)
class Timesync(_Rows):
    """A capture's ``timesync.csv``: per device, the common time axis and device frame/clock values.

    Devices are discovered from column-name suffixes (``_global_time``, ``_pts``,
    ``_frame_number``, ``_capture_timestamp_ns``), in file order; column order is irrelevant.
    Device keys are exo camera ids (``cam01``, ``gp01``, ``mobile``) and Aria streams
    (``aria01_214-1``). The data is parsed lazily, on first access.
    """

    path: Path
    """The ``timesync.csv`` file."""
    table: CsvTable
    """The underlying lazily parsed table (all columns, by name)."""
    _columns: dict[str, dict[str, str]] = field(init=False)
    """Device key -> {kind: column name}, kind one of the keys of ``_TIMESYNC_SUFFIXES``."""

    def __post_init__(self) -> None:
        columns: dict[str, dict[str, str]] = {}
        for name in self.table.names:
            for kind, suffix in _TIMESYNC_SUFFIXES.items():
                if name.endswith(suffix) and len(name) > len(suffix):
                    columns.setdefault(name[: -len(suffix)], {})[kind] = name
        if not columns:
            raise FormatError(
                "no device columns (names ending in " + ", ".join(_TIMESYNC_SUFFIXES.values()) + ")",
                path=self.path,
                line=1,
            )
        object.__setattr__(self, "_columns", columns)

    def __len__(self) -> int:
        return len(self.table)

    @property
    def devices(self) -> list[str]:
        """Device keys in the order their first column appears, e.g. ``["cam01", "aria01_214-1"]``."""
        return list(self._columns)

    def _column(self, device: str, kind: str) -> np.ndarray:
        if device not in self._columns:
            raise NotFoundError(
                f"no device {device!r} in timesync; devices: {', '.join(self._columns)}", path=self.path
            )
        if kind not in self._columns[device]:
            have = ", ".join(self._columns[device].values())
            raise NotFoundError(
                f"device {device!r} has no {device}{_TIMESYNC_SUFFIXES[kind]} column (it has: {have})",
                path=self.path,
            )
        return self.table[self._columns[device][kind]]

    def column_name(self, device: str, kind: str) -> str:
        """The CSV column of ``device`` for ``kind`` (``global_time``, ``capture_timestamp_ns`` …)."""
        self._column(device, kind)  # raises NotFoundError naming what exists
        return self._columns[device][kind]

    def empty_rows(self, device: str, kind: str, *, rows: slice) -> np.ndarray:
        """0-based rows in ``rows`` (a ``start:stop`` slice) whose ``kind`` cell of ``device`` is empty.

        Real files have such gaps inside take windows; data row ``r`` is on CSV line ``r + 2``.
        """
        name = self.column_name(device, kind)
        return rows.start + np.flatnonzero(~self.table.valid(name)[rows.start : rows.stop])

    def global_time(self, device: str) -> np.ndarray:
        """Return ``<device>_global_time`` as float64, NaN where the device did not record."""
        return self._column(device, "global_time")

    def capture_timestamp_ns(self, device: str) -> np.ndarray:
        """Return the Aria device-clock capture time in ns: exact int64, masked where empty."""
        return self._column(device, "capture_timestamp_ns")

    def frame_number(self, device: str) -> np.ndarray:
        """Return the frame index in the capture-level video or VRS stream: int64, masked where empty."""
        return self._column(device, "frame_number")

    def pts(self, device: str) -> np.ndarray:
        """Return the GoPro capture-video pts (stream time-base units): int64, masked where empty."""
        return self._column(device, "pts")


def read_timesync(path: str | Path) -> Timesync:
    """Open a ``timesync.csv`` (FORMAT §3.1); only the header is read now.

    ``*_capture_timestamp_ns``, ``*_frame_number`` and ``*_pts`` are exact int64 (masked where
    empty); ``*_global_time`` is float64. Missing ``211-1`` columns and any column order are fine.

    Raises:
        FormatError: The file is missing, has no header or has no device column; bad cells are
            reported, with their line, on first access.
    """
    table = read_csv(
        path,
        int_suffixes=("_capture_timestamp_ns", "_frame_number", "_pts"),
        float_suffixes=("_global_time",),
    )
    return Timesync(path=table.path, table=table)
