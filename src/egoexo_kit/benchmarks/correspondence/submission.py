"""Correspondence GT and submission files (BENCHMARKS §5) and the list of frames each direction scores.

GT (the evaluator's ``process_annotations`` output)::

    {"annotations": {take: {"masks": {obj: {cam: {frame: RLE}}}, "annotated_frames": {obj: {cam: [int]}}}}}

Submission: ``{"ego-exo": {"results": {take: {"masks": {obj: {"<ego>_<exo>": {frame:
{"pred_mask": RLE, "confidence": c}}}}, "subsample_idx": [...]}}}, "exo-ego": {...}}`` with plain
COCO RLEs; predicted masks must have the GT mask's long-side-480 size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from egoexo_kit.benchmarks._common import Problems, as_number, as_object
from egoexo_kit.benchmarks._maskmetrics import nopad_size
from egoexo_kit.limits import MASK_PIXELS
from egoexo_kit.vocab import pointer

__all__ = ["DIRECTIONS", "CorrFrame", "read_corr_gt", "read_corr_submission"]

DIRECTIONS = ("ego-exo", "exo-ego")


@dataclass(frozen=True)
class CorrFrame:
    """One query frame of one object and camera pair; ``evaluated`` if the target view was annotated."""

    take: str
    obj: str
    pair: str
    frame: str
    evaluated: bool
    gt_rle: dict | None
    gt_size: tuple[int, int] | None


def _rle(value: Any, probs: Problems, where: tuple[str, ...]) -> tuple[dict, tuple[int, int]] | None:
    """``(RLE, (height, width))`` of a plain COCO RLE; ``where``: its pointer's parts, joined on a problem."""
    if not isinstance(value, dict):
        as_object(value, probs, pointer(*where), what="a COCO RLE object {size, counts}")
        return None
    size, counts = value.get("size"), value.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(type(v) is int and v > 0 for v in size)):
        probs.add(pointer(*where, "size"), f"expected [height, width] as positive integers, got {size!r:.40}")
        return None
    if not isinstance(counts, str):
        probs.add(pointer(*where, "counts"), "expected the compressed COCO RLE counts as a string")
        return None
    if size[0] * size[1] > MASK_PIXELS.value:
        probs.add(pointer(*where, "size"), f"{size[0]} x {size[1]} is over the {MASK_PIXELS.env} cap")
        return None
    return {"size": size, "counts": counts}, (size[0], size[1])


def read_corr_gt(
    raw: Any, *, path: str | None = None
) -> tuple[dict[str, list[CorrFrame]], dict[str, set[str]]]:
    """Every query frame per direction in the evaluator's loop order, and every GT object per take.

    The loop order is take → object → exo camera → query frame; objects without exactly one ego
    camera add no frames (the evaluator skips them) but a submission must still list them.
    """
    probs = Problems(path, kind="ground truth")
    out: dict[str, list[CorrFrame]] = {d: [] for d in DIRECTIONS}
    objects: dict[str, set[str]] = {}
    top = as_object(raw, probs, "")
    anns = as_object((top or {}).get("annotations"), probs, "/annotations") if top is not None else None
    for take, t_obj in (anns or {}).items():
        t_obj = as_object(t_obj, probs, pointer("annotations", take))
        if t_obj is None:
            continue
        masks = as_object(t_obj.get("masks"), probs, pointer("annotations", take, "masks")) or {}
        objects[take] = set(masks)
        annotated = _annotated_frames(t_obj.get("annotated_frames"), probs, take)
        for obj, cams in masks.items():
            cams = as_object(cams, probs, pointer("annotations", take, "masks", obj)) or {}
            egos = [c for c in cams if "aria" in c]
            if len(egos) > 1:
                probs.add(pointer("annotations", take, "masks", obj), f"several ego cameras: {egos}")
            if len(egos) != 1:
                continue
            ego = egos[0]
            rles: dict[str, dict[str, Any]] = {}
            for cam, frames in cams.items():
                frames = as_object(frames, probs, pointer("annotations", take, "masks", obj, cam)) or {}
                rles[cam] = {}
                for f, value in frames.items():
                    parsed = _rle(value, probs, ("annotations", take, "masks", obj, cam, f))
                    rles[cam][f] = parsed
            ann_obj = annotated.get(obj)
            for exo in (c for c in cams if c != ego):
                for direction, query, target, pair in (
                    ("ego-exo", ego, exo, f"{ego}_{exo}"),
                    ("exo-ego", exo, ego, f"{exo}_{ego}"),
                ):
                    done = (ann_obj or {}).get(target) or set()
                    for f in rles[query]:
                        hit = rles[target].get(f)
                        out[direction].append(
                            CorrFrame(
                                take=take,
                                obj=obj,
                                pair=pair,
                                frame=f,
                                evaluated=_as_int(f) in done,
                                gt_rle=hit[0] if hit else None,
                                gt_size=hit[1] if hit else None,
                            )
                        )
    probs.raise_if_any()
    return out, objects


def _annotated_frames(value: Any, probs: Problems, take: str) -> dict[str, dict[str, set[int]]]:
    """``annotated_frames`` of one take: ``{object: {camera: {frame numbers}}}``; absent reads as empty."""
    out: dict[str, dict[str, set[int]]] = {}
    if value is None:
        return out
    base = ("annotations", take, "annotated_frames")
    for obj, cams in (as_object(value, probs, pointer(*base)) or {}).items():
        out[obj] = {}
        for cam, frames in (as_object(cams, probs, pointer(*base, obj)) or {}).items():
            if not isinstance(frames, list) or not all(type(f) is int for f in frames):
                probs.add(pointer(*base, obj, cam), "expected a list of integer frame numbers")
                continue
            out[obj][cam] = set(frames)
    return out


def _as_int(key: str) -> int | None:
    try:
        return int(key)
    except ValueError:
        return None


def read_corr_submission(
    raw: Any,
    gt: dict[str, list[CorrFrame]],
    *,
    gt_objects: dict[str, set[str]],
    directions: tuple[str, ...],
    path: str | None = None,
) -> dict[str, list[tuple[dict, float] | None]]:
    """Check a submission; per direction, ``(pred RLE, confidence)`` aligned with ``gt[direction]``.

    Reported together: a missing direction, take, object, camera pair or query frame, extra takes
    or objects (the official validator requires exactly the GT ones), a malformed RLE, a missing or
    non-finite confidence, and a mask whose size differs from the resized GT mask.
    """
    probs = Problems(path)
    top = as_object(raw, probs, "") or {}
    out: dict[str, list[tuple[dict, float] | None]] = {}
    for d in directions:
        if d not in top:
            probs.add(pointer(d), f"direction {d} is missing")
            continue
        block = as_object(top[d], probs, pointer(d)) or {}
        results = as_object(block.get("results"), probs, pointer(d, "results"))
        if results is None:
            continue
        for take in sorted(set(results) - set(gt_objects)):
            probs.add(pointer(d, "results", take), f"take {take} is not in the ground truth")
        for take, objs in gt_objects.items():
            t_obj = results.get(take)
            if t_obj is None:
                probs.add(pointer(d, "results", take), f"take {take} is missing")
                continue
            if not isinstance(t_obj, dict):
                probs.add(pointer(d, "results", take), "expected an object")
                continue
            if "subsample_idx" not in t_obj:
                probs.add(pointer(d, "results", take, "subsample_idx"), "key is missing")
            masks = as_object(t_obj.get("masks"), probs, pointer(d, "results", take, "masks")) or {}
            for obj in sorted(set(masks) - objs):
                probs.add(
                    pointer(d, "results", take, "masks", obj), f"object {obj} is not in the ground truth"
                )
            for obj in sorted(objs - set(masks)):
                probs.add(pointer(d, "results", take, "masks", obj), f"object {obj} is missing")
        out[d] = _frames(results, gt[d], probs=probs, d=d)
    probs.raise_if_any()
    return out


def _frames(
    results: dict, frames: list[CorrFrame], *, probs: Problems, d: str
) -> list[tuple[dict, float] | None]:
    out: list[tuple[dict, float] | None] = []
    reported: set[tuple[str, ...]] = set()
    for fr in frames:
        base = (d, "results", fr.take, "masks", fr.obj)
        t_obj = results.get(fr.take)
        masks = t_obj.get("masks") if isinstance(t_obj, dict) else None
        obj = masks.get(fr.obj) if isinstance(masks, dict) else None
        if not isinstance(obj, dict):  # already reported at the take or object level
            if isinstance(masks, dict) and fr.obj in masks and (fr.take, fr.obj) not in reported:
                probs.add(pointer(*base), "expected an object")
                reported.add((fr.take, fr.obj))
            out.append(None)
            continue
        pairs = obj
        if fr.pair not in pairs or not isinstance(pairs[fr.pair], dict):
            if (fr.take, fr.obj, fr.pair) not in reported:
                probs.add(pointer(*base, fr.pair), f"camera pair {fr.pair} is missing")
            reported.add((fr.take, fr.obj, fr.pair))
            out.append(None)
            continue
        entry = pairs[fr.pair].get(fr.frame)
        where = (*base, fr.pair, fr.frame)  # pointers are only joined for a problem: this loop is hot
        if not isinstance(entry, dict):
            msg = f"query frame {fr.frame} is missing" if entry is None else "expected an object"
            probs.add(pointer(*where), msg)
            out.append(None)
            continue
        if "confidence" not in entry:
            probs.add(pointer(*where, "confidence"), "key is missing")
            conf = None
        else:
            c = entry["confidence"]
            conf = (
                float(c)
                if type(c) is float and math.isfinite(c)
                else as_number(c, probs, pointer(*where, "confidence"), what="a finite confidence")
            )
        if "pred_mask" not in entry:
            probs.add(pointer(*where, "pred_mask"), "key is missing")
            rle = None
        else:
            rle = _rle(entry["pred_mask"], probs, (*where, "pred_mask"))
        if rle is not None and fr.evaluated and fr.gt_size is not None:
            want = nopad_size(*fr.gt_size)
            if rle[1] != want:
                probs.add(
                    pointer(*where, "pred_mask", "size"),
                    f"mask size {list(rle[1])} but the GT mask resized to long side 480 is {list(want)}",
                )
                rle = None
        out.append((rle[0], conf) if rle is not None and conf is not None else None)
    return out
