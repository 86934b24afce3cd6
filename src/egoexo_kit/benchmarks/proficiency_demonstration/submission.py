"""Demonstration-proficiency GT and submission (BENCHMARKS §11).

GT: the release file ``proficiency_demonstration_{split}.json`` (``good_executions`` → label 0,
``tips_for_improvement`` → label 1, time = ``video_time``; a take is named by ``take_uid`` and also
answers to the ``video_name`` of its entries), a flat list ``[{"video-id", "times", "label"}]``, or the
ActivityNet-style file the official ``ANETdetection`` reads (``load_gt_seg_from_json``:
``{"database": {video: {"subset", "annotations": [{"label_id", "segment"}]}}}``, written by the
baseline's ``generate_thumos_export.py`` with ``segment = video_time``; ``EGO4D/ego-exo4d-proficiency:
demonstration_proficiency/libs/utils/metrics.py``, BENCHMARKS §11). There ``segment`` may be the
scalar time, ``[t]``, or a ``[start, end]`` pair, read as its midpoint; every ``subset`` is used.
Submission (toolkit on-disk form of the ``ANETdetection.evaluate`` input): a list
``[{"video-id", "times", "label", "score"}]`` or the column form ``{"video-id": [...], "times": [...],
"label": [...], "score": [...]}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import Problems, as_number, as_object
from egoexo_kit.vocab import pointer

__all__ = ["CLASSES", "Points", "read_demonstration_gt", "read_demonstration_submission"]

CLASSES = {"good_executions": 0, "tips_for_improvement": 1}
COLUMNS = ("video-id", "times", "label", "score")


@dataclass(frozen=True)
class Points:
    """Time points: video index, time (s), label and score (GT score is 1) as parallel arrays."""

    video: np.ndarray
    times: np.ndarray
    label: np.ndarray
    score: np.ndarray


def _label(value: Any, probs: Problems, ptr: str) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value in (0, 1):
        return value
    probs.add(ptr, f"expected label 0 (good execution) or 1 (needs improvement), got {value!r:.40}")
    return None


def read_demonstration_gt(raw: Any, *, path: str | None = None) -> tuple[Points, dict[str, int], list[str]]:
    """GT points, the name → video-index lookup (uids and take names) and the video ids."""
    probs = Problems(path, kind="ground truth")
    names: dict[str, int] = {}
    videos: list[str] = []
    rows: list[tuple[int, float, int]] = []
    if isinstance(raw, dict) and isinstance(raw.get("database"), dict):
        return _read_database(raw["database"], probs)
    items = raw.get("annotations") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        probs.add("", 'expected {"annotations": [...]} or a list of points')
        items = []
    for i, item in enumerate(items):
        item = as_object(item, probs, pointer(i))
        if item is None:
            continue
        if "video-id" in item:
            vid = str(item["video-id"])
            v = names.setdefault(vid, len(videos))
            if v == len(videos):
                videos.append(vid)
            t = as_number(item.get("times"), probs, pointer(i, "times"))
            lab = _label(item.get("label"), probs, pointer(i, "label"))
            if t is not None and lab is not None:
                rows.append((v, t, lab))
            continue
        uid = str(item.get("take_uid"))
        v = len(videos)
        videos.append(uid)
        names[uid] = v
        for key, lab in CLASSES.items():
            entries = item.get(key) or []
            for j, e in enumerate(entries if isinstance(entries, list) else []):
                e = as_object(e, probs, pointer("annotations", i, key, j))
                if e is None:
                    continue
                t = as_number(e.get("video_time"), probs, pointer("annotations", i, key, j, "video_time"))
                if isinstance(e.get("video_name"), str):
                    names.setdefault(e["video_name"], v)
                if t is not None:
                    rows.append((v, t, lab))
    return _gt_points(rows, names, videos, probs=probs)


def _gt_points(
    rows: list[tuple[int, float, int]], names: dict[str, int], videos: list[str], *, probs: Problems
) -> tuple[Points, dict[str, int], list[str]]:
    probs.raise_if_any()
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    pts = Points(arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2].astype(np.int64), np.ones(len(arr)))
    return pts, names, videos


def _segment_time(value: Any, probs: Problems, ptr: str) -> float | None:
    """A point from an ANet ``segment``: a number, ``[t]``, or ``[start, end]`` (the midpoint)."""
    if isinstance(value, list) and len(value) in (1, 2):
        ends = [as_number(v, probs, f"{ptr}/{k}") for k, v in enumerate(value)]
        return None if None in ends else float(np.mean(ends))
    if isinstance(value, list):
        probs.add(ptr, f"expected a time, [t] or [start, end], got a list of {len(value)}")
        return None
    return as_number(value, probs, ptr)


def _read_database(db: dict[str, Any], probs: Problems) -> tuple[Points, dict[str, int], list[str]]:
    """GT points of the ActivityNet-style ``{"database": …}`` file of the official evaluator."""
    names: dict[str, int] = {}
    videos: list[str] = []
    rows: list[tuple[int, float, int]] = []
    for vid, entry in db.items():
        entry = as_object(entry, probs, pointer("database", vid))
        if entry is None:
            continue
        v = names.setdefault(str(vid), len(videos))
        videos.append(str(vid))
        anns = entry.get("annotations")
        if not isinstance(anns, list):
            probs.add(pointer("database", vid, "annotations"), "expected a list of {label_id, segment}")
            continue
        for j, a in enumerate(anns):
            a = as_object(a, probs, pointer("database", vid, "annotations", j))
            if a is None:
                continue
            t = _segment_time(a.get("segment"), probs, pointer("database", vid, "annotations", j, "segment"))
            lab = _label(a.get("label_id"), probs, pointer("database", vid, "annotations", j, "label_id"))
            if t is not None and lab is not None:
                rows.append((v, t, lab))
    return _gt_points(rows, names, videos, probs=probs)


def read_demonstration_submission(raw: Any, names: dict[str, int], *, path: str | None = None) -> Points:
    """Predicted points in file order; a video-id the GT does not know maps to index ``-1``."""
    probs = Problems(path)
    columns = isinstance(raw, dict) and all(k in raw for k in COLUMNS)
    if columns:
        cols = [raw[k] for k in COLUMNS]
        if not all(isinstance(c, list) and len(c) == len(cols[0]) for c in cols):
            probs.add("", f"columns {list(COLUMNS)} must be lists of equal length")
            probs.raise_if_any()
        rows_in: list[Any] = [dict(zip(COLUMNS, r, strict=True)) for r in zip(*cols, strict=True)]
    elif isinstance(raw, list):
        rows_in = raw
    else:
        probs.add("", f"expected a list of {{{', '.join(COLUMNS)}}} objects or the column form")
        probs.raise_if_any()
    rows: list[tuple[int, float, int, float]] = []
    for i, row in enumerate(rows_in):

        def ptr(key: str, i: int = i) -> str:
            return pointer(key, i) if columns else pointer(i, key)

        if not isinstance(row, dict):
            probs.add(pointer(i), "expected an object")
            continue
        vid = row.get("video-id")
        if not isinstance(vid, str):
            probs.add(ptr("video-id"), "expected the video id as a string")
            continue
        t = as_number(row.get("times"), probs, ptr("times"))
        lab = _label(row.get("label"), probs, ptr("label"))
        s = as_number(row.get("score"), probs, ptr("score"))
        if t is not None and lab is not None and s is not None:
            rows.append((names.get(vid, -1), t, lab, s))
    probs.raise_if_any()
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    return Points(arr[:, 0].astype(np.int64), arr[:, 1], arr[:, 2].astype(np.int64), arr[:, 3])
