"""``download`` reuses the remote block cache: what reading the mirror in place cached is not fetched again.

Real servers on 127.0.0.1 (the faulty HTTP mirror, moto's S3): blocks are cached by reading frames
(``open_release(url)`` or a :class:`RemoteFile` under a ``VideoReader``), then the same files are
downloaded. Per file, bytes fetched + bytes reused + a resumed ``.part`` prefix == its size, and the
output is byte-identical and verified; a changed object or a corrupted block never ends in a file.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from tests.download.conftest import Faults, http_mirror, make_mirror, s3_mirror, serve_dir
from typer.testing import CliRunner

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.download import Selection, TransferPolicy, download, open_source, plan_download
from egoexo_kit.remote import BlockCache, CacheReuse, RemoteFile
from egoexo_kit.remote._cache import TRAILER
from egoexo_kit.video import VideoReader

__all__ = ["http_mirror"]

runner = CliRunner()
BLOCK = 16 << 10
FAST = TransferPolicy(retries=3, backoff_s=0.01, max_backoff_s=0.05, timeout_s=5.0)
OTHER = os.urandom(40_000)


def _mp4s(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.mp4")}


def _cached_bytes(cache: BlockCache, url: str) -> int:
    """Bytes the cache holds of ``url`` (any version)."""
    prefix = cache.address(url) + "-"
    return sum(p.stat().st_size - TRAILER for p in cache.root.glob(f"{prefix}*/*.blk"))


# -- a release read in place, then downloaded with the CLI ---------------------------------------------


def _download_cli(url: str, out: Path, uid: str, *extra: str) -> dict:
    """``egoexo-kit download OUT --source <base> --release <name> --parts takes --uids UID … --json``."""
    base, name = url.rsplit("/", 1)
    args = ["download", out, "--source", base, "--release", name, "--parts", "takes", "--uids", uid]
    res = runner.invoke(app, [str(a) for a in [*args, *extra, "-y", "--json"]])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _read_then_download(url: str, out: Path, *extra: str, endpoint: str | None = None) -> tuple[dict, str]:
    """Read frame 7 of the first take through ``open_release(url)``, then download its videos (CLI).

    Returns the download's JSON report and the take (``name``, ``uid``).
    """
    release = egoexo_kit.open_release(url, endpoint_url=endpoint)
    take = release.takes[0]
    take.frames(frame=7)  # every view: blocks of every video land in the cache
    return _download_cli(url, out, take.uid, *extra), (take.name, take.uid)


def test_cli_download_after_reading_frames_over_http_fetches_only_missing_bytes(http_mirror, tmp_path):
    faults = http_mirror.faults
    url = f"{http_mirror.url}/v2"
    egoexo_kit.open_release(url)  # metadata, so that the download below counts only its own bytes
    served = faults.served
    report, (take, uid) = _read_then_download(url, tmp_path / "out")
    cached = BlockCache()
    reading = faults.served - served
    assert report["ok"] and report["reused_bytes"] > 0, report
    videos = _mp4s(http_mirror.root / "v2" / "takes" / take)
    assert _mp4s(tmp_path / "out" / "takes" / take) == videos  # byte-identical, sha256-verified
    # every video byte was either reused from the cache or fetched: the cached ones were not fetched
    assert report["fetched_bytes"] + report["reused_bytes"] == sum(len(v) for v in videos.values())
    assert report["reused_bytes"] == sum(_cached_bytes(cached, f"{url}/takes/{take}/{rel}") for rel in videos)
    assert report["reused_bytes"] <= reading
    assert report["counts"] == {"sha256": len(videos)}
    # the human report says it too
    shutil.rmtree(tmp_path / "out")
    base, _ = url.rsplit("/", 1)
    args = ["download", tmp_path / "out", "--source", base, "--parts", "takes", "--uids", uid, "-y"]
    human = runner.invoke(app, [str(a) for a in args])
    assert human.exit_code == 0 and "block cache)" in " ".join(human.stdout.split()), human.output
    # --force fetches everything from the source again
    forced = _download_cli(url, tmp_path / "out", uid, "--force")
    assert forced["reused_bytes"] == 0 and forced["fetched_bytes"] == sum(len(v) for v in videos.values())


def test_cli_download_after_reading_frames_over_s3_reuses_blocks(s3_release, tmp_path, tiny_release_ro):
    url, endpoint = s3_release
    report, (take, _) = _read_then_download(
        url, tmp_path / "out", "--endpoint-url", endpoint, endpoint=endpoint
    )
    assert report["ok"] and report["reused_bytes"] > 0, report
    videos = _mp4s(tiny_release_ro / "takes" / take)
    assert _mp4s(tmp_path / "out" / "takes" / take) == videos
    assert report["fetched_bytes"] + report["reused_bytes"] == sum(len(v) for v in videos.values())


# -- a long video, partly cached: single stream, parallel ranges, a resumed .part ------------------------


@pytest.fixture
def long_mirror(long_video, tmp_path):
    """``takes/t/long.mp4`` (the 10 s video) and ``takes/t/other.mp4`` on the faulty HTTP server.

    Yields ``(base URL, mirror root, faults)``.
    """
    base = make_mirror(
        tmp_path / "m", {"takes/t/long.mp4": long_video.read_bytes(), "takes/t/other.mp4": OTHER}
    )
    faults = Faults()
    server, url = serve_dir(base, faults)
    yield url, base, faults
    server.shutdown()
    server.server_close()


def _read_frames(url: str, cache: BlockCache, *frames: int) -> None:
    """Decode ``frames`` of ``url`` through a RemoteFile: the cache gets the moov box and their GOPs."""
    src = open_source(url.rsplit("/", 1)[0], release="", timeout=5.0)
    opener = lambda: RemoteFile(src, url, cache=cache, policy=FAST, block=BLOCK)  # noqa: E731
    with VideoReader("long.mp4", opener=opener) as r:
        for i in frames:
            assert r[i].shape == (96, 128, 3)


def _download(url: str, out: Path, reuse: CacheReuse | None, policy: TransferPolicy = FAST):
    plan = plan_download(
        out, source=open_source(url, release="v2"), selection=Selection(parts=("takes",)), policy=policy
    )
    report = download(plan, workers=2, policy=policy, reuse=reuse)
    return report, {Path(r.relative_path).name: r for r in report.results}


@pytest.mark.parametrize(
    "how", ["one stream", "parallel ranges", "resumed .part"], ids=["stream", "ranges", "resume"]
)
def test_a_partly_cached_file_fetches_only_the_bytes_the_cache_lacks(long_mirror, tmp_path, how):
    url, root, faults = long_mirror
    data = (root / "v2/takes/t/long.mp4").read_bytes()
    file_url = f"{url}/v2/takes/t/long.mp4"
    cache = BlockCache(tmp_path / "cache")
    _read_frames(file_url, cache, 137, 260)
    cached = _cached_bytes(cache, file_url)
    assert 0 < cached < 0.6 * len(data), (cached, len(data))
    policy = (
        FAST if how != "parallel ranges" else TransferPolicy(**{**FAST.__dict__, "segment_bytes": 64 << 10})
    )
    prefix = 0
    if how == "resumed .part":  # a killed run's .part: kept, and the cache fills the rest with the network
        prefix = 50_000
        part = tmp_path / "out/takes/t/long.mp4.part"
        part.parent.mkdir(parents=True)
        part.write_bytes(data[:prefix])
    reuse = CacheReuse(cache, block=BLOCK)
    served, heads = faults.served, faults.heads
    report, files = _download(url, tmp_path / "out", reuse, policy)
    assert report.ok, report.to_json()
    assert (tmp_path / "out/takes/t/long.mp4").read_bytes() == data
    assert (tmp_path / "out/takes/t/other.mp4").read_bytes() == OTHER
    long = files["long.mp4"]
    assert (long.method, long.attempts) == ("sha256", 1)
    assert long.fetched + long.reused + prefix == len(data)
    assert long.reused > 0 and (prefix or long.reused == cached)
    assert files["other.mp4"].reused == 0
    manifest = (root / "v2/takes/manifest.json").stat().st_size
    assert faults.served - served == manifest + long.fetched + len(OTHER)  # cached bytes stayed home
    assert faults.heads - heads == reuse.heads == 1  # a HEAD only for the file that had cached blocks
    if how == "parallel ranges":
        assert len([r for p, r in faults.requests[-20:] if p.endswith("long.mp4") and r]) > 1


def test_an_object_changed_on_the_server_is_downloaded_without_its_old_blocks(long_mirror, tmp_path):
    url, root, _ = long_mirror
    file_url = f"{url}/v2/takes/t/long.mp4"
    cache = BlockCache(tmp_path / "cache")
    _read_frames(file_url, cache, 137)
    old = (root / "v2/takes/t/long.mp4").read_bytes()
    new = bytes(b ^ 0x5A for b in old)  # same size, other bytes: only the ETag tells them apart
    make_mirror(root, {"takes/t/long.mp4": new, "takes/t/other.mp4": OTHER})
    reuse = CacheReuse(cache, block=BLOCK)
    report, files = _download(url, tmp_path / "out", reuse)
    assert report.ok
    assert (tmp_path / "out/takes/t/long.mp4").read_bytes() == new
    assert (files["long.mp4"].reused, files["long.mp4"].attempts) == (0, 1)  # never tried the old blocks
    assert reuse.heads == 1 and _cached_bytes(cache, file_url) == 0  # the stale version was deleted


def test_a_corrupted_cached_block_is_caught_by_the_hash_and_the_file_fetched_again(long_mirror, tmp_path):
    url, root, faults = long_mirror
    data = (root / "v2/takes/t/long.mp4").read_bytes()
    file_url = f"{url}/v2/takes/t/long.mp4"
    cache = BlockCache(tmp_path / "cache")
    _read_frames(file_url, cache, 137)
    block = max(cache.root.rglob("*.blk"), key=lambda p: int(p.stem))
    wrong = bytes(b ^ 0xFF for b in block.read_bytes()[:-TRAILER])
    cache.put(block.parent, int(block.stem), wrong)  # right length, wrong bytes, yet sealed as intact
    served = faults.served
    report, files = _download(url, tmp_path / "out", CacheReuse(cache, block=BLOCK))
    assert report.ok, report.to_json()
    assert (tmp_path / "out/takes/t/long.mp4").read_bytes() == data  # never left wrong
    long = files["long.mp4"]
    assert (long.method, long.attempts, long.reused) == ("sha256", 2, 0)
    assert _cached_bytes(cache, file_url) == 0  # the object's blocks were dropped, not served again
    assert faults.served - served == (root / "v2/takes/manifest.json").stat().st_size + long.fetched + len(
        OTHER
    )
    assert long.fetched > len(data)  # the first attempt's fetched bytes were discarded with its .part


def test_without_any_hash_to_verify_the_file_cached_blocks_are_not_used(long_video, tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/long.mp4": long_video.read_bytes()}, checksums=False)
    faults = Faults()
    server, url = serve_dir(base, faults)  # its ETag is no content hash: only the size could check
    try:
        cache = BlockCache(tmp_path / "cache")
        _read_frames(f"{url}/v2/takes/t/long.mp4", cache, 137)
        report, files = _download(url, tmp_path / "out", CacheReuse(cache, block=BLOCK))
    finally:
        server.shutdown()
        server.server_close()
    assert report.ok and files["long.mp4"].method == "size"
    assert files["long.mp4"].reused == 0 and files["long.mp4"].fetched == long_video.stat().st_size


def test_reused_frames_decode_like_the_original(long_mirror, tmp_path, long_video):
    """The downloaded file (half from cached blocks) decodes to the very frames of the source video."""
    url, _, _ = long_mirror
    cache = BlockCache(tmp_path / "cache")
    _read_frames(f"{url}/v2/takes/t/long.mp4", cache, 45, 200)
    report, files = _download(url, tmp_path / "out", CacheReuse(cache, block=BLOCK))
    assert report.ok and files["long.mp4"].reused > 0
    with VideoReader(tmp_path / "out/takes/t/long.mp4") as got, VideoReader(long_video) as want:
        for i in (0, 45, 200, 299):
            assert np.array_equal(got[i], want[i]), i


def test_s3_partly_cached_object(s3, moto_endpoint, long_video, tmp_path):
    client, bucket = s3
    data = long_video.read_bytes()
    base = s3_mirror(client, bucket, {"takes/t/long.mp4": data})
    src = open_source(base, release="v2", endpoint_url=moto_endpoint)
    file_url = src.file_url(f"{base}/v2/takes/t/long.mp4", "takes/t/long.mp4")
    cache = BlockCache(tmp_path / "cache")
    with VideoReader(
        "long.mp4", opener=lambda: RemoteFile(src, file_url, cache=cache, policy=FAST, block=BLOCK)
    ) as r:
        r[137]
    plan = plan_download(tmp_path / "out", source=src, selection=Selection(parts=("takes",)), policy=FAST)
    report = download(plan, workers=2, policy=FAST, reuse=CacheReuse(cache, block=BLOCK))
    assert report.ok
    assert (tmp_path / "out/takes/t/long.mp4").read_bytes() == data
    assert report.reused_bytes == _cached_bytes(cache, file_url) > 0
    assert report.fetched_bytes == len(data) - report.reused_bytes
