"""Reader tolerance: every variant FORMAT.md lists (§1.5, §2, §3.1, §6.3, §7.9, §11) must be accepted.

Each variant is applied to a private copy of the tiny release (or read from the hand-written
``tests/fixtures/docs_release``, built from FORMAT.md's own examples); the reader must parse it to
the expected values and ``validate_release`` must report no error for it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.errors import NotFoundError
from egoexo_kit.release import read_gopro_calibs, read_timesync, release_summary, scan_parts
from egoexo_kit.validate import Report, validate_release
from egoexo_kit.video import encode_video

DOCS_RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "docs_release"
METADATA_JSON = (
    "takes.json",
    "captures.json",
    "participants.json",
    "physical_setting.json",
    "visual_objects.json",
    "metadata.json",
)
ARIA_KEYS = ["rgb", "slam-left", "slam-right", "et"]
TAKES = ["cmu_bike01_1", "cmu_bike01_2", "upenn_0710_Guitar_1_1"]
CMU = TAKES[:2]
UPENN = TAKES[2:]
FULL_PARTS = [
    "metadata",
    "annotations",
    "takes",
    "captures",
    "take_trajectory",
    "take_eye_gaze",
    "take_point_cloud",
    "capture_trajectory",
    "capture_point_cloud",
    "take_transcription",
    "take_audio",
]
"""Parts of the complete tiny release, in the downloader's order."""
TEXT_SUFFIXES = {".json", ".csv", ".jsonl"}

Edit = Callable[[Path, Callable[[Any], Any]], None]


# ---------------------------------------------------------------------------------------------
# Helpers


def fmt(problems: list) -> str:
    return "\n".join(f"  {p.path} {p.where}: {p.message}" for p in problems) or "  (none)"


def validate_ok(root: Path, *, warnings: bool = True) -> Report:
    """Validate ``root``; fail on any error (and on any warning unless ``warnings``), showing all."""
    rep = validate_release(root)
    shown = f"errors:\n{fmt(rep.errors)}\nwarnings:\n{fmt(rep.warnings)}"
    assert rep.errors == [], shown
    assert rep.ok, shown
    if not warnings:
        assert rep.warnings == [], shown
    return rep


def each(fn: Callable[[Any], None]) -> Callable[[list], None]:
    """An ``edit_json`` callback that applies ``fn`` to every element of a JSON array in place."""

    def apply(items: list) -> None:
        for item in items:
            fn(item)

    return apply


def edit_takes(root: Path, edit_json: Edit, fn: Callable[[dict], None]) -> None:
    """Apply ``fn`` to every take object of ``takes.json``."""
    edit_json(root / "takes.json", each(fn))


def edit_captures(root: Path, edit_json: Edit, fn: Callable[[dict], None]) -> None:
    """Apply ``fn`` to every capture object: ``captures.json`` and the copies embedded in takes."""
    edit_json(root / "captures.json", each(fn))
    edit_takes(root, edit_json, lambda t: fn(t["capture"]))


def edit_cameras(root: Path, edit_json: Edit, fn: Callable[[dict], None]) -> None:
    """Apply ``fn`` to every camera object, in ``captures.json`` and in the take capture copies."""
    edit_captures(root, edit_json, lambda c: each(fn)(c["cameras"]))


def edit_video_entries(root: Path, edit_json: Edit, fn: Callable[[str, str, dict], None]) -> None:
    """Apply ``fn(cam_key, stream_key, entry)`` to every ``frame_aligned_videos`` entry of every take."""

    def per_take(t: dict) -> None:
        for cam, streams in t["frame_aligned_videos"].items():
            for key, entry in streams.items():
                fn(cam, key, entry)

    edit_takes(root, edit_json, per_take)


def rename_camera(root: Path, old: str, new: str) -> None:
    """Rename a camera id everywhere: JSON/CSV contents (keys, values, column names, paths) and file names.

    A whole-token replacement: ``cam02`` in ``cam02_global_time`` or ``cam02.mp4`` is renamed, ``cam021``
    would not be. UUIDs are hex and never contain a camera id.
    """
    token = re.compile(rf"(?<![A-Za-z0-9]){re.escape(old)}(?![A-Za-z0-9])")
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in TEXT_SUFFIXES:
            text = path.read_text(encoding="utf-8")
            if token.search(text):
                path.write_text(token.sub(new, text), encoding="utf-8")
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if token.search(path.name):
            path.rename(path.with_name(token.sub(new, path.name)))


def remove(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def column_values(table) -> dict[str, list]:
    """Every column of a CsvTable as a plain list, None where a cell is empty."""
    out = {}
    for name in table.names:
        col = table[name]
        if isinstance(col, np.ma.MaskedArray):
            out[name] = [
                None if m else int(v) for v, m in zip(col.data, np.ma.getmaskarray(col), strict=True)
            ]
        elif col.dtype == np.float64:
            out[name] = [None if np.isnan(v) else float(v) for v in col]  # NaN != NaN
        else:
            out[name] = col.tolist()
    return out


# ---------------------------------------------------------------------------------------------
# 1. The hand-written release from FORMAT.md's own examples (metadata + annotations only)


@pytest.fixture
def docs_release(tmp_path: Path) -> Path:
    dst = tmp_path / "docs_release"
    shutil.copytree(DOCS_RELEASE, dst)
    return dst


def test_docs_release_files_are_the_documented_shapes():
    takes = json.loads((DOCS_RELEASE / "takes.json").read_text(encoding="utf-8"))
    caps = json.loads((DOCS_RELEASE / "captures.json").read_text(encoding="utf-8"))
    assert isinstance(takes, list) and len(takes) == 1
    assert takes[0]["capture"] == caps[0]  # the embedded capture is a full copy (§2.1)
    people = json.loads((DOCS_RELEASE / "participants.json").read_text(encoding="utf-8"))
    assert isinstance(people[0]["metadata"], str)  # a JSON-encoded string (§2.4)
    assert sorted(p.name for p in DOCS_RELEASE.iterdir()) == sorted([*METADATA_JSON, "annotations"])


def test_docs_release_take_fields(docs_release):
    rel = open_release(docs_release)
    assert len(rel.takes) == 1
    t = rel.take("cmu_bike01_2")
    assert rel.take("13f01c79-5bfd-42f5-90ce-ee350aa1c3ad") is t
    r = t.record
    assert t.uid == "13f01c79-5bfd-42f5-90ce-ee350aa1c3ad"
    assert r.capture_uid == "d37b73eb-fa42-43a6-8115-56832996ebd7"
    assert r.take_timing_uid == "4899977d-7767-4965-a746-17077c3bc5ce"
    assert r.timesync_uid == "f66bd964-1bc1-4da5-a55f-4d5fc770db60"
    assert r.participant_uid == 657 and r.physical_setting_uid == 97
    assert r.is_dropped is False and r.is_narrated is False and r.validated is True
    assert r.objects == [] and t.objects == []
    assert t.best_exo == "cam04"
    assert t.task_window == (0.28164, 20.06668)
    assert (r.task_id, r.task_name, r.parent_task_id, r.parent_task_name) == (
        4001,
        "Remove a Wheel",
        4000,
        "Bike Repair",
    )
    assert t.scenario == "Bike Repair" and r.parent_id == 4000
    assert r.take_idx == 1
    assert (r.timesync_start_idx, r.timesync_end_idx) == (6372, 7013)
    assert t.n_frames == 7013 - 6372 - 1 == 640
    assert t.duration_s == 21.366666666666667 == (7013 - 6372) / 30
    assert (t.university, r.university_id) == ("cmu", "ego4d-cmu")
    assert r.has_trimmed_vrs is True and r.has_trimmed_trajectory is True and r.has_trimmed_eye_gaze is True
    assert t.dir == docs_release / "takes" / "cmu_bike01_2"
    assert t.vrs_path == t.dir / "aria01_noimagestreams.vrs"
    assert t.vrs_all_streams_path == t.dir / "aria01.vrs"
    assert r.extra == {}  # every key of the docs example is a documented one

    # frame_aligned_videos (§2.2): aria01 with 4 streams, cam01, collage, best_exo with a null path
    assert t.aria_id == "aria01"
    assert [v.key for v in t.views] == [  # the canonical key: the MP4 file stem
        "aria01_214-1",
        "aria01_1201-1",
        "aria01_1201-2",
        "aria01_211-1",
        "cam01",
    ]
    assert [v.label for v in t.views] == [
        "aria01/rgb",
        "aria01/slam-left",
        "aria01/slam-right",
        "aria01/et",
        "cam01",
    ]
    assert [v.stream_id for v in t.views] == ["214-1", "1201-1", "1201-2", "211-1", "0"]
    assert [v.kind for v in t.views] == ["ego"] * 4 + ["exo"]
    rgb = t.view("aria01")
    assert rgb.clip_uid == "108a555f-2214-40f3-838f-f2e444dc9738"
    assert rgb.relative_path == "frame_aligned_videos/aria01_214-1.mp4"
    assert rgb.path == t.dir / "frame_aligned_videos" / "aria01_214-1.mp4"
    assert rgb.path_448 == t.dir / "frame_aligned_videos" / "downscaled" / "448" / "aria01_214-1.mp4"
    assert not rgb.exists  # no videos: a metadata + annotations download
    assert t.view("cam01").clip_uid == "c05e03f0-486a-4443-85b0-3ef5c9f8f657"
    assert t.collage_path == t.dir / "ego_preview.mp4"
    assert t.best_exo_collage_path is None
    collage = r.frame_aligned_videos["collage"]["0"]
    assert collage.cam_id is None and collage.is_collage is None  # absent in the docs example
    assert r.frame_aligned_videos["best_exo"]["0"].clip_uid is None

    # the capture (§2.3), from captures.json and embedded in the take
    cap = t.capture
    assert cap is not None and cap == rel.capture("cmu_bike01") == rel.capture(r.capture_uid) == r.capture
    assert t.capture_name == "cmu_bike01" and cap.dir == "captures/cmu_bike01"
    assert cap.ds_recorded == 1689793200 and cap.timesync_validated is True
    assert [(c.cam_id, c.is_ego, c.device_type) for c in cap.cameras] == [
        ("aria01", True, "aria"),
        ("cam01", False, "hero10"),
        ("cam02", False, "hero10"),
        ("cam03", False, "hero10"),
        ("cam04", False, "hero10"),
    ]
    assert cap.cameras[0].is_aria and not cap.cameras[1].is_aria
    assert t.timesync_path == docs_release / "captures" / "cmu_bike01" / "timesync.csv"

    # the other metadata files and the splits
    assert t.participant is not None and t.participant.metadata == {"age_range": "25-30"}
    assert t.participant.collection_date == "2023-07-19"
    assert t.physical_setting is not None and t.physical_setting.physical_setting_uid == 97
    assert rel.visual_objects == ()
    assert rel.tasks == {"4001": "Remove a Wheel"}
    assert t.split == "train" and t.benchmarks == ["ego_pose", "keystep"]


def test_docs_release_validates(docs_release):
    rep = validate_ok(docs_release)
    # Only the docs example's own inconsistencies may be flagged: best_exo cam04 has no video entry,
    # and take_idx 1 for a take named ..._2.
    assert {p.where for p in rep.warnings} <= {"/0/best_exo", "/0/take_name"}, fmt(rep.warnings)
    summary = release_summary(open_release(docs_release))
    assert summary["parts"] == ["metadata", "annotations"]
    assert (summary["takes"], summary["captures"], summary["participants"]) == (1, 1, 1)
    assert summary["by_split"] == {"train": 1}


# ---------------------------------------------------------------------------------------------
# 2. Camera ids: gpNN, mobile / moblie, aria0N other than aria01


def test_gopro_ids_and_aria02(tiny_release_ro):
    t = open_release(tiny_release_ro).take("upenn_0710_Guitar_1_1")
    assert t.aria_id == "aria02"
    assert [v.label for v in t.ego_views] == [f"aria02/{k}" for k in ARIA_KEYS]
    assert [v.key for v in t.ego_views] == [f"aria02_{s}" for s in ("214-1", "1201-1", "1201-2", "211-1")]
    assert [v.key for v in t.exo_views] == ["gp01", "gp02"]
    assert t.view("aria02").path == t.dir / "frame_aligned_videos" / "aria02_214-1.mp4"
    assert t.view("aria02", "slam-right").path == t.dir / "frame_aligned_videos" / "aria02_1201-2.mp4"
    assert t.view("aria02/et").stream_id == "211-1"
    assert t.view("gp02").path == t.dir / "frame_aligned_videos" / "gp02.mp4"
    assert all(v.exists for v in t.views)
    assert {"aria02_214-1", "gp01", "gp02"} <= set(read_timesync(t.timesync_path).devices)
    assert sorted(read_gopro_calibs(t.gopro_calibs_path).cam_uid) == ["gp01", "gp02"]
    assert [p.name for p in t.audio_paths] == ["aria02.wav"]
    with pytest.raises(NotFoundError, match="aria01"):
        t.view("aria01")


@pytest.mark.parametrize(
    ("old", "new"),
    [("cam02", "mobile"), ("cam02", "moblie"), ("cam01", "gp05"), ("aria01", "aria07")],
)
def test_rename_camera_consistently(tiny_release, old, new):
    rename_camera(tiny_release, old, new)
    rel = open_release(tiny_release)
    cap = rel.capture("cmu_bike01")
    assert new in [c.cam_id for c in cap.cameras] and old not in [c.cam_id for c in cap.cameras]
    is_aria = new.startswith("aria")
    for name in CMU:
        t = rel.take(name)
        assert old not in {v.cam_id for v in t.views}
        mine = [v for v in t.views if v.cam_id == new]
        assert len(mine) == (4 if is_aria else 1)
        assert all(v.exists for v in t.views), [v.path for v in t.views if not v.exists]
        assert all(v.kind == ("ego" if is_aria else "exo") for v in mine)
        if is_aria:
            assert t.aria_id == new
            assert t.view(new).path == t.dir / "frame_aligned_videos" / f"{new}_214-1.mp4"
            assert [p.name for p in t.audio_paths] == [f"{new}.wav"]
        else:
            assert t.view(new).path == t.dir / "frame_aligned_videos" / f"{new}.mp4"
            assert new in read_gopro_calibs(t.gopro_calibs_path).cam_uid.tolist()
        devices = read_timesync(t.timesync_path).devices
        assert (f"{new}_214-1" if is_aria else new) in devices
        assert not any(d == old or d.startswith(old + "_") for d in devices)
        assert rel.takes.filter(has_views=new).names == CMU
    if not is_aria:
        cap_calibs = read_gopro_calibs(
            tiny_release / "captures" / "cmu_bike01" / "trajectory" / "gopro_calibs.csv"
        )
        assert new in cap_calibs.cam_uid.tolist()
    # annotation files that name the camera follow it
    pose = json.loads(
        next((tiny_release / "annotations" / "ego_pose" / "train" / "camera_pose").glob("*.json")).read_text(
            encoding="utf-8"
        )
    )
    assert new in pose and old not in pose
    validate_ok(tiny_release, warnings=False)


def test_aria_id_from_capture_cameras_when_no_rgb_stream(tiny_release, edit_json):
    """Without an ``rgb`` stream the ego Aria is the capture camera with ``is_ego`` and an Aria device."""

    def drop_aria(t: dict) -> None:
        aria = next(k for k, v in t["frame_aligned_videos"].items() if "rgb" in v)
        t["frame_aligned_videos"][aria].pop("rgb")

    edit_takes(tiny_release, edit_json, drop_aria)
    rel = open_release(tiny_release)
    assert [rel.take(n).aria_id for n in TAKES] == ["aria01", "aria01", "aria02"]


# ---------------------------------------------------------------------------------------------
# 3. Types: string booleans, 0/1 flags, int stream ids, missing cam_id / is_collage


@pytest.mark.parametrize(("true", "false"), [("true", "false"), ("True", "False"), ("true", False)])
def test_string_booleans(tiny_release, edit_json, true, false):
    edit_cameras(tiny_release, edit_json, lambda cam: cam.update(is_ego=true if cam["is_ego"] else false))
    flags = {"cmu_bike01": 1, "upenn_0710_Guitar_1": 0}
    edit_captures(tiny_release, edit_json, lambda c: c.update(timesync_validated=flags[c["capture_name"]]))
    edit_takes(tiny_release, edit_json, lambda t: t.update(is_narrated=str(t["is_narrated"]).lower()))
    rel = open_release(tiny_release)
    for cap in (rel.capture("cmu_bike01"), rel.take("cmu_bike01_1").record.capture):
        assert [c.is_ego for c in cap.cameras] == [True, False, False]
        assert all(type(c.is_ego) is bool for c in cap.cameras)
    assert rel.capture("cmu_bike01").timesync_validated is True
    assert rel.capture("upenn_0710_Guitar_1").timesync_validated is False
    for name in TAKES:
        t = rel.take(name)
        assert [v.readable_stream_id for v in t.ego_views] == ARIA_KEYS
        assert len(t.exo_views) == 2
    assert [rel.take(n).record.is_narrated for n in TAKES] == [False, False, True]
    assert rel.takes.filter(narrated=True).names == UPENN
    assert rel.takes.filter(narrated=False).names == CMU
    validate_ok(tiny_release, warnings=False)


def test_video_entries_without_cam_id_and_is_collage_and_int_stream_ids(tiny_release, edit_json):
    def strip(cam: str, key: str, entry: dict) -> None:
        entry.pop("cam_id", None)
        entry.pop("is_collage", None)
        if entry["stream_id"] == "0":
            entry["stream_id"] = 0
            entry["readable_stream_id"] = 0

    edit_video_entries(tiny_release, edit_json, strip)
    rel = open_release(tiny_release)
    t = rel.take("cmu_bike01_1")
    assert [v.label for v in t.views] == [f"aria01/{k}" for k in ARIA_KEYS] + ["cam01", "cam02"]
    assert [v.cam_id for v in t.views] == ["aria01"] * 4 + ["cam01", "cam02"]
    assert [v.stream_id for v in t.views] == ["214-1", "1201-1", "1201-2", "211-1", "0", "0"]
    entry = t.record.frame_aligned_videos["cam01"]["0"]
    assert (entry.stream_id, entry.readable_stream_id, entry.cam_id, entry.is_collage) == (
        "0",
        "0",
        None,
        None,
    )
    assert t.collage_path == t.dir / "ego_preview.mp4" and t.collage_path.is_file()
    assert t.best_exo_collage_path is None
    assert all(v.exists for v in t.views)
    validate_ok(tiny_release, warnings=False)


# ---------------------------------------------------------------------------------------------
# 4. Null paths, gaze-key variant, participants metadata, unknown keys


def test_null_relative_paths(tiny_release, edit_json):
    def null_paths(t: dict) -> None:
        if t["take_name"] == "cmu_bike01_1":
            for cam, key in (("cam02", "0"), ("aria01", "et")):
                t["frame_aligned_videos"][cam][key].update(relative_path=None, clip_uid=None)
            t["best_exo"] = None

    edit_takes(tiny_release, edit_json, null_paths)
    videos = tiny_release / "takes" / "cmu_bike01_1" / "frame_aligned_videos"
    remove(videos / "cam02.mp4", videos / "aria01_211-1.mp4")
    rel = open_release(tiny_release)
    t = rel.take("cmu_bike01_1")
    for v in (t.view("cam02"), t.view("aria01", "et")):
        assert (v.relative_path, v.path, v.path_448, v.clip_uid, v.exists) == (None, None, None, None, False)
    assert t.view("cam01").exists and t.view("aria01").exists
    assert t.best_exo is None and t.best_exo_collage_path is None
    assert rel.takes.filter(has_views="cam02").names == ["cmu_bike01_2"]
    assert rel.takes.filter(has_views="et").names == TAKES[1:]
    validate_ok(tiny_release, warnings=False)


@pytest.mark.parametrize("value", [True, False])
def test_has_trimmed_gaze_variant_key(tiny_release, edit_json, value):
    def rename_key(t: dict) -> None:
        del t["has_trimmed_eye_gaze"]
        t["has_trimmed_gaze"] = value

    edit_takes(tiny_release, edit_json, rename_key)
    rel = open_release(tiny_release)
    assert [rel.take(n).record.has_trimmed_eye_gaze for n in TAKES] == [value] * 3
    validate_ok(tiny_release, warnings=False)


def test_has_trimmed_eye_gaze_absent_is_unknown(tiny_release, edit_json):
    edit_takes(tiny_release, edit_json, lambda t: t.pop("has_trimmed_eye_gaze"))
    rel = open_release(tiny_release)
    assert rel.take("cmu_bike01_1").record.has_trimmed_eye_gaze is None
    validate_ok(tiny_release, warnings=False)


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("", {}),
        ("   ", {}),
        ({"age_range": "25-30", "synthetic": True}, {"age_range": "25-30", "synthetic": True}),
        ('{"age_range": "25-30"}', {"age_range": "25-30"}),
    ],
)
def test_participants_metadata_variants(tiny_release, edit_json, raw, decoded):
    edit_json(tiny_release / "participants.json", each(lambda p: p.update(metadata=raw)))
    rel = open_release(tiny_release)
    assert [p.metadata for p in rel.participants] == [decoded, decoded]
    assert rel.take("cmu_bike01_1").participant.metadata == decoded
    assert rel.take("upenn_0710_Guitar_1_1").participant.participant_uid == 658
    validate_ok(tiny_release, warnings=False)


def test_unknown_and_internal_keys_are_kept_in_extra(tiny_release, edit_json):
    take_extra = {"_vrs_s3_path": "s3://ego4d-cmu/x.vrs", "future_key": {"a": [1, 2]}, "_internal": None}
    entry_extra = {"_s3_path": "s3://ego4d-cmu/takes/x.mp4", "fps": 30}
    cam_extra = {"_s3_path": "s3://ego4d-cmu/videos/cam.mp4", "serial": "C3441325"}
    cap_extra = {"_s3_root_dir": "s3://ego4d-cmu/captures/x", "_postsurvery_s3_path": None}
    edit_takes(tiny_release, edit_json, lambda t: t.update(take_extra))
    edit_video_entries(tiny_release, edit_json, lambda cam, key, e: e.update(entry_extra))
    edit_cameras(tiny_release, edit_json, lambda cam: cam.update(cam_extra))
    edit_captures(tiny_release, edit_json, lambda c: c.update(cap_extra))
    rel = open_release(tiny_release)
    t = rel.take("cmu_bike01_2")
    assert t.record.extra == take_extra
    assert t.record.frame_aligned_videos["aria01"]["rgb"].extra == entry_extra
    assert t.record.frame_aligned_videos["collage"]["0"].extra == entry_extra
    assert t.record.frame_aligned_videos["best_exo"]["0"].extra == entry_extra
    for cap in (rel.capture("cmu_bike01"), t.record.capture):
        assert cap.extra == cap_extra
        assert [c.extra for c in cap.cameras] == [cam_extra] * 3
    assert t.record.task_name == "Remove a Wheel" and len(t.views) == 6  # known keys unaffected
    validate_ok(tiny_release, warnings=False)


def test_task_fields_fallbacks(tiny_release, edit_json):
    """``task_id`` may be null; the parent derives from ``task_id``; ``scenario_name`` is read if present."""

    def vary(t: dict) -> None:
        if t["take_name"] == "cmu_bike01_1":
            t["task_id"] = None
            del t["parent_task_id"]
        elif t["take_name"] == "cmu_bike01_2":
            del t["parent_task_id"], t["parent_task_name"]
            t["scenario_name"] = "Bike Repair"

    edit_takes(tiny_release, edit_json, vary)
    rel = open_release(tiny_release)
    assert [rel.take(n).record.task_id for n in TAKES] == [None, 4001, 5001]
    assert [rel.take(n).record.parent_id for n in TAKES] == [None, 4000, 5000]
    assert [rel.take(n).scenario for n in TAKES] == ["Bike Repair", "Bike Repair", "Music"]
    assert rel.takes.filter(parent_task=4000).names == ["cmu_bike01_2"]
    assert rel.takes.filter(scenario="bike repair").names == CMU
    rep = validate_ok(tiny_release)
    assert all("documented key" in w.message for w in rep.warnings), fmt(rep.warnings)


def test_capture_found_by_uid_when_not_embedded(tiny_release, edit_json):
    edit_takes(tiny_release, edit_json, lambda t: t.pop("capture"))
    rel = open_release(tiny_release)
    for name, cap_name, aria in zip(
        TAKES, ["cmu_bike01", "cmu_bike01", "upenn_0710_Guitar_1"], ["aria01"] * 2 + ["aria02"], strict=True
    ):
        t = rel.take(name)
        assert t.record.capture is None and t.capture is rel.capture(cap_name)
        assert t.timesync_path == tiny_release / "captures" / cap_name / "timesync.csv"
        assert t.aria_id == aria and [v.kind for v in t.views] == ["ego"] * 4 + ["exo"] * 2
    rep = validate_ok(tiny_release)
    assert all("documented key 'capture'" in w.message for w in rep.warnings), fmt(rep.warnings)


def test_metadata_json_extra_keys_and_unknown_task_ids(tiny_release):
    (tiny_release / "metadata.json").write_text(
        json.dumps({"tasks": {"4001": "Remove a Wheel"}, "scenarios": {"4000": "Bike Repair"}}),
        encoding="utf-8",
    )
    rel = open_release(tiny_release)
    assert rel.tasks == {"4001": "Remove a Wheel"}
    assert rel.metadata["scenarios"] == {"4000": "Bike Repair"}
    rep = validate_ok(tiny_release)
    assert [w.where for w in rep.warnings] == ["/2/task_id"], fmt(rep.warnings)  # 5001 is not listed


def test_splits_case_and_benchmark_uids_not_in_takes(tiny_release, edit_json):
    stray = "00000000-0000-4000-8000-000000000000"

    def vary(s: dict) -> None:
        s["split_to_take_uids"] = {k.upper(): v for k, v in s["split_to_take_uids"].items()}
        s["take_uid_to_split"] = {k: v.capitalize() for k, v in s["take_uid_to_split"].items()}
        s["take_uid_to_benchmark"][stray] = ["ego_pose"]

    edit_json(tiny_release / "annotations" / "splits.json", vary)
    rel = open_release(tiny_release)
    assert [rel.take(n).split for n in TAKES] == ["train", "val", "test"]
    assert sorted(rel.splits.split_to_take_uids) == ["test", "train", "val"]
    assert rel.takes.filter(split="train").names == ["cmu_bike01_1"]
    validate_ok(tiny_release, warnings=False)


def test_splits_with_only_split_to_take_uids(tiny_release, edit_json):
    edit_json(
        tiny_release / "annotations" / "splits.json",
        lambda s: {"split_to_take_uids": s["split_to_take_uids"]},
    )
    rel = open_release(tiny_release)
    assert [rel.take(n).split for n in TAKES] == ["train", "val", "test"]
    assert rel.take("cmu_bike01_1").benchmarks == []
    validate_ok(tiny_release, warnings=False)


# ---------------------------------------------------------------------------------------------
# 5. Layout: the old takes/takes download bug, partial downloads


def test_doubled_takes_and_captures_folders(tiny_release):
    before = scan_parts(tiny_release)
    for top in ("takes", "captures"):
        inner = tiny_release / top / top
        inner.mkdir()
        for child in sorted((tiny_release / top).iterdir()):
            if child != inner:
                child.rename(inner / child.name)
    rel = open_release(tiny_release)
    for name in TAKES:
        t = rel.take(name)
        assert t.dir == tiny_release / "takes" / "takes" / name
        assert len(t.views) == 6 and all(v.exists for v in t.views)
        assert t.collage_path.is_file() and t.closed_loop_trajectory_path.is_file()
        assert t.eye_gaze_path().is_file() and t.gopro_calibs_path.is_file()
        assert t.timesync_path == tiny_release / "captures" / "captures" / t.capture_name / "timesync.csv"
        assert t.timesync_path.is_file()
        assert len(read_timesync(t.timesync_path)) > t.record.timesync_end_idx
    assert rel.capture_dir(rel.capture("cmu_bike01")) == tiny_release / "captures" / "captures" / "cmu_bike01"
    after = scan_parts(tiny_release)
    assert dict(after.files) == dict(before.files)
    assert {k: sorted(v) for k, v in after.by_take_dir.items()} == {
        k: sorted(v) for k, v in before.by_take_dir.items()
    }
    assert after.present == FULL_PARTS
    validate_ok(tiny_release, warnings=False)


def _take_dirs(root: Path) -> list[Path]:
    return sorted(p for p in (root / "takes").iterdir() if p.is_dir())


def _drop_takes_part(root: Path) -> None:
    for d in _take_dirs(root):
        remove(d / "frame_aligned_videos", d / "ego_preview.mp4")


def _drop_views(kind: str) -> Callable[[Path], None]:
    def drop(root: Path) -> None:
        for t in open_release(root).takes:
            remove(*(v.path for v in t.views if v.kind == kind))

    return drop


def _keep_only_metadata(root: Path) -> None:
    for child in root.iterdir():
        if child.name not in METADATA_JSON:
            remove(child)


PARTIAL = {
    "no_takes_videos": (_drop_takes_part, {"takes"}),
    "no_take_trajectory": (
        lambda r: remove(*(d / "trajectory" for d in _take_dirs(r))),
        {"take_trajectory", "take_point_cloud"},
    ),
    "no_take_eye_gaze": (lambda r: remove(*(d / "eye_gaze" for d in _take_dirs(r))), {"take_eye_gaze"}),
    "no_captures_folder": (
        lambda r: remove(r / "captures"),
        {"captures", "capture_trajectory", "capture_point_cloud"},
    ),
    "capture_trajectory_without_timesync": (
        lambda r: remove(*(r / "captures").glob("*/timesync.csv")),
        {"captures"},
    ),
    "no_annotations": (lambda r: remove(r / "annotations"), {"annotations"}),
    "only_ego_views": (_drop_views("exo"), set()),
    "only_exo_views": (_drop_views("ego"), set()),
    "only_metadata": (_keep_only_metadata, set(FULL_PARTS) - {"metadata"}),
    "one_university": (
        lambda r: remove(r / "takes" / "upenn_0710_Guitar_1_1", r / "captures" / "upenn_0710_Guitar_1"),
        {"take_transcription"},  # only the narrated upenn take has a transcription
    ),
}


@pytest.mark.parametrize("case", list(PARTIAL))
def test_partial_downloads(tiny_release, case):
    drop, gone = PARTIAL[case]
    drop(tiny_release)
    rep = validate_ok(tiny_release)
    rel = open_release(tiny_release)
    assert release_summary(rel)["parts"] == [p for p in FULL_PARTS if p not in gone]
    assert rel.takes.names == TAKES  # takes.json alone is enough to read every take
    if case.startswith("only_") and case.endswith("_views"):
        kind = case.split("_")[1]
        other = "exo" if kind == "ego" else "ego"
        # a --views download: each missing video is a warning that names the likely cause
        assert len(rep.warnings) == (6 if other == "exo" else 12), fmt(rep.warnings)
        assert all(f"no {other} video anywhere" in w.message for w in rep.warnings), fmt(rep.warnings)
        assert rel.takes.filter(has_views=kind).names == TAKES
        assert rel.takes.filter(has_views=other).names == []
    else:
        assert rep.warnings == [], fmt(rep.warnings)
    if case == "only_metadata":
        t = rel.take("cmu_bike01_1")
        assert not t.dir.exists() and not any(v.exists for v in t.views)
        assert t.split is None and t.benchmarks == []


def test_only_takes_json(tiny_release):
    for child in tiny_release.iterdir():
        if child.name != "takes.json":
            remove(child)
    rel = open_release(tiny_release)
    assert rel.takes.names == TAKES
    assert [rel.take(n).capture_name for n in TAKES] == ["cmu_bike01", "cmu_bike01", "upenn_0710_Guitar_1"]
    assert rel.take("upenn_0710_Guitar_1_1").aria_id == "aria02"
    assert rel.participants == () and rel.tasks == {} and rel.splits is None
    assert release_summary(rel)["parts"] == ["metadata"]
    rep = validate_ok(tiny_release)
    assert sorted(w.path for w in rep.warnings) == sorted(METADATA_JSON[1:]), fmt(rep.warnings)


def test_dev_era_point_cloud_name(tiny_release):
    for p in tiny_release.glob("*/*/trajectory/semidense_points.csv.gz"):
        p.rename(p.with_name("global_points.csv.gz"))
    t = open_release(tiny_release).take("cmu_bike01_1")
    assert t.point_cloud_path == t.trajectory_dir / "global_points.csv.gz"
    parts = scan_parts(tiny_release)
    assert parts.present == FULL_PARTS
    assert parts.files["take_point_cloud"] == 3 and parts.files["capture_point_cloud"] == 2
    validate_ok(tiny_release, warnings=False)


DOWNSCALED = {
    "aria01/rgb": (448, 448),
    "aria01/slam-left": (448, 598),
    "aria01/slam-right": (448, 598),
    "aria01/et": (1194, 448),
    "cam01": (796, 448),
    "cam02": (448, 796),  # portrait: the short side is 448 either way (FORMAT §4.3)
}


@pytest.mark.parametrize("with_collage", [False, True])
def test_downscaled_448_with_or_without_collage(tiny_release, with_collage):
    t = open_release(tiny_release).take("cmu_bike01_1")
    n = t.n_frames
    for key, (w, h) in DOWNSCALED.items():
        encode_video(t.view(key).path_448, [np.zeros((h, w, 3), np.uint8)] * n, preset="ultrafast")
    if with_collage:
        collage = t.dir / "frame_aligned_videos" / "downscaled" / "448" / "ego_preview.mp4"
        encode_video(collage, [np.zeros((448, 896, 3), np.uint8)] * n, preset="ultrafast")
    rel = open_release(tiny_release)
    assert [rel.take(name).views[0].exists_448 for name in TAKES] == [True, False, False]
    assert all(v.exists_448 for v in rel.take("cmu_bike01_1").views)
    parts = scan_parts(tiny_release)
    assert parts.files["downscaled_takes/448"] == 6 + with_collage
    assert sorted(parts.by_take_dir["cmu_bike01_1"]) == sorted(
        {*parts.by_take_dir["cmu_bike01_2"], "downscaled_takes/448"}
    )
    assert "downscaled_takes/448" in release_summary(rel)["parts"]
    assert rel.takes.filter(has_views="cam02").names == CMU  # has_views looks at full resolution only
    validate_ok(tiny_release, warnings=False)


# ---------------------------------------------------------------------------------------------
# 6. CSV variants: timesync column order and float-looking ints, gopro_calibs without quality


def test_timesync_column_order_and_float_looking_ints(tiny_release):
    paths = sorted(tiny_release.glob("captures/*/timesync.csv"))
    before = {p: column_values(read_timesync(p).table) for p in paths}
    devices = {p: set(read_timesync(p).devices) for p in paths}
    rng = random.Random(7)
    for p in paths:
        header, rows = read_rows(p)
        order = list(range(len(header)))
        rng.shuffle(order)
        assert order != sorted(order)
        int_cols = {i for i, h in enumerate(header) if h.endswith(("_frame_number", "_pts"))}
        rows = [[f"{c}.0" if i in int_cols and c else c for i, c in enumerate(row)] for row in rows]
        write_rows(p, [header[i] for i in order], [[row[i] for i in order] for row in rows])
    header, rows = read_rows(paths[0])
    assert rows[5][header.index("cam01_frame_number")] == "17.0"  # pandas-style int with gaps
    assert rows[5][header.index("cam02_pts")] == "24024.0"
    for p in paths:
        ts = read_timesync(p)
        assert column_values(ts.table) == before[p]
        assert set(ts.devices) == devices[p]
        assert all(ts.frame_number(d).dtype == np.int64 for d in ts.devices)
    ts = read_timesync(paths[0])
    assert ts.frame_number("cam01")[5] == 2 * 5 + 7 and ts.pts("cam02")[5] == (2 * 5 + 14) * 1001
    assert np.ma.is_masked(ts.frame_number("cam01")[0])  # the empty cells stay empty
    validate_ok(tiny_release, warnings=False)


def _drop_quality_column(root: Path) -> None:
    paths = sorted(root.glob("*/*/trajectory/gopro_calibs.csv"))
    assert len(paths) == 5  # 3 takes + 2 captures
    for p in paths:
        header, rows = read_rows(p)
        q = header.index("quality")
        write_rows(p, header[:q] + header[q + 1 :], [r[:q] + r[q + 1 :] for r in rows])


def test_gopro_calibs_without_quality_column_reads(tiny_release):
    _drop_quality_column(tiny_release)
    t = open_release(tiny_release).take("cmu_bike01_1")
    assert "quality" not in read_rows(t.gopro_calibs_path)[0]
    cal = read_gopro_calibs(t.gopro_calibs_path)
    assert cal.quality_present is False
    assert cal.cam_uid.tolist() == ["cam01", "cam02"]
    assert cal.quality.tolist() == [-1, -1]
    assert cal.intrinsics_type.tolist() == ["KANNALABRANDTK3"] * 2
    assert cal.row("cam02")["image_width"] == 128


def test_gopro_calibs_without_quality_column_validates(tiny_release):
    _drop_quality_column(tiny_release)
    validate_ok(tiny_release, warnings=False)


def test_gopro_calibs_quality_zero_is_a_warning(tiny_release):
    p = tiny_release / "takes" / "cmu_bike01_1" / "trajectory" / "gopro_calibs.csv"
    header, rows = read_rows(p)
    rows[1][header.index("quality")] = "0"
    write_rows(p, header, rows)
    rep = validate_ok(tiny_release)
    assert [(w.path, w.where) for w in rep.warnings] == [(p.relative_to(tiny_release).as_posix(), "line 3")]
    assert "'cam02' has quality 0" in rep.warnings[0].message


# ---------------------------------------------------------------------------------------------
# 7. Annotation key variants the validator reads (EgoPose, FORMAT §7.9 / §11 C7)


def test_ego_pose_aria_key_and_docs_layouts(tiny_release, edit_json):
    ego_pose = tiny_release / "annotations" / "ego_pose"
    train_pose = next((ego_pose / "train" / "camera_pose").glob("*.json"))
    val_pose = next((ego_pose / "val" / "camera_pose").glob("*.json"))
    body = next((ego_pose / "train" / "body" / "annotation").glob("*.json"))

    def aria_as_plain_key(d: dict) -> None:
        d["aria"] = d.pop("aria01")

    edit_json(train_pose, aria_as_plain_key)
    eye = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    k = [[150.0, 0.0, 255.5], [0.0, 150.0, 255.5], [0.0, 0.0, 1.0]]
    edit_json(
        val_pose,
        lambda d: {
            "0": {
                "metadata": d["metadata"],
                "aria": {"camera_intrinsics": k, "camera_extrinsics": eye},
                "cam01": {"camera_intrinsics": k, "camera_extrinsics": eye},
            }
        },
    )

    def body_variant(d: dict) -> None:
        elem = d["0"][0]
        elem["annotation2D"]["aria"] = {"nose": {"x": 1.0, "y": 2.0, "placement": "auto"}}
        elem["metadata"] = {"take_uid": body.stem, "take_name": "cmu_bike01_1", "frame_number": 0}
        d["3"] = elem  # a bare object instead of a one-element list

    edit_json(body, body_variant)
    validate_ok(tiny_release, warnings=False)


# ---------------------------------------------------------------------------------------------
# 8. Lookups and Takes.filter


@pytest.fixture(scope="module")
def release(tiny_release_ro):
    return open_release(tiny_release_ro)


def test_take_and_capture_lookup(release):
    t = release.take("cmu_bike01_2")
    assert release.take(t.uid) is t and t.name == "cmu_bike01_2"
    cap = release.capture("upenn_0710_Guitar_1")
    assert release.capture(cap.capture_uid) is cap
    assert release.take("upenn_0710_Guitar_1_1").capture == cap
    with pytest.raises(NotFoundError, match="cmu_bike01_9") as err:
        release.take("cmu_bike01_9")
    assert isinstance(err.value, LookupError)
    with pytest.raises(NotFoundError, match="nowhere_01"):
        release.capture("nowhere_01")
    assert release.capture_or_none("nowhere_01") is None


FILTERS = [
    ({"scenario": "bike repair"}, CMU),
    ({"scenario": "MUSIC"}, UPENN),
    ({"scenario": ["Music", "Bike Repair"]}, TAKES),
    ({"scenario": "Cooking"}, []),
    ({"parent_task": 4000}, CMU),
    ({"parent_task": "5000"}, UPENN),
    ({"parent_task": "bike repair"}, CMU),
    ({"task": 4001}, CMU),
    ({"task": "play a song"}, UPENN),
    ({"task": [4001, "Play a Song"]}, TAKES),
    ({"task": 4002}, []),
    ({"university": "cmu"}, CMU),
    ({"university": "ego4d-upenn"}, UPENN),
    ({"university": ["UPENN", "ego4d-cmu"]}, TAKES),
    ({"split": "train"}, ["cmu_bike01_1"]),
    ({"split": "VAL"}, ["cmu_bike01_2"]),
    ({"split": ["val", "test"]}, TAKES[1:]),
    ({"benchmark": "keystep"}, TAKES),
    ({"benchmark": "relations"}, []),
    ({"narrated": True}, UPENN),
    ({"narrated": False}, CMU),
    ({"has_views": "ego"}, TAKES),
    ({"has_views": "exo"}, TAKES),
    ({"has_views": "cam01"}, CMU),
    ({"has_views": "gp02"}, UPENN),
    ({"has_views": "aria01/rgb"}, CMU),
    ({"has_views": "aria02/slam-left"}, UPENN),
    ({"has_views": "rgb"}, TAKES),
    ({"has_views": "214-1"}, TAKES),
    ({"has_views": ["rgb", "gp01"]}, UPENN),
    ({"has_views": "cam09"}, []),
    ({"scenario": "bike repair", "split": "val"}, ["cmu_bike01_2"]),
    ({"university": "cmu", "narrated": True}, []),
]


@pytest.mark.parametrize(("kwargs", "expected"), FILTERS, ids=[repr(k) for k, _ in FILTERS])
def test_takes_filter(release, kwargs, expected):
    assert release.takes.filter(**kwargs).names == expected


def test_takes_filter_has_views_checks_the_files(tiny_release):
    rel = open_release(tiny_release)
    remove(rel.take("cmu_bike01_2").view("cam01").path, rel.take("cmu_bike01_1").view("aria01").path)
    rel = open_release(tiny_release)
    assert rel.takes.filter(has_views="cam01").names == ["cmu_bike01_1"]
    assert rel.takes.filter(has_views=["cam01", "cam02"]).names == ["cmu_bike01_1"]
    assert rel.takes.filter(has_views="rgb").names == TAKES[1:]
    assert rel.takes.filter(has_views="aria01/rgb").names == ["cmu_bike01_2"]
    assert rel.takes.filter(has_views="aria01/slam-left").names == CMU
    assert rel.takes.filter(has_views="exo").names == TAKES  # cam02 is still there
    assert rel.takes.filter(has_views="cam01", split="train").names == ["cmu_bike01_1"]
