"""EgoExoClips: synchronized multi-view clips with labels, picklable, in a multi-worker DataLoader."""

from __future__ import annotations

import functools
import json
import operator
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader  # noqa: E402

import egoexo_kit as ek  # noqa: E402
from egoexo_kit.errors import NotFoundError  # noqa: E402
from egoexo_kit.torch import IGNORE_INDEX, EgoExoClips  # noqa: E402


def test_items_are_synchronized_clips_with_labels(tiny_release_ro):
    ds = EgoExoClips(
        tiny_release_ro, clip_seconds=0.5, fps=10, views=["aria01_214-1", "cam01"], split="train"
    )
    assert len(ds) == 2  # the train take is 1 s long: two back-to-back windows
    item = ds[0]
    assert set(item["video"]) == {"aria01_214-1", "cam01"}
    assert item["video"]["cam01"].shape == (5, 3, 72, 128) and item["video"]["cam01"].dtype == torch.uint8
    take = ek.open_release(tiny_release_ro).take(item["take_uid"])
    ref = take.clip(0.0, 0.5, fps=10, views=["cam01"])["cam01"]
    np.testing.assert_array_equal(item["video"]["cam01"].permute(0, 2, 3, 1).numpy(), ref)
    assert item["keystep"] == 801 and item["keystep_name"] == "Loosen the bolt"  # the tiny release's segment
    assert item["body_3d"].shape == (17, 3) and item["body_3d_frame"] == 0
    assert torch.isfinite(item["body_3d"][0]).all() and torch.isnan(item["body_3d"][1]).all()


def test_dataloader_with_workers(tiny_release_ro):
    ds = EgoExoClips(
        tiny_release_ro,
        clip_seconds=0.5,
        fps=10,
        views=["cam01"],
        with_annotations=False,
        takes=["cmu_bike01_1", "cmu_bike01_2"],
    )
    assert pickle.loads(pickle.dumps(ds)).clips == ds.clips
    seen = []
    loader = DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    for batch in loader:
        assert batch["video"]["cam01"].shape[1:] == (5, 3, 72, 128)
        seen += list(batch["take_uid"])
    assert len(seen) == len(ds) == 4


def test_random_sampler_and_errors(tiny_release_ro):
    ds = EgoExoClips(tiny_release_ro, clip_seconds=0.4, fps=5, sampler="random", views=["cam01"], seed=3)
    assert len(ds) == 3  # one window per take
    a, b = ds[0], ds[0]
    assert a["t0"] == b["t0"] and 0 <= a["t0"] <= 0.6
    with pytest.raises(IndexError, match="out of range"):
        ds[3]
    with pytest.raises(ValueError, match="sampler"):
        EgoExoClips(tiny_release_ro, sampler="shuffle")


@pytest.mark.parametrize(
    ("clip_seconds", "fps", "error"),
    [
        (1.0, 1e9, "EGOEXO_KIT_MAX_CLIP_FPS"),
        (1e6, 30, "EGOEXO_KIT_MAX_CLIP_FRAMES"),
        (float("nan"), 10, "t1 > t0"),
        (1.0, float("nan"), "positive"),
        (0, 10, "t1 > t0"),
    ],
)
def test_hostile_clip_sizes_are_refused_at_construction(tiny_release_ro, clip_seconds, fps, error):
    """Checked before a take is listed or a frame decoded (``fps=1e9`` used to exhaust memory)."""
    with pytest.raises(ValueError, match=error):
        EgoExoClips(tiny_release_ro, clip_seconds=clip_seconds, fps=fps)


def test_nearest_pose_skips_empty_frames():
    """Empty EgoPose frames (issue 16 item 4) hold no pose: the nearest annotated frame is used."""
    from egoexo_kit.torch._clips import _nearest_pose

    body = {"30": [{"annotation3D": {"nose": {"x": 1.0, "y": 2.0, "z": 3.0}}}], "31": []}
    pose, frame = _nearest_pose(body, lo=0, hi=60, centre=31 / 30)
    assert frame == 30 and pose[0].tolist() == [1.0, 2.0, 3.0]
    assert _nearest_pose({"31": []}, lo=0, hi=60, centre=1.0)[1] == -1


def _one_more_leaf(release) -> None:
    """A second leaf (unique id 700) in the tiny release's taxonomy: step 801 becomes class 1 of 2."""
    for split in ("train", "val"):  # each keystep file carries the taxonomy
        path = release / "annotations" / f"keystep_{split}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        data["taxonomy"]["Remove a Wheel"]["2"] = {
            "id": 2, "is_leafnode": True, "name": "Check the rim", "parent_id": 0, "unique_id": 700,
        }  # fmt: skip
        path.write_text(json.dumps(data), encoding="utf-8")


def test_label_map_gives_contiguous_classes(tiny_release):
    _one_more_leaf(tiny_release)
    common = {"clip_seconds": 0.5, "views": ["cam01"], "takes": ["cmu_bike01_1"], "with_annotations": False}
    raw = EgoExoClips(tiny_release, **common)
    assert (raw[0]["keystep"], raw[0]["keystep_id"]) == (801, 801)  # default: the raw step id, as before
    assert raw.num_classes is None and raw.class_names is None
    ds = EgoExoClips(tiny_release, label_map="taxonomy", **common)
    assert (ds[0]["keystep"], ds[0]["keystep_id"], ds[0]["keystep_name"]) == (1, 801, "Loosen the bolt")
    assert ds.num_classes == 2 and ds.class_names == ("Check the rim", "Loosen the bolt")
    assert EgoExoClips(tiny_release, label_map={801: 5}, **common)[0]["keystep"] == 5
    assert EgoExoClips(tiny_release, label_map={999: 0}, **common)[0]["keystep"] == IGNORE_INDEX == -1
    with pytest.raises(NotFoundError, match="no keystep classes"):
        EgoExoClips(tiny_release, label_map="benchmark", **common)  # no label_mapping.csv in the tiny release
    with pytest.raises(TypeError, match="label_map"):
        EgoExoClips(tiny_release, label_map=3, **common)  # type: ignore[arg-type]


def test_transforms_run_in_dataloader_workers(tiny_release_ro):
    """Picklable transforms (partial of a torch function, itemgetter) run in spawned workers."""
    ds = EgoExoClips(
        tiny_release_ro,
        clip_seconds=0.5,
        fps=10,
        views=["cam01"],
        with_annotations=False,
        takes=["cmu_bike01_1"],
        label_map="taxonomy",
        video_transform=functools.partial(torch.narrow, dim=0, start=0, length=2),  # first 2 frames
        transform=operator.itemgetter("video", "keystep"),
    )
    video, keystep = ds[0]
    assert video["cam01"].shape == (2, 3, 72, 128) and keystep == 0
    loader = DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context="spawn")
    batches = list(loader)
    assert len(batches) == 1
    videos, keysteps = batches[0]
    assert videos["cam01"].shape == (2, 2, 3, 72, 128)
    assert keysteps.tolist() == [0, 0]  # both windows' centres lie in the take's one segment (0.1–0.93 s)
    with pytest.raises(TypeError, match="transform must be callable"):
        EgoExoClips(tiny_release_ro, transform="flip")  # type: ignore[arg-type]
