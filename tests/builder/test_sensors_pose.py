"""The built release's automatic body pose against the body truth, and the eye gaze cut to each take."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.builder import BuildConfig, build, pose_qa, read_raw_capture
from egoexo_kit.builder._pose import load_detector
from egoexo_kit.errors import FormatError
from egoexo_kit.validate import validate_release

CONFIG = BuildConfig(preset="ultrafast", workers=2, downscaled=False, collage=False)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def built(raw_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built_pose") / "release"
    build(
        raw_release / "raw", out, BuildConfig(preset="ultrafast", workers=2, downscaled=False, collage=False)
    )
    return out


def _truth_body(raw_release: Path, take: dict, frames: np.ndarray) -> np.ndarray:
    """The body at the true common time of each aligned frame (the clock truth, not the estimated sync)."""
    truth = json.loads((raw_release / ".synth" / "release.json").read_text(encoding="utf-8"))
    cap = truth["captures"][take["capture"]["capture_name"]]
    drift = cap["clocks"]["aria01_214-1"]["drift"]
    t = cap["raw_first_frame_times"]["aria01"] + (take["timesync_start_idx"] + 1 + frames) / 30 / (1 + drift)
    body = np.load(raw_release / "raw" / take["capture"]["capture_name"] / ".synth" / "body.npz")
    b = body["body_world"].astype(np.float64)
    return np.stack(
        [
            np.stack([np.interp(t, body["time_s"], b[:, j, c]) for c in range(3)], -1)
            for j in range(b.shape[1])
        ],
        axis=1,
    )


def test_automatic_body_pose_matches_the_truth(built: Path, raw_release: Path) -> None:
    (t,) = json.loads((built / "takes.json").read_text(encoding="utf-8"))
    take = open_release(built).take(t["take_name"])
    pose = take.annotations.pose("body", source="automatic")
    assert pose is not None and pose.split == "train"
    n = t["timesync_end_idx"] - t["timesync_start_idx"] - 1
    np.testing.assert_array_equal(pose.frames, np.arange(n))  # every aligned frame
    err = np.linalg.norm(pose.points_3d - _truth_body(raw_release, t, pose.frames), axis=-1)
    assert np.isfinite(err).all()
    assert float(np.mean(err)) < 0.06  # MPJPE of a 2-view, 64 px rig with noisy, dropped detections
    assert float(np.median(err)) < 0.04
    assert set(pose.points_2d) == {"cam01", "cam02"}
    (row,) = pose_qa(built, captures=[t["capture"]["capture_name"]])  # the QA's own truth lookup agrees
    assert row["frames"] == n and row["mpjpe_cm"] == pytest.approx(100 * float(np.mean(err)), abs=0.5)
    assert validate_release(built).ok


def test_the_pose_stage_alone_and_its_detector_settings(built: Path, raw_release: Path) -> None:
    again = build(raw_release / "raw", built, dataclasses.replace(CONFIG, only=("pose",)))
    assert again.ran == {"pose": []}  # finished, per the ledger
    off = build(raw_release / "raw", built, dataclasses.replace(CONFIG, detector="none"))
    assert "pose" not in off.ran and off.ran["takes"] == []
    with pytest.raises(ValueError, match="detector"):
        BuildConfig(detector="yolo")
    with pytest.raises(FormatError, match="cannot load"):
        load_detector("egoexo_kit.nothing_here:make")
    with pytest.raises(FormatError, match="not a KeypointDetector"):
        load_detector("builtins:object")


def test_eye_gaze_is_cut_to_the_take_by_the_sync(built: Path, raw_release: Path) -> None:
    """3D rows: exactly the raw rows inside the take window; 2D rows: renumbered to the aligned frames."""
    (t,) = json.loads((built / "takes.json").read_text(encoding="utf-8"))
    cap = t["capture"]["capture_name"]
    raw = raw_release / "raw" / cap
    plan = json.loads((built / ".egoexo-kit" / "build" / cap / "plan.json").read_text(encoding="utf-8"))
    window = plan["takes"][0]
    lo, hi = window["aria_ns"]
    gaze = built / t["root_dir"] / "eye_gaze"
    assert t["has_trimmed_eye_gaze"] is True
    raw_lines = (raw / "mps" / "eye_gaze" / "general_eye_gaze.csv").read_text(encoding="utf-8").splitlines()
    inside = [ln for ln in raw_lines[1:] if lo / 1000 <= int(ln.split(",")[0]) <= hi / 1000]
    got = (gaze / "general_eye_gaze.csv").read_text(encoding="utf-8").splitlines()
    assert got[0] == raw_lines[0] and got[1:] == inside and len(inside) > 10
    # the 2D frame number names the aligned frame whose Aria frame carries that very timestamp
    ns = [int(r["capture_timestamp_ns"]) for r in _rows(raw / "aria01_214-1_timestamps.csv")]
    aria_us = np.array(ns)[window["frames"]["aria01"]] // 1000
    rows2d = _rows(gaze / "general_eye_gaze_2d.csv")
    assert len(rows2d) > 10
    for r in rows2d:
        assert aria_us[int(r["frame_num"])] == int(r["tracking_timestamp_us"])
    raw2d = {
        r["tracking_timestamp_us"]: r for r in _rows(raw / "mps" / "eye_gaze" / "general_eye_gaze_2d.csv")
    }
    assert all(raw2d[r["tracking_timestamp_us"]]["x"] == r["x"] for r in rows2d)
    assert (gaze / "summary.json").is_file()
    whole = built / "captures" / cap / "eye_gaze"
    assert sorted(p.name for p in whole.iterdir()) == ["general_eye_gaze.csv", "summary.json"]
    data = open_release(built).take(t["take_name"])
    assert data.dir == built / t["root_dir"]


def test_without_a_take_log_the_sync_events_bound_the_take(raw_release: Path, tmp_path: Path) -> None:
    src = next((raw_release / "raw").iterdir())
    raw = tmp_path / "raw" / src.name
    shutil.copytree(src, raw)
    (raw / "takes.json").unlink()
    out = tmp_path / "release"
    build(tmp_path / "raw", out, dataclasses.replace(CONFIG, detector="none"))
    (t,) = json.loads((out / "takes.json").read_text(encoding="utf-8"))
    assert t["take_name"] == f"{src.name}_1" and t["capture"]["capture_name"] == src.name
    truth = json.loads((raw_release / ".synth" / "release.json").read_text(encoding="utf-8"))
    cap = truth["captures"][src.name]
    drift = cap["clocks"]["aria01_214-1"]["drift"]
    first, last = (
        (e - cap["raw_first_frame_times"]["aria01"]) * (1 + drift) for e in cap["sync_event_times"]
    )
    # the rule: from 0.5 s after the first event to 0.5 s before the next, on the 30 fps rows
    assert (t["timesync_start_idx"] + 1) / 30 == pytest.approx(first + 0.5, abs=1 / 30)
    assert (t["timesync_end_idx"] - 1) / 30 == pytest.approx(last - 0.5, abs=1 / 30)
    assert (t["timesync_start_idx"] + 1) / 30 >= first + 0.5 - 1e-3
    assert (t["timesync_end_idx"] - 1) / 30 <= last - 0.5 + 1e-3
    assert validate_release(out).ok


def test_an_aria_vrs_that_cannot_be_read_is_a_located_error(raw_release: Path, tmp_path: Path) -> None:
    """The VRS path (no VRS can be written here): the manifest's ``vrs`` entry goes to projectaria-tools."""
    pytest.importorskip("projectaria_tools")
    src = next((raw_release / "raw").iterdir())
    raw = tmp_path / src.name
    shutil.copytree(src, raw)
    manifest = json.loads((raw / "manifest.json").read_text(encoding="utf-8"))
    aria = next(d for d in manifest["devices"] if d["kind"] == "aria")
    for key in ("file", "timestamps", "frames"):
        aria.pop(key)
    aria["vrs"] = "aria01.vrs"
    (raw / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(FormatError, match="aria01.vrs is missing"):
        read_raw_capture(raw)
    (raw / "aria01.vrs").write_bytes(b"not a vrs file")
    with pytest.raises(FormatError, match="cannot open the VRS recording") as e:
        read_raw_capture(raw)
    assert e.value.path == str(raw / "aria01.vrs")


def test_features_stage_extracts_every_view_of_the_built_take(
    built: Path, raw_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    shutil.copytree(built, out)
    cfg = dataclasses.replace(CONFIG, only=("features",), features="stats")
    (t,) = json.loads((out / "takes.json").read_text(encoding="utf-8"))
    take = open_release(out).take(t["take_name"])
    first = build(raw_release / "raw", out, cfg)
    assert first.ran["features"] == [take.name]
    views = [v for v in take.views if v.exists and v.readable_stream_id in ("rgb", "0")]
    assert len(views) == 1 + len(take.exo_views)  # features cover the RGB and GoPro streams
    for view in views:
        rows = take.features("stats", view.key)
        assert len(rows) > 0 and rows.t0_s[0] == 0.0
        name = f"{take.uid}_{view.cam_id}_{view.readable_stream_id}.pt"
        assert (out / "features" / "stats" / name).is_file()
    again = build(raw_release / "raw", out, cfg)
    assert again.ran["features"] == [] and again.skipped["features"] == [take.name]
    assert not BuildConfig().runs("features")  # off unless a backbone is given


def test_slam_and_eye_tracking_streams_are_aligned_like_the_rgb(built: Path) -> None:
    """The built take carries every Aria stream, as many frames as the RGB, SLAM turned like the RGB."""
    from egoexo_kit.video import VideoReader

    (t,) = json.loads((built / "takes.json").read_text(encoding="utf-8"))
    fav = t["frame_aligned_videos"]["aria01"]
    assert {k: v["stream_id"] for k, v in fav.items()} == {
        "rgb": "214-1",
        "slam-left": "1201-1",
        "slam-right": "1201-2",
        "et": "211-1",
    }
    take = built / t["root_dir"]
    shapes = {}
    for key, entry in fav.items():
        with VideoReader(take / entry["relative_path"]) as video:
            shapes[key] = (len(video), *video.get_frames_at([0]).data.shape[1:3])
    assert len({n for n, _, _ in shapes.values()}) == 1
    assert shapes["slam-left"][1] > shapes["slam-left"][2]  # landscape sensor shown portrait
    assert shapes["et"][1] < shapes["et"][2]  # the eye image is not turned


def test_a_slower_stream_takes_its_frame_nearest_each_rgb_frame(raw_release: Path, tmp_path: Path) -> None:
    """A 10 fps SLAM stream whose frames encode their own index: decode the built take, read the indices."""
    from egoexo_kit.builder._cut import nearest_index
    from egoexo_kit.video import VideoReader, encode_video

    src = next((raw_release / "raw").iterdir())
    cap = tmp_path / "raw" / src.name
    shutil.copytree(src, cap)
    rgb_ns = np.array([int(r["capture_timestamp_ns"]) for r in _rows(cap / "aria01_214-1_timestamps.csv")])
    ns = rgb_ns[::3] + 1_000_000  # every third RGB instant, 1 ms late
    n = len(ns)
    assert n < 256
    frames = np.zeros((n, 48, 64, 3), np.uint8)
    frames[..., 0] = (np.arange(n) % 16 * 16 + 8)[:, None, None]
    frames[..., 1] = (np.arange(n) // 16 * 16 + 8)[:, None, None]
    encode_video(cap / "aria01_1201-1.mp4", iter(frames), fps=10, crf=0, preset="ultrafast")
    lines = ["frame_number,capture_timestamp_ns", *(f"{j},{v}" for j, v in enumerate(ns))]
    (cap / "aria01_1201-1_timestamps.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "built"
    build(cap, out, dataclasses.replace(CONFIG, detector="none"))
    (t,) = json.loads((out / "takes.json").read_text(encoding="utf-8"))
    plan = json.loads((out / ".egoexo-kit" / "build" / src.name / "plan.json").read_text(encoding="utf-8"))
    want = nearest_index(ns, rgb_ns[np.asarray(plan["takes"][0]["frames"]["aria01"])])
    with VideoReader(out / t["root_dir"] / "frame_aligned_videos" / "aria01_1201-1.mp4") as video:
        got = video.get_frames_at(list(range(len(video)))).data
    centre = got.reshape(len(got), -1, 3).mean(axis=1)  # each frame is one flat colour
    index = np.round((centre[:, 0] - 8) / 16).astype(int) + 16 * np.round((centre[:, 1] - 8) / 16).astype(int)
    np.testing.assert_array_equal(index, want)
    assert len(np.unique(want)) > 10
    # timesync.csv names the same SLAM frame in the rows where it was captured (one row per frame);
    # the rows between a 10 fps stream's frames stay empty, so its device ns still increase strictly
    from egoexo_kit.release import read_timesync

    ts = read_timesync(out / "captures" / src.name / "timesync.csv")
    rows = slice(t["timesync_start_idx"] + 1, t["timesync_end_idx"])
    k = np.ma.asarray(ts.frame_number("aria01_1201-1")[rows])
    filled = ~np.ma.getmaskarray(k)
    rgb = rgb_ns[np.asarray(plan["takes"][0]["frames"]["aria01"])]
    np.testing.assert_array_equal(filled, np.abs(ns[want] - rgb) < 1e9 / 60)
    np.testing.assert_array_equal(np.asarray(k[filled], dtype=np.int64), want[filled])
    assert 0.2 < filled.mean() < 0.5 and np.all(np.diff(want[filled]) > 0)


def test_a_bad_aria_stream_entry_is_a_located_error(raw_release: Path, tmp_path: Path) -> None:
    src = next((raw_release / "raw").iterdir())
    cap = tmp_path / src.name
    shutil.copytree(src, cap)
    manifest = json.loads((cap / "manifest.json").read_text(encoding="utf-8"))
    aria = next(i for i, d in enumerate(manifest["devices"]) if d["kind"] == "aria")
    manifest["devices"][aria]["streams"][0]["stream_id"] = "999-9"
    (cap / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(FormatError, match="stream_id must be one of") as e:
        read_raw_capture(cap)
    assert e.value.pointer == f"/devices/{aria}/streams/0"
