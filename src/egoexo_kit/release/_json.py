r"""JSON loading with located errors (JSON pointers from :func:`egoexo_kit.vocab.pointer`) and bounded cost.

A release file is data from elsewhere, so parsing one must end either in a value or in one located
:class:`~egoexo_kit.errors.EgoExoKitError` (issue 19): never a ``RecursionError`` from JSON nested
10⁵ deep, a bare ``ValueError`` from a 5,000-digit integer, a ``UnicodeDecodeError`` or a
``MemoryError``. The caps are :data:`~egoexo_kit.limits.JSON_DEPTH` and
:data:`~egoexo_kit.limits.INT_DIGITS`.

:func:`parse_json` tries pydantic-core's parser first: it is faster than :mod:`json`, refuses
nesting deeper than :data:`_FAST_DEPTH` and integers longer than :data:`_FAST_DIGITS`, and accepts
what :func:`json.loads` accepts otherwise (``NaN``/``Infinity`` included, as the official loaders
do). When it refuses, the careful path decodes the text itself, measures the nesting, parses with
:func:`json.loads` under the caps and names the line and column of what is wrong; a document the
fast parser only found too deep for itself, but within the caps, is accepted there. A UTF-8 BOM is
ignored (RFC 8259 §8.1 allows it); a lone UTF-16 surrogate escape (``"\ud800"``) is refused,
since it is no character and breaks every later encode.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pydantic_core
from pydantic import BaseModel, ValidationError

from egoexo_kit.errors import FormatError, LimitError
from egoexo_kit.limits import INT_DIGITS, JSON_DEPTH
from egoexo_kit.release._files import read_bytes
from egoexo_kit.vocab import pointer

__all__ = [
    "check_depth",
    "load_json",
    "load_records",
    "parse_json",
    "parse_record",
    "records_from",
    "validation_errors",
]

M = TypeVar("M", bound=BaseModel)

_FAST_DEPTH = 201
"""Most nesting pydantic-core's parser accepts (its fixed recursion limit; checked by a test)."""
_FAST_DIGITS = 4300
"""Integer digits pydantic-core's parser accepts (checked by a test)."""
_BOM = b"\xef\xbb\xbf"
_LONE_SURROGATE = re.compile(
    r"(?<!\\)(?:\\\\)*(\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])"
    r"|(?<![dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2})"
)
_KINDS = {dict: ("{", "a JSON object"), list: ("[", "a top-level JSON array")}
_FIRST = {b"{": "dict", b"[": "list", b'"': "str", b"t": "bool", b"f": "bool", b"n": "NoneType"}
"""The Python type a JSON text's first character announces (a number otherwise)."""


def _line_col(data: bytes | str, offset: int, *, line: int | None) -> tuple[int, int]:
    """1-based line and column of ``offset`` in ``data`` (``line``: the line ``data`` starts on)."""
    newline = b"\n" if isinstance(data, bytes) else "\n"
    start = data.rfind(newline, 0, offset) + 1  # type: ignore[arg-type]
    return (line or 1) + data.count(newline, 0, offset), offset - start + 1  # type: ignore[arg-type]


def _depth_over(data: bytes, cap: int) -> int | None:
    """Byte offset of the first bracket nested deeper than ``cap`` (strings skipped), or None.

    Vectorized: the quotes that open or close strings are the ones not escaped by an odd run of
    backslashes; a bracket is structural when an even number of those precede it.
    """
    if data.count(b"[") + data.count(b"{") <= cap:
        return None
    import numpy as np

    b = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(b == 0x22)
    maybe_escaped = quotes[(quotes > 0) & (b[quotes - 1] == 0x5C)]
    escaped = []
    for q in maybe_escaped.tolist():
        k = q - 1
        while k >= 0 and data[k] == 0x5C:
            k -= 1
        if (q - 1 - k) % 2:
            escaped.append(q)
    if escaped:
        quotes = np.setdiff1d(quotes, np.asarray(escaped, dtype=quotes.dtype), assume_unique=True)
    opening = (b == 0x5B) | (b == 0x7B)
    brackets = np.flatnonzero(opening | (b == 0x5D) | (b == 0x7D))
    brackets = brackets[np.searchsorted(quotes, brackets) % 2 == 0]
    depth = np.cumsum(np.where(opening[brackets], 1, -1).astype(np.int64))
    over = np.flatnonzero(depth > cap)
    return int(brackets[over[0]]) if over.size else None


def check_depth(data: bytes, *, path: str | Path | None = None, line: int | None = None) -> None:
    """Refuse text whose brackets nest deeper than :data:`~egoexo_kit.limits.JSON_DEPTH`, before parsing.

    Counts ``[``/``{`` against ``]``/``}`` outside double-quoted strings: JSON, and YAML's flow
    collections (whose parser recurses, in Python, per level). Costs one vectorized pass, and
    nothing for a text with fewer brackets than the cap.

    Raises:
        LimitError: located at the first bracket past the cap (line and column).
    """
    over = _depth_over(data, int(JSON_DEPTH.value))
    if over is not None:
        ln, col = _line_col(data, over, line=line)
        JSON_DEPTH.check(JSON_DEPTH.value + 1, path=path, line=ln, column=col)


def _checked_int(text: str) -> int:
    """``parse_int`` under :data:`INT_DIGITS`, also past the interpreter's own digit limit."""
    digits = len(text) - text.startswith("-")
    INT_DIGITS.check(digits)
    if digits > sys.get_int_max_str_digits() > 0:
        return int(Decimal(text))
    return int(text)


def _digits_error(text: str, *, path: str | Path | None, line: int | None) -> LimitError:
    """The located :class:`LimitError` of the first integer literal of ``text`` over a digit limit."""
    python = sys.get_int_max_str_digits() or sys.maxsize
    limit = min(int(INT_DIGITS.value), python)
    found = re.search(f"[0-9]{{{limit + 1},}}", text)
    if found is None:  # pragma: no cover - json raises this only for such a literal
        return LimitError("an integer literal is too long", path=path, line=line)
    digits = len(found.group())
    ln, col = _line_col(text, found.start(), line=line)
    try:
        INT_DIGITS.check(digits, path=path, line=ln, column=col)
    except LimitError as e:
        return e
    return LimitError(  # within our cap, over the interpreter's: say how to raise that one
        f"integer length {digits} digits is over Python's limit of {python} (set PYTHONINTMAXSTRDIGITS)",
        path=path,
        line=ln,
        column=col,
    )


def parse_json(data: bytes | str, *, path: str | Path | None = None, line: int | None = None) -> Any:
    """Parse JSON text from a release file under the caps; every problem is one located error.

    Args:
        data: the text, as bytes (UTF-8, a BOM ignored) or str.
        path: the file it came from, for error locations.
        line: the file line ``data`` starts on (JSON Lines), so errors name the file's line.

    Raises:
        FormatError: not UTF-8, not JSON, or a lone surrogate escape; with line and column.
        LimitError: nested deeper than ``limits.JSON_DEPTH`` or an integer longer than
            ``limits.INT_DIGITS`` (with line and column).
    """
    if isinstance(data, bytes | bytearray) and data.startswith(_BOM):
        data = bytes(data[3:])
    elif isinstance(data, str) and data.startswith("\ufeff"):
        data = data[1:]
    depth_cap, digit_cap = int(JSON_DEPTH.value), int(INT_DIGITS.value)
    if depth_cap >= _FAST_DEPTH and digit_cap >= _FAST_DIGITS:
        try:
            return pydantic_core.from_json(data, allow_inf_nan=True)
        except ValueError:
            pass  # the careful path below says what is wrong (or accepts what was only deep)
        except MemoryError:
            raise FormatError("JSON too large to parse in memory", path=path) from None
    return _parse_carefully(data, path=path, line=line)


def _parse_carefully(data: bytes | str, *, path: str | Path | None, line: int | None) -> Any:
    if isinstance(data, str):
        text, raw = data, data.encode("utf-8", "surrogatepass")
    else:
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            ln, col = _line_col(raw, e.start, line=line)
            raise FormatError(
                f"not UTF-8 text: byte 0x{raw[e.start]:02x} cannot start or continue a character",
                path=path,
                line=ln,
                column=col,
            ) from None
    check_depth(raw, path=path, line=line)
    hook = None if int(INT_DIGITS.value) == sys.get_int_max_str_digits() else _checked_int
    try:
        value = json.loads(text, parse_int=hook)
    except json.JSONDecodeError as e:
        ln, col = _line_col(text, e.pos, line=line)
        raise FormatError(f"invalid JSON: {e.msg}", path=path, line=ln, column=col) from None
    except LimitError as e:
        raise _digits_error(text, path=path, line=line) from e
    except RecursionError:
        raise LimitError(
            f"JSON nested deeper than Python can parse (cap {JSON_DEPTH.value:g}, set {JSON_DEPTH.env})",
            path=path,
            line=line,
        ) from None
    except MemoryError:
        raise FormatError("JSON too large to parse in memory", path=path) from None
    except ValueError as e:  # Python's own integer digit limit
        raise _digits_error(text, path=path, line=line) from e
    lone = _LONE_SURROGATE.search(text) if "\\u" in text else None
    if lone is not None:
        ln, col = _line_col(text, lone.start(1), line=line)
        raise FormatError(
            f"lone UTF-16 surrogate escape {lone.group(1)} (not a character)", path=path, line=ln, column=col
        )
    return value


def load_json(path: str | Path, *, expect: type[dict] | type[list] | None = None) -> Any:
    """Parse a JSON file; a missing file, a syntax error or a hostile size raises a located error.

    Args:
        path: the file.
        expect: ``dict`` or ``list`` when the top level must be an object or an array: a file of
            another shape is refused from its first character, before anything is parsed (a
            gigabyte array where an object belongs costs nothing).

    Raises:
        FormatError: the file is missing, a folder, unreadable, not UTF-8, not JSON or of the
            wrong shape (with line and column, or the JSON pointer).
        LimitError: nesting or an integer over its cap (see :func:`parse_json`).
    """
    path = Path(path)
    data = read_bytes(path)
    if expect is not None:
        opener, what = _KINDS[expect]
        first = data[3:] if data.startswith(_BOM) else data
        stripped = first.lstrip(b" \t\r\n")
        if stripped and stripped[:1] != opener.encode():
            got = _FIRST.get(stripped[:1], "a number")
            raise FormatError(f"expected {what}, got {got}", path=path, pointer="")
    return parse_json(data, path=path)


def validation_errors(
    err: ValidationError, *, path: str | Path, prefix: Iterable[object] = ()
) -> list[FormatError]:
    """Turn a pydantic error into one located :class:`FormatError` per failing field."""
    out = []
    for item in err.errors(include_url=False):
        loc = [*prefix, *item["loc"]]
        value = item.get("input")
        shown = "" if item["type"] == "missing" else f" (got {value!r:.80})"
        out.append(FormatError(f"{item['msg']}{shown}", path=path, pointer=pointer(*loc)))
    return out


def parse_record(model: type[M], raw: Any, *, path: str | Path, prefix: Iterable[object] = ()) -> M:
    """Validate one JSON object as ``model``; raise the first located :class:`FormatError` on failure."""
    if not isinstance(raw, dict):
        raise FormatError(
            f"expected a JSON object, got {type(raw).__name__}", path=path, pointer=pointer(*prefix)
        )
    try:
        return model.model_validate(raw)
    except ValidationError as e:
        errs = validation_errors(e, path=path, prefix=prefix)
        raise errs[0] from e


def load_records(
    path: str | Path, model: type[M], *, errors: list[FormatError] | None = None
) -> list[tuple[int, M]]:
    """Read a top-level JSON array of objects as ``model`` records, with their array positions.

    Args:
        path: the JSON file (``takes.json``, ``captures.json`` …).
        model: the record type.
        errors: when given, every problem is appended here and bad records are skipped (the
            validator's mode); when ``None`` the first problem is raised (the reader's mode).
    """
    return records_from(load_json(path, expect=list), model, path=path, errors=errors)


def records_from(
    raw: Any, model: type[M], *, path: str | Path, errors: list[FormatError] | None = None
) -> list[tuple[int, M]]:
    """Like :func:`load_records` on already-parsed JSON (``path`` only locates errors)."""
    if not isinstance(raw, list):
        err = FormatError(f"expected a top-level JSON array, got {type(raw).__name__}", path=path, pointer="")
        if errors is None:
            raise err
        errors.append(err)
        return []
    out: list[tuple[int, M]] = []
    for i, item in enumerate(raw):
        if errors is None:
            out.append((i, parse_record(model, item, path=path, prefix=(i,))))
            continue
        if not isinstance(item, dict):
            errors.append(
                FormatError(
                    f"expected a JSON object, got {type(item).__name__}", path=path, pointer=pointer(i)
                )
            )
            continue
        try:
            out.append((i, model.model_validate(item)))
        except ValidationError as e:
            errors.extend(validation_errors(e, path=path, prefix=(i,)))
    return out
