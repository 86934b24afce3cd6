"""Extraction: windows in the right frames, the official layout, resume, other backbones and runners."""

from __future__ import annotations

import importlib.util
import shutil

import numpy as np
import pytest

import torch
from egoexo_kit import open_release
from egoexo_kit._io import is_temp_name
from egoexo_kit.errors import EgoExoKitError, FormatError
from egoexo_kit.features import (
    FeatureSet,
    StatsBackbone,
    embed_video,
    extract_features,
    load_backbone,
    load_tensor,
    read_config,
    resolve_device,
)
from egoexo_kit.video import VideoReader, encode_video

STEP = 5  # grey level added per frame in the ramp videos


def ramp_video(path, frames):
    """Flat grey frames whose level is ``STEP * index``: a window's mean level names its frames."""
    encode_video(path, (np.full((64, 64, 3), STEP * i, np.uint8) for i in range(frames)), crf=10)
    return path


@pytest.mark.parametrize("batch_size", [1, 3])
def test_each_row_sees_its_window_frames(tmp_path, batch_size):
    path = ramp_video(tmp_path / "ramp.mp4", 40)
    rows, frames = embed_video(path, StatsBackbone(), window=8, stride=6, batch_size=batch_size)
    starts = np.array([0, 6, 12, 18, 24, 30, 32])  # (40 - 8) % 6 != 0: back-padded last window
    assert frames == 40 and rows.shape == (len(starts), 112)
    expected_level = STEP * (starts + 3.5) / 255  # mean of frames s .. s+7
    np.testing.assert_allclose(rows[:, 0], expected_level, atol=0.01)  # mean R of the first cell
    np.testing.assert_allclose(rows[:, 6], STEP / 255, atol=0.01)  # cell 0 motion: one step per frame
    np.testing.assert_allclose(rows[:, 3], STEP * np.arange(8).std() / 255, atol=0.01)  # spread over time


def test_a_video_shorter_than_a_window_repeats_its_last_frame(tmp_path):
    rows, frames = embed_video(ramp_video(tmp_path / "short.mp4", 5), StatsBackbone(), window=8, stride=4)
    assert frames == 5 and rows.shape[0] == 1
    levels = STEP * np.array([0, 1, 2, 3, 4, 4, 4, 4])
    assert rows[0, 0] == pytest.approx(levels.mean() / 255, abs=0.01)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    from egoexo_kit.synth import write_tiny_release

    root = write_tiny_release(tmp_path_factory.mktemp("feat") / "release")
    results = extract_features(root, window=8, stride=4, device="cpu", batch_size=3)
    return root, results


def test_layout_and_config_follow_format(extracted):
    root, results = extracted
    rel = open_release(root)
    folder = root / "features" / "stats"
    expected = {
        f"{t.uid}_{v.cam_id}_{v.readable_stream_id}.pt"
        for t in rel.takes
        for v in t.views
        if v.readable_stream_id in ("rgb", "0")
    }
    assert {p.name for p in folder.glob("*.pt")} == expected  # no SLAM / eye-tracking streams
    assert {k.stream for k in FeatureSet(folder).keys()} == {"rgb", "0"}
    cfg = read_config(folder)
    assert (cfg.window, cfg.stride, cfg.fps, cfg.backbone, cfg.input_size, cfg.dim) == (
        8,
        4,
        30.0,
        "stats",
        (32, 32),
        112,
    )
    assert all(r.rows == 7 and r.frames == 30 and not r.skipped for r in results)
    assert not [p for p in folder.iterdir() if is_temp_name(p.name)]  # no temporary leftovers


def test_rows_are_the_backbone_on_the_window_frames(extracted):
    root, results = extracted
    r = results[-1]
    take = open_release(root).take(r.key.take_uid)
    rows = take.features("stats", f"{r.key.cam_id}/{r.key.stream}")
    bb = StatsBackbone()
    with VideoReader(take.view(r.key.cam_id, r.key.stream).path) as video:
        for k, start in [(0, 0), (3, 12), (6, 22)]:  # 6: the back-padded last window ends at frame 30
            window = np.stack(
                [bb.prepare(f) for f in video.get_frames_at(list(range(start, start + 8))).data]
            )
            np.testing.assert_allclose(rows.data[k], bb.embed(window[None])[0], atol=1e-5)
            assert rows.t0_s[k] == pytest.approx(start / 30)


def test_resume_skips_finished_files_and_redoes_broken_ones(extracted, tmp_path):
    root = tmp_path / "release"
    shutil.copytree(extracted[0], root)
    folder = root / "features" / "stats"
    files = sorted(folder.glob("*.pt"))
    before = {p: p.stat().st_mtime_ns for p in files}
    files[0].write_bytes(b"\x00truncated")
    files[1].unlink()
    results = extract_features(root, window=8, stride=4, device="cpu")
    redone = {r.path for r in results if not r.skipped}
    assert redone == {files[0], files[1]}
    assert all(p.stat().st_mtime_ns == before[p] for p in files[2:])
    assert len(FeatureSet(folder).load(FeatureSet(folder).keys()[0]).data) == 7
    with pytest.raises(FormatError, match="window 8 and stride 4") as e:
        extract_features(root, window=32, stride=16, device="cpu")
    assert e.value.path.endswith("config.yaml")


def test_forked_workers_after_an_extraction_in_this_process(extracted, tmp_path):
    """A fork after a parallel torch op in the parent hung its workers on OpenMP (one thread each now)."""
    torch.ones(1 << 20).float().sum()  # a parallel op here, whatever ran before this test
    root, results = extracted
    again = extract_features(root, window=8, stride=4, device="cpu", workers=2, out=tmp_path)
    assert [r.key for r in again] == [r.key for r in results]
    for old, new in zip(results, again, strict=True):
        np.testing.assert_array_equal(load_tensor(new.path), load_tensor(old.path))


class MeanColour(torch.nn.Module):
    """Per-frame mean of each normalized channel: a model whose output is known by hand."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torch_module_files_are_backbones(tmp_path, tiny_release):
    scripted = tmp_path / "scripted.ts"
    torch.jit.script(MeanColour()).save(str(scripted))
    pickled = tmp_path / "pickled.pt"
    torch.save(MeanColour(), pickled)
    take = open_release(tiny_release).takes[0]
    for path in (scripted, pickled):
        res = extract_features(
            tiny_release,
            backbone=str(path),
            views=["cam01"],
            takes=[take.name],
            window=30,
            stride=30,
            size=16,
        )
        rows = take.features(path.stem, "cam01").data
        assert rows.shape == (1, 3) and res[0].rows == 1
        bb = load_backbone(str(path), size=16)
        with VideoReader(take.view("cam01").path) as video:
            frames = np.stack([bb.prepare(f) for f in video[0:30]])
        mean = frames.reshape(-1, 3).mean(0) / 255
        np.testing.assert_allclose(rows[0], (mean - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225], atol=1e-4)
    assert read_config(tiny_release / "features" / "pickled").extra["kind"] == "torch"


def test_bad_backbones_and_devices_are_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown backbone"):
        load_backbone("resnet9000")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(FormatError, match="not a TorchScript") as e:
        load_backbone(str(tmp_path / "junk.pt"))
    assert e.value.path.endswith("junk.pt")
    assert resolve_device("cpu") == "cpu"
    if not torch.cuda.is_available():
        assert resolve_device("auto") == "cpu"
        with pytest.raises(EgoExoKitError, match="no CUDA"):
            resolve_device("cuda")


needs_ppocr = pytest.mark.skipif(
    importlib.util.find_spec("rapidocr_onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="packaged pretrained weights not installed (pip install --no-deps rapidocr-onnxruntime==1.4.4)",
)


@needs_ppocr
def test_packaged_pretrained_network_gives_image_dependent_features():
    bb = load_backbone("ppocr-det", size=64)
    assert bb.dim == 96  # channels of the detector's fused multi-scale neck
    rng = np.random.default_rng(0)
    flat = np.full((1, 2, 64, 64, 3), 128, np.uint8)
    text = flat.copy()
    text[..., 20:44, 8:56, :] = rng.integers(0, 2, (1, 2, 24, 48, 1)) * 255  # high-contrast clutter
    a, b = bb.embed(flat), bb.embed(text)
    assert a.shape == (1, 96) and np.isfinite(a).all()
    assert np.abs(a - b).max() > 1e-2


@needs_ppocr
def test_onnx_files_use_their_declared_output(tmp_path):
    from egoexo_kit.features import packaged_model_path

    cls_model = packaged_model_path("ppocr-det").parent / "ch_ppocr_mobile_v2.0_cls_infer.onnx"
    bb = load_backbone(str(cls_model), size=48)
    probs = bb.embed(np.zeros((2, 1, 48, 48, 3), np.uint8))
    assert probs.shape == (2, 2)
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-4)  # the text-orientation softmax
    with pytest.raises(FormatError, match="no tensor named"):
        load_backbone(f"{cls_model}@nope", size=48)


@pytest.mark.slow
def test_ray_runner_matches_local(extracted, tmp_path):
    pytest.importorskip("ray")
    root = tmp_path / "release"
    shutil.copytree(extracted[0], root, ignore=shutil.ignore_patterns("features"))
    results = extract_features(root, window=8, stride=4, device="cpu", runner="ray")
    assert len(results) == len(extracted[1]) and not any(r.skipped for r in results)
    for r in results:
        a = FeatureSet(root / "features" / "stats").load(r.key).data
        b = FeatureSet(extracted[0] / "features" / "stats").load(r.key).data
        np.testing.assert_allclose(a, b, atol=1e-6)
