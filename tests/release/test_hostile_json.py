"""Hostile JSON (issue 19): deep nesting, huge integers, bad bytes, a BOM, NaN, truncation, the wrong shape.

Each ends in one located FormatError or LimitError (file, line and column, or JSON pointer), never
in the RecursionError, ValueError or UnicodeDecodeError the issue reproduced; a BOM and NaN, which
``json.load`` and the official loaders accept, are read.
"""

from __future__ import annotations

import json

import pydantic_core
import pytest

from egoexo_kit.errors import EgoExoKitError, FormatError, LimitError
from egoexo_kit.release import ReleaseIndex, load_json, parse_json, read_online_calibration
from egoexo_kit.release._json import _FAST_DEPTH, _FAST_DIGITS


def write(tmp_path, data: bytes, name: str = "f.json"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_nesting_10_5_deep_is_one_located_limit_error(tmp_path):
    path = write(tmp_path, b'{"a": [\n  ' + b"[" * 100_000 + b"]" * 100_000 + b"]}")
    with pytest.raises(LimitError, match="JSON nesting depth 501 levels is over the cap of 500") as e:
        load_json(path)
    assert (e.value.path, e.value.line, e.value.column) == (str(path), 2, 501)
    assert "EGOEXO_KIT_MAX_JSON_DEPTH" in str(e.value)


def test_the_depth_cap_is_exact_and_skips_brackets_inside_strings(tmp_path):
    assert parse_json(b"[" * 500 + b"]" * 500) is not None
    with pytest.raises(LimitError):
        parse_json(b"[" * 501 + b"]" * 501)
    inside = b'["' + b"[" * 1000 + b'\\"[[", ' + b"[" * 400 + b"]" * 400 + b"]"
    assert parse_json(inside)[0] == "[" * 1000 + '"[['


def test_the_depth_cap_can_be_raised_and_lowered(monkeypatch):
    monkeypatch.setenv("EGOEXO_KIT_MAX_JSON_DEPTH", "3")
    with pytest.raises(LimitError, match="cap of 3"):
        parse_json(b"[[[[1]]]]", path="x.json", line=7)
    monkeypatch.setenv("EGOEXO_KIT_MAX_JSON_DEPTH", "800")
    assert parse_json(b"[" * 700 + b"]" * 700) is not None


def test_an_integer_of_5000_digits_is_a_located_limit_error(tmp_path):
    path = write(tmp_path, b'[1,\n {"n": ' + b"9" * 5000 + b"}]")
    with pytest.raises(LimitError, match="integer length 5000 digits is over the cap of 4300") as e:
        load_json(path)
    assert (e.value.line, e.value.column) == (2, 8)


def test_the_integer_cap_follows_its_variable(monkeypatch):
    monkeypatch.setenv("EGOEXO_KIT_MAX_INT_DIGITS", "6000")
    assert parse_json(b"[" + b"7" * 5000 + b"]")[0] == (10**5000 - 1) // 9 * 7
    monkeypatch.setenv("EGOEXO_KIT_MAX_INT_DIGITS", "10")
    with pytest.raises(LimitError, match="integer length 11 digits"):
        parse_json(b"[1, 12345678901]")


def test_bytes_that_are_not_utf8_are_located(tmp_path):
    path = write(tmp_path, b'{\n "name": "caf\xe9"}')
    with pytest.raises(FormatError, match="not UTF-8 text: byte 0xe9") as e:
        load_json(path)
    assert (e.value.line, e.value.column) == (2, 14)


def test_a_bom_and_nan_are_read_as_json_load_does(tmp_path):
    path = write(tmp_path, b'\xef\xbb\xbf{"t": NaN, "u": Infinity}')
    data = load_json(path)
    assert data["t"] != data["t"] and data["u"] == float("inf")


def test_a_lone_surrogate_escape_is_refused(tmp_path):
    with pytest.raises(FormatError, match=r"lone UTF-16 surrogate escape \\ud800") as e:
        load_json(write(tmp_path, b'{"a": "x\\ud800"}'))
    assert e.value.column == 9
    pair_and_escaped_backslash = write(tmp_path, b'["\\ud83d\\ude00", "\\\\ud800"]', "g.json")
    assert load_json(pair_and_escaped_backslash) == ["\U0001f600", "\\ud800"]


@pytest.mark.parametrize("keep", [0.05, 0.3, 0.6, 0.95])
def test_a_truncated_file_is_a_located_format_error(tmp_path, keep):
    full = json.dumps({"annotations": {"u": {"segments": [{"start_time": 1.5}]}}}).encode()
    with pytest.raises(FormatError, match="invalid JSON") as e:
        load_json(write(tmp_path, full[: int(len(full) * keep)]))
    assert e.value.line == 1 and e.value.column is not None


def test_the_wrong_top_level_shape_is_refused_before_parsing(tmp_path):
    path = write(tmp_path, b"[" + b"0," * 100_000 + b"oops")  # parsing it would say "invalid JSON"
    with pytest.raises(FormatError, match="expected a JSON object, got list") as e:
        load_json(path, expect=dict)
    assert e.value.pointer == ""


def test_takes_json_nested_too_deep_refuses_the_release_in_one_line(tmp_path):
    write(tmp_path, b"[" * 100_000, "takes.json")
    with pytest.raises(LimitError) as e:
        ReleaseIndex.open(tmp_path)
    assert "\n" not in str(e.value) and "takes.json" in str(e.value)


def test_jsonl_errors_name_the_file_line(tmp_path):
    rec = {"utc_timestamp_ns": 1, "tracking_timestamp_us": 2, "ImuCalibrations": [], "CameraCalibrations": []}
    lines = [json.dumps(rec), json.dumps(rec), "[" * 10_000]
    path = write(tmp_path, "\n".join(lines).encode(), "online_calibration.jsonl")
    with pytest.raises(LimitError) as e:
        read_online_calibration(path)
    assert e.value.line == 3


def test_participant_metadata_nested_too_deep_is_a_warning_not_a_crash(tiny_release):
    people = json.loads((tiny_release / "participants.json").read_text(encoding="utf-8"))
    people[0]["metadata"] = "[" * 10_000
    (tiny_release / "participants.json").write_text(json.dumps(people), encoding="utf-8")
    release = ReleaseIndex.open(tiny_release)
    assert any("participants.json" in w.path and "nesting depth" in w.message for w in release.warnings)


def test_the_fast_parser_is_stricter_than_the_caps():
    """``parse_json`` trusts pydantic-core's own limits for its fast path; check they still hold."""
    with pytest.raises(ValueError):
        pydantic_core.from_json("[" * (_FAST_DEPTH + 1) + "]" * (_FAST_DEPTH + 1))
    with pytest.raises(ValueError):
        pydantic_core.from_json("[" + "9" * (_FAST_DIGITS + 1) + "]")
    pydantic_core.from_json("[" * _FAST_DEPTH + "]" * _FAST_DEPTH)


def test_every_error_is_an_egoexo_kit_error_with_one_line(tmp_path):
    for data in (b"[" * 10**5, b"[" + b"1" * 9000 + b"]", b"\xff\xfe", b'{"a":', b'"\\udc00"'):
        with pytest.raises(EgoExoKitError) as e:
            parse_json(data, path="p.json")
        assert "\n" not in str(e.value) and str(e.value).startswith("p.json:")


def test_an_optional_metadata_file_over_a_cap_is_a_lenient_warning(tiny_release):
    (tiny_release / "captures.json").write_bytes(b"[" * 10_000)
    release = ReleaseIndex.open(tiny_release)
    assert release.captures == ()
    (warning,) = release.warnings
    assert warning.path == "captures.json" and "nesting depth" in warning.message
    with pytest.raises(LimitError):
        _ = ReleaseIndex.open(tiny_release, strict=True).captures
