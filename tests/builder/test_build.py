"""End to end: a raw capture becomes a release that validates; alignment exactness, idempotence, resume."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from tests.builder.conftest import release_digest

from egoexo_kit import open_release
from egoexo_kit.builder import BuildConfig, build, sync_qa
from egoexo_kit.builder._ledger import Ledger
from egoexo_kit.release import read_timesync
from egoexo_kit.validate import validate_release
from egoexo_kit.video import VideoReader

FAST = BuildConfig(preset="ultrafast", workers=2)


@pytest.fixture(scope="module")
def built(raw_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "release"
    build(raw_release / "raw", out, FAST)
    return out


def test_the_build_validates_and_every_view_has_the_take_window(built: Path) -> None:
    report = validate_release(built)
    assert report.ok, report.errors
    takes = json.loads((built / "takes.json").read_text(encoding="utf-8"))
    assert len(takes) == 1
    t = takes[0]
    n = t["timesync_end_idx"] - t["timesync_start_idx"] - 1
    assert n > 4 * 30  # the operator's window (take + 0.5 s either side)
    videos = built / t["root_dir"] / "frame_aligned_videos"
    for name in ("aria01_214-1.mp4", "cam01.mp4", "cam02.mp4"):
        assert len(VideoReader(videos / name)) == n
        assert len(VideoReader(videos / "downscaled" / "448" / name)) == n
    assert len(VideoReader(built / t["root_dir"] / "ego_preview.mp4")) == n
    with VideoReader(videos / "aria01_214-1.mp4") as v:
        assert v.metadata.width == v.metadata.height == 64  # square RGB, turned upright
    ts = read_timesync(built / "captures" / t["capture"]["capture_name"] / "timesync.csv")
    assert len(ts) >= t["timesync_end_idx"]
    take = open_release(built).take(t["take_name"])  # reads through the facade like any release
    assert take.n_frames == n
    pictures = take.frames(frame=n - 1)
    assert set(pictures) >= {"cam01", "cam02"} and all(p.ndim == 3 for p in pictures.values())


def test_gopro_60_to_30_follows_the_true_clocks(built: Path, raw_release: Path) -> None:
    """Each row names the GoPro frame the true clocks say was captured nearest the row's instant."""
    truth = json.loads((raw_release / ".synth" / "release.json").read_text(encoding="utf-8"))
    cap_name = next(iter(truth["captures"]))
    cap = truth["captures"][cap_name]
    header = (built / "captures" / cap_name / "timesync.csv").read_text(encoding="utf-8").splitlines()
    cols = header[0].split(",")
    rows = [r.split(",") for r in header[1:]]
    aria = cap["clocks"]["aria01_214-1"]
    first = cap["raw_first_frame_times"]
    for cam in ("cam01", "cam02"):
        c = cap["clocks"][cam]
        k_col = [r[cols.index(f"{cam}_frame_number")] for r in rows]
        r_ok = np.array([i for i, v in enumerate(k_col) if v])
        got = np.array([int(k_col[i]) for i in r_ok])
        # row r is at r / 30 s on the headset clock from its raw frame 0 → common time → nearest GoPro frame
        t = first["aria01"] + r_ok / 30 / (1 + aria["drift"])
        k_true = np.rint((t - c["start"]) * c["rate"] * (1 + c["drift"])).astype(int)
        k0 = int(np.rint((first[cam] - c["start"]) * c["rate"] * (1 + c["drift"])))
        np.testing.assert_array_equal(got, k_true - k0)
        steps = np.diff(got)
        assert set(steps.tolist()) <= {1, 2, 3} and np.mean(steps == 2) > 0.95


def test_sync_qa_reports_errors_against_truth(built: Path) -> None:
    rows = sync_qa(built, captures=[next((built / "captures").iterdir()).name])
    assert {r["device"] for r in rows} == {"aria01", "cam01", "cam02"}
    for r in rows:
        assert r["reliable"] and r["error_ms"] < 1.0
        assert abs(r["drift_ppm"] - r["true_drift_ppm"]) < 1.0


def test_running_twice_changes_nothing(built: Path, raw_release: Path) -> None:
    before = release_digest(built)
    result = build(raw_release / "raw", built, FAST)
    assert result.ran["sync"] == [] and result.ran["takes"] == []
    assert release_digest(built) == before
    # forcing the take again re-encodes to the very same bytes
    again = build(
        raw_release / "raw", built, BuildConfig(preset="ultrafast", workers=1, force=True, only=("takes",))
    )
    assert again.ran["takes"]
    assert release_digest(built) == before


_CRASH = """
import os, sys
from pathlib import Path
from egoexo_kit.builder import BuildConfig, build, _stages

def die(unit):  # a take worker killed mid-stage: a partial temp folder, no ledger line, no cleanup
    (unit.out / "takes" / f".{unit.name}.partial.tmp").mkdir(parents=True, exist_ok=True)
    os._exit(9)

_stages.RUN["takes"] = die
build(Path(sys.argv[1]), Path(sys.argv[2]), BuildConfig(preset="ultrafast", workers=1))
"""


def test_a_crashed_worker_is_resumed_alone(raw_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run(
        [sys.executable, "-c", _CRASH, str(raw_release / "raw"), str(out)], env=env, check=False
    )
    assert proc.returncode == 9
    ledger = Ledger(out / ".egoexo-kit" / "build" / "ledger.jsonl").last()
    status = {u.split(":")[0]: r["status"] for u, r in ledger.items()}
    assert status == {"sync": "done", "takes": "started"}
    assert not (out / "takes.json").exists()
    timesync = next((out / "captures").iterdir()) / "timesync.csv"
    mtime = timesync.stat().st_mtime_ns
    result = build(raw_release / "raw", out, BuildConfig(preset="ultrafast", workers=1))
    assert result.ran["sync"] == [] and len(result.ran["takes"]) == 1
    assert timesync.stat().st_mtime_ns == mtime  # the finished unit was not redone
    assert not list((out / "takes").glob(".*"))  # the crashed worker's temp folder is gone
    assert validate_release(out).ok


@pytest.mark.slow
def test_the_ray_runner_gives_the_same_release(built: Path, raw_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    build(raw_release / "raw", out, BuildConfig(preset="ultrafast", workers=2, runner="ray"))
    assert release_digest(out) == release_digest(built)


def test_only_and_takes_select_units(raw_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    r = build(raw_release / "raw", out, BuildConfig(preset="ultrafast", workers=1, only=("sync",)))
    assert r.ran == {"sync": [r.captures[0]]} or set(r.ran) == {"sync"}
    assert not (out / "takes").exists() and not (out / "takes.json").exists()
    from egoexo_kit.errors import FormatError

    with pytest.raises(FormatError, match="not in any capture's take log"):
        build(raw_release / "raw", out, BuildConfig(workers=1, only=("takes",), takes=("nope",)))
    shutil.rmtree(out)


def test_publish_hosts_the_built_release(built: Path, tmp_path: Path) -> None:
    from egoexo_kit.download import publish

    report = publish(built, tmp_path / "mirror", workers=1)
    assert {"metadata", "takes", "captures", "downscaled_takes/448"} <= set(report.parts)
    assert not [p for p in report.ignored if p.endswith(".mp4") or p.endswith("timesync.csv")]
    assert (tmp_path / "mirror" / "v2" / "takes.json").is_file()


def test_mps_outputs_are_trimmed_to_each_take(raw_release: Path, tmp_path: Path) -> None:
    """A raw ``mps/`` folder: the capture keeps it whole, each take gets its own window of the trajectory."""
    src = next((raw_release / "raw").iterdir())
    raw = tmp_path / "raw" / src.name
    shutil.copytree(src, raw)
    ns = [
        int(x.split(",")[1])
        for x in (raw / "aria01_214-1_timestamps.csv").read_text(encoding="utf-8").split()[1:]
    ]
    us = np.arange(ns[0] // 1000 - 500_000, ns[-1] // 1000, 10_000)  # 100 Hz, from before the recording
    header = "graph_uid,tracking_timestamp_us,tx_world_device\n"
    (raw / "mps").mkdir(exist_ok=True)
    (raw / "mps" / "closed_loop_trajectory.csv").write_text(
        header + "".join(f"g,{u},{i * 0.001:.3f}\n" for i, u in enumerate(us)), encoding="utf-8"
    )
    (raw / "mps" / "gopro_calibs.csv").write_text(
        "cam_uid,image_width\ncam01,64\ncam02,64\n", encoding="utf-8"
    )
    out = tmp_path / "release"
    fast = BuildConfig(preset="ultrafast", workers=1, downscaled=False, collage=False, detector="none")
    build(tmp_path / "raw", out, fast)
    plan = json.loads((out / ".egoexo-kit" / "build" / src.name / "plan.json").read_text(encoding="utf-8"))
    lo, hi = plan["takes"][0]["aria_ns"]
    take_dir = out / "takes" / plan["takes"][0]["take_name"]
    lines = (take_dir / "trajectory" / "closed_loop_trajectory.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] + "\n" == header
    got = np.array([int(x.split(",")[1]) for x in lines[1:]])
    np.testing.assert_array_equal(got, us[(us >= lo / 1000) & (us <= hi / 1000)])
    assert (take_dir / "trajectory" / "gopro_calibs.csv").read_bytes() == (
        raw / "mps" / "gopro_calibs.csv"
    ).read_bytes()
    whole = out / "captures" / src.name / "trajectory" / "closed_loop_trajectory.csv"
    assert whole.read_bytes() == (raw / "mps" / "closed_loop_trajectory.csv").read_bytes()
    (take,) = json.loads((out / "takes.json").read_text(encoding="utf-8"))
    assert take["has_trimmed_trajectory"] is True
    wav = take_dir / "audio" / "aria01.wav"
    from egoexo_kit.sensors import read_audio

    assert read_audio(wav).duration_s == pytest.approx((hi - lo) / 1e9, abs=1e-3)


def test_the_built_release_validates_with_no_error_and_no_warning(built: Path) -> None:
    """As complete as a real release: ``egoexo-kit validate --json`` finds nothing (issue 16, item 10)."""
    from typer.testing import CliRunner

    from egoexo_kit.cli import app

    res = CliRunner().invoke(app, ["validate", str(built), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["errors"] == [] and report["warnings"] == []


def _raw_ns(path: Path) -> np.ndarray:
    """``capture_timestamp_ns`` of a raw stream's timestamps CSV (row ``j`` is native frame ``j``)."""
    lines = path.read_text(encoding="utf-8").split()
    c = lines[0].split(",").index("capture_timestamp_ns")
    return np.array([int(x.split(",")[c]) for x in lines[1:]], dtype=np.int64)


def test_slam_timesync_columns_name_the_nearest_slam_frame(built: Path, raw_release: Path) -> None:
    """``aria01_1201-{1,2}_*``: the raw SLAM frame nearest each row's RGB frame, its device ns and time."""
    (t,) = json.loads((built / "takes.json").read_text(encoding="utf-8"))
    cap = t["capture"]["capture_name"]
    ts = read_timesync(built / "captures" / cap / "timesync.csv")
    assert "aria01_211-1" not in ts.devices  # the eye-tracking columns are unknown: left out (FORMAT §3.1)
    rows = slice(t["timesync_start_idx"] + 1, t["timesync_end_idx"])
    rgb_ns = np.asarray(ts.capture_timestamp_ns("aria01_214-1")[rows], dtype=np.int64)
    rgb_t = np.asarray(ts.global_time("aria01_214-1")[rows], dtype=np.float64)
    for sid in ("1201-1", "1201-2"):
        dev = f"aria01_{sid}"
        slam = _raw_ns(raw_release / "raw" / cap / f"{dev}_timestamps.csv")
        want = np.abs(slam[None, :] - rgb_ns[:, None]).argmin(axis=1)
        got_k = np.asarray(ts.frame_number(dev)[rows], dtype=np.int64)
        got_ns = np.asarray(ts.capture_timestamp_ns(dev)[rows], dtype=np.int64)
        np.testing.assert_array_equal(got_k, want)
        np.testing.assert_array_equal(got_ns, slam[want])
        assert np.all(got_ns != rgb_ns)  # the SLAM's own exposures, not the RGB's copied
        # one headset clock: the common-time gap is the device-clock gap (drift is parts per million)
        gap = np.asarray(ts.global_time(dev)[rows], dtype=np.float64) - rgb_t
        np.testing.assert_allclose(gap, (got_ns - rgb_ns) / 1e9, atol=2e-6)


def test_the_take_trajectory_covers_every_aligned_frame(built: Path, raw_release: Path) -> None:
    """The raw MPS covers the whole recording, so each take's cut spans its first to its last Aria frame."""
    from egoexo_kit.release import (
        read_closed_loop_trajectory,
        read_online_calibration,
        read_open_loop_trajectory,
    )

    (t,) = json.loads((built / "takes.json").read_text(encoding="utf-8"))
    cap = t["capture"]["capture_name"]
    whole = read_closed_loop_trajectory(raw_release / "raw" / cap / "mps" / "closed_loop_trajectory.csv")
    rgb = _raw_ns(raw_release / "raw" / cap / "aria01_214-1_timestamps.csv")
    us = whole.tracking_timestamp_us
    assert us[0] <= rgb[0] // 1000 and us[-1] >= rgb[-1] // 1000
    ts = read_timesync(built / "captures" / cap / "timesync.csv")
    rows = slice(t["timesync_start_idx"] + 1, t["timesync_end_idx"])
    ns = np.asarray(ts.capture_timestamp_ns("aria01_214-1")[rows], dtype=np.int64)
    folder = built / t["root_dir"] / "trajectory"
    for traj in (
        read_closed_loop_trajectory(folder / "closed_loop_trajectory.csv"),
        read_open_loop_trajectory(folder / "open_loop_trajectory.csv"),
    ):
        us = traj.tracking_timestamp_us
        assert us[0] <= ns[0] / 1000 + 1000 and us[-1] >= ns[-1] / 1000  # 1 kHz rows from the first frame
    calib = read_online_calibration(folder / "online_calibration.jsonl").tracking_timestamp_us
    assert len(calib) >= 1 and ns[0] / 1000 - 1000 <= calib[0] and calib[-1] <= ns[-1] / 1000 + 34_000
