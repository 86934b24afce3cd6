"""Unbounded size requests (clip fps and length, collage tiles) are one LimitError line, checked first.

Before the caps, ``clips --fps 1e9`` allocated until the kernel killed the process. Each case here
must end, in the library and in the CLI, with one line naming the cap and its override, before a
single frame is decoded.
"""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pytest
from typer.testing import CliRunner

import egoexo_kit as ek
from egoexo_kit.cli import app
from egoexo_kit.errors import ArgumentError, LimitError
from egoexo_kit.facade import clip_times
from egoexo_kit.video import collage_frame, encode_video, write_collage

runner = CliRunner()
TAKE = "cmu_bike01_1"


def one_error_line(res) -> str:
    """The single ``error:`` line of a refused run (exit 2, no traceback)."""
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    lines = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, res.output
    return lines[0]


@pytest.mark.parametrize(
    ("t0", "t1", "fps", "cap"),
    [
        (0, 1, 1e9, "EGOEXO_KIT_MAX_CLIP_FPS"),
        (0, 1, math.inf, "EGOEXO_KIT_MAX_CLIP_FPS"),
        (0, 1e6, None, "EGOEXO_KIT_MAX_CLIP_FRAMES"),
        (0, 1e308, 30, "EGOEXO_KIT_MAX_CLIP_FRAMES"),
        (-math.inf, 0, 30, "EGOEXO_KIT_MAX_CLIP_FRAMES"),
    ],
)
def test_clip_times_refuses_before_allocating(t0, t1, fps, cap):
    tracemalloc.start()
    try:
        with pytest.raises(LimitError, match=cap):
            clip_times(t0, t1, fps=fps)
        assert tracemalloc.get_traced_memory()[1] < 1_000_000  # nothing sized by the request
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("t0", "t1", "fps"), [(1, 1, None), (math.nan, 1, None), (0, 1, 0), (0, 1, -3), (0, 1, math.nan)]
)
def test_clip_times_refuses_empty_or_meaningless_requests(t0, t1, fps):
    with pytest.raises(ArgumentError):
        clip_times(t0, t1, fps=fps)


def test_clip_times_keeps_ordinary_requests():
    assert np.allclose(clip_times(0.0, 1.0, fps=10), np.arange(0, 1, 0.1))
    assert len(clip_times(0.0, 2.0)) == 60
    assert len(clip_times(0.0, 10_000 / 30)) == 10_000  # exactly the cap


def test_the_cap_can_be_raised_for_one_run(monkeypatch):
    monkeypatch.setenv("EGOEXO_KIT_MAX_CLIP_FPS", "1000")
    assert len(clip_times(0.0, 1.0, fps=500)) == 500


def test_take_clip_is_capped(tiny_release_ro):
    take = ek.open_release(tiny_release_ro).take(TAKE)
    with pytest.raises(LimitError, match="clip frame rate"):
        take.clip(0.0, 1.0, fps=1e9)


def test_cli_clips_hostile_rates_and_lengths(tiny_release_ro, tmp_path):
    out = tmp_path / "c.mp4"
    base = ["clips", str(tiny_release_ro), TAKE, "--out", str(out)]
    cases = {
        ("--t0", "0", "--t1", "1", "--fps", "1e9"): "EGOEXO_KIT_MAX_CLIP_FPS",
        ("--t0", "0", "--t1", "1", "--fps", "inf"): "EGOEXO_KIT_MAX_CLIP_FPS",
        ("--t0", "0", "--t1", "1e308"): "EGOEXO_KIT_MAX_CLIP_FRAMES",
        ("--t0", "nan", "--t1", "1"): "t1 > t0",
    }
    for args, expected in cases.items():
        assert expected in one_error_line(runner.invoke(app, [*base, *args]))
        assert not out.exists()


def test_cli_clips_below_one_fps_writes_a_slideshow(tiny_release_ro, tmp_path):
    """A 0.5 fps sampling used to ask the encoder for 0 fps (ZeroDivisionError)."""
    out = tmp_path / "c.mp4"
    res = runner.invoke(
        app,
        ["clips", str(tiny_release_ro), TAKE, "--t0", "0", "--t1", "0.9", "--fps", "0.5", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    assert ek.video.probe_video(out).num_frames == 1


def test_collage_tiles_are_checked_before_decoding(tmp_path):
    frame = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(LimitError, match="EGOEXO_KIT_MAX_IMAGE_SIDE"):
        collage_frame([frame] * 4, tile=(100_000, 2))
    with pytest.raises(ArgumentError):
        collage_frame([frame], tile=(0, 10))
    missing = [tmp_path / "nope.mp4"] * 3  # never opened: the request is refused first
    with pytest.raises(LimitError):
        write_collage(tmp_path / "x.mp4", videos=missing, labels=["a"] * 3, tile=(99_998, 180))
    with pytest.raises(ArgumentError, match="even"):
        write_collage(tmp_path / "x.mp4", videos=missing, labels=["a"] * 3, tile=(321, 181))
    assert not list(tmp_path.iterdir())


def test_encode_video_refuses_a_rate_it_cannot_write(tmp_path):
    with pytest.raises(ArgumentError, match="frame rate"):
        encode_video(tmp_path / "x.mp4", [np.zeros((8, 8, 3), np.uint8)], fps=0)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("tile", "expected"),
    [
        ("99999x180", "EGOEXO_KIT_MAX_IMAGE_SIDE"),
        ("0x0", "positive"),
        ("-2x4", "positive"),
        ("321x181", "even"),
    ],
)
def test_cli_collage_tiles(tiny_release_ro, tmp_path, tile, expected):
    out = tmp_path / "col.mp4"
    res = runner.invoke(
        app,
        ["collage", str(tiny_release_ro), TAKE, "--resolution", "full", f"--tile={tile}", "--out", str(out)],
    )
    assert expected in one_error_line(res)
    assert not out.exists()


@pytest.mark.parametrize("frame", ["99999999999999999999999", "-9223372036854775809"])
def test_a_frame_beyond_int64_is_outside_the_take(tiny_release_ro, tmp_path, frame):
    """It was a TypeError (numpy holds such an int as an object), printed as an internal error."""
    res = runner.invoke(
        app, ["frames", str(tiny_release_ro), TAKE, f"--frame={frame}", "--out", str(tmp_path)]
    )
    assert "outside the take window" in one_error_line(res)


def test_project_at_a_frame_beyond_int64_is_outside_the_take(tiny_release_ro):
    """An OverflowError deep in the camera lookup before: the frame is now checked first."""
    args = ["project", str(tiny_release_ro), TAKE, "--view", "cam01", "--frame=99999999999999999999999"]
    assert "outside the take window" in one_error_line(runner.invoke(app, [*args, "--xyz", "0,0,1"]))


def test_a_huge_triangulation_threshold_accepts_every_view(tiny_release_ro, tmp_path):
    """``1e308 ** 2`` raised OverflowError; a threshold that large simply keeps every view."""
    out = tmp_path / "t.json"
    res = runner.invoke(
        app, ["triangulate", str(tiny_release_ro), TAKE, "--out", str(out), "--threshold", "1e308"]
    )
    assert res.exit_code == 0, res.output
    assert out.is_file()
    from egoexo_kit.geometry.triangulate import triangulate

    with pytest.raises(ArgumentError, match="threshold"):
        triangulate(np.zeros((1, 2)), cameras=[], T_cam_world=np.zeros((0, 4, 4)), threshold=math.nan)
