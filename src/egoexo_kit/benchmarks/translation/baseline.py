"""Translation (track prediction) baselines (BENCHMARKS §6).

``project``: the exo mask moved into the ego view through the take's calibration at a plausible
depth (:mod:`egoexo_kit.benchmarks._projection`; the ego pose is an allowed input of the pose
variant); without calibration it falls back to ``copy``: the exo mask resized (nearest) to the ego
image size. Trivial: ``empty`` (all-zero masks).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from egoexo_kit.benchmarks._projection import resize_mask, transfer_mask
from egoexo_kit.benchmarks._source import check_method
from egoexo_kit.benchmarks.translation.gt import translation_items, write_mask_png

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["TRANSLATION_BASELINES", "translation_baseline"]

TRANSLATION_BASELINES = ("project", "copy", "empty")


def translation_baseline(
    release: Release, *, split: str = "val", out: str | Path, method: str = "project"
) -> int:
    """Write one prediction PNG per GT file of ``split`` into the folder ``out``; returns how many."""
    check_method("translation", method, TRANSLATION_BASELINES)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    for item in translation_items(release, split=split):
        name, ego, exo, f = item.name, item.ego, item.exo, item.frame
        any_ego = next(iter(ego.frames.values()))
        size = (any_ego.height, any_ego.width)
        if method == "empty" or not exo.visible(f):
            pred = np.zeros(size, dtype=bool)
        elif method == "copy":
            pred = resize_mask(exo.mask(f), size)
        else:
            pred, _ = transfer_mask(
                release.take(item.take_uid),
                exo.mask(f),
                query=exo.cam_id,
                target=ego.cam_id,
                ego=ego.cam_id,
                frame=f,
                size=size,
            )
        write_mask_png(out / name, pred)
        n += 1
    return n
