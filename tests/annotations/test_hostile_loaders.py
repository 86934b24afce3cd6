"""Hostile annotation files (issue 19): each family loader refuses a wrong type with one located error.

Each case is a real-release file (tests/fixtures/real_release) with one value swapped for one of
another type, infinity or a hostile size, as the reader fuzzer found them: before, each raised
AttributeError, TypeError, OverflowError, AssertionError or ValueError out of the loader (or, for
a mask size, allocated without bound); now each is a FormatError or LimitError with the file and
the JSON pointer of the value.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from egoexo_kit.annotations import (
    read_camera_pose,
    read_commentary_folder,
    read_keypoints,
    read_keystep,
    read_keystep_benchmark,
    read_proficiency_demonstration,
    read_proficiency_demonstrator,
    read_relations,
    read_transcription,
)
from egoexo_kit.errors import EgoExoKitError, FormatError, LimitError

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real_release"
UID = "13f01c79-5bfd-42f5-90ce-ee350aa1c3ad"
POSE = f"annotations/ego_pose/train/body/annotation/{UID}.json"


def edited(tmp_path: Path, rel: str, edit: Callable[[Any], Any]) -> Path:
    """A copy of the real file ``rel`` (and its folder) with ``edit`` applied to its JSON."""
    src = REAL / rel
    dst = tmp_path / rel
    shutil.copytree(src.parent, dst.parent)
    data = json.loads(src.read_text(encoding="utf-8"))
    out = edit(data)
    dst.write_text(json.dumps(data if out is None else out, allow_nan=True), encoding="utf-8")
    return dst


def seg(data: dict, i: int = 0) -> dict:
    return data["annotations"][UID]["segments"][i]


def track(data: dict) -> dict:
    return data["annotations"][UID]["object_masks"]["wrench_0"]["aria01_214-1"]


def first_mask(data: dict) -> dict:
    return track(data)["annotation"]["0"]


CASES = [
    # (id, file, edit, reader, error class, message, pointer)
    ("keystep taxonomy a number", "annotations/keystep_train.json",
     lambda d: d.update(taxonomy=2.5), read_keystep, FormatError, "expected an object, got float",
     "/taxonomy"),
    ("keystep step id infinite", "annotations/keystep_train.json",
     lambda d: seg(d).update(step_id=float("inf")), read_keystep, FormatError, "expected an integer",
     f"/annotations/{UID}/segments/0/step_id"),
    ("benchmark names a number", "annotations/keystep_benchmark/keystep_segment_train.json",
     lambda d: d["segments"][0].update(segment_name_list=3.5), read_keystep_benchmark, FormatError,
     "expected a list", "/segments/0/segment_name_list"),
    ("commentary rating an object", "annotations/expert_commentary/cmu_bike01_2/qfbn5o/data.json",
     lambda d: d["proficiency"].update(rating={}), lambda p: read_commentary_folder(p.parent), FormatError,
     "expected an integer", "/proficiency/rating"),
    ("commentary events a number", "annotations/expert_commentary/cmu_bike01_2/qfbn5o/data.json",
     lambda d: d["annotations"][0].update(events=2.0), lambda p: read_commentary_folder(p.parent),
     FormatError, "expected a list", "/annotations/0/events"),
    ("transcription a string", "annotations/expert_commentary/cmu_bike01_2/qfbn5o/transcriptions.json",
     lambda d: d.update({"0.webm": "text"}), lambda p: read_commentary_folder(p.parent), FormatError,
     "expected an object", "/0.webm"),
    ("demonstrator task id infinite", "annotations/proficiency_demonstrator_val.json",
     lambda d: d["annotations"][0].update(task_id=float("inf")), read_proficiency_demonstrator, FormatError,
     "expected an integer", "/annotations/0/task_id"),
    ("demonstration tips a number", "annotations/proficiency_demonstration_train.json",
     lambda d: d["annotations"][0].update(tips_for_improvement=7), read_proficiency_demonstration,
     FormatError, "expected a list", "/annotations/0/tips_for_improvement"),
    ("demonstration list an int", "annotations/proficiency_demonstration_train.json",
     lambda d: d["annotations"][0]["good_executions"][0].update(list=7), read_proficiency_demonstration,
     FormatError, "expected a list", "/annotations/0/good_executions/0/list"),
    ("relations annotation a number", "annotations/relations_train.json",
     lambda d: track(d).update(annotation=1.5), read_relations, FormatError, "expected an object",
     f"/annotations/{UID}/object_masks/wrench_0/aria01_214-1/annotation"),
    ("relations frame key not ASCII", "annotations/relations_train.json",
     lambda d: track(d)["annotation"].update({"²": first_mask(d)}), read_relations, FormatError,
     "not a frame number", f"/annotations/{UID}/object_masks/wrench_0/aria01_214-1/annotation/²"),
    ("relations annotated frame a list", "annotations/relations_train.json",
     lambda d: track(d).update(annotated_frames=[0, [1]]), read_relations, FormatError, "expected an integer",
     f"/annotations/{UID}/object_masks/wrench_0/aria01_214-1/annotated_frames/1"),
    ("relations mask 10^12 pixels", "annotations/relations_train.json",
     lambda d: first_mask(d).update(width=10**6, height=10**6), read_relations, LimitError, "mask size",
     f"/annotations/{UID}/object_masks/wrench_0/aria01_214-1/annotation/0"),
    ("relations mask width zero", "annotations/relations_train.json",
     lambda d: first_mask(d).update(width=0), read_relations, FormatError, "positive integer",
     f"/annotations/{UID}/object_masks/wrench_0/aria01_214-1/annotation/0"),
    ("pose views NaN", POSE,
     lambda d: d["0"][0]["annotation3D"]["nose"].update(num_views_for_3d=float("nan")),
     lambda p: read_keypoints(p, part="body"), FormatError, "expected an integer",
     "/0/0/annotation3D/nose/num_views_for_3d"),
    ("pose 3D a string", POSE, lambda d: d["0"][0].update(annotation3D="x"),
     lambda p: read_keypoints(p, part="body"), FormatError, "expected an object", "/0/0/annotation3D"),
    ("pose frame key in full-width digits", POSE, lambda d: d.update({"１２": d["0"]}),
     lambda p: read_keypoints(p, part="body"), FormatError, "not a frame number", "/１２"),
    ("camera pose frame key 1e3", f"annotations/ego_pose/train/camera_pose/{UID}.json",
     lambda d: d["aria01"]["camera_extrinsics"].update({"1e3": d["aria01"]["camera_extrinsics"]["0"]}),
     read_camera_pose, FormatError, "not a frame number", "/aria01/camera_extrinsics/1e3"),
    ("narration words a number", "takes/cmu_bike01_2/audio/aria01_transcriptions.json",
     lambda d: d["segments"][0].update(words=1.5), read_transcription, FormatError, "expected a list",
     "/segments/0/words"),
    ("narration id infinite", "takes/cmu_bike01_2/audio/aria01_transcriptions.json",
     lambda d: d["segments"][0].update(id=float("inf")), read_transcription, FormatError,
     "expected an integer", "/segments/0/id"),
]  # fmt: skip


@pytest.mark.parametrize(("rel", "edit", "read", "cls", "message", "where"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_a_value_of_the_wrong_type_is_one_located_error(tmp_path, rel, edit, read, cls, message, where):
    path = edited(tmp_path, rel, edit)
    with pytest.raises(cls, match=message) as e:
        read(path)
    assert e.value.pointer == where
    assert e.value.path is not None and Path(e.value.path).name == path.name


def test_the_unedited_real_files_still_read(tmp_path):
    for i, (_, rel, _, read, *_) in enumerate(CASES):
        read(edited(tmp_path / str(i), rel, lambda d: None))


def test_a_mask_that_does_not_decode_names_its_file_and_pointer(tmp_path):
    path = edited(
        tmp_path, "annotations/relations_train.json", lambda d: first_mask(d).update(encodedMask="BYJQ")
    )
    frame = read_relations(path)[UID].tracks["wrench_0"]["aria01_214-1"].frames[0]
    with pytest.raises(EgoExoKitError) as e:
        frame.decode()
    assert e.value.path == str(path)
    assert e.value.pointer == f"/annotations/{UID}/object_masks/wrench_0/aria01_214-1/annotation/0"
