"""validate lists every bad row of a file, not the first, and caps the list (issue 19 item 7)."""

from __future__ import annotations

from pathlib import Path

from egoexo_kit.validate import LISTED_PER_FILE, validate_release
from egoexo_kit.validate._rows import MAX_LINE_BYTES, bad_rows, timesync_kinds

TIMESYNC = "captures/cmu_bike01/timesync.csv"


def edit_lines(path: Path, fn) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    fn(lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def set_cell(lines: list[str], line: int, column: str, value: str) -> None:
    """Set one cell; ``line`` is the 1-based file line (line 1 is the header)."""
    col = lines[0].split(",").index(column)
    cells = lines[line - 1].split(",")
    cells[col] = value
    lines[line - 1] = ",".join(cells)


def test_every_bad_timesync_row_is_reported(tiny_release):
    """Before: validate stopped at the first bad line (and the CLI exited 2 with one line)."""

    def damage(lines):
        for line in (21, 31, 41):
            set_cell(lines, line, "aria01_214-1_global_time", "oops")
        set_cell(lines, 45, "cam01_pts", "12.5")  # not an integer
        lines[50] = ",".join(lines[50].split(",")[:5])  # line 51: a truncated row

    edit_lines(tiny_release / TIMESYNC, damage)
    report = validate_release(tiny_release, check_videos=False)
    got = [(e.where, e.message) for e in report.errors if e.path == TIMESYNC]
    assert got == [
        ("line 21, column 1", "column 'aria01_214-1_global_time': 'oops' is not a number"),
        ("line 31, column 1", "column 'aria01_214-1_global_time': 'oops' is not a number"),
        ("line 41, column 1", "column 'aria01_214-1_global_time': 'oops' is not a number"),
        ("line 45, column 11", "column 'cam01_pts': '12.5' is not an integer"),
        ("line 51", "expected 15 columns (as in the header), found 5"),
    ]


def test_bad_rows_are_capped_per_file_with_a_count(tiny_release):
    def damage(lines):
        for line in range(2, 2 + LISTED_PER_FILE + 15):
            set_cell(lines, line, "cam02_global_time", "x")

    edit_lines(tiny_release / TIMESYNC, damage)
    errs = [e for e in validate_release(tiny_release, check_videos=False).errors if e.path == TIMESYNC]
    assert len(errs) == LISTED_PER_FILE + 1
    assert [e.where for e in errs[:3]] == ["line 2, column 13", "line 3, column 13", "line 4, column 13"]
    summary = errs[-1]
    assert summary.where == ""
    assert summary.message == (
        f"15 more error(s) in this file are not listed ({LISTED_PER_FILE + 15} in all; "
        f"the first {LISTED_PER_FILE} are listed)"
    )


def test_other_captures_and_takes_are_still_checked_when_a_timesync_is_refused(tiny_release):
    edit_lines(tiny_release / TIMESYNC, lambda lines: set_cell(lines, 30, "cam01_global_time", "?"))
    (tiny_release / "takes/upenn_0710_Guitar_1_1/frame_aligned_videos/gp01.mp4").unlink()
    paths = {e.path for e in validate_release(tiny_release, check_videos=False).errors}
    assert paths == {TIMESYNC, "takes/upenn_0710_Guitar_1_1/frame_aligned_videos/gp01.mp4"}


def test_every_decreasing_step_is_listed(tiny_release):
    def swaps(lines):
        col = lines[0].split(",").index("aria01_214-1_capture_timestamp_ns")
        for line in (20, 30):  # both inside the window of take cmu_bike01_1 (rows 11..40)
            a, b = lines[line - 1].split(","), lines[line].split(",")
            a[col], b[col] = b[col], a[col]
            lines[line - 1], lines[line] = ",".join(a), ",".join(b)

    edit_lines(tiny_release / TIMESYNC, swaps)
    errs = validate_release(tiny_release, check_videos=False).errors
    assert [e.where for e in errs] == ["line 21", "line 31"]
    assert all(
        "aria01_214-1_capture_timestamp_ns (take cmu_bike01_1): not strictly increasing" in e.message
        for e in errs
    )
    assert errs[0].message.endswith(")") and "np.float64" not in errs[0].message


def test_non_finite_global_time_inside_a_window_is_an_error(tiny_release):
    def damage(lines):
        set_cell(lines, 22, "cam01_global_time", "inf")
        set_cell(lines, 23, "cam02_global_time", "nan")
        set_cell(lines, 24, "cam02_global_time", "")  # an empty cell stays a gap (warning)

    edit_lines(tiny_release / TIMESYNC, damage)
    report = validate_release(tiny_release, check_videos=False)
    got = {(e.where, e.message) for e in report.errors}
    assert got == {
        ("line 22", "cam01_global_time (take cmu_bike01_1): inf is not a finite time"),
        ("line 23", "cam02_global_time (take cmu_bike01_1): nan is not a finite time"),
    }
    assert [w.where for w in report.warnings] == ["line 24"]


def test_bad_rows_scan_matches_the_reader_on_tolerated_forms(tmp_path):
    """Integer columns written as ``721.0`` and empty cells are fine (FORMAT §3.1, real files)."""
    path = tmp_path / "timesync.csv"
    path.write_text(
        "cam01_global_time,cam01_pts,aria01_214-1_capture_timestamp_ns\n"
        "1.5,721.0,1152056333000.0\n"
        ",,\n"
        "\n"
        "2e3, -4 ,NaN\n"
        "1_0,4,5\n"
        "1,2,99999999999999999999\n",
        encoding="utf-8",
    )
    names = ("cam01_global_time", "cam01_pts", "aria01_214-1_capture_timestamp_ns")
    rows = list(bad_rows(path, names=names, kinds=timesync_kinds(names)))
    assert [(r.where, r.message) for r in rows] == [
        ("line 5, column 3", "column 'aria01_214-1_capture_timestamp_ns': 'NaN' is not an integer"),
        ("line 6, column 1", "column 'cam01_global_time': '1_0' is not a number"),
        (
            "line 7, column 3",
            "column 'aria01_214-1_capture_timestamp_ns': '99999999999999999999' does not fit in int64",
        ),
    ]


def test_non_utf8_line_is_one_located_row(tmp_path):
    path = tmp_path / "timesync.csv"
    path.write_bytes(b"cam01_global_time\n1.0\n\xff\xfe\n2.0\nbad\n")
    rows = list(bad_rows(path, names=("cam01_global_time",), kinds=timesync_kinds(("cam01_global_time",))))
    assert [r.where for r in rows] == ["line 3", "line 5, column 1"]
    assert rows[0].message.startswith("unreadable line (UnicodeDecodeError")


def test_an_overlong_line_is_one_bad_row_and_not_read_into_memory(tmp_path):
    path = tmp_path / "timesync.csv"
    with path.open("wb") as f:
        f.write(b"cam01_global_time\n1.0\n")
        f.write(b"7" * (MAX_LINE_BYTES * 3) + b"\n")
        f.write(b"2.0\nx\n")
    rows = list(bad_rows(path, names=("cam01_global_time",), kinds=timesync_kinds(("cam01_global_time",))))
    assert [(r.where, r.message) for r in rows] == [
        ("line 3", f"line longer than {MAX_LINE_BYTES} bytes"),
        ("line 5, column 1", "column 'cam01_global_time': 'x' is not a number"),
    ]


def test_a_device_without_its_global_time_column_is_reported_not_raised(tiny_release):
    """Before: ``cam02_pts`` without ``cam02_global_time`` made validate raise NotFoundError."""

    def drop(lines):
        col = lines[0].split(",").index("cam02_global_time")
        for i, line in enumerate(lines):
            cells = line.split(",")
            del cells[col]
            lines[i] = ",".join(cells)

    edit_lines(tiny_release / TIMESYNC, drop)
    errs = validate_release(tiny_release, check_videos=False).errors
    assert {(e.path, e.where, e.message) for e in errs} == {
        (TIMESYNC, "line 1", f"missing CSV column(s) cam02_global_time (take {take})")
        for take in ("cmu_bike01_1", "cmu_bike01_2")
    }
