"""keystep_clips: the part keystep_benchmark/clips_448p listed with each clip's segment and label.

The benchmark file follows the sample of
EGO4D/Ego-Exo4D-docs: docs/benchmarks/keystep/keystep_recoginition.md.
"""

from __future__ import annotations

import json

from egoexo_kit.annotations import keystep_clips
from egoexo_kit.release import CLIPS_PART

TAKE = "georgiatech_covid_07_6"
STEM = f"train/{TAKE}/start0.85598_end33.20377"


def _release(tmp_path, *, segments):
    bench = tmp_path / "annotations" / "keystep_benchmark"
    bench.mkdir(parents=True)
    doc = {
        "date": "04/02/2024",
        "description": "EgoExo4D Fine-grained Keystep Recognition",
        "splits": "train",
    }
    (bench / "keystep_segment_train.json").write_text(json.dumps(doc | {"segments": segments}))
    return tmp_path


def _segment(**extra):
    names = [f"{STEM}_aria02_214-1.mp4", f"{STEM}_cam01.mp4", f"{STEM}_cam02.mp4"]
    return {
        "segment_name_list": names,
        "ego_segment_name": names[0],
        "take_uid": "77cd56fc-6b68-4c7f-814b-81545484dd2d",
        "take_name": TAKE,
        "start_time": 0.85598,
        "end_time": 33.20377,
        "step_unique_id": 843,
        "label_id": 35,
        "step_name": "Unbox package",
    } | extra


def test_clips_come_with_their_segment_label_camera_and_path(tmp_path):
    root = _release(tmp_path, segments=[_segment()])
    on_disk = root / CLIPS_PART / f"{STEM}_cam01.mp4"
    on_disk.parent.mkdir(parents=True)
    on_disk.write_bytes(b"mp4")
    clips = keystep_clips(root)
    assert clips.warnings == [] and clips.folder == root / CLIPS_PART
    assert [(c.cam, c.cam_id, c.is_ego, c.exists) for c in clips] == [
        ("aria02_214-1", "aria02", True, False),
        ("cam01", "cam01", False, True),
        ("cam02", "cam02", False, False),
    ]
    ego = clips.clips[0]
    assert ego.segment.label_id == 35 and ego.segment.step_name == "Unbox package"
    assert (ego.segment.start_s, ego.segment.end_s) == (0.85598, 33.20377)
    assert ego.path == root / CLIPS_PART / f"{STEM}_aria02_214-1.mp4"
    assert [c.name for c in keystep_clips(root, ego_only=True)] == [f"{STEM}_aria02_214-1.mp4"]
    assert [c.cam for c in keystep_clips(root, present_only=True)] == ["cam01"]
    assert len(clips.of_take("77cd56fc-6b68-4c7f-814b-81545484dd2d")) == 3 and clips.of_take("x") == []


def test_clips_root_overrides_where_the_part_lies(tmp_path):
    root = _release(tmp_path / "rel", segments=[_segment()])
    elsewhere = tmp_path / "data" / "keystep" / "clips_448p"  # where some users unpack it
    (elsewhere / STEM).parent.mkdir(parents=True)
    (elsewhere / f"{STEM}_aria02_214-1.mp4").write_bytes(b"mp4")
    clips = keystep_clips(root, clips_root=elsewhere, present_only=True)
    assert [c.path for c in clips] == [elsewhere / f"{STEM}_aria02_214-1.mp4"]


def test_odd_names_are_located_warnings_and_never_block_the_others(tmp_path):
    bad = _segment(segment_name_list=["../../escape.mp4", f"{STEM}_cam01.mp4"])
    bad["ego_segment_name"] = "train/x/start1.0_end2.0_aria01_214-1.mp4"  # not in the list, other times
    unlabelled = {k: v for k, v in _segment().items() if k not in ("label_id", "step_unique_id", "step_name")}
    clips = keystep_clips(_release(tmp_path, segments=[bad, unlabelled]))
    where = {(w.path, w.where): w.message for w in clips.warnings}
    assert set(where) == {
        ("annotations/keystep_benchmark/keystep_segment_train.json", "/segments/0/segment_name_list/0"),
        ("annotations/keystep_benchmark/keystep_segment_train.json", "/segments/0/ego_segment_name"),
    }
    assert "escapes" in where[next(k for k in where if k[1].endswith("list/0"))]
    assert "disagrees with the segment's start_time 0.85598" in where[next(k for k in where if "ego" in k[1])]
    names = [c.name for c in clips]
    assert names[:2] == ["train/x/start1.0_end2.0_aria01_214-1.mp4", f"{STEM}_cam01.mp4"]
    assert len(names) == 5 and clips.clips[-1].segment.label_id is None  # the test-file shape reads too
