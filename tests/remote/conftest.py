"""Remote-release fixtures: the download tests' real servers (moto, the faulty HTTP mirror), a longer video.

Everything stays on 127.0.0.1 (``_no_real_aws`` points AWS at a closed local port); every test gets
its own user cache folder, so blocks and shadows never leak between tests.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tests.download.conftest import Faults, _no_real_aws, mirror, s3, serve_dir

from egoexo_kit.download import publish

__all__ = ["Faults", "_no_real_aws", "long_video", "mirror", "s3", "s3_release", "serve_dir", "synth_mirror"]

VIDEO_FRAMES = 300
"""Frames of :func:`long_video`: ten one-second groups of pictures."""


@pytest.fixture
def s3_release(s3, moto_endpoint, tiny_release_ro):
    """The tiny release published to moto: ``(release URL, endpoint)``."""
    _, bucket = s3
    publish(tiny_release_ro, f"s3://{bucket}/mirror", endpoint_url=moto_endpoint, workers=4)
    return f"s3://{bucket}/mirror/v2", moto_endpoint


@pytest.fixture(scope="module")
def synth_mirror(synth_release, tmp_path_factory) -> str:
    """The synthetic release (GoPro audio, automatic EgoPose, commentary .webm) as a ``file://`` mirror."""
    base = tmp_path_factory.mktemp("synth-mirror")
    publish(synth_release, base, release="v2", workers=2)
    return (base / "v2").as_uri()


@pytest.fixture(autouse=True)
def _own_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "user-cache"))
    monkeypatch.delenv("EGOEXO_KIT_CACHE_MAX", raising=False)
    monkeypatch.delenv("EGOEXO_KIT_REMOTE_BLOCK", raising=False)


def _write_long_video(out: Path) -> None:
    from egoexo_kit.video import encode_video

    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)
    frames = (np.roll(base, 3 * i, axis=1) ^ np.uint8(i % 256) for i in range(VIDEO_FRAMES))
    out.mkdir(parents=True)
    encode_video(out / "long.mp4", frames, preset="ultrafast", keyint=30)


@pytest.fixture(scope="session")
def long_video(shared) -> Path:
    """A 10 s MP4 (300 noisy frames, a keyframe every 30): a random frame needs one GOP of ten."""
    return shared("remote-long-video", _write_long_video) / "long.mp4"


@pytest.fixture
def video_server(long_video, tmp_path):
    """``long.mp4`` (a private copy, so tests may replace it) served over HTTP with injectable faults.

    Yields ``(url of the file, its local path, faults)``.
    """
    root = tmp_path / "www"
    root.mkdir()
    local = root / "long.mp4"
    local.write_bytes(long_video.read_bytes())
    faults = Faults()
    server, base = serve_dir(root, faults)
    yield f"{base}/long.mp4", local, faults
    server.shutdown()
    server.server_close()
