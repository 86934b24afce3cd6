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
from egoexo_kit.release import load_json
from egoexo_kit.vocab import frame_of, pointer

__all__ = [
    "EMPTY_POSE_FRAME",
    "InstantFrame",
    "SpanFrames",
    "annotations_member",
    "as_bool",
    "as_dict",
    "as_float",
    "as_int",
    "as_list",
    "frame_key",
    "load_object",
    "opt_int",
    "opt_str",
    "per_take_items",
    "unknown_take",
]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

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
    data = load_json(path, expect=dict) if data is None else data
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
    """A finite number (or a numeric string) as float; anything else is a located error.

    NaN and the infinities are refused: every such value is a time or a size that is used for
    arithmetic (a frame index, a sort key), where a non-finite one has no meaning.
    """
    if isinstance(value, bool) or value is None:
        raise FormatError(f"expected a number, got {value!r:.40}", path=path, pointer=pointer)
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        raise FormatError(f"expected a number, got {value!r:.40}", path=path, pointer=pointer) from None
    if not math.isfinite(out):
        raise FormatError(f"expected a finite number, got {value!r:.40}", path=path, pointer=pointer)
    return out


def as_int(value: Any, *, path: str | Path, pointer: str) -> int:
    """An integer as int: ints, integral finite floats and integer strings; anything else is located.

    Floats with a fraction are truncated as ``int()`` does (ids written ``12.0`` by pandas); bools,
    NaN, infinities, containers, non-numeric strings and values outside int64 are refused.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FormatError(f"expected an integer, got {value!r:.40}", path=path, pointer=pointer)
    try:
        out = int(value)
    except (TypeError, ValueError, OverflowError):
        raise FormatError(f"expected an integer, got {value!r:.40}", path=path, pointer=pointer) from None
    if not _INT64_MIN <= out <= _INT64_MAX:
        raise FormatError(f"integer {value!r:.40} does not fit in 64 bits", path=path, pointer=pointer)
    return out


def opt_int(value: Any, *, path: str | Path, pointer: str) -> int | None:
    """:func:`as_int`, with ``None`` passed through."""
    return None if value is None else as_int(value, path=path, pointer=pointer)


def as_dict(value: Any, *, path: str | Path, pointer: str, what: str = "an object") -> dict[str, Any]:
    """``value`` when it is a JSON object, ``{}`` for null/absent; anything else is a located error."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FormatError(f"expected {what}, got {type(value).__name__}", path=path, pointer=pointer)
    return value


def as_list(value: Any, *, path: str | Path, pointer: str, what: str = "a list") -> list[Any]:
    """``value`` when it is a JSON array, ``[]`` for null/absent; anything else is a located error."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"expected {what}, got {type(value).__name__}", path=path, pointer=pointer)
    return value


def frame_key(key: Any, *, path: str | Path, pointer: str) -> int:
    """A frame number written as an object key (``"1234"``): ASCII digits only, at most 18 of them."""
    text = str(key)
    if not (text.isascii() and text.isdigit() and len(text) <= 18):
        raise FormatError(f"frame key {text!r:.40} is not a frame number", path=path, pointer=pointer)
    return int(text)


def opt_str(value: Any) -> str | None:
    """``None`` stays ``None``; ints (ids written as numbers in one file, strings in another) become str."""
    return None if value is None else str(value)
