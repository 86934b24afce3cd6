"""validate_release: a clean release passes; each kind of breakage is reported, located, all at once."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from egoexo_kit import open_release
from egoexo_kit.annotations import EMPTY_POSE_FRAME, read_atomic_descriptions
from egoexo_kit.errors import FormatError, Problem
from egoexo_kit.validate import validate_release


def errors(root: Path, **kw) -> list[Problem]:
    return validate_release(root, **kw).errors


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


def rewrite_csv(path: Path, fn) -> None:
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    rows = fn(rows)
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")


def test_tiny_release_is_clean(tiny_release_ro):
    report = validate_release(tiny_release_ro)
    assert report.ok
    assert report.errors == [] and report.warnings == []
    assert report.to_json() == {"ok": True, "errors": [], "warnings": []}


def test_bad_json_is_located(tiny_release):
    path = tiny_release / "captures.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"cameras":', '"cameras"', 1), encoding="utf-8")
    e = only(errors(tiny_release))
    assert e.path == "captures.json"
    column = text.index('"cameras":') + len('"cameras" ') + 1  # the parser stops at the '[' after the space
    assert e.where == f"line 1, column {column}"
    assert e.message == "invalid JSON: Expecting ':' delimiter"


def test_wrong_type_is_located_by_json_pointer(tiny_release, edit_json):
    edit_json(
        tiny_release / "takes.json", lambda takes: takes[1]["capture"]["cameras"][0].update(is_ego="maybe")
    )
    e = only(errors(tiny_release))
    assert (e.path, e.where) == ("takes.json", "/1/capture/cameras/0/is_ego")
    assert "valid boolean" in e.message and "'maybe'" in e.message


def test_missing_video_file(tiny_release):
    (tiny_release / "takes/cmu_bike01_2/frame_aligned_videos/cam02.mp4").unlink()
    e = only(errors(tiny_release))
    assert e.path == "takes/cmu_bike01_2/frame_aligned_videos/cam02.mp4"
    assert e.message == "video of view cam02 is missing (part 'takes')"


def test_missing_trajectory_file_of_present_part(tiny_release):
    (tiny_release / "takes/cmu_bike01_1/trajectory/closed_loop_trajectory.csv").unlink()
    e = only(errors(tiny_release))
    assert e.path == "takes/cmu_bike01_1/trajectory/closed_loop_trajectory.csv"
    assert "closed-loop trajectory is missing (part 'take_trajectory'" in e.message


def test_out_of_range_timesync_index(tiny_release, edit_json):
    def push(takes):
        takes[2]["timesync_end_idx"] = 10_000

    edit_json(tiny_release / "takes.json", push)
    errs = errors(tiny_release, check_videos=False)
    e = only([x for x in errs if "out of range" in x.message])
    assert (e.path, e.where) == ("takes.json", "/2/timesync_end_idx")
    assert "timesync_end_idx 10000 is out of range" in e.message
    assert "has 51 rows" in e.message


def test_video_frame_count_against_window(tiny_release, edit_json):
    edit_json(
        tiny_release / "takes.json",
        lambda takes: takes[0].update(timesync_end_idx=takes[0]["timesync_end_idx"] + 3),
    )
    report = validate_release(tiny_release)
    frame_errors = [e for e in report.errors if "implies 33" in e.message]
    assert len(frame_errors) == 7  # six views + the collage
    assert frame_errors[0].where == "frame 33"
    assert "30 frames" in frame_errors[0].message


def test_off_by_one_frame_count_is_a_warning(tiny_release, edit_json):
    edit_json(
        tiny_release / "takes.json",
        lambda takes: takes[0].update(timesync_end_idx=takes[0]["timesync_end_idx"] + 1),
    )
    report = validate_release(tiny_release)
    assert [e for e in report.errors if "frames" in e.message] == []
    assert len([w for w in report.warnings if "implies 31" in w.message]) == 7
    assert not validate_release(tiny_release, strict=True).ok


def test_missing_csv_column(tiny_release):
    path = tiny_release / "takes/cmu_bike01_1/trajectory/closed_loop_trajectory.csv"
    rewrite_csv(path, lambda rows: [r[:3] + r[4:] for r in rows])  # drop tx_world_device
    e = only(errors(tiny_release))
    assert e.path == "takes/cmu_bike01_1/trajectory/closed_loop_trajectory.csv"
    assert e.where == "line 1"
    assert "tx_world_device" in e.message


def test_missing_timesync_device_columns(tiny_release):
    path = tiny_release / "captures/cmu_bike01/timesync.csv"
    rewrite_csv(
        path,
        lambda rows: [
            [c for c, h in zip(r, rows[0], strict=True) if not h.startswith("cam02_")] for r in rows
        ],
    )
    errs = errors(tiny_release, check_videos=False)
    assert len(errs) == 2  # both takes of the capture use cam02
    assert all(e.path == "captures/cmu_bike01/timesync.csv" and e.where == "line 1" for e in errs)
    assert "missing CSV columns for device 'cam02'" in errs[0].message


def test_empty_timesync_cell_inside_window(tiny_release):
    path = tiny_release / "captures/cmu_bike01/timesync.csv"

    def blank(rows):
        col = rows[0].index("cam01_global_time")
        rows[1 + 20][col] = ""  # data row 20 (line 22) lies in the first take's window [10, 41]
        return rows

    rewrite_csv(path, blank)
    report = validate_release(tiny_release, check_videos=False)
    assert report.errors == []  # real files have such gaps (FORMAT §3.1): a located warning
    w = only(report.warnings)
    assert (w.path, w.where) == ("captures/cmu_bike01/timesync.csv", "line 22")
    assert "cam01_global_time: 1 empty cell(s) inside the window of take cmu_bike01_1 (rows 20)" in w.message


def test_decreasing_aria_timestamps(tiny_release):
    path = tiny_release / "captures/cmu_bike01/timesync.csv"

    def swap(rows):
        col = rows[0].index("aria01_214-1_capture_timestamp_ns")
        rows[1 + 60][col], rows[1 + 61][col] = rows[1 + 61][col], rows[1 + 60][col]
        return rows

    rewrite_csv(path, swap)
    e = only(errors(tiny_release, check_videos=False))
    assert e.where == "line 63"
    assert "aria01_214-1_capture_timestamp_ns (take cmu_bike01_2): not strictly increasing" in e.message


def test_bad_quaternion_and_non_kb3(tiny_release):
    path = tiny_release / "takes/cmu_bike01_1/trajectory/gopro_calibs.csv"

    def damage(rows):
        rows[1][rows[0].index("qw_world_cam")] = "2.0"
        rows[2][rows[0].index("intrinsics_type")] = "PINHOLE"
        return rows

    rewrite_csv(path, damage)
    errs = {e.message: e for e in errors(tiny_release)}
    kb3 = errs["intrinsics_type 'PINHOLE' of 'cam02' is not KANNALABRANDTK3"]
    assert kb3.where == "line 3"
    quat = next(e for m, e in errs.items() if m.startswith("quaternion is not unit length"))
    assert quat.where == "line 2"


def test_unknown_take_uid_in_annotations_is_a_located_warning(tiny_release, edit_json):
    """Redacted takes (issue 16 item 3): annotations may name takes that takes.json lacks."""
    ghost = "00000000-0000-4000-8000-000000000000"

    def add_ghost(data):
        data["annotations"][ghost] = [{"annotation_uid": "x", "descriptions": []}]

    edit_json(tiny_release / "annotations/atomic_descriptions_train.json", add_ghost)
    shutil.copy(
        next((tiny_release / "annotations/ego_pose/train/camera_pose").glob("*.json")),
        tiny_release / f"annotations/ego_pose/train/camera_pose/{ghost}.json",
    )
    report = validate_release(tiny_release)
    assert report.errors == []
    by_path = {w.path: w for w in report.warnings if ghost in w.message}
    assert len(by_path) == 2
    a = by_path["annotations/atomic_descriptions_train.json"]
    assert (a.where, a.message) == (
        f"/annotations/{ghost}",
        f"take uid '{ghost}' is not in takes.json (a redacted take?): its entry is not used",
    )
    assert (
        "the file (named by the take uid) is not used"
        in by_path[f"annotations/ego_pose/train/camera_pose/{ghost}.json"].message
    )


def test_empty_pose_frame_is_a_located_warning(tiny_release, edit_json):
    """Empty EgoPose frames (issue 16 item 4): skipped with a note, the file is not refused."""
    path = next((tiny_release / "annotations/ego_pose").glob("*/body/annotation/*.json"))
    key = sorted(json.loads(path.read_text()), key=int)[0]
    edit_json(path, lambda data: data.update({key: []}))
    report = validate_release(tiny_release)
    assert report.errors == []
    w = only([w for w in report.warnings if w.path == path.relative_to(tiny_release).as_posix()])
    assert (w.where, w.message) == (f"/{key}", EMPTY_POSE_FRAME)


def test_dangling_capture_and_participant(tiny_release, edit_json):
    def break_refs(takes):
        takes[0]["capture_uid"] = "no-such-capture"
        takes[0]["capture"]["capture_uid"] = "no-such-capture"
        takes[1]["participant_uid"] = 999

    edit_json(tiny_release / "takes.json", break_refs)
    msgs = {(e.where, e.message) for e in errors(tiny_release)}
    assert (
        "/0/capture_uid",
        "take cmu_bike01_1: capture_uid no-such-capture is not in captures.json",
    ) in msgs
    assert (
        "/1/participant_uid",
        "take cmu_bike01_2: participant_uid 999 is not in participants.json",
    ) in msgs


@pytest.mark.parametrize(
    "hostile",
    ["../../../etc/passwd", "frame_aligned_videos/../../../../outside.mp4", "/etc/passwd"],
)
def test_path_escaping_the_root_is_refused(tiny_release, edit_json, hostile):
    def escape(takes):
        takes[0]["frame_aligned_videos"]["cam01"]["0"]["relative_path"] = hostile

    edit_json(tiny_release / "takes.json", escape)
    errs = [e for e in errors(tiny_release) if e.where == "/0/frame_aligned_videos/cam01/0/relative_path"]
    e = only(errs)
    assert e.path == "takes.json"
    assert "escapes the release root" in e.message or "absolute path not allowed" in e.message
    with pytest.raises(ValueError, match="escapes the release root|absolute path"):
        _ = open_release(tiny_release).take("cmu_bike01_1").views


def test_climbing_out_of_the_take_folder_is_a_warning(tiny_release, edit_json):
    def climb(takes):
        takes[0]["frame_aligned_videos"]["cam01"]["0"]["relative_path"] = (
            "../cmu_bike01_2/frame_aligned_videos/cam01.mp4"
        )

    edit_json(tiny_release / "takes.json", climb)
    report = validate_release(tiny_release)
    assert report.errors == []
    w = only([w for w in report.warnings if w.where == "/0/frame_aligned_videos/cam01/0/relative_path"])
    assert (
        w.message
        == "relative path climbs out of the take folder: '../cmu_bike01_2/frame_aligned_videos/cam01.mp4'"
    )


def test_root_dir_escape(tiny_release, edit_json):
    edit_json(tiny_release / "takes.json", lambda takes: takes[0].update(root_dir="takes/../../elsewhere"))
    e = only([e for e in errors(tiny_release) if e.where == "/0/root_dir"])
    assert "escapes the release root" in e.message


def test_symlink_escape(tiny_release, tmp_path):
    outside = tmp_path / "outside.mp4"
    outside.write_bytes(b"x")
    target = tiny_release / "takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4"
    target.unlink()
    target.symlink_to(outside)
    with pytest.raises(ValueError, match="through a link"):
        _ = open_release(tiny_release).take("cmu_bike01_1").views


def test_reports_every_problem_in_one_run(tiny_release, edit_json):
    (tiny_release / "takes/cmu_bike01_2/frame_aligned_videos/cam02.mp4").unlink()
    (tiny_release / "annotations/keystep_train.json").write_text("{oops", encoding="utf-8")
    edit_json(tiny_release / "takes.json", lambda takes: takes[2].update(participant_uid=4242))
    rewrite_csv(
        tiny_release / "takes/cmu_bike01_1/eye_gaze/general_eye_gaze.csv", lambda rows: [r[1:] for r in rows]
    )
    paths = sorted({e.path for e in errors(tiny_release)})
    assert paths == [
        "annotations/keystep_train.json",
        "takes.json",
        "takes/cmu_bike01_1/eye_gaze/general_eye_gaze.csv",
        "takes/cmu_bike01_2/frame_aligned_videos/cam02.mp4",
    ]


def test_relation_mask_that_does_not_decode(tiny_release, edit_json):
    def corrupt(data):
        take = next(iter(data["annotations"].values()))
        track = take["object_masks"]["wheel_0"]["cam01"]["annotation"]["0"]
        track["height"] = track["height"] + 1

    edit_json(tiny_release / "annotations/relations_train.json", corrupt)
    e = only(errors(tiny_release))
    assert e.path == "annotations/relations_train.json"
    assert e.where.endswith("/object_masks/wheel_0/cam01/annotation/0")
    assert e.message.startswith("mask does not decode")


def test_keystep_step_not_in_vocabulary(tiny_release, edit_json):
    def bad_step(data):
        next(iter(data["annotations"].values()))["segments"][0]["step_unique_id"] = 9999

    edit_json(tiny_release / "annotations/keystep_val.json", bad_step)
    e = only(errors(tiny_release))
    assert e.message == "step_unique_id 9999 is not in the vocabulary"
    assert e.where.endswith("/segments/0/step_unique_id")


def test_not_a_release(tmp_path):
    report = validate_release(tmp_path)
    assert not report.ok
    assert only(report.errors).message.startswith("not a release: takes.json is missing")
    assert only(validate_release(tmp_path / "nope").errors).message == "release folder does not exist"


def test_takes_json_not_an_array(tiny_release):
    (tiny_release / "takes.json").write_text('{"takes": []}', encoding="utf-8")
    e = only(errors(tiny_release))
    assert (e.path, e.where) == ("takes.json", "/")
    assert e.message == "expected a top-level JSON array, got dict"


def test_missing_required_take_key(tiny_release, edit_json):
    def drop(takes):
        del takes[0]["timesync_start_idx"]

    edit_json(tiny_release / "takes.json", drop)
    msgs = [(e.where, e.message) for e in errors(tiny_release)]
    assert ("/0", "take cmu_bike01_1: required key 'timesync_start_idx' is missing") in msgs


def test_duplicate_take_uid(tiny_release, edit_json):
    edit_json(tiny_release / "takes.json", lambda takes: takes[1].update(take_uid=takes[0]["take_uid"]))
    msgs = [e.message for e in errors(tiny_release, check_videos=False)]
    assert sum(m.startswith("duplicate take_uid") for m in msgs) == 2


def test_aria_stream_id_mismatch(tiny_release, edit_json):
    edit_json(
        tiny_release / "takes.json",
        lambda takes: takes[0]["frame_aligned_videos"]["aria01"]["rgb"].update(stream_id="1201-1"),
    )
    e = only(errors(tiny_release))
    assert e.where == "/0/frame_aligned_videos/aria01/rgb/stream_id"
    assert e.message == "take cmu_bike01_1: stream aria01/rgb has stream_id '1201-1', expected '214-1'"


def test_a_file_its_loader_refuses_is_an_error_located_by_the_loader(tiny_release, edit_json):
    """validate and take.annotations agree: the shape check is the family loader's (issue 17 item 3)."""
    path = tiny_release / "annotations/atomic_descriptions_train.json"

    def bad_text(data):
        entry = next(e for e in data["annotations"].values() if e and e[0]["descriptions"])
        entry[0]["descriptions"][0]["text"] = 5

    edit_json(path, bad_text)
    with pytest.raises(FormatError) as refused:
        read_atomic_descriptions(path)
    e = only(errors(tiny_release))
    assert e.path == "annotations/atomic_descriptions_train.json"
    assert (e.where, e.message) == (refused.value.where, refused.value.message)
    assert e.message == "expected a description with a 'text'"


def test_problem_from_a_located_error_is_relative_to_the_root(tmp_path):
    err = FormatError("bad", path=tmp_path / "takes.json", pointer="/0/take_uid")
    assert Problem.from_error(err, root=tmp_path) == Problem("takes.json", "/0/take_uid", "bad")
    assert Problem.from_error(err).path == (tmp_path / "takes.json").as_posix()
