"""Batched decoding: ``Take.frames_at``, ``EgoExoClips.__getitems__`` and ``GopBatchSampler``.

The tiny release's take ``cmu_bike01_1`` is re-encoded with a keyframe every 10 frames (3 groups of
pictures in its 30 frames), so grouping and sharing are observable.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader  # noqa: E402

import egoexo_kit as ek  # noqa: E402
from egoexo_kit.errors import ArgumentError, FrameIndexError  # noqa: E402
from egoexo_kit.torch import EgoExoClips, GopBatchSampler  # noqa: E402
from egoexo_kit.video import VideoReader, encode_video  # noqa: E402

TAKE = "cmu_bike01_1"
VIEWS = ["aria01_214-1", "cam01"]


@pytest.fixture(scope="module")
def short_gop_release(tmp_path_factory, tiny_release_ro):
    """A copy of the tiny release whose first take's views have a 10-frame GOP."""
    import shutil

    root = tmp_path_factory.mktemp("gop") / "release"
    shutil.copytree(tiny_release_ro, root)
    take = ek.open_release(root).take(TAKE)
    for v in take.select_views(VIEWS):
        with VideoReader(v.path) as r:
            frames = list(r)
        encode_video(v.path, frames, keyint=10)
    return root


def _decoded(take: ek.Take) -> int:
    """Frames decoded so far by random access in every view of ``take`` (shared decoders)."""
    total = 0
    for v in take.select_views(VIEWS):
        reader, _ = take._reader(v, "full")  # the shared decoder take.frames_at uses
        total += reader.decoded_frames
    return total


def test_frames_at_is_many_frames_calls(short_gop_release):
    take = ek.open_release(short_gop_release).take(TAKE)
    wanted = [17, 3, 17, 29, 0]
    out = take.frames_at(frames=wanted, views=VIEWS)
    for view in VIEWS:
        assert out[view].shape[0] == len(wanted)
        for k, f in enumerate(wanted):
            np.testing.assert_array_equal(out[view][k], take.frames(frame=f, views=[view])[view])
    by_time = take.frames_at(t=[f / 30 for f in wanted], views=["cam01"])
    np.testing.assert_array_equal(by_time["cam01"], out["cam01"])
    assert take.frames_at(frames=[], views=["cam01"])["cam01"].shape[0] == 0
    kf = take.keyframes("cam01")
    assert kf[0] == 0 and len(kf) >= 3 and np.all(np.diff(kf) <= 10)  # x264 may cut a GOP short


def test_frames_at_refuses_bad_requests(short_gop_release):
    take = ek.open_release(short_gop_release).take(TAKE)
    with pytest.raises(ValueError, match="exactly one"):
        take.frames_at(views=["cam01"])
    with pytest.raises(FrameIndexError):
        take.frames_at(frames=[0, 30], views=["cam01"])
    with pytest.raises(ArgumentError, match="1-D sequence of ints"):
        take.frames_at(frames=[0.5], views=["cam01"])


def test_getitems_equals_getitem_and_decodes_less(short_gop_release):
    ds = EgoExoClips(
        short_gop_release, clip_seconds=0.1, fps=30, views=VIEWS, takes=[TAKE], with_annotations=False
    )
    assert len(ds) == 10  # 3-frame windows back to back
    batch_idx = [9, 7, 8, 9, 0]  # windows sharing the last group of pictures, a duplicate, and another group
    take = ds.window(0)[0]
    before = _decoded(take)
    batch = ds.__getitems__(batch_idx)
    shared = _decoded(take) - before
    separate = 0  # the same windows read one by one, each by a fresh decoder
    for i in batch_idx:
        _, t0, t1 = ds.window(i)
        for v in take.select_views(VIEWS):
            with VideoReader(v.path, cache_frames=0) as r:
                r.get_frames_at(take.clip_frames(t0, t1, fps=ds.fps).tolist())
                separate += r.decoded_frames
    for i, got in zip(batch_idx, batch, strict=True):
        want = ds[i]
        assert (got["t0"], got["t1"], got["keystep"]) == (want["t0"], want["t1"], want["keystep"])
        for view in VIEWS:
            assert torch.equal(got["video"][view], want["video"][view])
    assert shared < separate / 2  # one pass over each group of pictures instead of one per window


def test_gop_batch_sampler_groups_and_covers(short_gop_release):
    ds = EgoExoClips(
        short_gop_release,
        clip_seconds=0.1,
        fps=30,
        views=VIEWS,
        takes=[TAKE, "cmu_bike01_2"],
        with_annotations=False,
    )
    sampler = GopBatchSampler(ds, batch_size=4, clips_per_group=2, seed=5)
    first, second = list(sampler), list(sampler)
    for epoch in (first, second):
        flat = [i for b in epoch for i in b]
        assert sorted(flat) == list(range(len(ds)))  # every clip once per epoch
        assert len(epoch) == len(sampler)
    assert first != second  # the epoch is mixed into the order
    sampler.set_epoch(0)
    assert list(sampler) == first
    uid = ek.open_release(short_gop_release).take(TAKE).uid
    take = ek.open_release(short_gop_release).take(TAKE)
    kf = take.keyframes(take.select_views(VIEWS)[0])
    starts = np.arange(0, 30, 3)  # first frames of the take's 3-frame windows
    want = sorted(np.bincount(np.searchsorted(kf, starts, side="right")).tolist())
    assert sorted(len(b) for b in sampler.buckets if ds.clips[int(b[0])].take_uid == uid) == [
        w for w in want if w
    ]
    bucket_of = {int(i): k for k, bucket in enumerate(sampler.buckets) for i in bucket}
    groups = sum(-(-len(b) // 2) for b in sampler.buckets)
    flat = [bucket_of[i] for b in first for i in b]
    changes = sum(a != b for a, b in zip(flat, flat[1:], strict=False))
    assert changes <= groups - 1  # the order is whole groups, each from one bucket
    with pytest.raises(ValueError, match="uniform"):
        GopBatchSampler(EgoExoClips(short_gop_release, clip_seconds=0.1, sampler="random", takes=[TAKE]), 4)
    with pytest.raises(ValueError, match="batch_size"):
        GopBatchSampler(ds, 0)


def test_dataloader_uses_batches(short_gop_release):
    ds = EgoExoClips(
        short_gop_release,
        clip_seconds=0.1,
        fps=30,
        views=["cam01"],
        takes=[TAKE, "cmu_bike01_2"],
        with_annotations=False,
    )
    loader = DataLoader(
        ds,
        batch_sampler=GopBatchSampler(ds, batch_size=4, drop_last=True),
        num_workers=2,
        multiprocessing_context="spawn",
    )
    seen = 0
    for batch in loader:
        assert batch["video"]["cam01"].shape == (4, 3, 3, 72, 128)
        seen += 4
    assert seen == len(ds) // 4 * 4


def test_windows_of_one_length_have_one_frame_count():
    from egoexo_kit.facade import clip_times

    counts = {len(clip_times(k / 30, k / 30 + 0.1, fps=30)) for k in range(300)}
    assert counts == {3}  # np.arange's float steps gave 4 samples at some starts
    np.testing.assert_allclose(clip_times(1.0, 2.0, fps=10), 1.0 + np.arange(10) / 10)
