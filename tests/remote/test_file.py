"""RemoteFile over a real HTTP server on 127.0.0.1: exact frames, few bytes, faults retried, changes seen."""

from __future__ import annotations

import os

import numpy as np
import pytest

from egoexo_kit.download import TransferPolicy, open_source
from egoexo_kit.errors import DownloadError
from egoexo_kit.remote import BlockCache, RemoteFile, TransferStats
from egoexo_kit.video import VideoReader

BLOCK = 16 << 10
FAST = TransferPolicy(retries=4, backoff_s=0.01, max_backoff_s=0.05, timeout_s=1.0)


def _source(url: str, *, timeout: float = 5.0):
    return open_source(url.rsplit("/", 1)[0], release="", timeout=timeout)


def _opener(url: str, cache: BlockCache, stats: TransferStats, *, timeout: float = 5.0):
    src = _source(url, timeout=timeout)
    return lambda: RemoteFile(src, url, cache=cache, policy=FAST, block=BLOCK, stats=stats)


def test_remote_frames_equal_local_frames_and_cost_a_fraction_of_the_file(video_server, tmp_path):
    url, local, _ = video_server
    stats = TransferStats()
    remote = VideoReader("long.mp4", opener=_opener(url, BlockCache(tmp_path / "c"), stats))
    with VideoReader(local) as here:
        assert len(remote) == len(here)
        first = stats.bytes
        assert np.array_equal(remote[137], here[137])
        one_frame = stats.bytes  # moov box + one group of pictures
        assert one_frame < 0.3 * local.stat().st_size, (first, one_frame, local.stat().st_size)
        for i in (0, 299, 45, 200, 201, 202):
            assert np.array_equal(remote[i], here[i]), i
    remote.close()


def test_cached_blocks_are_reused_across_readers_and_a_wrong_block_is_refetched(video_server, tmp_path):
    url, local, faults = video_server
    cache, stats = BlockCache(tmp_path / "c"), TransferStats()
    with VideoReader("long.mp4", opener=_opener(url, cache, stats)) as r:
        want = r[150]
    fetched = stats.bytes
    with VideoReader("long.mp4", opener=_opener(url, cache, stats)) as r:
        assert np.array_equal(r[150], want)
    assert stats.bytes == fetched  # all from the disk cache
    assert cache.hits > 0
    # a block of the wrong length (truncated on disk) is never served: it is fetched again
    blocks = sorted(p for p in cache.root.rglob("*.blk"))
    blocks[0].write_bytes(blocks[0].read_bytes()[:100])
    f = _opener(url, cache, stats)()
    assert f.read(BLOCK) == local.read_bytes()[:BLOCK]
    assert stats.bytes > fetched


@pytest.mark.parametrize("fault", ["503", "429", "500", "drop", "stall"])
def test_transient_faults_are_retried(video_server, tmp_path, fault):
    url, local, faults = video_server
    faults.stall_s = 2.0
    faults.plan["long.mp4"] = [fault, fault]  # two failures in a row, then the server recovers
    f = _opener(url, BlockCache(tmp_path / "c"), TransferStats(), timeout=0.5)()
    data = local.read_bytes()
    assert f.pread(5 * BLOCK, 7 * BLOCK + 10) == data[5 * BLOCK : 7 * BLOCK + 10]
    assert len(faults.requests) >= 3  # two failed GETs, then the good one


def test_a_permanent_error_is_one_located_error(video_server, tmp_path):
    url, _, _ = video_server
    with pytest.raises(DownloadError) as e:
        RemoteFile(_source(url), url.replace("long.mp4", "gone.mp4"), cache=BlockCache(tmp_path), policy=FAST)
    assert "404" in str(e.value) and "gone.mp4" in str(e.value)


def test_too_many_failures_give_up_with_the_reason(video_server, tmp_path):
    url, _, faults = video_server
    f = _opener(url, BlockCache(tmp_path / "c"), TransferStats())()
    faults.plan["long.mp4"] = ["503"] * 50
    with pytest.raises(DownloadError, match="503"):
        f.read(10)


def test_a_changed_object_invalidates_its_blocks(video_server, tmp_path):
    url, local, _ = video_server
    cache, stats = BlockCache(tmp_path / "c"), TransferStats()
    old = local.read_bytes()
    opened_before = _opener(url, cache, stats)()
    assert opened_before.read(BLOCK) == old[:BLOCK]
    assert list(cache.root.rglob("*.blk"))
    new = bytes(b ^ 0x5A for b in old[: 3 * BLOCK])  # re-uploaded: other bytes, other size
    local.write_bytes(new)
    st = local.stat()
    os.utime(local, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    fresh = _opener(url, cache, stats)()  # a new open stats the object: new version, old blocks gone
    assert fresh.read(BLOCK) == new[:BLOCK]
    assert len(list(cache.root.iterdir())) == 1
    # a file opened on the old version refuses to mix in bytes of the new one
    opened_before.seek(2 * BLOCK)
    with pytest.raises(DownloadError, match="changed on the server"):
        opened_before.read(10)


def test_a_remote_file_is_not_picklable_but_says_what_to_do(video_server, tmp_path):
    import pickle

    url, _, _ = video_server
    f = _opener(url, BlockCache(tmp_path / "c"), TransferStats())()
    with pytest.raises(TypeError, match="open it again in the worker"):
        pickle.dumps(f)


def test_a_forward_walk_doubles_each_request(video_server, tmp_path):
    url, local, _ = video_server
    stats = TransferStats()
    f = _opener(url, BlockCache(tmp_path / "c"), stats)()
    data = b"".join(iter(lambda: f.read(40_000), b""))
    assert data == local.read_bytes()
    blocks = -(-len(data) // BLOCK)
    assert stats.requests <= blocks.bit_length() + 1, (stats.requests, blocks)  # 1, 2, 4 … blocks per GET
    assert stats.bytes == len(data)  # and nothing fetched twice


def test_a_server_that_ignores_byte_ranges_is_refused_at_once(video_server, tmp_path):
    url, _, faults = video_server
    f = _opener(url, BlockCache(tmp_path / "c"), TransferStats())()
    faults.plan["long.mp4"] = ["norange"] * 10
    with pytest.raises(DownloadError, match="ignores byte ranges"):
        f.read(10)
    assert len(faults.requests) == 1  # a permanent error: not retried
