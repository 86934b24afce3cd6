"""Correspondence baselines (BENCHMARKS §5).

``copy``: the query mask itself, resized (nearest) to the target view's long-side-480 size, with
confidence 1 (the object is visible in the query frame, so it is predicted visible): it keeps the
object's relative position and extent. It uses no camera geometry; a projection through the take's
calibration needs the object's depth and is left to a stronger baseline. Trivial: ``empty`` (empty
masks, confidence 0: "never visible").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks._maskmetrics import nopad_size
from egoexo_kit.benchmarks.correspondence.gt import build_corr_gt
from egoexo_kit.errors import NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.release import Release

__all__ = ["CORR_BASELINES", "corr_baseline", "encode_rle"]

CORR_BASELINES = ("copy", "empty")


def encode_rle(mask: np.ndarray) -> dict[str, Any]:
    """Plain COCO RLE ``{size, counts}`` of a ``(H, W)`` mask."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _target_size(cams: dict[str, Any], cam: str) -> tuple[int, int] | None:
    rle = next(iter(cams[cam].values()), None)
    return None if rle is None else nopad_size(*rle["size"])


def corr_baseline(release: Release, *, split: str = "val", method: str = "copy") -> dict[str, Any]:
    """A submission for both directions over every query frame of ``split``'s GT."""
    if method not in CORR_BASELINES:
        raise NotFoundError(f"unknown correspondence baseline {method!r}; known: {', '.join(CORR_BASELINES)}")
    gt = build_corr_gt(release, split=split)["annotations"]
    out: dict[str, Any] = {
        d: {"version": "xx", "challenge": "xx", "results": {}} for d in ("ego-exo", "exo-ego")
    }
    for take, entry in gt.items():
        for d in out.values():
            d["results"][take] = {"masks": {}, "subsample_idx": entry["subsample_idx"]}
        for obj, cams in entry["masks"].items():
            egos = [c for c in cams if "aria" in c]
            for d in out.values():
                d["results"][take]["masks"][obj] = {}
            if len(egos) != 1:
                continue
            ego = egos[0]
            for exo in (c for c in cams if c != ego):
                for direction, query, target in (("ego-exo", ego, exo), ("exo-ego", exo, ego)):
                    size = _target_size(cams, target) or (480, 480)
                    pairs = out[direction]["results"][take]["masks"][obj]
                    pairs[f"{query}_{target}"] = {
                        f: _predict(rle, size, method=method) for f, rle in cams[query].items()
                    }
    return out


def _predict(rle: dict[str, Any], size: tuple[int, int], *, method: str) -> dict[str, Any]:
    if method == "empty":
        return {"pred_mask": encode_rle(np.zeros(size, dtype=bool)), "confidence": 0.0}
    query = mask_utils.decode(rle)
    resized = cv2.resize(query, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)
    return {"pred_mask": encode_rle(resized > 0), "confidence": 1.0}
