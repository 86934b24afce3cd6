"""EgoExoClips straight from a mirror URL: each spawned DataLoader worker reopens the mirror itself."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.download.conftest import http_mirror  # noqa: E402
from torch.utils.data import DataLoader  # noqa: E402

import egoexo_kit as ek  # noqa: E402
from egoexo_kit.torch import EgoExoClips  # noqa: E402

__all__ = ["http_mirror"]

TAKES = ["cmu_bike01_1", "cmu_bike01_2"]


def test_clips_from_a_mirror_equal_local_clips_in_spawned_workers(http_mirror, tiny_release_ro):
    url = f"{http_mirror.url}/v2"
    kwargs = {"clip_seconds": 0.5, "fps": 10, "views": ["cam01"], "with_annotations": False, "takes": TAKES}
    remote = ek.open_release(url)
    ds = EgoExoClips(remote, **kwargs)
    here = EgoExoClips(tiny_release_ro, **kwargs)
    assert ds.clips == here.clips
    assert ek.open_release(remote.root).remote is not None  # the shadow remembers its mirror
    copy = pickle.loads(pickle.dumps(remote.remote))
    assert copy.source is not remote.remote.source  # a copy connects again (a worker: its own connections)
    before = len(http_mirror.faults.requests)
    loader = DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    got = {}
    for batch in loader:
        for uid, t0, video in zip(batch["take_uid"], batch["t0"], batch["video"]["cam01"], strict=True):
            got[uid, float(t0)] = video.numpy()
    assert len(http_mirror.faults.requests) > before  # the workers read the mirror
    for i in range(len(here)):
        item = here[i]
        want = item["video"]["cam01"].numpy()
        np.testing.assert_array_equal(got[item["take_uid"], float(item["t0"])], want)
