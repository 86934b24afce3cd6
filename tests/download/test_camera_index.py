"""The downloader's camera index reads ``takes.json`` leniently, like ``open_release`` (issue 16 item 7)."""

from __future__ import annotations

import json

import pytest

from egoexo_kit.download._select import CameraIndex
from egoexo_kit.errors import FormatError

TRAIN = "f0f5e664-bfd8-4edb-9f95-e78d73109908"  # cmu_bike01_1: aria01, cam01 (best_exo), cam02


def test_an_odd_record_is_left_out_the_rest_indexed(tiny_release_ro):
    raw = json.loads((tiny_release_ro / "takes.json").read_text())
    whole = CameraIndex.from_takes_json(raw, source="takes.json")
    assert whole.skipped == []
    odd = [t if t["take_uid"] == TRAIN else {**t, "frame_aligned_videos": "oops"} for t in raw]
    index = CameraIndex.from_takes_json(odd, source="takes.json")
    assert set(index.takes) == {TRAIN}
    assert index.takes[TRAIN] == whole.takes[TRAIN]
    assert [(e.path, e.pointer) for e in index.skipped] == [
        ("takes.json", f"/{i}/frame_aligned_videos") for i, t in enumerate(raw) if t["take_uid"] != TRAIN
    ]


def test_not_an_array_is_refused():
    with pytest.raises(FormatError, match="array"):
        CameraIndex.from_takes_json({"takes": []}, source="takes.json")
