"""448p variants: ffmpeg's size rule, exact frame counts, resumable release-wide runs."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.cli import app
from egoexo_kit.validate import validate_release
from egoexo_kit.video import downscale_release, downscale_video, downscaled_size, encode_video, probe_video


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((3840, 2160), (796, 448)),
        ((2160, 3840), (448, 796)),
        ((1408, 1408), (448, 448)),
        ((480, 640), (448, 598)),
        ((640, 480), (598, 448)),
        ((1182, 448), (1182, 448)),
    ],
)
def test_size_rule_matches_ffmpeg(size, expected):
    assert downscaled_size(*size) == expected


@pytest.mark.parametrize(("w", "h"), [(160, 90), (90, 160), (64, 64)])
def test_downscale_video(tmp_path, w, h):
    src, dst = tmp_path / "src.mp4", tmp_path / "dst.mp4"
    encode_video(src, [np.full((h, w, 3), 10 * i, np.uint8) for i in range(12)])
    assert downscale_video(src, dst) == downscaled_size(w, h)
    info = probe_video(dst)
    assert (info.width, info.height) == downscaled_size(w, h)
    assert min(info.width, info.height) == 448 and max(info.width, info.height) % 2 == 0
    assert info.num_frames == 12


def test_downscale_release_is_resumable(tiny_release):
    rel = open_release(tiny_release)
    written = downscale_release(rel, takes=["cmu_bike01_1"], workers=1)
    assert len(written) == 6 and all(p.is_file() for p in written)
    assert downscale_release(rel, takes=["cmu_bike01_1"], workers=1) == []
    assert validate_release(tiny_release).errors == []
    res = CliRunner().invoke(app, ["downscale", str(tiny_release), "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "wrote 12 file(s)" in res.stdout
    assert all(v.exists_448 for t in open_release(tiny_release).takes for v in t.views)
