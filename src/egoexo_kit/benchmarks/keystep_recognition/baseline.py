"""Keystep-recognition baselines (BENCHMARKS §7): a linear classifier on per-segment features.

``linear``: multinomial logistic regression trained on the train split's clips. Each clip is
described by where it sits in its take (start and end over the take length, log duration) and,
with ``features=<name>``, by the mean of the pre-extracted ``features/<name>/`` rows of the ego
view over the clip (e.g. the model-free ``stats`` backbone; ``take.features``). Trivial:
``majority`` (the most frequent train label) and ``random`` (a uniform train label, seeded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import (
    check_method,
    feature_mean,
    linear_classifier,
    split_takes,
    take_duration_s,
)
from egoexo_kit.benchmarks.keystep_recognition.gt import build_keystep_gt
from egoexo_kit.errors import NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["KEYSTEP_BASELINES", "keystep_baseline", "segment_features"]

KEYSTEP_BASELINES = ("linear", "majority", "random")


def segment_features(
    release: Release, segments: list[dict[str, Any]], *, features: str | None = None
) -> np.ndarray:
    """``(N, D)`` per-clip vectors: relative start/end in the take, log duration, [mean feature row]."""
    takes = {t.uid: t for split in ("train", "val", "test") for t in split_takes(release, split)}
    rows = []
    for seg in segments:
        take = takes.get(seg["take_uid"])
        start, end = float(seg["start_time"]), float(seg["end_time"])
        length = take_duration_s(take, fallback=end) if take is not None else end
        vec = [start / max(length, 1e-6), end / max(length, 1e-6), np.log1p(max(end - start, 0.0))]
        if features is not None and take is not None:
            vec.extend(feature_mean(take, features, t0=start, t1=end).tolist())
        rows.append(vec)
    return np.asarray(rows, dtype=np.float64).reshape(len(segments), -1)


def keystep_baseline(
    release: Release,
    *,
    split: str = "val",
    method: str = "linear",
    train_split: str = "train",
    features: str | None = None,
    seed: int = 0,
) -> dict[str, int]:
    """``{ego_segment_name: label_id}`` for every labelled clip of ``split``."""
    check_method("keystep", method, KEYSTEP_BASELINES)
    train = build_keystep_gt(release, split=train_split)["segments"]
    test = build_keystep_gt(release, split=split)["segments"]
    if not train:
        raise NotFoundError(f"no labelled keystep clips in the {train_split} split to fit the baseline on")
    y = np.array([s["label_id"] for s in train])
    names = [s["ego_segment_name"] for s in test]
    if method == "majority" or (method == "linear" and len(set(y.tolist())) == 1):
        values, counts = np.unique(y, return_counts=True)
        return dict.fromkeys(names, int(values[counts.argmax()]))
    if method == "random":
        rng = np.random.default_rng(seed)
        return {n: int(rng.choice(np.unique(y))) for n in names}
    model = linear_classifier(c=10.0)
    model.fit(segment_features(release, train, features=features), y)
    if not test:
        return {}
    pred = model.predict(segment_features(release, test, features=features))
    return {n: int(p) for n, p in zip(names, pred, strict=True)}
