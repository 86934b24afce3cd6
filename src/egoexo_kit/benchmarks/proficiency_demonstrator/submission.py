"""Demonstrator-proficiency GT and submissions (BENCHMARKS §10).

GT: the official local GT ``{"videos", "gt_annotations": [int], "scenario_names": [str]}`` or the
release file ``proficiency_demonstrator_{split}.json`` (``{"annotations": [{take_uid,
proficiency_score, scenario_name, video_paths}]}``; a take is named by the ``takes/<name>/``
folder of its ego video, else by its uid).

Submissions: ``{"videos", "predictions": [label or 0..3]}`` (2025 format) or the logits format
``{"videos", "ego_model_predictions": [[4]], "exo_model_predictions": [[[4] x 4 views]]}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import Problems, as_array, as_object
from egoexo_kit.vocab import pointer

__all__ = [
    "LABELS",
    "DemonstratorGT",
    "DemonstratorPred",
    "read_demonstrator_gt",
    "read_demonstrator_submission",
]

LABELS = ("Novice", "Early Expert", "Intermediate Expert", "Late Expert")
N_EXO = 4


@dataclass(frozen=True)
class DemonstratorGT:
    """Video names, integer labels and scenario names in GT order."""

    videos: list[str]
    labels: np.ndarray
    scenarios: list[str]


@dataclass(frozen=True)
class DemonstratorPred:
    """Either ``labels`` (``-1`` = missing) or the logits ``ego (N, 4)`` / ``exo (N, 4, 4)`` in GT order."""

    labels: np.ndarray | None = None
    ego: np.ndarray | None = None
    exo: np.ndarray | None = None


def _label(value: Any, probs: Problems, ptr: str) -> int | None:
    if isinstance(value, str) and value in LABELS:
        return LABELS.index(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(LABELS):
        return value
    probs.add(ptr, f"expected one of {list(LABELS)} or 0..3, got {value!r:.40}")
    return None


def _take_name(item: dict) -> str:
    ego = (item.get("video_paths") or {}).get("ego") if isinstance(item.get("video_paths"), dict) else None
    m = re.search(r"takes/([^/]+)/", ego) if isinstance(ego, str) else None
    return m.group(1) if m else str(item.get("take_name") or item.get("take_uid"))


def read_demonstrator_gt(raw: Any, *, path: str | None = None) -> DemonstratorGT:
    """Parse either GT layout; every problem is collected."""
    probs = Problems(path, kind="ground truth")
    videos: list[str] = []
    labels: list[int] = []
    scenarios: list[str] = []
    if isinstance(raw, dict) and "gt_annotations" in raw:
        v, g, s = raw.get("videos"), raw.get("gt_annotations"), raw.get("scenario_names")
        if not (
            isinstance(v, list) and isinstance(g, list) and isinstance(s, list) and len(v) == len(g) == len(s)
        ):
            probs.add("", "videos, gt_annotations and scenario_names must be lists of equal length")
        else:
            for i, (name, lab, sc) in enumerate(zip(v, g, s, strict=True)):
                parsed = _label(lab, probs, pointer("gt_annotations", i))
                if parsed is not None:
                    videos.append(str(name))
                    labels.append(parsed)
                    scenarios.append(str(sc))
    else:
        items = raw.get("annotations") if isinstance(raw, dict) else raw
        if not isinstance(items, list):
            probs.add("", 'expected {"annotations": [...]} or {"videos", "gt_annotations", "scenario_names"}')
            items = []
        for i, item in enumerate(items):
            item = as_object(item, probs, pointer("annotations", i))
            if item is None:
                continue
            parsed = _label(
                item.get("proficiency_score"), probs, pointer("annotations", i, "proficiency_score")
            )
            if parsed is not None:
                videos.append(_take_name(item))
                labels.append(parsed)
                scenarios.append(str(item.get("scenario_name", "")))
    probs.raise_if_any()
    return DemonstratorGT(videos=videos, labels=np.asarray(labels, dtype=np.int64), scenarios=scenarios)


def read_demonstrator_submission(
    raw: Any, gt: DemonstratorGT, *, path: str | None = None
) -> DemonstratorPred:
    """Check either submission format against the GT video list."""
    probs = Problems(path)
    top = as_object(raw, probs, "") or {}
    videos = top.get("videos")
    if not isinstance(videos, list) or not all(isinstance(v, str) for v in videos):
        probs.add("/videos", "expected a list of take names")
        probs.raise_if_any()
    index = {v: i for i, v in enumerate(gt.videos)}
    seen: set[str] = set()
    for i, v in enumerate(videos):
        if v not in index:
            probs.add(pointer("videos", i), f"video {v} is not in the ground truth")
        elif v in seen:
            probs.add(pointer("videos", i), f"video {v} is listed twice")
        seen.add(v)
    if "predictions" in top:
        preds = top["predictions"]
        if not isinstance(preds, list) or len(preds) != len(videos):
            probs.add("/predictions", f"expected a list of {len(videos)} labels, one per video")
            probs.raise_if_any()
        labels = np.full(len(gt.videos), -1, dtype=np.int64)
        for i, (v, p) in enumerate(zip(videos, preds, strict=True)):
            lab = _label(p, probs, pointer("predictions", i))
            if lab is not None and v in index:
                labels[index[v]] = lab
        probs.raise_if_any()
        return DemonstratorPred(labels=labels)
    if "ego_model_predictions" not in top or "exo_model_predictions" not in top:
        probs.add("", "expected predictions, or ego_model_predictions and exo_model_predictions")
        probs.raise_if_any()
    if videos != gt.videos:
        probs.add("/videos", "the logits format needs exactly the GT video list, in GT order")
    n = len(videos)
    ego = as_array(top["ego_model_predictions"], probs, "/ego_model_predictions", shape=(n, len(LABELS)))
    exo = as_array(
        top["exo_model_predictions"], probs, "/exo_model_predictions", shape=(n, N_EXO, len(LABELS))
    )
    probs.raise_if_any()
    return DemonstratorPred(ego=ego, exo=exo)
