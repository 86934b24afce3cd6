"""validate checks semantic ranges: durations, times, best_exo, calibration values (issue 19 item 7).

Each case was passed silently before: JSON readers accept ``NaN`` and ``Infinity`` and nothing
looked at the value. Irregular-but-usable values the official data has (a null or empty
``best_exo``) stay accepted.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit.validate import validate_release

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "real_release"


@pytest.fixture
def real_corpus(tmp_path: Path) -> Path:
    """A writable copy of the hand-made real-format corpus (tests/fixtures/real_release)."""
    return Path(shutil.copytree(CORPUS, tmp_path / "real_release"))


def problems(report, *, path: str) -> set[tuple[str, str]]:
    return {(p.where, p.message) for p in report if p.path == path}


@pytest.mark.parametrize(
    ("value", "shown"),
    [(math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf"), (-3.0, "-3.0"), (0, "0.0")],
)
def test_duration_sec_must_be_a_positive_finite_number(tiny_release, edit_json, value, shown):
    edit_json(tiny_release / "takes.json", lambda takes: takes[1].update(duration_sec=value))
    report = validate_release(tiny_release, check_videos=False)
    assert problems(report.errors, path="takes.json") == {
        ("/1/duration_sec", f"take cmu_bike01_2: duration_sec is {shown}, not a positive number of seconds")
    }
    assert report.warnings == []  # no second, derived complaint (duration vs window)


def test_task_times_must_be_finite(tiny_release, edit_json):
    def damage(takes):
        takes[0]["task_start_sec"] = math.nan
        takes[2]["task_end_sec"] = math.inf

    edit_json(tiny_release / "takes.json", damage)
    report = validate_release(tiny_release, check_videos=False)
    assert problems(report.errors, path="takes.json") == {
        ("/0/task_start_sec", "take cmu_bike01_1: task_start_sec is nan, not a finite number of seconds"),
        (
            "/2/task_end_sec",
            "take upenn_0710_Guitar_1_1: task_end_sec is inf, not a finite number of seconds",
        ),
    }
    assert report.warnings == []


def test_best_exo_naming_no_camera_is_an_error(tiny_release, edit_json):
    edit_json(tiny_release / "takes.json", lambda takes: takes[2].update(best_exo="cam07"))
    e = validate_release(tiny_release, check_videos=False).errors
    assert problems(e, path="takes.json") == {
        (
            "/2/best_exo",
            "take upenn_0710_Guitar_1_1: best_exo 'cam07' names no camera of the take's capture "
            "(cameras: aria02, gp01, gp02)",
        )
    }


def test_best_exo_naming_the_ego_camera_is_a_warning(tiny_release, edit_json):
    edit_json(tiny_release / "takes.json", lambda takes: takes[0].update(best_exo="aria01"))
    report = validate_release(tiny_release, check_videos=False)
    assert report.errors == []
    assert problems(report.warnings, path="takes.json") == {
        ("/0/best_exo", "take cmu_bike01_1: best_exo 'aria01' is not an exo camera of the take")
    }


@pytest.mark.parametrize("value", [None, ""])
def test_missing_best_exo_stays_accepted(tiny_release, edit_json, value):
    """V2 labels about 90 % of takes: null (or empty) means "no label", as in the real data."""
    edit_json(tiny_release / "takes.json", lambda takes: takes[0].update(best_exo=value))
    report = validate_release(tiny_release, check_videos=False)
    assert report.errors == [] and report.warnings == []


def test_keystep_times_finite_and_not_before_the_take(tiny_release, edit_json):
    path = "annotations/keystep_train.json"

    def damage(data):
        uid, entry = next(iter(data["annotations"].items()))
        first = entry["segments"][0]
        entry["segments"] += [dict(first), dict(first)]
        entry["segments"][0]["start_time"] = math.nan
        entry["segments"][1]["end_time"] = math.inf
        entry["segments"][2]["start_time"] = -0.5
        damage.uid = uid

    edit_json(tiny_release / path, damage)
    report = validate_release(tiny_release, check_videos=False)
    at = f"/annotations/{damage.uid}/segments"
    assert problems(report.errors, path=path) == {
        (f"{at}/0/start_time", "start_time is nan: not a finite time"),
        (f"{at}/1/end_time", "end_time is inf: not a finite time"),
    }
    assert problems(report.warnings, path=path) == {
        (f"{at}/2/start_time", "start_time is -0.5: before the take starts")
    }


def test_atomic_description_timestamp_must_be_finite(tiny_release, edit_json):
    path = "annotations/atomic_descriptions_train.json"

    def damage(data):
        uid, entry = next((u, e) for u, e in data["annotations"].items() if e and e[0]["descriptions"])
        entry[0]["descriptions"][0]["timestamp"] = -math.inf
        damage.uid = uid

    edit_json(tiny_release / path, damage)
    e = validate_release(tiny_release, check_videos=False).errors
    assert problems(e, path=path) == {
        (f"/annotations/{damage.uid}/0/descriptions/0/timestamp", "timestamp is -inf: not a finite time")
    }


def test_keystep_benchmark_times_are_checked(real_corpus, edit_json):
    path = "annotations/keystep_benchmark/keystep_segment_train.json"
    edit_json(real_corpus / path, lambda data: data["segments"][0].update(end_time=math.nan))
    (real_corpus / "annotations/manifest.json").unlink()  # it lists the file's size, which the edit changed
    e = validate_release(real_corpus, check_videos=False).errors
    assert problems(e, path=path) == {("/segments/0/end_time", "end_time is nan: not a finite time")}


def test_gopro_calibration_ranges(tiny_release):
    path = tiny_release / "takes/cmu_bike01_1/trajectory/gopro_calibs.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    head = rows[0]
    rows[1][head.index("image_width")] = "0"
    rows[1][head.index("intrinsics_0")] = "-10"
    rows[2][head.index("intrinsics_2")] = "nan"
    rows[2][head.index("start_frame_idx")] = "30"
    rows[2][head.index("end_frame_idx")] = "5"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    e = validate_release(tiny_release, check_videos=False).errors
    assert problems(e, path="takes/cmu_bike01_1/trajectory/gopro_calibs.csv") == {
        ("line 2", "camera 'cam01': image size 0x72 is not positive"),
        ("line 2", "camera 'cam01': focal length -10.0, 58.88 is not positive"),
        ("line 3", "camera 'cam02': intrinsics or position hold nan/inf"),
        ("line 3", "camera 'cam02': frame range [30, 5] is not -1 (whole video) or start <= end"),
    }


def test_real_corpus_and_synthetic_release_stay_clean(tiny_release_ro, real_corpus):
    """Real data first: the new checks refuse nothing in the hand-made real-format corpus."""
    assert validate_release(tiny_release_ro).to_json() == {"ok": True, "errors": [], "warnings": []}
    report = validate_release(real_corpus)
    assert report.errors == []
    assert len(report.warnings) == 13  # timesync gaps, redacted takes, empty pose frames (issue 16)


def test_manual_pose_frame_past_the_take_is_a_warning(tiny_release, edit_json):
    path = next((tiny_release / "annotations/ego_pose").glob("*/body/annotation/*.json"))
    key = sorted(json.loads(path.read_text()), key=int)[0]
    n_frames = 30  # the tiny release's takes: timesync window [10, 41]
    edit_json(path, lambda data: data.update({str(n_frames): data[key], str(n_frames - 1): data[key]}))
    report = validate_release(tiny_release, check_videos=False)
    assert report.errors == []
    assert problems(report.warnings, path=path.relative_to(tiny_release).as_posix()) == {
        (f"/{n_frames}", f"frame {n_frames} is past the take's last frame ({n_frames} frames): never shown")
    }


def test_video_not_at_30_fps_is_a_warning(tiny_release):
    from egoexo_kit.video import encode_video

    path = tiny_release / "takes/cmu_bike01_1/frame_aligned_videos/cam02.mp4"
    frames = np.zeros((30, 72, 128, 3), dtype=np.uint8)
    encode_video(path, frames, fps=25)
    report = validate_release(tiny_release)
    assert report.errors == []
    assert problems(report.warnings, path="takes/cmu_bike01_1/frame_aligned_videos/cam02.mp4") == {
        ("", "cam02: 25.000 frames per second; frame-aligned videos are 30")
    }
