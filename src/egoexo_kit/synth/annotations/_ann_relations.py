"""Relations (FORMAT §7.6): object masks on the ego and exo clips, and the ego boxes of every track.

Masks are the rendered ones of :attr:`TakeTruth.masks` (MP4 orientation, every 30th frame), encoded with
the release codec (:func:`~egoexo_kit.release._masks.encode_mask`). Camera keys are
:attr:`ViewTruth.relation_key` (``aria01_214-1``, ``cam01``); SLAM views are not annotated. The
``object_names`` boxes are the ego masks' bounding boxes in the Aria MP4 image (top-left ``x, y``,
``width``, ``height``, pixels), off by up to a pixel as a human box would be. Each mask carries one
positive click, a pixel inside it. ``relations_test.json`` has the same structure without the
``annotation`` entries of the masks (FORMAT §11 U14).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit.release import encode_mask
from egoexo_kit.synth.annotations._ann_common import SPLITS, annotator_meta, take_rng
from egoexo_kit.synth.capture import TakeTruth, ViewTruth

if TYPE_CHECKING:
    from egoexo_kit.synth.annotations._annotations import TakeAnnotationParts

__all__ = ["take_relations", "write_relations"]

BOX_JITTER_PX = 1.0
"""Largest error of a box edge, MP4 pixels."""
_CLICK_DELAY_MS = (800, 6000)
"""Time from the job's response time to a click, milliseconds."""


def write_relations(ann: Path, *, takes: list[TakeAnnotationParts]) -> None:
    """Write ``relations_{train,val,test}.json`` for the procedural takes with objects.

    Args:
        ann: the ``annotations`` folder.
        takes: every annotated take, sorted by split then name.
    """
    for split in SPLITS:
        annotations = {
            t.plan.take_uid: t.relations for t in takes if t.plan.split == split and t.relations is not None
        }
        write_json(ann / f"relations_{split}.json", {"annotations": annotations})


def take_relations(truth: TakeTruth, *, seed: int) -> dict[str, Any] | None:
    """One take's ``relations_<split>.json`` entry (no masks in test); None for a take without masks."""
    plan = truth.plan
    if not (plan.task.procedural and plan.task.objects and truth.masks):
        return None
    return _take_relations(truth, seed=seed, with_masks=plan.split != "test")


def _relation_views(truth: TakeTruth) -> dict[str, ViewTruth]:
    """View key → view for the Aria RGB and the exo cameras (the annotated ones)."""
    return {k: v for k, v in truth.views.items() if v.stream in ("rgb", "0")}


def _take_relations(truth: TakeTruth, *, seed: int, with_masks: bool) -> dict[str, Any]:
    """One take of ``relations_*.json``."""
    rng = take_rng(seed, truth.plan, "relations")
    views = _relation_views(truth)
    aria_key = next(k for k, v in views.items() if v.stream == "rgb")
    aria_w, aria_h = views[aria_key].mp4_size
    frames = [int(f) for f in truth.mask_frames]
    boxes = []
    for track in sorted(truth.masks):
        ego = truth.masks[track].get(aria_key, {})
        for f in frames:
            if f in ego and ego[f].any():
                boxes.append(_box(ego[f], rng=rng) | _box_fields(track, f, size=(aria_w, aria_h)))
    boxes.sort(key=lambda b: (b["frameNumber"], b["track_id"]))
    object_masks: dict[str, Any] = {}
    for track in sorted(truth.masks):
        cams: dict[str, Any] = {}
        for key, view in views.items():
            meta = annotator_meta(rng, ids_as_str=True)
            entry: dict[str, Any] = {}
            if with_masks:
                per_frame = truth.masks[track].get(key, {})
                entry["annotation"] = {
                    str(f): _mask_entry(per_frame[f], rng=rng, t0_ms=1000 * meta["response_time"])
                    for f in frames
                    if f in per_frame and per_frame[f].any()
                }
            entry |= {"annotation_metadata": meta, "annotation_fps": 1, "annotated_frames": frames}
            cams[view.relation_key] = entry
        object_masks[track] = cams
    return {
        "scenario": truth.plan.task.name,
        "take_name": truth.plan.take_name,
        "object_names": {
            "annotation": boxes,
            "annotation_metadata": annotator_meta(rng, ids_as_str=True),
            "annotation_fps": 30,
        },
        "object_masks": object_masks,
    }


def _box(mask: np.ndarray, *, rng: np.random.Generator) -> dict[str, float]:
    """Bounding box of a mask (MP4 pixels, pixel-edge convention) with each edge off by ≤ 1 px."""
    ys, xs = np.nonzero(mask)
    x0, y0, x1, y1 = xs.min() - 0.5, ys.min() - 0.5, xs.max() + 0.5, ys.max() + 0.5
    e = rng.uniform(-BOX_JITTER_PX, BOX_JITTER_PX, size=4)
    x0, y0, x1, y1 = x0 + e[0], y0 + e[1], max(x0 + e[0] + 1.0, x1 + e[2]), max(y0 + e[1] + 1.0, y1 + e[3])
    return {k: round(float(v), 2) for k, v in (("x", x0), ("y", y0), ("width", x1 - x0), ("height", y1 - y0))}


def _box_fields(track: str, frame: int, *, size: tuple[int, int]) -> dict[str, Any]:
    """The fixed fields of an ``object_names`` box (FORMAT §7.6 sample)."""
    return {
        "rotation": 0,
        "original_width": size[0],
        "original_height": size[1],
        "frameNumber": frame,
        "endInterpolation": True,
        "interpolated": False,
        "track_id": track,
        "milo_type": "NONE",
    }


def _mask_entry(mask: np.ndarray, *, rng: np.random.Generator, t0_ms: int) -> dict[str, Any]:
    """One frame of a mask track: size, ``encodedMask``, one positive click inside the mask (MP4 pixels)."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    k = int(rng.integers(len(xs)))
    click = {
        "x": round(float(xs[k] + rng.uniform(-0.4, 0.4)), 2),
        "y": round(float(ys[k] + rng.uniform(-0.4, 0.4)), 2),
        "timestamp": t0_ms + int(rng.integers(*_CLICK_DELAY_MS)),
    }
    return {
        "width": int(w),
        "height": int(h),
        "encodedMask": encode_mask(mask),
        "intSegClicks": {
            "positive": [click],
            "negative": [],
            "upperLeft": [],
            "bottomRight": [],
            "unlabeled": [],
        },
    }
