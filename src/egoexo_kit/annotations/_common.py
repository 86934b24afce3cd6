"""Helpers every family loader shares: the ``annotations`` member, lax booleans, time → frame.

Times: every record carries seconds from take start (``t_s`` or ``start_s``/``end_s``) and the
aligned frame index, computed with the rule of :meth:`egoexo_kit.timeline.TakeTimeline.to_frame`
(``t=``, FORMAT §3.3: the frame whose display interval ``[i/30, (i+1)/30)`` holds ``t``). Annotation
files carry no timesync, so the loaders apply that rule directly; ``take.annotations`` checks the
result against the take's timeline when its capture's ``timesync.csv`` is present.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from egoexo_kit.errors import FormatError
from egoexo_kit.limits import FRAME_COUNT
from egoexo_kit.release import load_json
from egoexo_kit.vocab import frame_of, pointer

__all__ = [
    "EMPTY_POSE_FRAME",
    "InstantFrame",
    "SpanFrames",
    "annotations_member",
    "as_bool",
    "as_float",
    "as_list",
    "as_object",
    "frame_key",
    "load_object",
    "opt_int",
    "opt_str",
    "per_take_items",
    "unknown_take",
]

_INT_TEXT = 4000
"""Longest digit string converted with ``int()`` (Python refuses over 4,300 digits)."""

EMPTY_POSE_FRAME = "empty pose frame (no annotation): skipped, as the official loaders do"
"""The note on an EgoPose frame whose value is ``[]`` (loaders, catalog and ``validate`` say the same)."""


def unknown_take(uid: object, *, then: str = "its entry is not used") -> str:
    """The note on an annotation naming a take that ``takes.json`` lacks (a redacted take)."""
    return f"take uid {uid!r} is not in takes.json (a redacted take?): {then}"


class InstantFrame:
    """Mixin of records at one instant ``t_s``: its aligned ``frame``."""

    __slots__ = ()
    t_s: float

    @property
    def frame(self) -> int:
        """Aligned frame showing ``t_s``."""
        return int(frame_of(self.t_s))


class SpanFrames:
    """Mixin of records over ``[start_s, end_s]``: their aligned start and end frames."""

    __slots__ = ()
    start_s: float
    end_s: float

    @property
    def start_frame(self) -> int:
        """Aligned frame showing ``start_s``."""
        return int(frame_of(self.start_s))

    @property
    def end_frame(self) -> int:
        """Aligned frame showing ``end_s``."""
        return int(frame_of(self.end_s))


def per_take_items(
    anns: dict[str, Any], path: Path, *, what: str, key: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Walk ``{take_uid: [item, …]}`` (atomic descriptions, commentary): ``(uid, pointer, item)``.

    Each item must be an object whose ``key`` member, when present, is a list.
    """
    for uid, entries in anns.items():
        at = pointer("annotations", uid)
        if not isinstance(entries, list):
            raise FormatError(f"expected a list of {what}s per take", path=path, pointer=at)
        for i, item in enumerate(entries):
            iat = at + pointer(i)
            if not isinstance(item, dict) or not isinstance(item.get(key, []), list):
                raise FormatError(f"expected a {what} with a '{key}' list", path=path, pointer=iat)
            yield uid, iat, item


def load_object(path: str | Path, *, data: Any = None) -> dict[str, Any]:
    """A JSON file whose top level must be an object (located :class:`FormatError` otherwise).

    ``data``: the file's JSON when the caller has already parsed it (``None``: read ``path``).
    """
    data = load_json(path, expect=dict) if data is None else data  # another shape: refused unparsed
    if not isinstance(data, dict):
        raise FormatError(f"expected a JSON object, got {type(data).__name__}", path=path, pointer="")
    return data


def annotations_member(data: Any, path: str | Path, *, kind: type) -> Any:
    """``data["annotations"]``, checked to be a ``kind`` (dict by take uid, or list)."""
    if isinstance(data, list) and kind is list:  # FORMAT §7.5: a bare list is accepted too
        return data
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), kind):
        raise FormatError(f"expected an object with an 'annotations' {kind.__name__}", path=path, pointer="")
    return data["annotations"]


def as_bool(value: Any, *, path: str | Path, pointer: str) -> bool | None:
    """A JSON boolean, or the V1 strings/ints ``"0"``/``"1"``/``"true"``/``"false"`` (§7.7); null → None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
        return value.strip().lower() in ("1", "true")
    raise FormatError(f"expected a boolean, got {value!r:.40}", path=path, pointer=pointer)


def as_float(value: Any, *, path: str | Path, pointer: str) -> float:
    """A number (or a numeric string) as float; anything else is a located error.

    NaN and the infinities are read (``validate`` reports every such time, row by row); a numeric
    string too large for a float is an error, not an ``OverflowError``.
    """
    if isinstance(value, bool) or value is None:
        raise FormatError(f"expected a number, got {value!r:.40}", path=path, pointer=pointer)
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise FormatError(f"expected a number, got {value!r:.40}", path=path, pointer=pointer) from None


def opt_int(value: Any, *, path: str | Path, pointer: str) -> int | None:
    """An integer (a JSON number, or a numeric string written for one) as int; null → None.

    Anything else (a list, ``"x"``, NaN, infinity) is a located error, never a bare ``ValueError``;
    so is a value outside int64 (it goes into numpy and catalog int64 columns).
    """
    if value is None:
        return None
    try:
        out = int(value)
    except (TypeError, ValueError, OverflowError):
        raise FormatError(f"expected an integer, got {value!r:.40}", path=path, pointer=pointer) from None
    if not -(2**63) <= out < 2**63:
        raise FormatError(f"integer {value!r:.40} does not fit in 64 bits", path=path, pointer=pointer)
    return out


def frame_key(key: Any, *, path: str | Path, pointer: str) -> int:
    """A frame number written as an object key (``"123"``): plain decimal digits, under the frame cap.

    Anything else (``"x"``, ``"-1"``, ``"²"``, 10⁴⁰) is a located error, so frame numbers always fit
    the catalog's int64 columns and numpy's frame arrays.
    """
    text = str(key)
    if not (text.isascii() and text.isdecimal()):
        raise FormatError(f"frame key {key!r:.40} is not a frame number", path=path, pointer=pointer)
    n = int(text) if len(text) < _INT_TEXT else math.inf  # int() refuses longer digit strings
    FRAME_COUNT.check(n, path=path, pointer=pointer)
    return int(n)


def as_list(value: Any, *, path: str | Path, pointer: str) -> list[Any]:
    """A JSON list member; a falsy value (null, absent, ``{}``, ``""``, 0) → ``[]``; other types are errors.

    Falsy values have always read as "none" (``x or []``); only a truthy non-list is refused.
    """
    if not value:
        return []
    if not isinstance(value, list):
        raise FormatError(f"expected a list, got {type(value).__name__}", path=path, pointer=pointer)
    return value


def as_object(value: Any, *, path: str | Path, pointer: str) -> dict[str, Any]:
    """A JSON object member; a falsy value (null, absent, ``[]``, ``""``, 0) → ``{}``; other types are errors.

    Falsy values have always read as "none" (``x or {}``); only a truthy non-object is refused.
    """
    if not value:
        return {}
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, got {type(value).__name__}", path=path, pointer=pointer)
    return value


def opt_str(value: Any) -> str | None:
    """``None`` stays ``None``; ints (ids written as numbers in one file, strings in another) become str."""
    return None if value is None else str(value)
