"""Translation (track prediction) GT from a release (BENCHMARKS §6): ego masks as PNGs the evaluator reads.

For every object with an ego and an exo track, every frame annotated in both views gets
``{take_name}-{exo_cam}-{object_name}-{frame}.png``: the ego mask (255 = object), all-zero where
the object is not visible in the ego view.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from egoexo_kit._io import atomic_dir, atomic_path
from egoexo_kit.benchmarks._source import annotations_of, split_takes
from egoexo_kit.benchmarks.translation.submission import pil_image

if TYPE_CHECKING:
    from egoexo_kit.annotations import MaskTrack
    from egoexo_kit.facade import Release

__all__ = ["TranslationItem", "build_translation_gt", "translation_items", "write_mask_png"]


@dataclass(frozen=True)
class TranslationItem:
    """One GT file: its PNG name, take, the ego and exo tracks and the aligned frame."""

    name: str
    take_uid: str
    ego: MaskTrack
    exo: MaskTrack
    frame: int


def translation_items(release: Release, *, split: str) -> Iterator[TranslationItem]:
    """Every frame annotated in both the ego and an exo view of an object, over ``split``'s takes."""
    ann = annotations_of(release)
    for take in split_takes(release, split):
        rel = ann.relations(take.uid)
        for obj, cams in (rel.tracks if rel is not None else {}).items():
            egos = [t for t in cams.values() if t.is_ego and t.frames]
            if len(egos) != 1:
                continue
            for exo in (t for t in cams.values() if not t.is_ego):
                for f in sorted(set(egos[0].annotated_frames) & set(exo.annotated_frames)):
                    yield TranslationItem(
                        f"{take.name}-{exo.cam_id}-{obj}-{f}.png", take.uid, egos[0], exo, f
                    )


def write_mask_png(path: Path, mask: np.ndarray) -> None:
    """Write a bool mask as an 8-bit grayscale PNG (0 / 255), atomically."""
    with atomic_path(path) as tmp:
        pil_image().fromarray(mask.astype(np.uint8) * 255, mode="L").save(tmp, format="PNG")


def build_translation_gt(release: Release, *, split: str = "val", out: str | Path) -> int:
    """Write the ground-truth PNGs of ``split`` as the folder ``out``; returns how many.

    The folder is replaced whole, atomically: a run that fails midway (a full disk) leaves the old
    folder (or none), never a partial set of PNGs that would be scored as the whole ground truth.
    """
    n = 0
    with atomic_dir(out) as tmp:
        for item in translation_items(release, split=split):
            write_mask_png(tmp / item.name, item.ego.mask(item.frame))
            n += 1
    return n
