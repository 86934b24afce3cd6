"""A default synthetic release has the real timesync gaps; everything still answers on them.

Also the frame-0 row offset (FORMAT §11 C1): synth's ``camera_pose`` follows ``start+1+i`` and
``detect_row_offset`` finds it, and finds 0 when the CSV rows are shifted by one.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.errors import EgoExoKitWarning
from egoexo_kit.release import read_timesync
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.timeline import ROW_OFFSET_ENV
from egoexo_kit.validate import validate_release

SMALL = {"exo_size": (96, 54), "ego_size": 64, "seconds": 4.0, "workers": 1}


@pytest.fixture(scope="module")
def release(shared: Callable[[str, Callable[[Path], Any]], Path]) -> Path:
    """A default (irregular) release: one capture, two ego_pose takes. Read-only."""
    config = SynthConfig(captures=1, takes_per_capture=2, downscaled=False, **SMALL)
    return shared("irr-timesync", lambda out: generate_release(out, config))


@pytest.fixture(scope="module")
def gaps(release: Path) -> list[dict[str, Any]]:
    data = json.loads((release / ".synth" / "irregularities.json").read_text(encoding="utf-8"))
    assert data["clean"] is False
    return data["timesync_gaps"]


def _aria_gaps(gaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [g for g in gaps if "take" in g and any(c.endswith("_capture_timestamp_ns") for c in g["columns"])]


def _cells(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def test_records_match_the_files(release: Path, gaps: list[dict[str, Any]]):
    aria = _aria_gaps(gaps)
    exo = [g for g in gaps if "take" in g and g["columns"][0].endswith("_global_time")]
    floats = [g for g in gaps if "take" not in g]
    assert len(aria) == 2 and len(exo) == 2 and len(floats) == 1
    header, rows = _cells(release / aria[0]["file"])
    for g in aria + exo:
        assert g["lines"] == [r + 2 for r in g["rows"]]
        for col in g["columns"]:
            assert all(rows[r][header.index(col)] == "" for r in g["rows"])
    # pandas' float style on every integer column with a gap, and exact ints once read back
    for col in floats[0]["columns"]:
        j = header.index(col)
        assert all(r[j] == "" or r[j].endswith(".0") for r in rows)
    col = aria[0]["columns"][0]
    assert col in floats[0]["columns"]
    ts = read_timesync(release / aria[0]["file"])
    raw = next(r[header.index(col)] for r in rows if r[header.index(col)])
    assert int(ts.capture_timestamp_ns(col.removesuffix("_capture_timestamp_ns")).compressed()[0]) == int(
        raw[:-2]
    )


def test_validate_warns_located_never_errors(release: Path, gaps: list[dict[str, Any]]):
    report = validate_release(release, check_videos=False)
    assert report.errors == [], report.errors
    for g in gaps:
        if "take" not in g:
            continue
        for col in g["columns"]:
            hits = [
                w
                for w in report.warnings
                if w.path == g["file"]
                and w.message.startswith(col + ":")
                and f"take {g['take']} " in w.message
            ]
            assert len(hits) == 1, (col, report.warnings)
            assert str(g["lines"][0]) in hits[0].where and hits[0].where.startswith("line")


def test_queries_answer_at_gap_frames(release: Path, gaps: list[dict[str, Any]]):
    rel = egoexo_kit.open_release(release)
    for g in _aria_gaps(gaps):
        take = rel.take(g["take"])
        tl = take.timeline
        f = np.array(g["rows"]) - take.record.timesync_start_idx - 1
        assert not tl.device_ns_valid()[f].any()
        with pytest.warns(EgoExoKitWarning, match="interpolated"):
            ns = tl.to_device_ns(frame=f)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", EgoExoKitWarning)
            before, after = tl.to_device_ns(frame=f - 1), tl.to_device_ns(frame=f + 1)
            assert np.all((before < ns) & (ns < after))
            np.testing.assert_array_equal(tl.to_frame(device_ns=ns), f)
            assert tl.to_frame(t=tl.to_time(frame=f)).tolist() == f.tolist()
            cam = take.camera(take.aria_id, frame=int(f[0]))  # trajectory at the filled device time
            assert np.isfinite(cam.T_world_cam).all()
            pics = take.frames(frame=int(f[0]))
            assert pics and all(p.ndim == 3 for p in pics.values())
            clip = take.clip(float(f[0]) / 30, float(f[0] + 3) / 30, views=[take.aria_id])
            assert next(iter(clip.values())).shape[0] == 3


def test_detector_finds_synth_offset_and_a_shift(
    release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    rel = egoexo_kit.open_release(release)
    for take in rel.takes:
        check = egoexo_kit.detect_row_offset(take)
        assert check.best == 1 and check.decisive, check.message
        assert check.errors_m[1] < 0.002 < min(check.errors_m[0], check.errors_m[2])
    # the same release with every timesync row moved up by one: frame i is now row start+i
    shifted = tmp_path / "shifted"
    shutil.copytree(release, shifted, ignore=shutil.ignore_patterns("*.mp4", "*.wav", "*.vrs"))
    for ts in shifted.glob("captures/*/timesync.csv"):
        lines = ts.read_text(encoding="utf-8").splitlines(keepends=True)
        ts.write_text(lines[0] + "".join(lines[2:]), encoding="utf-8")
    rel2 = egoexo_kit.open_release(shifted)
    for take in rel2.takes:
        check = take.detect_row_offset()
        assert check.best == 0 and check.decisive, check.message
        assert take.timeline.row_offset == 1  # the default is not changed by a measurement
    auto = egoexo_kit.open_release(shifted, row_offset="auto").takes[0]
    assert auto.timeline.row_offset == 0
    assert egoexo_kit.open_release(shifted, row_offset=0).takes[0].timeline.row_offset == 0
    monkeypatch.setenv(ROW_OFFSET_ENV, "auto")
    assert egoexo_kit.open_release(shifted).takes[1].timeline.row_offset == 0
    with pytest.raises(ValueError, match="row_offset must be"):
        egoexo_kit.open_release(shifted, row_offset="first")


def test_info_take_shows_row_offset(release: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ROW_OFFSET_ENV, raising=False)
    name = egoexo_kit.open_release(release).takes[0].name
    runner = CliRunner()
    res = runner.invoke(app, ["info", str(release), name, "--json"])
    assert res.exit_code == 0, res.output
    ro = json.loads(res.stdout)["row_offset"]
    assert ro["used"] == 1 and ro["best"] == 1 and ro["decisive"] is True
    assert set(ro["median_error_m"]) == {"-1", "0", "1", "2"}
    res = runner.invoke(app, ["info", str(release), name, "--row-offset", "first"])
    assert res.exit_code == 2 and "--row-offset" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["info", str(release), name, "--row-offset", "0"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "row_offset: +0 in use; measured: frame i = timesync row start+1+i (decisive)" in text


def _hand_made(root: Path) -> Path:
    """A capture folder and a ``takes.json`` with one 20-frame window: enough for the step alone."""
    cap = root / "captures" / "c1"
    cap.mkdir(parents=True)
    lines = [
        "aria01_214-1_global_time,aria01_214-1_capture_timestamp_ns,aria01_214-1_frame_number,cam01_global_time"
    ]
    lines += [f"{r / 30:.6f},{1152023000000 + r * 33333333},{r},{r / 30:.6f}" for r in range(30)]
    (cap / "timesync.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cams = [{"cam_id": "aria01", "is_ego": True}, {"cam_id": "cam01", "is_ego": False}]
    take = {
        "take_name": "t1",
        "timesync_start_idx": 4,
        "timesync_end_idx": 25,
        "capture": {"root_dir": "captures/c1", "cameras": cams},
    }
    (root / "takes.json").write_text(json.dumps([take]), encoding="utf-8")
    return cap / "timesync.csv"


def test_step_alone_and_clean(tmp_path: Path):
    from egoexo_kit.synth.irregular import apply_irregularities

    clean = _hand_made(tmp_path / "clean")
    before = clean.read_text(encoding="utf-8")
    assert "timesync_gaps" not in apply_irregularities(tmp_path / "clean", SynthConfig(clean=True))
    assert clean.read_text(encoding="utf-8") == before

    path = _hand_made(tmp_path / "irr")
    recs = apply_irregularities(tmp_path / "irr", SynthConfig())["timesync_gaps"]
    header, rows = _cells(path)
    aria, exo, floats = recs
    assert aria["take"] == "t1" and all(5 <= r <= 24 for r in aria["rows"] + exo["rows"])
    assert len(aria["rows"]) == 3 and exo["columns"] == ["cam01_global_time"] and len(exo["rows"]) == 3
    assert set(floats["columns"]) == {"aria01_214-1_capture_timestamp_ns", "aria01_214-1_frame_number"}
    j = header.index("aria01_214-1_capture_timestamp_ns")
    assert rows[0][j] == "1152023000000.0" and all(rows[r][j] == "" for r in aria["rows"])
    ts = read_timesync(path)
    assert int(ts.capture_timestamp_ns("aria01_214-1")[0]) == 1152023000000  # exact through the float text
