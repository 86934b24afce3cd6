"""JSON loading with located errors (JSON pointers from :func:`egoexo_kit.vocab.pointer`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from egoexo_kit.errors import FormatError
from egoexo_kit.vocab import pointer

__all__ = ["load_json", "load_records", "parse_record", "records_from", "validation_errors"]

M = TypeVar("M", bound=BaseModel)


def load_json(path: str | Path) -> Any:
    """Parse a JSON file; a missing file or a syntax error raises :class:`FormatError` with the line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise FormatError("file does not exist", path=path) from e
    except (OSError, UnicodeDecodeError) as e:
        raise FormatError(f"cannot read file: {e}", path=path) from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(f"invalid JSON: {e.msg}", path=path, line=e.lineno, column=e.colno) from e


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
    return records_from(load_json(path), model, path=path, errors=errors)


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
