"""The ledger trusts a unit only while its outputs are what it recorded: damaged outputs are rebuilt.

Issue 19: deleting one built take folder and rerunning ``build`` used to exit 0 with ``takes.json``
written without that take, because the ledger said the unit was done.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.builder.conftest import LEAN, LEAN_FLAGS, release_digest
from typer.testing import CliRunner

from egoexo_kit._lock import folder_lock
from egoexo_kit.builder import BuildConfig, build
from egoexo_kit.cli import app
from egoexo_kit.errors import BusyError, FormatError
from egoexo_kit.validate import validate_release

CONFIG = BuildConfig(**LEAN)


def _take_dir(out: Path) -> Path:
    return next((out / "takes").iterdir())


def _take_names(out: Path) -> list[str]:
    return [t["take_name"] for t in json.loads((out / "takes.json").read_text(encoding="utf-8"))]


def _truncate(path: Path) -> None:
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 2)


def _flip_a_byte(path: Path) -> None:
    """Same size, other content: only a hash tells."""
    data = bytearray(path.read_bytes())
    data[len(data) // 3] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "take folder deleted": (lambda out: shutil.rmtree(_take_dir(out)), "takes"),
    "one MP4 deleted": (
        lambda out: (_take_dir(out) / "frame_aligned_videos" / "cam02.mp4").unlink(),
        "takes",
    ),
    "one MP4 truncated": (
        lambda out: _truncate(_take_dir(out) / "frame_aligned_videos" / "aria01_214-1.mp4"),
        "takes",
    ),
    "calibration bytes changed": (
        lambda out: _flip_a_byte(_take_dir(out) / "trajectory" / "online_calibration.jsonl"),
        "takes",
    ),
    "timesync edited": (
        lambda out: _flip_a_byte(next((out / "captures").iterdir()) / "timesync.csv"),
        "sync",
    ),
    "cut plan deleted": (
        lambda out: next((out / ".egoexo-kit" / "build").glob("*/plan.json")).unlink(),
        "sync",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_rerun_rebuilds_what_was_damaged_and_lists_every_take(
    damage: str, lean_built: Path, raw_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    shutil.copytree(lean_built, out)
    clean = release_digest(lean_built)
    names = _take_names(lean_built)
    hurt, stage = DAMAGE[damage]
    hurt(out)
    result = build(raw_release / "raw", out, CONFIG)
    assert result.ran[stage], f"{damage}: the {stage} unit was trusted"
    assert _take_names(out) == names
    assert release_digest(out) == clean  # exactly the clean build again
    assert validate_release(out).errors == []


def test_intact_outputs_are_trusted_and_nothing_is_redone(
    lean_built: Path, raw_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    shutil.copytree(lean_built, out)  # a copy (new inode, new mtime) is still the same bytes
    result = build(raw_release / "raw", out, CONFIG)
    assert result.ran["sync"] == [] and result.ran["takes"] == []
    assert release_digest(out) == release_digest(lean_built)


def test_only_metadata_refuses_a_take_that_is_not_intact(
    lean_built: Path, raw_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    shutil.copytree(lean_built, out)
    before = (out / "takes.json").read_bytes()
    shutil.rmtree(_take_dir(out))
    only_metadata = BuildConfig(**{**LEAN, "only": ("metadata",)})
    with pytest.raises(FormatError, match=r"take\(s\) \['cmu_.*'\] have no complete build"):
        build(raw_release / "raw", out, only_metadata)
    assert (out / "takes.json").read_bytes() == before  # not rewritten without the take


def test_a_damaged_ledger_is_one_warning_line_and_its_units_run_again(
    lean_built: Path, raw_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    shutil.copytree(lean_built, out)
    ledger = out / ".egoexo-kit" / "build" / "ledger.jsonl"
    data = ledger.read_bytes()
    ledger.write_bytes(data[: len(data) - 40])  # cut inside the last line: the take's "done"
    args = ["build", str(raw_release / "raw"), str(out), *LEAN_FLAGS]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    warnings = [line for line in res.output.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "ledger.jsonl: line 4 of 4 unreadable" in warnings[0], res.output
    assert "Traceback" not in res.output
    assert "sync: 0 run, 1 done before, takes: 1 run, 0 done before" in " ".join(res.output.split())
    assert release_digest(out) == release_digest(lean_built)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and "warning:" not in again.output


def test_a_build_holds_the_folder_lock(lean_built: Path, raw_release: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    shutil.copytree(lean_built, out)
    with folder_lock(out, what="egoexo-kit download"):
        with pytest.raises(BusyError, match=r"`egoexo-kit download` \(pid \d+ on .*\) is writing here"):
            build(raw_release / "raw", out, CONFIG, wait=0.3)
    features = BuildConfig(**{**LEAN, "only": ("features",), "features": "stats"})
    with folder_lock(out / "features" / "stats", what="egoexo-kit features"):
        with pytest.raises(BusyError, match="`egoexo-kit features`"):
            build(raw_release / "raw", out, features)


def test_what_a_killed_build_left_half_written_is_removed(
    lean_built: Path, raw_release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    shutil.copytree(lean_built, out)
    left = [
        out / "takes" / ".cmu_basketball_01_1.k2j4x9.tmp",
        out / "captures" / ".cmu_basketball_01.a8d7f3.old",
        out / ".egoexo-kit" / "build" / ".ledger.jsonl.q1w2e3.tmp",
    ]
    for p in left:
        (p / "frame_aligned_videos").mkdir(parents=True)
    (out / ".takes.json.zz9y8x.tmp.json").write_text("[", encoding="utf-8")
    live = out / "features" / "stats" / ".x_cam01_0.pt.abcdef.tmp.pt"  # another lock's folder
    live.parent.mkdir(parents=True)
    live.write_bytes(b"")
    result = build(raw_release / "raw", out, CONFIG)
    assert result.ran["takes"] == []
    assert not any(p.exists() for p in left) and not (out / ".takes.json.zz9y8x.tmp.json").exists()
    assert live.exists()


def _two_take_capture(raw_release: Path, tmp_path: Path) -> tuple[Path, list[str]]:
    """A copy of the raw capture whose take log splits its one take in two."""
    raw = tmp_path / "raw"
    shutil.copytree(raw_release / "raw", raw)
    log_path = next(raw.glob("*/takes.json"))
    (take,) = json.loads(log_path.read_text(encoding="utf-8"))
    mid = (take["approx_start_device_ns"] + take["approx_end_device_ns"]) // 2
    names = [f"{take['take_name']}a", f"{take['take_name']}b"]
    halves = [
        {**take, "take_name": names[0], "approx_end_device_ns": mid},
        {**take, "take_name": names[1], "approx_start_device_ns": mid},
    ]
    log_path.write_text(json.dumps(halves), encoding="utf-8")
    return raw, names


def test_a_take_left_out_by_takes_is_one_warning(raw_release: Path, tmp_path: Path) -> None:
    raw, (a, b) = _two_take_capture(raw_release, tmp_path)
    out = tmp_path / "release"
    build(raw, out, CONFIG)
    assert _take_names(out) == [a, b]
    shutil.rmtree(out / "takes" / b)
    result = build(raw, out, BuildConfig(**{**LEAN, "takes": (a,)}))
    assert result.ran["takes"] == []
    assert result.warnings == [
        f"1 take(s) of the take logs are not built, so not in takes.json: {b} (not selected by --takes)"
    ]
    assert _take_names(out) == [a]
    result = build(raw, out, CONFIG)  # without --takes, every take again
    assert result.ran["takes"] == [b] and result.warnings == []
    assert _take_names(out) == [a, b]
