"""Hostile CSVs and claimed counts (issue 19): gigantic numbers, NUL bytes, bad widths, huge frame windows.

Timesync, MPS and calibration CSVs end in a FormatError located by line and column (empty cells
stay tolerated, as the official loaders tolerate them); a frame count a ``takes.json`` window
claims is checked against ``limits.FRAME_COUNT`` before anything is allocated by it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit.errors import FormatError
from egoexo_kit.release import (
    ReleaseIndex,
    read_closed_loop_trajectory,
    read_gopro_calibs,
    read_timesync,
)

TRAJ = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "real_release"
    / "takes"
    / "cmu_bike01_2"
    / "trajectory"
)
HEADER = "cam01_global_time,cam01_pts,cam01_frame_number,aria01_214-1_capture_timestamp_ns\n"
ROW = "12.0,2002,722,1152023000000\n"


def timesync(tmp_path, *rows: str, raw: bytes = b""):
    path = tmp_path / "timesync.csv"
    path.write_bytes((HEADER + ROW + "".join(rows)).encode() + raw)
    return read_timesync(path)


def read_all(ts) -> None:
    for device in ts.devices:
        ts.global_time(device) if device == "cam01" else ts.capture_timestamp_ns(device)
        ts.pts(device) if device == "cam01" else None


def test_an_integer_of_5000_digits_is_located_not_a_value_error(tmp_path):
    """Before: int() of the cell raised Python's own 4,300-digit ValueError out of the reader."""
    ts = timesync(tmp_path, "12.1," + "9" * 5000 + ",724,1152056333000\n")
    with pytest.raises(FormatError, match="'cam01_pts'.*does not fit in int64") as e:
        ts.pts("cam01")
    assert (e.value.line, e.value.column) == (3, 2)
    assert len(str(e.value)) < 300


def test_twenty_digit_integers_and_leading_zeros(tmp_path):
    with pytest.raises(FormatError, match="does not fit in int64"):
        timesync(tmp_path, "12.1,99999999999999999999,724,1\n").pts("cam01")
    assert timesync(tmp_path, "12.1,000000000000000000000007,724,1\n").pts("cam01")[-1] == 7


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("12.1,abc,724,1\n", 2),
        ("12.1,4004,7\x0024,1\n", 3),
        ("1e99x,4004,724,1\n", 1),
    ],
)
def test_text_and_nul_bytes_in_numeric_columns_are_located(tmp_path, row, column):
    ts = timesync(tmp_path, row)
    with pytest.raises(FormatError) as e:
        read_all(ts)
    assert (e.value.line, e.value.column) == (3, column)


def test_a_row_of_the_wrong_width_is_located(tmp_path):
    ts = timesync(tmp_path, ROW, "12.2,6006,726\n", ROW)
    with pytest.raises(FormatError, match="expected 4 columns") as e:
        read_all(ts)
    assert e.value.line == 4


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    ts = timesync(tmp_path, raw=b"12.1,4004,724,\xff\xfe\n")
    with pytest.raises(FormatError, match="unreadable data") as e:
        read_all(ts)
    assert e.value.line == 3


def test_empty_cells_stay_tolerated(tmp_path):
    ts = timesync(tmp_path, "12.1,,724,\n")
    assert np.ma.getmaskarray(ts.pts("cam01")).tolist() == [False, True]
    assert np.isnan(ts.global_time("cam01")).sum() == 0


def test_mps_and_calibration_csvs_locate_hostile_cells(tmp_path):
    lines = (TRAJ / "closed_loop_trajectory.csv").read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[1] = "9" * 5000
    path = tmp_path / "closed_loop_trajectory.csv"
    path.write_text("\n".join([*lines[:2], ",".join(cells), *lines[3:]]) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match="tracking_timestamp_us") as e:
        read_closed_loop_trajectory(path)
    assert e.value.line == 3
    calib = (TRAJ / "gopro_calibs.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "gopro_calibs.csv"
    path.write_text("\n".join([calib[0], calib[1] + ",extra", *calib[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match="columns") as e:
        read_gopro_calibs(path)
    assert e.value.line == 2


def test_a_take_window_claiming_10_15_frames_is_left_out_with_a_located_warning(tiny_release):
    takes = json.loads((tiny_release / "takes.json").read_text(encoding="utf-8"))
    takes[1]["timesync_end_idx"] = 10**15
    (tiny_release / "takes.json").write_text(json.dumps(takes), encoding="utf-8")
    release = ReleaseIndex.open(tiny_release)
    assert len(release.takes) == len(takes) - 1
    (warning,) = release.warnings
    assert warning.path == "takes.json" and warning.where == "/1"
    assert "frame count" in warning.message and "EGOEXO_KIT_MAX_FRAME_COUNT" in warning.message
    with pytest.raises(FormatError, match="frame count"):
        ReleaseIndex.open(tiny_release, strict=True)
