"""A member of the wrong type is a located error from every annotation loader, never a bare exception.

Issue 19: about 10 % of fuzzed reader inputs raised exceptions outside the project's error classes,
mostly in the annotation loaders (``int("ten")``, ``len(5)``, ``(5).items()``, an ``assert`` on a null
node id). Each fixed case below is one of them; the seeded fuzz then breaks every family's files at
random places with values of other types and checks that only the project's errors come out of the
catalog's per-file step (the loaders it runs are the ones the viewer and ``validate`` use).
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from egoexo_kit.annotations import (
    discover,
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
from egoexo_kit.annotations._catalog import _Job, _run
from egoexo_kit.annotations._files import AnnotationFile
from egoexo_kit.errors import FormatError, LimitError

TRACK = {"annotation": {}, "annotated_frames": [1, 2], "annotation_fps": 30}
NODE = {"id": 1, "name": "Cut", "parent_id": None, "is_leafnode": True, "unique_id": 10}
CASES: dict[str, tuple[str, Any, Any, str]] = {
    # case: (file name, JSON, reader, pointer of the error)
    "rating is text": (
        "data.json",
        {"proficiency": {"rating": "ten"}, "annotations": []},
        lambda p: read_commentary_folder(p.parent),
        "/proficiency/rating",
    ),
    "events is a number": (
        "data.json",
        {"annotations": [{"video_time": 1.0, "events": 5}]},
        lambda p: read_commentary_folder(p.parent),
        "/annotations/0/events",
    ),
    "taxonomy node id null": (
        "keystep_train.json",
        {"annotations": {}, "taxonomy": {"S": {"1": {**NODE, "id": None}}}},
        read_keystep,
        "/taxonomy/S/1/id",
    ),
    "taxonomy node id infinite": (
        "keystep_train.json",
        {"annotations": {}, "taxonomy": {"S": {"1": {**NODE, "id": float("inf")}}}},
        read_keystep,
        "/taxonomy/S/1/id",
    ),
    "taxonomy is a list": (
        "keystep_train.json",
        {"annotations": {}, "taxonomy": [1]},
        read_keystep,
        "/taxonomy",
    ),
    "segment_name_list is a number": (
        "keystep_segment_train.json",
        {"segments": [{"take_uid": "u", "start_time": 0, "end_time": 1, "segment_name_list": 7}]},
        read_keystep_benchmark,
        "/segments/0/segment_name_list",
    ),
    "task_id is text": (
        "proficiency_demonstrator_train.json",
        {"annotations": [{"take_uid": "u", "task_id": "x"}]},
        read_proficiency_demonstrator,
        "/annotations/0/task_id",
    ),
    "good_executions is a number": (
        "proficiency_demonstration_train.json",
        {"annotations": [{"take_uid": "u", "good_executions": 5}]},
        read_proficiency_demonstration,
        "/annotations/0/good_executions",
    ),
    "moment list is a number": (
        "proficiency_demonstration_train.json",
        {"annotations": [{"take_uid": "u", "tips_for_improvement": [{"video_time": 1, "list": 1.5}]}]},
        read_proficiency_demonstration,
        "/annotations/0/tips_for_improvement/0/list",
    ),
    "annotated frame is text": (
        "relations_train.json",
        {"annotations": {"u": {"object_masks": {"cup": {"cam01": {**TRACK, "annotated_frames": ["x"]}}}}}},
        read_relations,
        "/annotations/u/object_masks/cup/cam01/annotated_frames/0",
    ),
    "annotation fps is a list": (
        "relations_train.json",
        {"annotations": {"u": {"object_masks": {"cup": {"cam01": {**TRACK, "annotation_fps": [1]}}}}}},
        read_relations,
        "/annotations/u/object_masks/cup/cam01/annotation_fps",
    ),
    "cameras of an object is a number": (
        "relations_train.json",
        {"annotations": {"u": {"object_masks": {"cup": 7}}}},
        read_relations,
        "/annotations/u/object_masks/cup",
    ),
    "views for 3D is text": (
        "u.json",
        {"3": [{"annotation3D": {"nose": {"x": 1, "y": 2, "z": 3, "num_views_for_3d": "two"}}}]},
        lambda p: read_keypoints(p, part="body"),
        "/3/0/annotation3D/nose/num_views_for_3d",
    ),
    "2D points of a camera is a number": (
        "u.json",
        {"3": [{"annotation2D": {"cam01": 5}}]},
        lambda p: read_keypoints(p, part="body"),
        "/3/0/annotation2D/cam01",
    ),
    "annotation3D is a number": (
        "u.json",
        {"3": [{"annotation3D": 5}]},
        lambda p: read_keypoints(p, part="body"),
        "/3/0/annotation3D",
    ),
    "extrinsics frame is text": (
        "u.json",
        {"cam01": {"camera_intrinsics": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "camera_extrinsics": {"x": []}}},
        read_camera_pose,
        "/cam01/camera_extrinsics/x",
    ),
    "frame-major camera is a number": (
        "u.json",
        {"0": {"cam01": 5}},
        read_camera_pose,
        "/0/cam01",
    ),
    "segment id is text": (
        "aria01_transcriptions.json",
        {"segments": [{"id": "first", "start": 0, "end": 1, "text": "hi"}]},
        read_transcription,
        "/segments/0/id",
    ),
    "words is a number": (
        "aria01_transcriptions.json",
        {"segments": [{"start": 0, "end": 1, "text": "hi", "words": 3}]},
        read_transcription,
        "/segments/0/words",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_wrong_type_is_a_located_format_error(tmp_path: Path, case: str) -> None:
    name, doc, reader, where = CASES[case]
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(FormatError) as err:
        reader(path)
    assert err.value.pointer == where and err.value.path == str(path)


@pytest.mark.parametrize("key", ["99999999999999999999999", "²", "-3", "1e3"])
def test_frame_keys_are_plain_numbers_under_the_cap(tmp_path: Path, key: str) -> None:
    path = tmp_path / "u.json"
    path.write_text(json.dumps({key: [{"annotation3D": {}}]}), encoding="utf-8")
    with pytest.raises((FormatError, LimitError), match="frame"):
        read_keypoints(path, part="hand")


def test_falsy_members_still_read_as_empty(tmp_path: Path) -> None:
    """``x or []`` leniency kept: real files write "nothing" as null, [], {} or "" alike."""
    path = tmp_path / "u.json"
    path.write_text(json.dumps({"3": [{"annotation3D": [], "annotation2D": ""}]}), encoding="utf-8")
    assert len(read_keypoints(path, part="body")) == 1


WRONG = [None, 0, -1, 1.5, "x", "", [], {}, [1], {"a": [1]}, True, 1e308, float("nan"), 10**30, "\ud800"]


def _paths(doc: Any, at: tuple = ()) -> list[tuple]:
    out = [at]
    if isinstance(doc, dict):
        for k, v in list(doc.items())[:12]:
            out += _paths(v, (*at, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            out += _paths(v, (*at, i))
    return out


def _put(doc: Any, at: tuple, value: Any) -> Any:
    if not at:
        return value
    node = doc
    for k in at[:-1]:
        node = node[k]
    node[at[-1]] = value
    return doc


def test_fuzzed_members_give_only_project_errors(ann_release: Path, tmp_path: Path) -> None:
    """40 seeded mutations of one file of each family through the catalog's whole per-file step
    (parse, extract, store as Arrow): a file is catalogued or is one located error row, never an
    ``internal error`` (an exception outside the project's classes)."""
    rng = random.Random(19)
    files = [AnnotationFile(ann_release / "takes.json", "takes.json", "takes"), *discover(ann_release)]
    first: dict[tuple[str, str | None], AnnotationFile] = {}
    for f in files:
        first.setdefault((f.family, f.part), f)
    internal, refused = [], 0
    for f in first.values():
        original = json.loads(f.path.read_text(encoding="utf-8"))
        spots = _paths(original)
        for _ in range(40):
            at, value = rng.choice(spots), rng.choice(WRONG)
            path = tmp_path / f.rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(_put(json.loads(json.dumps(original)), at, value)), encoding="utf-8")
            job = _Job(
                AnnotationFile(path, f.rel, f.family, f.split, f.part, f.source), tmp_path, tmp_path / "c", {}
            )
            _, _, error = _run(job)
            refused += error is not None
            if error is not None and error[2].startswith("internal error"):
                internal.append((f.rel, at, value, error[2]))
    assert not internal, internal[:5]
    assert refused > 100  # the mutations do reach the loaders' checks
