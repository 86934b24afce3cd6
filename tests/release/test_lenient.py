"""Lenient reading (issue 16 item 7): one odd metadata record never makes a release unopenable.

A record that does not parse is left out with a located warning on ``release.warnings``; every
other take stays usable; ``strict=True`` raises on the first; ``validate`` reports it as an error.
"""

from __future__ import annotations

import pytest

import egoexo_kit
from egoexo_kit import open_release
from egoexo_kit.errors import FormatError
from egoexo_kit.release import Problem
from egoexo_kit.validate import validate_release


def _break_take(takes: list) -> None:
    takes[1]["take_uid"] = {"not": "a string"}


def test_bad_take_record_is_left_out_with_a_located_warning(tiny_release, edit_json):
    takes_path = tiny_release / "takes.json"
    n = len(open_release(tiny_release).takes)
    edit_json(takes_path, _break_take)
    for opener in (open_release, egoexo_kit.open_release):
        rel = opener(tiny_release)
        assert len(rel.takes) == n - 1
        assert [t.index for t in rel.takes] == [i for i in range(n) if i != 1]
        w = rel.warnings
        assert len(w) == 1 and isinstance(w[0], Problem)
        assert (w[0].path, w[0].where) == ("takes.json", "/1/take_uid")
        assert "string" in w[0].message
        other = rel.takes[0]
        assert rel.take(other.uid) is other and other.views  # the rest is usable
        with pytest.raises(FormatError) as err:
            opener(tiny_release, strict=True)
        assert err.value.pointer == "/1/take_uid" and err.value.path == str(takes_path)
    report = validate_release(tiny_release)
    assert any(e.path == "takes.json" and e.where == "/1/take_uid" for e in report.errors)


def test_bad_records_of_other_metadata_files(tiny_release, edit_json):
    edit_json(tiny_release / "captures.json", lambda caps: caps[0].update(capture_uid=None))
    edit_json(tiny_release / "participants.json", lambda ps: ps.append({"participant_uid": "x"}))
    (tiny_release / "visual_objects.json").write_text("[{", encoding="utf-8")
    n_caps = len(open_release(tiny_release).captures)  # lenient: the bad capture is left out
    rel = open_release(tiny_release)
    assert len(rel.takes) > 0 and len(rel.participants) > 0
    assert rel.visual_objects == ()
    where = {(w.path, w.where) for w in rel.warnings}
    assert ("captures.json", "/0/capture_uid") in where
    assert any(p == "participants.json" and w.endswith("/participant_uid") for p, w in where)
    assert any(p == "visual_objects.json" and "line 1" in w for p, w in where)
    assert len(rel.captures) == n_caps
    strict = open_release(tiny_release, strict=True)
    assert len(strict.takes) == len(rel.takes)  # takes.json itself is fine
    with pytest.raises(FormatError, match="capture_uid"):
        _ = strict.captures
    with pytest.raises(FormatError):
        _ = strict.visual_objects
    report = validate_release(tiny_release)
    errs = {(e.path, e.where) for e in report.errors}
    assert ("captures.json", "/0/capture_uid") in errs


def test_takes_json_that_is_not_an_array_is_still_refused(tiny_release):
    (tiny_release / "takes.json").write_text('{"takes": []}', encoding="utf-8")
    with pytest.raises(FormatError, match="array"):
        open_release(tiny_release)


def test_clean_release_has_no_warnings(tiny_release_ro):
    assert open_release(tiny_release_ro).warnings == []
