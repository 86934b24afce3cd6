"""Demonstration-proficiency baselines (BENCHMARKS §11).

``linear-tips``: the same regular grid of points as ``uniform-tips``, each scored per class by a
logistic regression fitted on the train split's grid points (target: an expert moment of that class
within half a step): inputs are the point's relative time in the take and, with ``features=<name>``,
the mean pre-extracted ego feature row around it. A class without positive and negative train
points keeps its share as the score.
``uniform-tips``: the paper's "uniform tips": points on a regular grid over every take (``step_s``
apart, 2.14 s as in the baseline repository's constant predictors) for both classes, scored by the
class's share of the train points. Trivial: ``random`` (as many points per take, uniform times,
random labels and scores, seeded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import (
    check_method,
    feature_track,
    linear_classifier,
    split_takes,
    take_duration_s,
)
from egoexo_kit.benchmarks.proficiency_demonstration.gt import build_demonstration_gt
from egoexo_kit.benchmarks.proficiency_demonstration.submission import CLASSES

if TYPE_CHECKING:
    from egoexo_kit.facade import Release, Take

__all__ = ["DEMONSTRATION_BASELINES", "demonstration_baseline"]

DEMONSTRATION_BASELINES = ("linear-tips", "uniform-tips", "random")


def _grid(item: dict[str, Any], take: Take, *, step_s: float) -> tuple[np.ndarray, float]:
    """Grid times of a take (``step_s`` apart, from ``step_s / 2``) and the take length."""
    last = max((e["video_time"] for k in CLASSES for e in item[k]), default=0.0)
    length = take_duration_s(take, fallback=last + step_s)
    return np.arange(step_s / 2, max(length, step_s), step_s), length


def _inputs(
    take: Take, times: np.ndarray, *, length: float, step_s: float, features: str | None
) -> np.ndarray:
    """Per grid point: relative time [+ mean ego feature row within half a step]."""
    cols = [(times / max(length, 1e-6))[:, None]]
    if features is not None:
        cols.append(feature_track(take, features, times, half_s=step_s / 2))
    return np.concatenate(cols, axis=1)


def _fit_scorers(
    release: Release, *, train_split: str, step_s: float, features: str | None, share: np.ndarray
) -> list[Any]:
    """One fitted ``predict_proba`` model per class, or its share when the train points are one-sided."""
    takes = {t.uid: t for t in split_takes(release, train_split)}
    xs, ys = [], []
    for item in build_demonstration_gt(release, split=train_split)["annotations"]:
        take = takes[item["take_uid"]]
        times, length = _grid(item, take, step_s=step_s)
        xs.append(_inputs(take, times, length=length, step_s=step_s, features=features))
        near = np.zeros((len(times), len(CLASSES)), bool)
        for key, lab in CLASSES.items():
            for e in item[key]:
                near[:, lab] |= np.abs(times - e["video_time"]) < step_s / 2
        ys.append(near)
    scorers: list[Any] = [float(s) for s in share]
    if not xs:
        return scorers
    x, y = np.concatenate(xs), np.concatenate(ys)
    for lab in CLASSES.values():
        if 0 < y[:, lab].sum() < len(y):
            scorers[lab] = linear_classifier(c=1.0).fit(x, y[:, lab])
    return scorers


def demonstration_baseline(
    release: Release,
    *,
    split: str = "val",
    method: str = "linear-tips",
    train_split: str = "train",
    features: str | None = None,
    step_s: float = 2.14,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """``[{"video-id", "times", "label", "score"}]`` for every take of ``split`` with demonstration GT."""
    check_method("demonstration", method, DEMONSTRATION_BASELINES)
    counts = np.ones(len(CLASSES))
    for item in build_demonstration_gt(release, split=train_split)["annotations"]:
        for key, lab in CLASSES.items():
            counts[lab] += len(item[key])
    share = counts / counts.sum()
    scorers = (
        _fit_scorers(release, train_split=train_split, step_s=step_s, features=features, share=share)
        if method == "linear-tips"
        else []
    )
    takes = {t.uid: t for t in split_takes(release, split)}
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for item in build_demonstration_gt(release, split=split)["annotations"]:
        take = takes[item["take_uid"]]
        grid, length = _grid(item, take, step_s=step_s)
        x = _inputs(take, grid, length=length, step_s=step_s, features=features) if scorers else None
        for lab in CLASSES.values():
            if method == "random":
                rows = [
                    (float(t), int(rng.integers(2)), float(rng.random()))
                    for t in rng.uniform(0, length, len(grid))
                ]
            elif method == "linear-tips" and not isinstance(scorers[lab], float):
                scores = scorers[lab].predict_proba(x)[:, 1]
                rows = [(float(t), lab, float(s)) for t, s in zip(grid, scores, strict=True)]
            else:
                s = scorers[lab] if scorers else float(share[lab])
                rows = [(float(t), lab, s) for t in grid]
            out.extend({"video-id": item["take_uid"], "times": t, "label": c, "score": s} for t, c, s in rows)
    return out
