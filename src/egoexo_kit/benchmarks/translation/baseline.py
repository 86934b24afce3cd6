"""Translation (track prediction) baselines (BENCHMARKS §6).

``copy``: the exo query mask resized (nearest) to the ego image size: it keeps the object's
relative position and shape, with no camera geometry. Trivial: ``empty`` (all-zero masks).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from egoexo_kit.benchmarks.translation.gt import translation_items, write_mask_png
from egoexo_kit.errors import NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.release import Release

__all__ = ["TRANSLATION_BASELINES", "translation_baseline"]

TRANSLATION_BASELINES = ("copy", "empty")


def translation_baseline(
    release: Release, *, split: str = "val", out: str | Path, method: str = "copy"
) -> int:
    """Write one prediction PNG per GT file of ``split`` into the folder ``out``; returns how many."""
    if method not in TRANSLATION_BASELINES:
        raise NotFoundError(
            f"unknown translation baseline {method!r}; known: {', '.join(TRANSLATION_BASELINES)}"
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, ego, exo, f in translation_items(release, split=split):
        any_ego = next(iter(ego.frames.values()))
        size = (any_ego.height, any_ego.width)
        if method == "empty" or not exo.visible(f):
            pred = np.zeros(size, dtype=bool)
        else:
            src = exo.mask(f).astype(np.uint8)
            pred = cv2.resize(src, (size[1], size[0]), interpolation=cv2.INTER_NEAREST) > 0
        write_mask_png(out / name, pred)
        n += 1
    return n
