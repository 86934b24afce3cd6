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

from egoexo_kit._io import atomic_dir
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
    """Write one prediction PNG per GT file of ``split`` as the folder ``out``; returns how many.

    The folder is replaced whole and atomically, as :func:`build_translation_gt` does.
    """
    check_method("translation", method, TRANSLATION_BASELINES)
    with atomic_dir(out) as tmp:
        return _write_predictions(release, split=split, out=tmp, method=method)


def _write_predictions(release: Release, *, split: str, out: Path, method: str) -> int:
    """The PNGs of :func:`translation_baseline`, written into ``out``."""
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
