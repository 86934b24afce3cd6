"""``egoexo-kit optimize``: a training copy with short GOPs, the same frames at the same times, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import egoexo_kit as ek
from egoexo_kit._lock import folder_lock
from egoexo_kit.cli import app
from egoexo_kit.validate import validate_release
from egoexo_kit.video import VideoReader, downscaled_size

runner = CliRunner()
KEYINT = 10  # the tiny release's videos have 30 frames and one keyframe


def optimize(*args: object):
    return runner.invoke(app, ["optimize", *(str(a) for a in args)])


def summary(res) -> dict:
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def times(reader: VideoReader) -> list[Fraction]:
    """Every frame's presentation time, exactly."""
    tb = reader.metadata.time_base
    return [p * tb for p in reader.pts.tolist()]


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def videos(root: Path, sub: str = "") -> list[Path]:
    return sorted((root / "takes").glob(f"*/frame_aligned_videos/{sub}*.mp4"))


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def full_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    """The tiny release and its full-resolution training copy (keyint 10), with the source's listing."""
    from egoexo_kit.synth import write_tiny_release

    base = tmp_path_factory.mktemp("optimize")
    rel = write_tiny_release(base / "release")
    before = snapshot(rel)
    s = summary(optimize(rel, base / "out", "--keyint", KEYINT, "--workers", 2, "--json"))
    return rel, base / "out", s, before


def assert_reencoded(src: Path, dst: Path, *, size: tuple[int, int] | None = None) -> None:
    with VideoReader(src) as a, VideoReader(dst) as b:
        assert len(a) == len(b) == 30
        assert times(a) == times(b), dst
        assert list(a.keyframes) == [0]  # so the check below means something
        assert b.keyframes[0] == 0 and np.diff(np.append(b.keyframes, len(b))).max() <= KEYINT
        want = size or (a.metadata.width, a.metadata.height)
        assert (b.metadata.width, b.metadata.height) == want
        if size is None:
            assert psnr(a[:], b[:]) > 30, dst


def test_every_video_keeps_its_frames_and_times_with_short_gops(full_copy):
    rel, out, s, _ = full_copy
    sources = videos(rel)
    assert s["reencoded"] == len(sources) == 18 and s["skipped"] == 0
    for src in sources:
        assert_reencoded(src, out / src.relative_to(rel))
    assert s["bytes_in"] == sum(p.stat().st_size for p in sources)
    assert s["bytes_out"] == sum((out / p.relative_to(rel)).stat().st_size for p in sources)


def test_the_copy_is_a_complete_release_of_links_and_the_source_is_untouched(full_copy):
    rel, out, s, before = full_copy
    assert snapshot(rel) == before
    assert validate_release(out).errors == []
    others = [p for p in rel.rglob("*") if p.is_file() and p.suffix != ".mp4" or p.name == "ego_preview.mp4"]
    assert s["linked"] == len(others) and s["copied"] == 0
    assert all((out / p.relative_to(rel)).samefile(p) for p in others)
    take = ek.open_release(out).takes[0]
    got, want = take.frames(frame=17), ek.open_release(rel).takes[0].frames(frame=17)
    assert got.keys() == want.keys() and all(psnr(got[k], want[k]) > 30 for k in got)


def test_a_rerun_redoes_only_missing_or_truncated_videos(tiny_release, tmp_path):
    out = tmp_path / "out"
    assert (
        summary(optimize(tiny_release, out, "--keyint", KEYINT, "--json", "--takes", "cmu_bike01_1"))[
            "reencoded"
        ]
        == 6
    )
    again = summary(optimize(tiny_release, out, "--keyint", KEYINT, "--json"))
    assert (again["reencoded"], again["skipped"], again["linked"]) == (12, 6, 0)  # the two other takes
    s = summary(optimize(tiny_release, out, "--keyint", KEYINT, "--json"))
    assert (s["reencoded"], s["skipped"], s["linked"], s["copied"]) == (0, 18, 0, 0)
    gone, cut = videos(out)[0], videos(out)[1]
    gone.unlink()
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    (out / "takes" / ".cam01.mp4.abc123.tmp.mp4").write_bytes(b"left by a killed run")
    s = summary(optimize(tiny_release, out, "--keyint", KEYINT, "--json"))
    assert (s["reencoded"], s["skipped"]) == (2, 16)
    for dst in (gone, cut):
        assert_reencoded(tiny_release / dst.relative_to(out), dst)
    assert not (out / "takes" / ".cam01.mp4.abc123.tmp.mp4").exists()
    # a smaller keyint is a different copy: every video fails the check and is redone
    assert summary(optimize(tiny_release, out, "--keyint", 5, "--json"))["reencoded"] == 18


def test_448_writes_the_downscaled_part_and_links_full_resolution(tiny_release_ro, tmp_path):
    out = tmp_path / "out"
    s = summary(
        optimize(
            tiny_release_ro, out, "--resolution", 448, "--takes", "cmu_bike01_2", "--keyint", KEYINT, "--json"
        )
    )
    written = videos(out, "downscaled/448/")
    assert s["reencoded"] == len(written) == 6
    for dst in written:
        src = tiny_release_ro / dst.relative_to(out).parent.parent.parent / dst.name
        with VideoReader(src) as a:
            size = downscaled_size(a.metadata.width, a.metadata.height)
        assert_reencoded(src, dst, size=size)
    assert all((out / p.relative_to(tiny_release_ro)).samefile(p) for p in videos(tiny_release_ro))
    assert validate_release(out).errors == []
    frames = ek.open_release(out).take("cmu_bike01_2").frames(frame=3, resolution="448")
    assert min(frames["cam01"].shape[:2]) == 448


@pytest.mark.parametrize("where", ["same", "inside", "parent"])
def test_a_copy_overlapping_the_source_is_refused_in_one_line(tiny_release, where):
    out = {"same": tiny_release, "inside": tiny_release / "train", "parent": tiny_release.parent}[where]
    before = snapshot(tiny_release)
    res = optimize(tiny_release, out)
    assert res.exit_code == 2
    assert res.output.count("error:") == 1 and "overlaps the source release" in res.output
    assert snapshot(tiny_release) == before and not (tiny_release / "train").exists()


def test_bad_arguments_are_usage_errors(tiny_release_ro, tmp_path):
    for args in (["--resolution", "720"], ["--keyint", "0"], ["--runner", "slurm"]):
        res = optimize(tiny_release_ro, tmp_path / "out", *args)
        assert res.exit_code == 2 and "error:" in res.output and "internal error" not in res.output
    res = optimize(tmp_path / "nowhere", tmp_path / "out")
    assert res.exit_code == 2 and res.output.count("error:") == 1


HOLD = """
import sys
from egoexo_kit._lock import folder_lock
with folder_lock(sys.argv[1], what="egoexo-kit optimize"):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_one_writer_at_a_time(tiny_release_ro, tmp_path):
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        res = optimize(tiny_release_ro, out, "--takes", "cmu_bike01_1")
        assert res.exit_code == 2 and "`egoexo-kit optimize` (pid" in res.output
        assert videos(out) == []
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with folder_lock(out, what="test"):  # the refused run left no lock behind
        pass


@pytest.mark.slow
def test_the_ray_runner_writes_the_same_copy(full_copy, tmp_path):
    rel, local, _, _ = full_copy
    s = summary(
        optimize(rel, tmp_path / "out", "--keyint", KEYINT, "--runner", "ray", "--workers", 2, "--json")
    )
    assert s["reencoded"] == 18
    for dst in videos(tmp_path / "out"):
        assert_reencoded(rel / dst.relative_to(tmp_path / "out"), dst)
        assert (
            dst.read_bytes() == (local / dst.relative_to(tmp_path / "out")).read_bytes()
        )  # reproducible x264


def test_a_real_release_copy_validates_without_the_stale_manifest(tmp_path):
    """Real data first: the fixture's ``takes/manifest.json`` sizes describe the source's videos."""
    rel = Path(__file__).resolve().parents[1] / "fixtures" / "real_release"
    out = tmp_path / "out"
    s = summary(optimize(rel, out, "--workers", 1, "--json"))
    assert s["reencoded"] == len(videos(rel)) > 0
    assert (rel / "takes" / "manifest.json").is_file() and not (out / "takes" / "manifest.json").exists()
    assert (out / "annotations" / "manifest.json").samefile(rel / "annotations" / "manifest.json")
    report, source = validate_release(out), validate_release(rel)
    assert report.errors == [] and len(report.warnings) == len(source.warnings)


def test_across_file_systems_the_other_files_are_copied(tiny_release_ro, tmp_path):
    """A hard link cannot cross file systems: the copy then holds real copies (a rerun keeps them)."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev or not os.access(shm, os.W_OK):
        pytest.skip("needs a second writable file system (/dev/shm)")
    import tempfile

    with tempfile.TemporaryDirectory(dir=shm) as d:
        out = Path(d) / "out"
        s = summary(optimize(tiny_release_ro, out, "--takes", "cmu_bike01_1", "--json"))
        assert s["linked"] == 0 and s["copied"] > 0
        takes_json = out / "takes.json"
        assert takes_json.read_bytes() == (tiny_release_ro / "takes.json").read_bytes()
        assert not takes_json.samefile(tiny_release_ro / "takes.json")
        again = summary(optimize(tiny_release_ro, out, "--takes", "cmu_bike01_1", "--json"))
        assert (again["copied"], again["kept"], again["reencoded"]) == (0, s["copied"], 0)
