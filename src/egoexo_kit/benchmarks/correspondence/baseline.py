"""Correspondence baselines (BENCHMARKS §5).

``project``: the query mask moved into the target view through the take's calibration, at a
plausible depth (the point of the query ray closest to a gaze point in front of the Aria camera;
:mod:`egoexo_kit.benchmarks._projection`), confidence 1 when it lands inside the target image.
Needs the facade's takes (``egoexo_kit.open_release``) with calibration; otherwise it falls back
to ``copy``: the query mask resized (nearest) to the target's long-side-480 size, confidence 1.
Trivial: ``empty`` (empty masks, confidence 0: "never visible").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks._maskmetrics import nopad_size
from egoexo_kit.benchmarks._projection import resize_mask, transfer_mask
from egoexo_kit.benchmarks._source import check_method
from egoexo_kit.benchmarks.correspondence.gt import build_corr_gt

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["CORR_BASELINES", "corr_baseline", "encode_rle"]

CORR_BASELINES = ("project", "copy", "empty")


def encode_rle(mask: np.ndarray) -> dict[str, Any]:
    """Plain COCO RLE ``{size, counts}`` of a ``(H, W)`` mask."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}


def _target_size(cams: dict[str, Any], cam: str) -> tuple[int, int] | None:
    rle = next(iter(cams[cam].values()), None)
    return None if rle is None else nopad_size(*rle["size"])


def corr_baseline(release: Release, *, split: str = "val", method: str = "project") -> dict[str, Any]:
    """A submission for both directions over every query frame of ``split``'s GT."""
    check_method("correspondence", method, CORR_BASELINES)
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
                        f: _predict(
                            rle,
                            size,
                            method=method,
                            take=release.take(take),
                            cams=(query, target, ego),
                            frame=int(f),
                        )
                        for f, rle in cams[query].items()
                    }
    return out


def _predict(
    rle: dict[str, Any],
    size: tuple[int, int],
    *,
    method: str,
    take: Any,
    cams: tuple[str, str, str],
    frame: int,
) -> dict[str, Any]:
    if method == "empty":
        return {"pred_mask": encode_rle(np.zeros(size, dtype=bool)), "confidence": 0.0}
    query = mask_utils.decode(rle) > 0
    if method == "copy":
        return {"pred_mask": encode_rle(resize_mask(query, size)), "confidence": 1.0}
    q, t, e = (c.split("_", 1)[0] for c in cams)
    mask, visible = transfer_mask(take, query, query=q, target=t, ego=e, frame=frame, size=size)
    return {"pred_mask": encode_rle(mask), "confidence": 1.0 if visible else 0.0}
