"""Correspondence evaluation GT from a release (BENCHMARKS §5), the layout ``process_annotations.py`` writes.

Masks stay at their annotated size as plain COCO RLE (the LZString layer of ``encodedMask`` removed);
the evaluator resizes them to long side 480. ``annotated_frames`` keeps every frame the annotator
looked at, so a frame annotated without a mask scores as "object not visible".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from egoexo_kit.benchmarks._source import annotations_of, split_takes
from egoexo_kit.release import decompress_counts

if TYPE_CHECKING:
    from egoexo_kit.annotations import MaskFrame
    from egoexo_kit.facade import Release

__all__ = ["build_corr_gt", "coco_rle"]


def coco_rle(mask: MaskFrame) -> dict[str, Any]:
    """The plain COCO RLE ``{size: [H, W], counts}`` of a release mask."""
    counts, height, width = decompress_counts(mask.encoded, height=mask.height, width=mask.width)
    return {"size": [height, width], "counts": counts}


def build_corr_gt(release: Release, *, split: str = "val") -> dict[str, Any]:
    """``{"version", "challenge", "annotations": {take_uid: {masks, annotated_frames, subsample_idx}}}``."""
    ann = annotations_of(release)
    out: dict[str, Any] = {}
    for take in split_takes(release, split):
        rel = ann.relations(take.uid)
        if rel is None or not rel.tracks:
            continue
        masks: dict[str, Any] = {}
        annotated: dict[str, Any] = {}
        frames: set[int] = set()
        for obj, cams in rel.tracks.items():
            masks[obj] = {
                cam: {str(f): coco_rle(m) for f, m in sorted(t.frames.items())} for cam, t in cams.items()
            }
            annotated[obj] = {cam: list(t.annotated_frames) for cam, t in cams.items()}
            frames.update(f for t in cams.values() for f in t.annotated_frames)
        out[take.uid] = {"masks": masks, "annotated_frames": annotated, "subsample_idx": sorted(frames)}
    return {"version": "xx", "challenge": "correspondence", "annotations": out}
