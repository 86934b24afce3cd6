"""Irregularity ``noncanonical_rle``: one relations mask stored in a non-canonical but decodable RLE.

Real ``encodedMask`` strings are whatever the annotation tool wrote; the official evaluators only
``pycocotools.mask.decode`` them (``EGO4D/ego-exo4d-relation:
correspondence/evaluation/evaluate_egoexo.py``), so a counts string with a zero-length run in the
middle is as valid as pycocotools' own canonical one. This step rewrites the first foreground mask of
a ``relations_{train,val}.json`` that way: the same decoded mask, different bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import lzstring
import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit._io import write_json
from egoexo_kit.release import parse_rle_counts
from egoexo_kit.synth.irregular._irr_registry import IrregularRelease, register
from egoexo_kit.vocab import pointer

__all__ = ["noncanonical_counts", "noncanonical_rle"]

_LZ = lzstring.LZString()


def noncanonical_counts(counts: str, *, height: int, width: int) -> str | None:
    """The same mask as ``counts`` with its first run of ≥ 2 pixels split by a zero-length run.

    ``[a, b, …]`` → ``[a, ⌊b/2⌋, 0, b - ⌊b/2⌋, …]``: the value alternates at every run, so the empty
    run between the two halves leaves every pixel where it was. ``None`` when no run can be split.
    """
    runs = parse_rle_counts([counts])[0].tolist()
    at = next((i for i, r in enumerate(runs) if i > 0 and r >= 2), None)
    if at is None:
        return None
    half = runs[at] // 2
    split = [*runs[:at], half, 0, runs[at] - half, *runs[at + 1 :]]
    rle = mask_utils.frPyObjects({"counts": split, "size": [height, width]}, height, width)
    return rle["counts"].decode("ascii")


@register("noncanonical_rle")
def noncanonical_rle(rel: IrregularRelease) -> list[dict[str, Any]]:
    """Rewrite one mask per release (the first that can be split) non-canonically; record where."""
    for split in ("train", "val"):
        path = rel.root / "annotations" / f"relations_{split}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        for where, m in _masks(data):
            counts = _LZ.decompressFromEncodedURIComponent(m["encodedMask"])
            h, w = int(m["height"]), int(m["width"])
            new = noncanonical_counts(counts, height=h, width=w)
            if new is None:
                continue
            before = mask_utils.decode({"size": [h, w], "counts": counts.encode()})
            after = mask_utils.decode({"size": [h, w], "counts": new.encode()})
            if not np.array_equal(before, after):  # never change what the mask is
                continue
            m["encodedMask"] = _LZ.compressToEncodedURIComponent(new)
            write_json(path, data)
            record = {"file": str(path.relative_to(rel.root)), "take_uid": where[1]}
            record["pointer"] = pointer(*where, "encodedMask")
            record["what"] = "RLE counts with a zero-length run inside (same decoded mask)"
            return [{**record, "canonical_counts": counts, "counts": new}]
    return []


def _masks(data: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """``(pointer parts, mask entry)`` of every mask of a relations file, in file order."""
    for take_uid, take in (data.get("annotations") or {}).items():
        for obj, cams in (take.get("object_masks") or {}).items():
            for cam, entry in cams.items():
                for frame, m in (entry.get("annotation") or {}).items():
                    yield ("annotations", take_uid, "object_masks", obj, cam, "annotation", frame), m
