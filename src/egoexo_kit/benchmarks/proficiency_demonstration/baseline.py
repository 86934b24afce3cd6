"""Demonstration-proficiency baselines (BENCHMARKS §11).

``uniform-tips``: the paper's "uniform tips": points on a regular grid over every take (``step_s``
apart, 2.14 s as in the baseline repository's constant predictors) for both classes, scored by the
class's share of the train points. Trivial: ``random`` (as many points per take, uniform times,
random labels and scores, seeded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import check_method, split_takes, take_duration_s
from egoexo_kit.benchmarks.proficiency_demonstration.gt import build_demonstration_gt
from egoexo_kit.benchmarks.proficiency_demonstration.submission import CLASSES

if TYPE_CHECKING:
    from egoexo_kit.release import Release

__all__ = ["DEMONSTRATION_BASELINES", "demonstration_baseline"]

DEMONSTRATION_BASELINES = ("uniform-tips", "random")


def demonstration_baseline(
    release: Release,
    *,
    split: str = "val",
    method: str = "uniform-tips",
    train_split: str = "train",
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
    takes = {t.uid: t for t in split_takes(release, split)}
    rng = np.random.default_rng(seed)
    out: list[dict[str, Any]] = []
    for item in build_demonstration_gt(release, split=split)["annotations"]:
        last = max((e["video_time"] for k in CLASSES for e in item[k]), default=0.0)
        length = take_duration_s(takes[item["take_uid"]], fallback=last + step_s)
        grid = np.arange(step_s / 2, max(length, step_s), step_s)
        for lab in CLASSES.values():
            if method == "uniform-tips":
                rows = [(float(t), lab, float(share[lab])) for t in grid]
            else:
                rows = [
                    (float(t), int(rng.integers(2)), float(rng.random()))
                    for t in rng.uniform(0, length, len(grid))
                ]
            out.extend({"video-id": item["take_uid"], "times": t, "label": c, "score": s} for t, c, s in rows)
    return out
