"""Hand-pose baselines (BENCHMARKS §4): the train split's mean camera-frame pose per hand.

``mean``: per hand, the mean of the train GT joints in the Aria camera frame (where hands usually
are in front of the head-mounted camera, with their mean shape). Trivial: ``random`` (Gaussian joints
around the mean wrist, 10 cm spread, seeded). An all-zero pose is no trivial baseline: its
Procrustes alignment is undefined (the official script's SVD fails on it too).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import check_method, nanmean_or_zero
from egoexo_kit.benchmarks.hand_pose.gt import build_hand_gt
from egoexo_kit.benchmarks.hand_pose.submission import HANDS
from egoexo_kit.errors import NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["HAND_BASELINES", "hand_baseline"]

HAND_BASELINES = ("mean", "random")


def hand_baseline(
    release: Release, *, split: str = "val", method: str = "mean", train_split: str = "train", seed: int = 0
) -> dict[str, Any]:
    """Predictions for every evaluated hand of ``split`` in the submission layout."""
    check_method("hand-pose", method, HAND_BASELINES)
    train = build_hand_gt(release, split=train_split)
    mean: dict[str, np.ndarray] = {}
    for hand in HANDS:
        stack = [np.asarray(fr[f"{hand}_hand_3d"], dtype=float) for t in train.values() for fr in t.values()]
        stack = [s for s in stack if s.size]
        if not stack:
            raise NotFoundError(f"no {hand} hands in the {train_split} split to fit the baseline on")
        mean[hand] = nanmean_or_zero(np.stack(stack))
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for uid, frames in build_hand_gt(release, split=split).items():
        out[uid] = {}
        for f, item in frames.items():
            pred: dict[str, Any] = {}
            for hand in HANDS:
                if not item[f"{hand}_hand_3d"]:
                    pred[f"{hand}_hand_3d"] = []
                elif method == "mean":
                    pred[f"{hand}_hand_3d"] = mean[hand].tolist()
                else:
                    pred[f"{hand}_hand_3d"] = (mean[hand][0] + rng.normal(0, 0.1, (21, 3))).tolist()
            out[uid][f] = pred
    return out
