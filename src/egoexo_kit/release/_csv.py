"""A small columnar CSV reader for the release's CSV files (timesync, MPS, calibration).

Built on ``pyarrow.csv``: the header is read eagerly (so a missing column fails at once), the data
lazily, whole file, on first column access. Integer columns are parsed as exact ``int64``, never
through float, because nanosecond timestamps exceed 2**53 (FORMAT §3.1). Empty cells are missing
values. pyarrow reports no line numbers, so on any failure the file is re-scanned with Python's
``csv`` module to name the first offending line and column (DESIGN §6).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.release._files import check_file

__all__ = ["CsvTable", "read_csv"]

# What pyarrow accepts for int64 and float64 cells (surrounding whitespace is trimmed by both).
# Integer cells may also carry a ".0" tail: pandas writes integer columns with gaps as floats
# ("721.0", FORMAT §3.1); the tail is stripped as text, so the value stays exact.
_INT_RE = re.compile(r"-?[0-9]+(?:\.0*)?")
_FLOAT_RE = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|nan|inf|infinity)", re.I)
_INT64_MAX = 2**63 - 1
_DECODE_ERRORS = (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile)


def _open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, gunzipping it when its name ends in ``.gz``."""
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def _text_lines(f: IO[bytes]) -> Iterator[str]:
    """Yield the lines of a binary file decoded one by one (UTF-8, BOM dropped), endings kept.

    Decoding line by line (not in 8 KiB chunks as a text wrapper does) means a decoding error is
    raised exactly when its line is reached, so callers can report that line.
    """
    for i, raw in enumerate(f):
        yield raw.decode("utf-8-sig" if i == 0 else "utf-8")


def _check_exists(path: Path) -> None:
    """Raise a located FormatError instead of a bare OSError for a missing or unreadable path."""
    check_file(path)


class CsvTable:
    """A CSV file as named numpy columns, parsed lazily on first column access.

    Use :func:`read_csv` to build one. ``len(table)`` is the row count; iterating yields the
    column names (like a DataFrame); ``table[name]`` returns one column:

    - float columns: ``float64`` with NaN for missing cells;
    - integer columns: exact ``int64``, or a ``np.ma.MaskedArray`` of ``int64`` (masked where
      empty) when the column has missing cells;
    - string columns: an object array of ``str`` (missing cells are ``""``).

    Returned arrays are cached and read-only; copy them before modifying in place.
    """

    def __init__(
        self,
        path: Path,
        names: tuple[str, ...],
        *,
        kinds: dict[str, str],
    ) -> None:
        self._path = path
        self._names = names
        self._kinds = kinds  # name -> "int" | "float" | "str" | "auto"
        self._data: pa.Table | None = None
        self._cache: dict[str, np.ndarray] = {}

    @property
    def path(self) -> Path:
        """The file this table was read from."""
        return self._path

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in file order."""
        return self._names

    def __len__(self) -> int:
        return self._table().num_rows

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __repr__(self) -> str:
        state = f"{len(self)} rows" if self._data is not None else "not parsed yet"
        return f"CsvTable({str(self._path)!r}, {len(self._names)} columns, {state})"

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = _to_numpy(self._column(name))
        return self._cache[name]

    def valid(self, name: str) -> np.ndarray:
        """Return a boolean array, True where the cell of column ``name`` is not empty."""
        mask = self._column(name).is_null().to_numpy(zero_copy_only=False)
        return ~np.asarray(mask, dtype=bool)

    def columns(self, *names: str) -> dict[str, np.ndarray]:
        """Return several columns at once as ``{name: array}``, in the order asked."""
        return {name: self[name] for name in names}

    def line_of(self, row: int) -> int:
        """Return the 1-based file line where data row ``row`` (0-based) starts; line 1 is the header.

        Blank lines are skipped like the parser skips them. Meant for error messages: it re-scans
        the file.
        """
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} out of range for {len(self)} rows")
        with _open_binary(self._path) as f:
            reader = csv.reader(_text_lines(f))
            next(reader)
            seen = -1
            start = reader.line_num + 1
            for cells in reader:
                if cells:
                    seen += 1
                    if seen == row:
                        return start
                start = reader.line_num + 1
        raise AssertionError("unreachable: row counted by pyarrow but not by csv")  # pragma: no cover

    def _column(self, name: str) -> pa.ChunkedArray:
        if name not in self._names:
            raise NotFoundError(
                f"no column {name!r}; available: {', '.join(self._names) or '(none)'}", path=self._path
            )
        return self._table().column(name)

    def _table(self) -> pa.Table:
        if self._data is None:
            self._data = self._parse()
        return self._data

    def _parse(self) -> pa.Table:
        try:
            return self._finish(self._read(int_as_string=False))
        except (pa.ArrowException, OSError, ValueError) as first:
            # pyarrow gives no line number: find the first bad line ourselves.
            located = self._locate()
            if located is not None:
                raise located from first
            # Nothing bad by our rules: the failure was a tolerated integer form ("721.0").
            try:
                return self._finish(self._read(int_as_string=True))
            except (pa.ArrowException, OSError, ValueError) as second:
                raise FormatError(f"cannot parse CSV: {second}", path=self._path) from second

    def _read(self, *, int_as_string: bool) -> pa.Table:
        arrow_type = {
            "int": pa.string() if int_as_string else pa.int64(),
            "float": pa.float64(),
            "str": pa.string(),
            "auto": pa.string(),
        }
        gz = self._path.suffix.lower() == ".gz"
        with pa.input_stream(str(self._path), compression="gzip" if gz else None) as stream:
            return pa_csv.read_csv(
                stream,
                read_options=pa_csv.ReadOptions(column_names=list(self._names), skip_rows=1),
                convert_options=pa_csv.ConvertOptions(
                    column_types={n: arrow_type[self._kinds[n]] for n in self._names},
                    null_values=[""],
                    strings_can_be_null=True,
                ),
            )

    def _finish(self, table: pa.Table) -> pa.Table:
        """Turn string-read columns into their final types (exact ints, numeric auto columns)."""
        for i, name in enumerate(self._names):
            col = table.column(i)
            kind = self._kinds[name]
            if kind == "int" and not pa.types.is_integer(col.type):
                col = pc.replace_substring_regex(pc.utf8_trim_whitespace(col), r"\.0*$", "")
                col = pc.cast(col, pa.int64())
            elif kind == "auto":
                try:
                    col = pc.cast(col, pa.float64())
                except pa.ArrowInvalid:
                    pass  # not numeric: keep the column as strings
            else:
                continue
            table = table.set_column(i, name, col)
        return table

    def _locate(self) -> FormatError | None:
        """Scan the file with the csv module and describe its first bad line, or None if all is fine."""
        width = len(self._names)
        checks = [
            (i, n, self._kinds[n]) for i, n in enumerate(self._names) if self._kinds[n] in ("int", "float")
        ]
        line = 1
        try:
            with _open_binary(self._path) as f:
                reader = csv.reader(_text_lines(f))
                next(reader)
                line = reader.line_num + 1
                for cells in reader:
                    if cells:
                        problem = _row_problem(cells, width=width, checks=checks)
                        if problem is not None:
                            message, col = problem
                            return FormatError(
                                message,
                                path=self._path,
                                line=line,
                                column=None if col is None else col + 1,
                            )
                    line = reader.line_num + 1
        except (*_DECODE_ERRORS, csv.Error) as e:
            return FormatError(f"unreadable data ({type(e).__name__}: {e})", path=self._path, line=line)
        return None


def _row_problem(
    cells: list[str], *, width: int, checks: list[tuple[int, str, str]]
) -> tuple[str, int | None] | None:
    """Return ``(message, 0-based column index)`` for the first bad cell of a row, or None."""
    if len(cells) != width:
        return f"expected {width} columns (as in the header), found {len(cells)}", None
    for i, name, kind in checks:
        cell = cells[i].strip()
        if cells[i] == "":
            continue
        if kind == "int":
            if not _INT_RE.fullmatch(cell):
                return f"column {name!r}: {cells[i]!r:.60} is not an integer", i
            whole = cell.split(".")[0].lstrip("-")
            if (
                len(whole.lstrip("0")) > 19 or abs(int(whole)) > _INT64_MAX
            ):  # length first: int() of 10⁴ digits fails
                return f"column {name!r}: {cells[i]!r:.60} does not fit in int64", i
        elif not _FLOAT_RE.fullmatch(cell):
            return f"column {name!r}: {cells[i]!r:.60} is not a number", i
    return None


def _to_numpy(col: pa.ChunkedArray) -> np.ndarray:
    """Convert one parsed column to its numpy form (see :class:`CsvTable`), read-only."""
    if pa.types.is_integer(col.type):
        values = np.asarray(pc.fill_null(col, 0).to_numpy(), dtype=np.int64)
        if col.null_count:
            mask = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            out: np.ndarray = np.ma.MaskedArray(values, mask=mask)
            out.mask.flags.writeable = False
        else:
            out = values
    elif pa.types.is_floating(col.type):
        out = np.asarray(col.to_numpy(), dtype=np.float64)
    else:
        out = pc.fill_null(col, "").to_numpy(zero_copy_only=False)
    if isinstance(out, np.ma.MaskedArray):
        out.data.flags.writeable = False
    else:
        out.flags.writeable = False
    return out


def _read_header(path: Path) -> tuple[str, ...]:
    """Read and check the header row (line 1)."""
    _check_exists(path)
    try:
        with _open_binary(path) as f:
            first = f.readline().decode("utf-8-sig")
    except (*_DECODE_ERRORS, OSError) as e:
        raise FormatError(f"cannot read the header ({type(e).__name__}: {e})", path=path, line=1) from e
    if not first.strip():
        what = "empty file" if first == "" else "blank first line"
        raise FormatError(f"{what}: expected a header row of column names", path=path, line=1)
    try:
        names = tuple(next(csv.reader(io.StringIO(first))))
    except csv.Error as e:
        raise FormatError(f"malformed header: {e}", path=path, line=1) from e
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FormatError(f"duplicate column name(s) in the header: {', '.join(dupes)}", path=path, line=1)
    return names


def _kind_of(
    name: str,
    *,
    explicit: dict[str, str],
    suffixes: dict[str, tuple[str, ...]],
) -> str:
    """Resolve a column's kind: explicit names first, then name suffixes, else ``"auto"``."""
    if name in explicit:
        return explicit[name]
    for kind, ends in suffixes.items():
        if ends and name.endswith(tuple(ends)):
            return kind
    return "auto"


def read_csv(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    int_columns: Iterable[str] = (),
    int_suffixes: Iterable[str] = (),
    str_columns: Iterable[str] = (),
    float_columns: Iterable[str] = (),
    float_suffixes: Iterable[str] = (),
) -> CsvTable:
    """Open a CSV (``.csv`` or ``.csv.gz``) as a lazily parsed :class:`CsvTable`.

    The header is read now; the data on first column access. Declared columns that the file lacks
    are simply absent (only ``required`` is enforced). Undeclared columns become float64 when every
    cell is a number, else strings.

    Args:
        path: The CSV file; gzip is detected by a ``.gz`` suffix.
        required: Column names that must be in the header.
        int_columns: Columns parsed as exact int64 (never via float).
        int_suffixes: Columns whose name ends with one of these are int64 too (e.g. ``"_ns"``).
        str_columns: Columns kept as strings even if they look numeric (uids).
        float_columns: Columns that must hold numbers (float64); a non-number is an error.
        float_suffixes: Columns whose name ends with one of these are float64 too.

    Returns:
        The table; nothing but the header has been parsed yet.

    Raises:
        FormatError: Missing file, empty file, bad header or missing required columns (at read
            time); a bad row or cell, located by line and column (at first column access).
        ValueError: A column is declared with two different kinds.
    """
    path = Path(path)
    explicit: dict[str, str] = {}
    for kind, names in (("int", int_columns), ("str", str_columns), ("float", float_columns)):
        for name in names:
            if explicit.setdefault(name, kind) != kind:
                raise ValueError(f"column {name!r} declared both {explicit[name]} and {kind}")
    suffixes = {"int": tuple(int_suffixes), "float": tuple(float_suffixes)}
    names = _read_header(path)
    missing = [n for n in required if n not in names]
    if missing:
        raise FormatError(
            f"missing required column(s) {', '.join(map(repr, missing))}; found: {', '.join(names)}",
            path=path,
            line=1,
        )
    kinds = {n: _kind_of(n, explicit=explicit, suffixes=suffixes) for n in names}
    return CsvTable(path, names, kinds=kinds)


# ---------------------------------------------------------------------------------------------
# Declarative field reading, shared by the file readers in _mps.py


@dataclass(frozen=True)
class _Field:
    """How one dataclass attribute is made from CSV columns."""

    attr: str
    columns: tuple[str, ...]
    kind: Literal["float", "int", "str"] = "float"
    optional: bool = False  # absent columns give None instead of an error


def _f(attr: str, *, optional: bool = False) -> _Field:
    """A float64 attribute read from the column of the same name."""
    return _Field(attr, (attr,), "float", optional)


def _i(attr: str, *, optional: bool = False) -> _Field:
    """An exact, complete int64 attribute read from the column of the same name."""
    return _Field(attr, (attr,), "int", optional)


def _s(attr: str, *, optional: bool = False) -> _Field:
    """A string attribute read from the column of the same name."""
    return _Field(attr, (attr,), "str", optional)


def _v(attr: str, pattern: str, axes: str = "xyz") -> _Field:
    """An ``(N, len(axes))`` float64 attribute stacked from ``pattern.format(axis)`` columns."""
    return _Field(attr, tuple(pattern.format(a) for a in axes))


def _frozen(arr: np.ndarray) -> np.ndarray:
    """Mark an array read-only (the dataclasses holding it are frozen) and return it."""
    arr.flags.writeable = False
    return arr


def _complete_int(table: CsvTable, name: str) -> np.ndarray:
    """Return an int64 column that must have no empty cell; the first empty one is a located error."""
    arr = table[name]
    if isinstance(arr, np.ma.MaskedArray):
        row = int(np.flatnonzero(np.ma.getmaskarray(arr))[0])
        raise FormatError(
            f"column {name!r}: empty cell, an integer is required",
            path=table.path,
            line=table.line_of(row),
            column=table.names.index(name) + 1,
        )
    return arr


def _values(table: CsvTable, spec: _Field) -> np.ndarray | None:
    """Build one attribute's array from its columns, or None when an optional column is absent."""
    if not all(c in table for c in spec.columns):
        return None
    if spec.kind == "int":
        return _complete_int(table, spec.columns[0])
    if len(spec.columns) == 1:
        return table[spec.columns[0]]
    return _frozen(np.stack([table[c] for c in spec.columns], axis=1))


def _read_fields(
    path: str | Path, fields: Sequence[_Field], *, extra: bool = False
) -> tuple[CsvTable, dict[str, Any]]:
    """Read a CSV laid out by ``fields``: ``(table, {attr: array})``, plus ``extra`` if asked.

    With ``extra=True`` the dict also holds ``"extra"``: every column no field names, as float64
    when numeric, else strings (e.g. the newer MPS ECEF columns).
    """
    typed: dict[str, list[str]] = {"int": [], "str": [], "float": []}
    for spec in fields:
        typed[spec.kind].extend(spec.columns)
    table = read_csv(
        path,
        required=[c for spec in fields if not spec.optional for c in spec.columns],
        int_columns=typed["int"],
        str_columns=typed["str"],
        float_columns=typed["float"],
    )
    values: dict[str, Any] = {spec.attr: _values(table, spec) for spec in fields}
    if extra:
        known = {c for spec in fields for c in spec.columns}
        values["extra"] = {n: table[n] for n in table.names if n not in known}
    return table, values


class _Rows:
    """Mixin: ``len()`` is the length of the ``_rows_field`` array; a short repr."""

    _rows_field: ClassVar[str] = "tracking_timestamp_us"
    path: Path  # declared by every subclass (a plain annotation here is not a dataclass field)

    def __len__(self) -> int:
        return len(getattr(self, self._rows_field))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(path={str(self.path)!r}, rows={len(self)})"
