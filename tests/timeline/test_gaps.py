"""Empty timesync cells inside a take window (FORMAT §3.1) and the row offset of frame 0 (§3.2, §11 C1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from egoexo_kit.errors import EgoExoKitWarning, FormatError
from egoexo_kit.release import format_ranges, read_timesync
from egoexo_kit.timeline import (
    ROW_OFFSET_ENV,
    TakeTimeline,
    camera_centers,
    compare_row_offsets,
    resolve_row_offset,
)

NS0 = 1152023000000
STEP = 33_333_333
ROWS = 14
BLANK = (2, 6, 7)  # frames 0 (a window end), 4 and 5 (a run) under the default offset


def _ns(row: int) -> int:
    return NS0 + row * STEP


def write_timesync(path: Path, *, blank: tuple[int, ...] = BLANK) -> Path:
    """A pandas-written timesync: integer columns with a gap come out as ``721.0``-style floats."""
    lines = [
        "aria01_214-1_global_time,aria01_214-1_capture_timestamp_ns,aria01_214-1_frame_number,cam01_global_time"
    ]
    for r in range(ROWS):
        ns, fn = ("", "") if r in blank else (f"{_ns(r)}.0", f"{700 + r}.0")
        lines.append(f"{r / 30:.6f},{ns},{fn},{'' if r == 9 else f'{r / 30 + 0.001:.6f}'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tl(tmp_path: Path) -> TakeTimeline:
    ts = read_timesync(write_timesync(tmp_path / "timesync.csv"))
    return TakeTimeline.from_timesync(ts, start_idx=1, end_idx=12, aria_id="aria01", row_offset=1)


def test_float_style_integers_are_exact(tmp_path: Path):
    ts = read_timesync(write_timesync(tmp_path / "timesync.csv"))
    ns = ts.capture_timestamp_ns("aria01_214-1")
    assert ns.dtype == np.int64 and int(ns[1]) == 1152056333333  # "1152056333333.0" round-trips exactly
    assert int(ts.frame_number("aria01_214-1")[3]) == 703
    assert np.ma.getmaskarray(ns).nonzero()[0].tolist() == list(BLANK)
    np.testing.assert_array_equal(
        ts.empty_rows("aria01_214-1", "capture_timestamp_ns", rows=slice(2, 12)), BLANK
    )
    np.testing.assert_array_equal(ts.empty_rows("cam01", "global_time", rows=slice(0, ROWS)), [9])


def test_format_ranges():
    assert format_ranges([3, 4, 5, 9]) == "3-5, 9"
    assert format_ranges([]) == ""
    assert format_ranges(list(range(0, 40, 2)), limit=2) == "0, 2 and 18 more range(s)"


def test_gap_frames_are_filled_flagged_and_warned(tl: TakeTimeline):
    valid = tl.device_ns_valid()
    assert np.flatnonzero(~valid).tolist() == [0, 4, 5]
    f = np.arange(tl.n_frames)
    with pytest.warns(EgoExoKitWarning, match=r"lines 4, 8-9: aria01_214-1_capture_timestamp_ns is empty"):
        ns = tl.to_device_ns(frame=f)
    # rows are evenly spaced, so interpolation (and extrapolation at the window end) is exact to 1 ns
    assert np.abs(ns - np.array([_ns(r) for r in tl.rows])).max() <= 1
    assert ns[1] == _ns(3) and ns[3] == _ns(5)  # rows with a value stay exact
    with pytest.warns(EgoExoKitWarning, match=r"line 8: "):
        assert abs(int(tl.to_device_ns(frame=4)) - _ns(6)) <= 1


def test_valid_frames_do_not_warn(tl: TakeTimeline, recwarn: pytest.WarningsRecorder):
    assert tl.to_device_ns(frame=[1, 2, 3, 6]).tolist() == [_ns(3), _ns(4), _ns(5), _ns(8)]
    assert tl.to_time(frame=4) == pytest.approx(4 / 30)
    assert not [w for w in recwarn if issubclass(w.category, EgoExoKitWarning)]


def test_time_queries_at_gap_frames_answer(tl: TakeTimeline):
    with pytest.warns(EgoExoKitWarning):
        ns4 = int(tl.to_device_ns(t=4 / 30))
    assert abs(ns4 - _ns(6)) <= 1
    # device time of a gap row maps to its frame and seconds (its filled time, flagged)
    assert tl.to_time(device_ns=_ns(6)) == pytest.approx(4 / 30, abs=1e-6)
    with pytest.warns(EgoExoKitWarning, match="line 8: "):
        assert tl.to_frame(device_ns=_ns(6) + 1) == 4
    with pytest.warns(EgoExoKitWarning, match="line 8: "):
        assert tl.to_frame(device_ns=_ns(7) - 5, match="before") == 4
    assert tl.to_frame(device_ns=_ns(8)) == 6


def test_all_empty_stream_is_a_located_error(tmp_path: Path):
    ts = read_timesync(write_timesync(tmp_path / "t.csv", blank=tuple(range(ROWS))))
    tl = TakeTimeline.from_timesync(ts, start_idx=1, end_idx=12, aria_id="aria01")
    with pytest.raises(FormatError, match="aria01_214-1_capture_timestamp_ns is empty over the take window"):
        tl.to_device_ns(frame=0)


# ---- row offset -------------------------------------------------------------------------------------


def test_row_offset_moves_rows(tmp_path: Path, recwarn: pytest.WarningsRecorder):
    ts = read_timesync(write_timesync(tmp_path / "t.csv", blank=()))
    for k in (-1, 0, 1, 2):
        tl = TakeTimeline.from_timesync(ts, start_idx=1, end_idx=12, aria_id="aria01", row_offset=k)
        assert tl.n_frames == 10
        np.testing.assert_array_equal(tl.rows, 1 + k + np.arange(10))
        assert int(tl.to_device_ns(frame=0)) == _ns(1 + k)
    with pytest.raises(FormatError, match=r"needs rows 5\.\.14 \(row offset \+4"):
        TakeTimeline.from_timesync(ts, start_idx=1, end_idx=12, aria_id="aria01", row_offset=4)


def test_resolve_row_offset(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ROW_OFFSET_ENV, raising=False)
    assert resolve_row_offset() == 1
    assert (
        resolve_row_offset(0) == 0
        and resolve_row_offset("+1") == 1
        and resolve_row_offset(" AUTO ") == "auto"
    )
    monkeypatch.setenv(ROW_OFFSET_ENV, "0")
    assert resolve_row_offset() == 0
    assert resolve_row_offset(1) == 1  # an explicit value wins over the variable
    monkeypatch.setenv(ROW_OFFSET_ENV, "one")
    with pytest.raises(ValueError, match=r"\$EGOEXO_KIT_ROW_OFFSET must be an integer"):
        resolve_row_offset()
    with pytest.raises(ValueError, match="row_offset must be"):
        resolve_row_offset(1.5)  # type: ignore[arg-type]


def test_compare_row_offsets_finds_the_shift(tmp_path: Path):
    ts = read_timesync(write_timesync(tmp_path / "t.csv", blank=(5,)))

    def center_at(ns: np.ndarray) -> np.ndarray:  # the camera moves 1 cm per row along x
        x = (ns - NS0) / STEP * 0.01
        return np.stack([x, np.zeros_like(x), np.ones_like(x)], axis=1)

    for true in (0, 1):
        centers = {i: np.array([(1 + true + i) * 0.01, 0.0, 1.0]) for i in range(10)}
        check = compare_row_offsets(
            ts, 1, 12, stream="aria01_214-1", centers=centers, center_at=center_at, candidates=(-1, 0, 1, 2)
        )
        assert check.best == true and check.decisive, check.message
        assert check.errors_m[true] == pytest.approx(0.0, abs=1e-9)
        assert check.errors_m[true + 1] == pytest.approx(0.01)
        assert check.to_json()["median_error_m"][str(true)] == check.errors_m[true]
        assert f"start{true:+d}+i (decisive)" in check.message
    # a still camera tells offsets apart by nothing: every frame is kept, the verdict is not decisive
    still = compare_row_offsets(
        ts,
        1,
        12,
        stream="aria01_214-1",
        centers={i: np.zeros(3) for i in range(10)},
        center_at=lambda ns: np.zeros((len(ns), 3)),
    )
    assert still.best == 1 and not still.decisive


def test_camera_centers():
    R = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]])
    C = np.array([1.0, 2.0, 3.0])
    E = np.hstack([R, (-R @ C)[:, None]])[None]
    np.testing.assert_allclose(camera_centers(E), [C])
