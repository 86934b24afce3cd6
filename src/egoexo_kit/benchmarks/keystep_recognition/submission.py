"""Keystep recognition GT and submission (BENCHMARKS §7, §13; the hosted format is not public).

GT: ``keystep_segment_{split}.json`` (``{"segments": [{ego_segment_name, label_id, …}]}``) or a plain
``{ego_segment_name: label_id}``. Submission (toolkit format): ``{ego_segment_name: label_id}``, or a
list of ``label_id`` in the GT file's segment order.
"""

from __future__ import annotations

from typing import Any

from egoexo_kit.benchmarks._common import Problems, as_object
from egoexo_kit.vocab import pointer

__all__ = ["NUM_CLASSES", "read_keystep_gt", "read_keystep_submission"]

NUM_CLASSES = 278


def _label(value: Any, probs: Problems, ptr: str, *, num_classes: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        probs.add(
            ptr, f"expected an integer label_id, got {type(value).__name__ if value is not None else 'null'}"
        )
        return None
    if not 0 <= value < num_classes:
        probs.add(ptr, f"label_id {value} is outside the label set 0..{num_classes - 1}")
        return None
    return value


def read_keystep_gt(raw: Any, *, num_classes: int = NUM_CLASSES, path: str | None = None) -> dict[str, int]:
    """``{ego_segment_name: label_id}`` in file order."""
    probs = Problems(path, kind="ground truth")
    out: dict[str, int] = {}
    if isinstance(raw, dict) and "segments" in raw:
        segs = raw["segments"]
        if not isinstance(segs, list):
            probs.add("/segments", "expected a list")
            segs = []
        for i, seg in enumerate(segs):
            seg = as_object(seg, probs, pointer("segments", i))
            if seg is None:
                continue
            name = seg.get("ego_segment_name")
            if not isinstance(name, str):
                probs.add(pointer("segments", i, "ego_segment_name"), "expected a string")
                continue
            if name in out:
                probs.add(pointer("segments", i, "ego_segment_name"), f"duplicate segment {name}")
            lab = _label(
                seg.get("label_id"), probs, pointer("segments", i, "label_id"), num_classes=num_classes
            )
            if lab is not None:
                out[name] = lab
    else:
        for name, value in (as_object(raw, probs, "") or {}).items():
            lab = _label(value, probs, pointer(name), num_classes=num_classes)
            if lab is not None:
                out[name] = lab
    probs.raise_if_any()
    return out


def read_keystep_submission(
    raw: Any, gt: dict[str, int], *, num_classes: int = NUM_CLASSES, path: str | None = None
) -> dict[str, int]:
    """Predicted label per GT segment; segments absent from the submission are simply not in the result.

    Problems: unknown segment names, labels outside the label set, non-integers, a list whose
    length differs from the number of GT segments.
    """
    probs = Problems(path)
    out: dict[str, int] = {}
    if isinstance(raw, list):
        if len(raw) != len(gt):
            probs.add("", f"a list submission needs one label per GT segment: {len(gt)}, got {len(raw)}")
        for i, (name, value) in enumerate(zip(gt, raw, strict=False)):
            lab = _label(value, probs, pointer(i), num_classes=num_classes)
            if lab is not None:
                out[name] = lab
    else:
        for name, value in (as_object(raw, probs, "", what="an object or a list") or {}).items():
            if name not in gt:
                probs.add(pointer(name), f"segment {name} is not in the ground truth")
                continue
            lab = _label(value, probs, pointer(name), num_classes=num_classes)
            if lab is not None:
                out[name] = lab
    probs.raise_if_any()
    return out
