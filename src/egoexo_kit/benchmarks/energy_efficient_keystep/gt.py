"""Energy-efficient keystep GT from a release (BENCHMARKS §8; toolkit format, none is published).

Per take of the split with keystep annotations, one label per 5 fps frame: ``0`` where no keystep
is running, else ``1 + index`` of the step in the release's sorted keystep vocabulary (the
``classes`` list of the file; a later segment overrides an overlapping earlier one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._keysteps import keystep_vocabulary
from egoexo_kit.benchmarks._source import annotations_of, split_takes, take_duration_s

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["FPS", "build_energy_gt"]

FPS = 5.0


def build_energy_gt(release: Release, *, split: str = "val") -> dict[str, Any]:
    """``{"fps": 5, "classes": [null, step_unique_id…], "takes": {take_uid: [label per 5 fps frame]}}``."""
    ann = annotations_of(release)
    vocab = keystep_vocabulary(release)
    index = {u: i + 1 for i, u in enumerate(vocab)}
    takes: dict[str, list[int]] = {}
    for take in split_takes(release, split):
        segs = ann.keysteps(take.uid)
        if not segs:
            continue
        length = take_duration_s(take, fallback=max(s.end_s for s in segs))
        t = np.arange(int(length * FPS)) / FPS
        labels = np.zeros(len(t), dtype=np.int64)
        for s in segs:
            labels[(t >= s.start_s) & (t < s.end_s)] = index.get(s.step_unique_id, 0)
        takes[take.uid] = labels.tolist()
    return {"fps": FPS, "classes": [None, *vocab], "takes": takes}
