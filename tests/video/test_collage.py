"""Collages: lockstep decoding of aligned views, labelled grid, CLI."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.cli import app
from egoexo_kit.video import collage_frame, encode_video, iter_synced, probe_video, read_rgb_frames


def test_iter_synced_pairs_frame_i_of_every_file(tmp_path):
    for name, offset in (("a", 0), ("b", 100)):
        encode_video(
            tmp_path / f"{name}.mp4", [np.full((32, 48, 3), offset + 5 * i, np.uint8) for i in range(10)]
        )
    frames = list(iter_synced([tmp_path / "a.mp4", tmp_path / "b.mp4"]))
    assert len(frames) == 10
    for i, (a, b) in enumerate(frames):
        assert abs(float(a.mean()) - 5 * i) < 3 and abs(float(b.mean()) - (100 + 5 * i)) < 3


def test_collage_frame_layout():
    tiles = [np.full((90, 160, 3), 50 * k, np.uint8) for k in range(5)]
    grid = collage_frame(tiles, labels=[f"v{k}" for k in range(5)], tile=(160, 90), cols=3)
    assert grid.shape == (180, 480, 3)
    assert abs(float(grid[100:170, 170:310].mean()) - 200) < 5  # fifth tile, row 2 column 2
    assert grid[100:170, 330:470].max() == 0  # the sixth cell stays empty


def test_collage_cli(tiny_release, tmp_path):
    out = tmp_path / "c.mp4"
    res = CliRunner().invoke(
        app,
        [
            "collage",
            str(tiny_release),
            "cmu_bike01_1",
            "--resolution",
            "full",
            "--out",
            str(out),
            "--tile",
            "160x90",
        ],
    )
    assert res.exit_code == 0, res.output
    info = probe_video(out)
    assert (info.width, info.height, info.num_frames) == (
        480,
        90,
        open_release(tiny_release).take("cmu_bike01_1").n_frames,
    )
    assert read_rgb_frames(out)[0].shape == (90, 480, 3)
    res = CliRunner().invoke(app, ["collage", str(tiny_release), "cmu_bike01_1", "--out", str(out)])
    assert res.exit_code == 2 and "missing 448 videos" in res.stderr
