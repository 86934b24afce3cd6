"""Procedure-understanding GT and submission (toolkit format; the hosted one is not public, BENCHMARKS §9).

Both files are ``{"segments": {segment_id: {...}}}`` (or the bare mapping) with, per segment,
``previous``, ``missing``, ``future`` (K-vectors over the procedure's keysteps) and ``optional``,
``mistake`` (scalars). GT values are 0/1 (or booleans); predictions are finite scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import Problems, as_array, as_number, as_object
from egoexo_kit.vocab import pointer

__all__ = ["BINARY", "MULTI", "SUBTASKS", "read_procedure_file"]

MULTI = ("previous", "missing", "future")
BINARY = ("optional", "mistake")
SUBTASKS = ("previous", "optional", "mistake", "missing", "future")


def _segments(raw: Any, probs: Problems) -> dict[str, Any]:
    if isinstance(raw, dict) and isinstance(raw.get("segments"), dict):
        return raw["segments"]
    return as_object(raw, probs, "", what='an object {"segments": {segment_id: {...}}}') or {}


def read_procedure_file(
    raw: Any,
    *,
    order: list[str] | None = None,
    num_keysteps: int | None = None,
    binary: bool,
    path: str | None = None,
) -> tuple[list[str], dict[str, np.ndarray]]:
    """Parse GT (``binary=True``) or predictions into ``(N,)`` / ``(N, K)`` arrays per subtask.

    Args:
        raw: parsed JSON.
        order: the GT segment ids (for a submission: every one must be present, no others).
        num_keysteps: K; inferred from the first segment's ``previous`` when ``None``.
        binary: values must be 0/1 (ground truth) instead of scores.
        path: file the problems refer to.
    """
    probs = Problems(path, kind="ground truth" if binary else "submission")
    segs = _segments(raw, probs)
    if order is None:
        order = list(segs)
    else:
        for sid in segs:
            if sid not in set(order):
                probs.add(pointer("segments", sid), f"segment {sid} is not in the ground truth")
    if num_keysteps is None:
        first = next(iter(segs.values()), {})
        prev = first.get("previous") if isinstance(first, dict) else None
        num_keysteps = len(prev) if isinstance(prev, list) else 0
    out = {k: np.zeros((len(order), num_keysteps)) for k in MULTI} | {k: np.zeros(len(order)) for k in BINARY}
    for i, sid in enumerate(order):
        base = ("segments", sid)
        seg = segs.get(sid)
        if seg is None:
            probs.add(pointer(*base), f"segment {sid} is missing")
            continue
        seg = as_object(seg, probs, pointer(*base))
        for key in SUBTASKS if seg is not None else ():
            ptr = pointer(*base, key)
            if key not in seg:
                probs.add(ptr, "key is missing")
                continue
            value = seg[key]
            if key in MULTI:
                arr = as_array(value, probs, ptr, shape=(num_keysteps,), bools=binary)
                if arr is not None and binary and not np.isin(arr, (0.0, 1.0)).all():
                    probs.add(ptr, "ground-truth vectors must hold 0/1 values")
                elif arr is not None:
                    out[key][i] = arr
            else:
                num = float(value) if binary and isinstance(value, bool) else as_number(value, probs, ptr)
                if num is not None and binary and num not in (0.0, 1.0):
                    probs.add(ptr, "ground-truth flags must be 0/1 or booleans")
                elif num is not None:
                    out[key][i] = num
    probs.raise_if_any()
    return order, out
