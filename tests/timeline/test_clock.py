"""TakeTimeline on the tiny release (properties, errors) and on a generated release (clock truth)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from egoexo_kit import open_release
from egoexo_kit.errors import FrameIndexError, NotFoundError
from egoexo_kit.release import read_timesync
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.timeline import RECOMMENDED, TakeTimeline, detect_window_convention
from egoexo_kit.video import probe_video

FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@pytest.fixture(scope="module")
def tiny_timelines(tiny_release_ro: Path) -> list[TakeTimeline]:
    return [TakeTimeline.from_take(t) for t in open_release(tiny_release_ro).takes]


@pytest.fixture(scope="module")
def tl(tiny_timelines: list[TakeTimeline]) -> TakeTimeline:
    return tiny_timelines[1]  # window starting at row 51: frames do not start at row 0


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("timeline_gen") / "release"
    cfg = SynthConfig(
        captures=1,
        takes_per_capture=1,
        scenarios=("bike repair",),
        exo_size=(96, 54),
        ego_size=64,
        seconds=4.0,
        workers=1,
        downscaled=False,
    )
    generate_release(out, cfg)
    return out


# ---- window and basic shape ----


def test_window_rows(tiny_timelines: list[TakeTimeline]):
    for tl in tiny_timelines:
        assert tl.n_frames == tl.end_idx - tl.start_idx - 1 == 30
        np.testing.assert_array_equal(tl.rows, tl.start_idx + 1 + np.arange(tl.n_frames))
        assert tl.fps == 30 and tl.duration_s == pytest.approx(1.0)


def test_aria02_stream_resolution(tiny_timelines: list[TakeTimeline]):
    tl = tiny_timelines[2]
    assert tl.aria_id == "aria02"
    assert tl.to_device_ns(frame=0) == tl.to_device_ns(frame=0, stream="aria02_214-1")
    with pytest.raises(NotFoundError, match="aria02_211-9"):
        tl.to_device_ns(frame=0, stream="211-9")


# ---- frame <-> t ----


def test_frame_time_identity_every_frame(tl: TakeTimeline):
    f = np.arange(tl.n_frames)
    t = tl.to_time(frame=f)
    np.testing.assert_array_equal(t, f / 30)
    for match in ("before", "nearest", "after"):
        np.testing.assert_array_equal(tl.to_frame(t=t, match=match), f)


@FIXTURE_OK
@given(st.integers(0, 29), st.floats(0, 0.9999))
def test_t_inside_interval_maps_to_frame(tl: TakeTimeline, i: int, frac: float):
    t = (i + frac) / 30
    assert tl.to_frame(t=t) == i  # default: display interval [i/30, (i+1)/30)
    assert tl.to_frame(t=t, match="nearest") == min(i + (frac >= 0.5), 29) or frac == pytest.approx(0.5)


def test_scalar_and_shape(tl: TakeTimeline):
    assert isinstance(tl.to_frame(t=0.5), np.int64)
    assert tl.to_frame(t=np.zeros((2, 3))).shape == (2, 3)
    assert tl.to_device_ns(frame=np.zeros((4, 1), dtype=int)).shape == (4, 1)
    assert tl.to_time(frame=[[1, 2]]).shape == (1, 2)


# ---- device clock ----


def test_device_ns_round_trip_exact_on_rows(tl: TakeTimeline):
    f = np.arange(tl.n_frames)
    ns = tl.to_device_ns(frame=f)
    ts = tl.timesync
    col = np.ma.getdata(ts.capture_timestamp_ns("aria01_214-1"))[tl.rows]
    np.testing.assert_array_equal(ns, col)
    for match in ("before", "nearest", "after"):
        np.testing.assert_array_equal(tl.to_frame(device_ns=ns, match=match), f)
    np.testing.assert_array_equal(tl.to_time(device_ns=ns), f / 30)
    np.testing.assert_array_equal(tl.to_device_ns(t=f / 30), ns)


@FIXTURE_OK
@given(st.integers(0, 28), st.floats(0, 1))
def test_device_ns_between_rows(tl: TakeTimeline, i: int, frac: float):
    ns = tl.to_device_ns(frame=[i, i + 1])
    q = np.int64(ns[0] + int(frac * (ns[1] - ns[0])))
    assert tl.to_frame(device_ns=q, match="before") == (i + 1 if q == ns[1] else i)
    assert tl.to_frame(device_ns=q, match="after") == (i if q == ns[0] else i + 1)
    near = tl.to_frame(device_ns=q)
    assert abs(q - ns[near - i]) <= min(q - ns[0], ns[1] - q)
    t = tl.to_time(device_ns=q)
    assert i / 30 <= t <= (i + 1) / 30
    assert abs(int(tl.to_device_ns(t=t)) - int(q)) <= 1


def test_tolerance(tl: TakeTimeline):
    ns0 = int(tl.to_device_ns(frame=3))
    assert tl.to_frame(device_ns=ns0 + 5_000_000, tolerance_s=0.006) == 3
    with pytest.raises(FrameIndexError, match="tolerance_s=0.004"):
        tl.to_frame(device_ns=ns0 + 5_000_000, tolerance_s=0.004)


# ---- errors ----


def test_exactly_one_keyword(tl: TakeTimeline):
    with pytest.raises(ValueError, match=r"exactly one of t= or device_ns=; got neither"):
        tl.to_frame()
    with pytest.raises(ValueError, match=r"got both t= and device_ns="):
        tl.to_frame(t=0.0, device_ns=1)
    with pytest.raises(ValueError, match=r"to_time\(\) takes exactly one of frame= or device_ns="):
        tl.to_time()
    with pytest.raises(ValueError, match=r"to_device_ns\(\) takes exactly one of frame= or t="):
        tl.to_device_ns(frame=1, t=0.1)
    with pytest.raises(ValueError, match="invalid match"):
        tl.to_frame(t=0.0, match="closest")  # type: ignore[call-overload]


@FIXTURE_OK
@given(st.one_of(st.floats(max_value=-1e-3), st.floats(min_value=1.0), st.just(float("nan"))))
def test_out_of_range_t(tl: TakeTimeline, t: float):
    with pytest.raises(FrameIndexError, match=r"frames \[0, 30\) and seconds \[0, 1\.000000\)"):
        tl.to_frame(t=t)
    with pytest.raises(FrameIndexError, match=r"seconds \[0, 1\.000000\)"):
        tl.to_device_ns(t=[0.0, t])


def test_out_of_range_frames_and_ns(tl: TakeTimeline):
    with pytest.raises(FrameIndexError, match=r"frame 30 outside the take window: frames \[0, 30\)"):
        tl.to_time(frame=[0, 30])
    with pytest.raises(FrameIndexError, match=r"frame -1 "):
        tl.to_device_ns(frame=-1)
    with pytest.raises(TypeError, match="integer"):
        tl.to_time(frame=1.5)
    first = int(tl.to_device_ns(frame=0))
    with pytest.raises(FrameIndexError, match=rf"device ns \[{first}, "):
        tl.to_frame(device_ns=first - 1)
    last = int(tl.to_device_ns(frame=29))
    with pytest.raises(FrameIndexError, match="no aria01_214-1 frame after"):
        tl.to_frame(device_ns=last + 1, match="after")
    with pytest.raises(FrameIndexError, match="no frame at or after"):
        tl.to_frame(t=29.5 / 30, match="after")
    assert tl.to_frame(t=29.9 / 30, match="nearest") == 29


def test_in_window_agrees_with_to_time(tl: TakeTimeline):
    first, last = int(tl.to_device_ns(frame=0)), int(tl.to_device_ns(frame=29))
    step = last - int(tl.to_device_ns(frame=28))
    q = np.array([first - 1, first, last, last + step - 2, last + step + 2, first + 10**12])
    inside = tl.in_window(device_ns=q)
    assert inside.tolist() == [False, True, True, True, False, False]
    tl.to_time(device_ns=q[inside])  # accepted
    for ns in q[~inside]:
        with pytest.raises(FrameIndexError):
            tl.to_time(device_ns=ns)
    assert tl.in_window(device_ns=first).shape == ()


# ---- generated release: clock truth and window convention ----


def test_generated_device_clock_truth(generated: Path):
    take = open_release(generated).takes[0]
    tl = TakeTimeline.from_take(take)
    meta = json.loads((generated / ".synth" / "release.json").read_text(encoding="utf-8"))
    truth = np.load(generated / ".synth" / "takes" / take.name / "truth.npz")
    ts = read_timesync(take.timesync_path)
    for stream, view in (("214-1", "rgb"), ("1201-1", "slam-left"), ("1201-2", "slam-right")):
        key = f"{take.aria_id}_{stream}"
        clock = meta["captures"][take.capture_name]["clocks"][key]
        ok = tl.device_ns_valid(stream)  # the default synthetic release blanks a few RGB rows
        assert ok.all() or stream == "214-1"
        f = np.flatnonzero(ok)
        k = np.ma.getdata(ts.frame_number(key))[tl.rows][ok]
        expected = clock["ns_origin"] + (k * 10**9) // int(clock["rate"])
        np.testing.assert_array_equal(tl.to_device_ns(frame=f, stream=stream), expected)
        # seconds from take start vs the true capture time: equal up to the stream's phase offset
        frame_times = truth[f"{take.aria_id}__{view}__frame_times"][ok] - truth["nominal_time"][0]
        assert np.abs(tl.to_time(frame=f) - frame_times).max() < 1 / 60
        # device time of the true capture instant maps back to that frame
        np.testing.assert_array_equal(tl.to_frame(device_ns=expected, stream=stream), f)


def test_generated_window_convention(generated: Path):
    take = open_release(generated).takes[0]
    tl = TakeTimeline.from_take(take)
    ts = read_timesync(take.timesync_path)
    start, end = take.record.timesync_start_idx, take.record.timesync_end_idx
    views = [v for v in take.views if v.exists]
    assert views
    for view in views:
        n = probe_video(view.path).num_frames
        check = detect_window_convention(ts, start, end, video_frames=n)
        assert check.convention == RECOMMENDED and check.is_recommended, check.message
        assert check.first_row == start + 1 and check.rows_available
        assert tl.window_check(video_frames=n) == check
    # a hand-made ±1 mismatch is detected and reported, never an exception
    n = tl.n_frames
    plus = tl.window_check(video_frames=n + 1)
    assert plus.convention == "end-start" and plus.difference == 1 and "±1 ambiguity" in plus.message
    assert plus.first_row == start
    plus2 = tl.window_check(video_frames=n + 2)
    assert plus2.convention == "end-start+1" and plus2.difference == 2
    minus = tl.window_check(video_frames=n - 1)
    assert minus.convention is None and "difference -1" in minus.message
