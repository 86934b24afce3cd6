"""The build ledger: output fingerprints, what it trusts, and a damaged ledger repaired in one warning."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from egoexo_kit.builder._ledger import EDGE_BYTES, Ledger, fingerprint, fingerprints, intact


def _flip(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_small_files_are_hashed_whole_large_ones_by_size_and_ends(tmp_path: Path) -> None:
    f = tmp_path / "video.mp4"
    f.write_bytes(os.urandom(4 * EDGE_BYTES))
    whole, ends = fingerprint(f), fingerprint(f, whole=0)
    assert whole[0] == ends[0] == 4 * EDGE_BYTES and whole[1] != ends[1]
    _flip(f, 2 * EDGE_BYTES)  # the middle: only a whole hash sees it
    assert fingerprint(f) != whole and fingerprint(f, whole=0) == ends
    _flip(f, 10)  # the header
    assert fingerprint(f, whole=0) != ends
    with f.open("ab") as out:
        out.write(b"x")
    assert fingerprint(f, whole=0)[0] == 4 * EDGE_BYTES + 1


def test_a_record_is_trusted_only_while_its_outputs_are_intact(tmp_path: Path) -> None:
    (tmp_path / "takes" / "t1").mkdir(parents=True)
    (tmp_path / "takes" / "t1" / "a.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "takes" / "t1" / "b.json").write_text("{}", encoding="utf-8")
    outputs = fingerprints(tmp_path, [tmp_path / "takes" / "t1"])
    assert sorted(outputs) == ["takes/t1/a.csv", "takes/t1/b.json"]
    done = {"unit": "takes:t1", "status": "done", "key": "k", "outputs": outputs}
    assert intact(tmp_path, done)
    assert intact(tmp_path, {**done, "outputs": {}})  # a unit that wrote nothing (no body truth)
    assert not intact(tmp_path, None)
    assert not intact(tmp_path, {**done, "status": "started"})
    assert not intact(tmp_path, {k: v for k, v in done.items() if k != "outputs"})  # an old-style record
    assert not intact(tmp_path, {**done, "outputs": {"takes/t1/a.csv": "garbage"}})
    assert not intact(tmp_path, {**done, "outputs": {"../outside": [1, "x"]}})
    (tmp_path / "takes" / "t1" / "a.csv").write_text("a,b\n1,3\n", encoding="utf-8")  # same size
    assert not intact(tmp_path, done)
    (tmp_path / "takes" / "t1" / "a.csv").unlink()
    assert not intact(tmp_path, done)


GARBAGE = [
    b"\xff\xfe not utf-8",
    b'{"unit": "takes:t1", "status": "do',  # torn
    b"[1, 2, 3]",
    b'{"unit": 5, "status": "done", "key": "k"}',
    b"1" * 5000,  # over Python's integer-string limit
    b"[" * 100_000,  # nesting past the recursion limit
]


def test_a_damaged_ledger_is_repaired_with_one_warning(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.record("sync:c", "done", key="k1", outputs={})
    ledger.record("takes:t1", "started", key="k2")
    with ledger.path.open("ab") as f:
        f.write(b"\n".join(GARBAGE) + b"\n")
    ledger.record("takes:t2", "done", key="k3", outputs={})
    assert set(ledger.last()) == {"sync:c", "takes:t1", "takes:t2"}  # reading never raises
    warning = ledger.repair()
    assert warning is not None and "\n" not in warning
    assert f"lines 3, … ({len(GARBAGE)} in all) of {len(GARBAGE) + 3} unreadable" in warning
    lines = ledger.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["unit"] for x in lines] == ["sync:c", "takes:t1", "takes:t2"]
    assert ledger.repair() is None  # repaired once, quiet afterwards


def test_a_torn_last_line_loses_only_itself(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.record("takes:t1", "done", key="k", outputs={})
    with ledger.path.open("ab") as f:
        f.write(b'{"unit": "takes:t1", "status": "started", "ke')  # killed mid-write
    warning = ledger.repair()
    assert warning is not None and "line 2 of 2" in warning
    ledger.record("takes:t2", "done", key="k", outputs={})  # appended on a line of its own
    assert ledger.last()["takes:t1"]["status"] == "done" and "takes:t2" in ledger.last()
    assert ledger.repair() is None


def test_a_valid_last_line_without_its_newline_is_completed_silently(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.path.write_text(json.dumps({"unit": "sync:c", "status": "done", "key": "k"}), encoding="utf-8")
    assert ledger.repair() is None
    ledger.record("takes:t1", "done", key="k")
    assert set(ledger.last()) == {"sync:c", "takes:t1"}


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_an_empty_ledger_needs_no_repair(tmp_path: Path, content: bytes) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl")
    ledger.path.write_bytes(content)
    assert ledger.repair() is None and ledger.last() == {}
