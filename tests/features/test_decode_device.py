"""Where features decode their videos: ``--decode-device``, its refusals, and the GPU path run on the CPU.

No test needs a GPU: the refusals are checked through the real CLI (a subprocess with CUDA hidden, and
torchcodec blocked in-process), the torch resize that runs on the GPU is checked against the OpenCV one
on the CPU, and the whole tensor path (torchcodec decode → torch resize → windows as tensors) runs on
torchcodec's CPU decoder where torchcodec imports (skipped on CI, which has none).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import torch
from egoexo_kit.cli import app
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.features import (
    StatsBackbone,
    embed_video,
    extract_features,
    load_backbone,
    read_config,
    resolve_decode_device,
)
from egoexo_kit.features._backbones import resize_crop, resize_crop_frames
from egoexo_kit.video import check_cuda_decoding, encode_video

runner = CliRunner()


def _cli_without_cuda(*args: str) -> subprocess.CompletedProcess:
    """The installed ``egoexo-kit`` script with CUDA hidden from torch (as on a machine without a GPU)."""
    exe = Path(sys.executable).with_name("egoexo-kit")
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, check=False, env=env)


def _one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    assert "Traceback" not in output and "internal error" not in output
    return lines[0]


def test_device_cuda_without_cuda_is_one_error_line(tiny_release_ro):
    res = _cli_without_cuda("features", str(tiny_release_ro), "--views", "cam01", "--device", "cuda")
    assert res.returncode == 2
    line = _one_error_line(res.stdout + res.stderr)
    assert line == "error: --device cuda asked for, but torch sees no CUDA device (use cpu or auto)"


def test_decode_device_cuda_without_cuda_names_what_is_missing(tiny_release_ro):
    args = (
        "features",
        str(tiny_release_ro),
        "--views",
        "cam01",
        "--device",
        "cpu",
        "--decode-device",
        "cuda",
    )
    res = _cli_without_cuda(*args)
    assert res.returncode == 2
    line = _one_error_line(res.stdout + res.stderr)
    # with torchcodec (this dev machine): CUDA is what is missing; without it (CI): the extra, and CUDA
    assert line in {
        "error: decoding on the GPU (torchcodec on CUDA) needs a CUDA device, and torch sees none "
        "(decode on the CPU instead)",
        "error: decoding on the GPU (torchcodec on CUDA) needs torchcodec: pip install 'egoexo-kit[gpu]' "
        "(and torch sees no CUDA device)",
    }, line
    assert not (tiny_release_ro / "features" / "stats").exists()


def test_decode_device_cuda_without_torchcodec_names_the_gpu_extra(monkeypatch, tiny_release):
    for name in [m for m in sys.modules if m == "torchcodec" or m.startswith("torchcodec.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "torchcodec", None)
    res = runner.invoke(app, ["features", str(tiny_release), "--device", "cpu", "--decode-device", "cuda"])
    assert res.exit_code == 2
    line = _one_error_line(res.output)
    assert line.startswith("error: decoding on the GPU (torchcodec on CUDA) needs torchcodec: ")
    assert "pip install 'egoexo-kit[gpu]'" in line


def test_unknown_decode_device_is_a_usage_error(tiny_release):
    res = runner.invoke(app, ["features", str(tiny_release), "--decode-device", "gpu"])
    assert res.exit_code == 2
    assert (
        "unknown decode device 'gpu'; use auto, cpu or cuda" in res.output and "Traceback" not in res.output
    )


def _cuda_decoding_works() -> bool:
    try:
        check_cuda_decoding("cuda")
    except EgoExoKitError:
        return False
    return True


def test_resolve_decode_device():
    assert resolve_decode_device("cpu", model_device="cuda") == "cpu"
    assert resolve_decode_device("auto", model_device="cpu") == "cpu"  # never NVDEC for a CPU model
    # auto with the model on CUDA: the GPU exactly when decoding there works, silently the CPU otherwise
    assert resolve_decode_device("auto", model_device="cuda") == ("cuda" if _cuda_decoding_works() else "cpu")
    with pytest.raises(ValueError, match="unknown decode device 'nvdec'"):
        resolve_decode_device("nvdec", model_device="cuda")


@pytest.mark.parametrize(
    ("shape", "size"),
    [((448, 448), (32, 32)), ((97, 131), (32, 32)), ((1080, 1920), (224, 224)), ((50, 60), (224, 224))],
    ids=["448-area", "odd-area", "1080p-area", "upscale-bilinear"],
)
def test_torch_resize_matches_opencv_within_one_level(shape, size):
    # the resize frames decoded on the GPU get, checked on the CPU against the one host frames get
    frames = np.random.default_rng(3).integers(0, 256, (2, *shape, 3), dtype=np.uint8)
    want = np.stack([resize_crop(f, size) for f in frames])
    got = resize_crop_frames(torch.from_numpy(frames).permute(0, 3, 1, 2), size)
    assert got.dtype == torch.uint8 and tuple(got.shape) == (2, *size, 3)
    assert np.abs(got.numpy().astype(int) - want).max() <= 1


def test_backbones_embed_tensors_like_arrays(tmp_path):
    windows = np.random.default_rng(4).integers(0, 256, (2, 3, 32, 32, 3), dtype=np.uint8)
    stats = StatsBackbone()
    np.testing.assert_array_equal(stats.embed(torch.from_numpy(windows)), stats.embed(windows))
    model = tmp_path / "mean.pt"
    torch.save(torch.nn.AdaptiveAvgPool2d(1), model)
    bb = load_backbone(str(model), size=32)
    np.testing.assert_array_equal(bb.embed(torch.from_numpy(windows)), bb.embed(windows))


def _ramp(path: Path, frames: int) -> Path:
    """Frames whose level and a moving bar change per frame, so every window's statistics differ."""
    out = []
    for i in range(frames):
        img = np.full((72, 96, 3), 4 * i, np.uint8)
        img[:, (3 * i) % 90 : (3 * i) % 90 + 6] = 255
        out.append(img)
    encode_video(path, out, crf=12, keyint=10)
    return path


def test_tensor_path_gives_the_host_path_rows(tmp_path):
    try:
        check_cuda_decoding("cpu")
    except EgoExoKitError as e:
        pytest.skip(f"torchcodec is not usable here: {e}")
    path = _ramp(tmp_path / "ramp.mp4", 45)
    host, n = embed_video(path, StatsBackbone(), window=8, stride=6, batch_size=2)
    tensor, m = embed_video(path, StatsBackbone(), window=8, stride=6, batch_size=2, torchcodec_device="cpu")
    assert n == m == 45 and host.shape == tensor.shape == (8, 112)
    np.testing.assert_allclose(tensor, host, atol=1e-4)  # same frames; resize within one level, averaged


def test_extraction_records_where_it_decoded(tiny_release):
    res = extract_features(
        tiny_release,
        views=["cam01"],
        takes=["cmu_bike01_1"],
        window=8,
        stride=8,
        device="cpu",
        decode_device="cpu",
    )
    assert res and all(r.decode_device == "cpu" for r in res)
    assert read_config(tiny_release / "features" / "stats").extra["decode_device"] == "cpu"
    out = runner.invoke(
        app,
        [
            "features",
            str(tiny_release),
            "--views",
            "cam02",
            "--takes",
            "cmu_bike01_1",
            "--device",
            "cpu",
            "--name",
            "s2",
        ],
    )
    assert out.exit_code == 0 and re.search(r"frames/s \(decoded on cpu\)", " ".join(out.output.split()))
