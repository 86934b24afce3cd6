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


def test_plan_warns_and_selects_the_other_takes(tiny_release, tmp_path):
    from egoexo_kit.download import Selection, open_source, plan_download, publish

    takes_path = tiny_release / "takes.json"
    raw = json.loads(takes_path.read_text())
    odd = next(i for i, t in enumerate(raw) if t["take_uid"] != TRAIN)
    raw[odd]["frame_aligned_videos"] = "oops"
    takes_path.write_text(json.dumps(raw))
    publish(tiny_release, tmp_path / "mirror", release="v2", workers=1)
    source = open_source(str(tmp_path / "mirror"), release="v2")
    plan = plan_download(
        tmp_path / "out", source=source, selection=Selection(parts=("takes",), cams=frozenset({"cam02"}))
    )
    assert any(
        f"/{odd}/frame_aligned_videos" in w and "left out of the camera selection" in w for w in plan.warnings
    )
    assert f"takes/{raw[0]['take_name']}/frame_aligned_videos/cam02.mp4" in {
        f.relative_path for f in plan.files
    }
