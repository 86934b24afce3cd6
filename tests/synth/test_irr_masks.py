"""Irregularity ``noncanonical_rle``: a relations mask in a decodable, non-canonical RLE, recorded."""

from __future__ import annotations

import json
from pathlib import Path

import lzstring
import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit import open_release
from egoexo_kit.release import decode_mask
from egoexo_kit.release._masks import is_canonical_counts
from egoexo_kit.synth import SynthConfig
from egoexo_kit.synth.irregular._irr_masks import noncanonical_counts, noncanonical_rle
from egoexo_kit.synth.irregular._irregular import IRREGULARITIES, IrregularRelease, _load_steps
from egoexo_kit.validate import validate_release

_LZ = lzstring.LZString()


def resolve(data: dict, pointer: str) -> object:
    for part in pointer.strip("/").split("/"):
        data = data[part.replace("~1", "/").replace("~0", "~")]
    return data


def test_split_run_keeps_the_mask() -> None:
    m = np.zeros((6, 5), np.uint8)
    m[1:4, 1:3] = 1
    counts = mask_utils.encode(np.asfortranarray(m))["counts"].decode()
    new = noncanonical_counts(counts, height=6, width=5)
    assert new is not None and new != counts
    assert np.array_equal(mask_utils.decode({"size": [6, 5], "counts": new.encode()}), m)


def test_step_is_registered_and_rewrites_one_mask(tiny_release: Path) -> None:
    _load_steps()
    assert IRREGULARITIES["noncanonical_rle"] is noncanonical_rle
    rel = IrregularRelease(root=tiny_release, config=SynthConfig(), rng=np.random.default_rng(0))
    (rec,) = noncanonical_rle(rel)
    data = json.loads((tiny_release / rec["file"]).read_text())
    entry = resolve(data, rec["pointer"].rsplit("/", 1)[0])
    h, w = entry["height"], entry["width"]
    assert _LZ.decompressFromEncodedURIComponent(entry["encodedMask"]) == rec["counts"]
    assert not is_canonical_counts(entry["encodedMask"], height=h, width=w)
    canonical = mask_utils.decode({"size": [h, w], "counts": rec["canonical_counts"].encode()})
    assert np.array_equal(decode_mask(entry["encodedMask"], height=h, width=w), canonical)
    report = validate_release(tiny_release)
    assert not report.errors, report.errors
    assert not [w for w in report.warnings if "RLE" in w.message or "mask" in w.message]
    take = open_release(tiny_release).take(rec["take_uid"])
    assert take is not None
