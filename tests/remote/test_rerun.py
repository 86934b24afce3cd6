"""``export-rerun`` of a mirror URL (moto's S3 on 127.0.0.1): the excerpts come from ranged reads only.

One take's ``cam01`` is a 10 s video of twenty noisy half-second groups of pictures, so a fifth of a
second of it needs one group: the bytes fetched for it must be a small part of the file, and the
embedded frames must be exactly the local release's.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("rerun")
from tests.viz.conftest import decode_at, embedded_video, rrd_contents

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.download import publish
from egoexo_kit.synth import write_tiny_release
from egoexo_kit.video import encode_video
from egoexo_kit.viz import export_rerun

TAKE = "cmu_bike01_1"


@pytest.fixture
def long_release(s3, moto_endpoint, tmp_path):
    """A tiny release of 10 s takes whose first take's cam01 has 20 groups of pictures, on moto.

    Returns ``(url, endpoint, local folder)``.
    """
    folder = write_tiny_release(tmp_path / "release", seconds=10.0)
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 256, (128, 192, 3), dtype=np.uint8)
    pictures = (np.roll(noise, 3 * i, axis=1) ^ np.uint8(i % 256) for i in range(300))
    encode_video(egoexo_kit.open_release(folder).take(TAKE).view("cam01").path, pictures, keyint=15)
    _, bucket = s3
    publish(folder, f"s3://{bucket}/long", endpoint_url=moto_endpoint, workers=4)
    return f"s3://{bucket}/long/v2", moto_endpoint, folder


def test_export_rerun_of_a_mirror_reads_only_the_groups_it_embeds(long_release, tmp_path, monkeypatch):
    url, endpoint, folder = long_release
    monkeypatch.setenv("EGOEXO_KIT_REMOTE_BLOCK", "16K")  # blocks much smaller than a group of pictures
    local = egoexo_kit.open_release(folder).take(TAKE)
    size = local.view("cam01").path.stat().st_size
    frames = np.arange(120, 126)  # [4, 4.2) s: inside one group of fifteen

    release = egoexo_kit.open_release(url, endpoint_url=endpoint)
    out = export_rerun(release.take(TAKE), tmp_path / "lib.rrd", t0=4.0, t1=4.2, views=["cam01"])
    assert release.remote is not None and 0 < release.remote.stats.bytes < size / 4
    print(f"fetched {release.remote.stats.bytes} of {size} bytes in {release.remote.stats.requests} requests")
    _, _, batches = rrd_contents(out)
    mp4, _, ts = embedded_video(batches, "/world/cams/cam01")
    assert len(mp4) < size / 4
    want = local.frames_at(frames=frames, views=["cam01"])["cam01"]
    np.testing.assert_array_equal(decode_at(mp4, ts), want)

    cli_out = tmp_path / "cli.rrd"
    args = ["export-rerun", url, TAKE, "--out", str(cli_out), "--t0", "4", "--t1", "4.2"]
    res = CliRunner().invoke(app, [*args, "--views", "cam01", "--endpoint-url", endpoint])
    assert res.exit_code == 0, res.output
    _, _, batches = rrd_contents(cli_out)
    mp4, _, ts = embedded_video(batches, "/world/cams/cam01")
    np.testing.assert_array_equal(decode_at(mp4, ts), want)
    res = CliRunner().invoke(app, [*args, "--endpoint-url", endpoint, "--s3-profile", "nope"])
    assert res.exit_code == 2 and "profile 'nope' is not configured" in res.output
