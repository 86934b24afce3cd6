"""Per-take cuts of the capture's MPS files: JSON-lines records inside the take's Aria window."""

from __future__ import annotations

from pathlib import Path

import pytest

from egoexo_kit.builder._trim import trim_jsonl
from egoexo_kit.errors import FormatError


def test_trim_jsonl_keeps_the_records_inside_the_window_byte_for_byte(tmp_path: Path) -> None:
    src = tmp_path / "online_calibration.jsonl"
    lines = [f'{{"tracking_timestamp_us": {us}, "x": 1.50}}\n' for us in (10, 20, 30)]
    src.write_text("".join(lines) + "\n", encoding="utf-8")  # a blank last line is skipped
    dst = tmp_path / "take" / "online_calibration.jsonl"
    assert trim_jsonl(src, dst, key="tracking_timestamp_us", lo=15, hi=30)
    assert dst.read_text(encoding="utf-8") == lines[1] + lines[2]
    # no record inside: no file (an empty online calibration is not a valid file)
    other = tmp_path / "none.jsonl"
    assert not trim_jsonl(src, other, key="tracking_timestamp_us", lo=40, hi=50)
    assert not other.exists()


@pytest.mark.parametrize("bad", ['{"utc_timestamp_ns": 1}', '{"tracking_timestamp_us": "5"}', "[1, 2]", "{"])
def test_trim_jsonl_names_the_line_of_a_bad_record(tmp_path: Path, bad: str) -> None:
    src = tmp_path / "online_calibration.jsonl"
    src.write_text('{"tracking_timestamp_us": 1}\n' + bad + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match="tracking_timestamp_us|not a JSON record") as e:
        trim_jsonl(src, tmp_path / "out.jsonl", key="tracking_timestamp_us", lo=0, hi=10)
    assert e.value.line == 2 and e.value.path == str(src)
