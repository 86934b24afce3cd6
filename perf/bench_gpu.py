"""GPU decoding and features: NVDEC (torchcodec on CUDA) against our CPU VideoReader, same frames.

Run on any CUDA machine with the ``[gpu]`` extra (torchcodec's CUDA build and a system FFmpeg)::

    python perf/bench_gpu.py [--frames 150] [--sizes 448,1080,2160] [--random 40]

For each size (448×448, 1920×1080, 3840×2160; made by ``_bench_media``: ``testsrc2`` plus noise with the
``ffmpeg`` command when it is installed, else moving gradients plus noise with PyAV; x264 default GOP
as the release)
it prints, in one run:

- sequential decode frames/s: ``VideoReader`` iteration (PyAV, FFmpeg threads) vs
  ``CudaVideoReader.iter_chunks`` (NVDEC, frames left on the GPU);
- random access frames/s for ``--random`` random frames in one batch (``get_frames_at`` on both);
- max and mean absolute pixel difference CPU vs GPU over those frames (colour conversion differs:
  NVDEC's NV12 → RGB kernel vs swscale; the pts of every GPU frame is checked against our table);
- whether torchcodec fell back to CPU decoding (then the GPU figures are not NVDEC's);
- features frames/s (``embed_video``, 32-frame windows, stride 16) for the ``stats`` backbone and a
  small convolutional TorchScript-free module: model on the CPU with CPU decode, model on CUDA with
  CPU decode, and model on CUDA with NVDEC decode (no host round trip).

Without a CUDA device (or without the ``[gpu]`` extra) it says so and exits 0.
``--torchcodec-device cpu`` runs the same steps on torchcodec's CPU decoder: a check of the script on
a machine without a GPU (its figures say nothing about NVDEC). Absolute numbers are context only
(DESIGN §5); compare figures from one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench_media as media

from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.video import CudaVideoReader, VideoReader, check_cuda_decoding

SIZES = {"448": (448, 448), "1080": (1920, 1080), "2160": (3840, 2160)}
WINDOW, STRIDE, BATCH = 32, 16, 4


def make_video(folder: Path, *, width: int, height: int, frames: int) -> Path:
    """A test video at ``width × height`` made by the random-access benchmark's media maker.

    ``testsrc2`` plus noise with the ``ffmpeg`` command, else moving gradients plus noise with PyAV;
    x264 veryfast, CRF 24, default GOP.
    """
    size = media.Size(f"gpu-{width}x{height}", width, height, frames, "veryfast")
    return media.make_media(folder, size, "default", seed=0)


def timed(fn: Callable[[], Any], *, sync: Callable[[], None]) -> tuple[float, Any]:
    """Seconds for ``fn()`` (after ``sync()``, so queued GPU work is counted), and its result."""
    t0 = time.perf_counter()
    out = fn()
    sync()
    return time.perf_counter() - t0, out


def small_cnn(path: Path) -> Path:
    """A small convolutional image model saved as a pickled module (a stand-in for a real backbone)."""
    import torch

    layers: list[torch.nn.Module] = []
    ch = 3
    for out in (32, 64, 128, 256):
        layers += [torch.nn.Conv2d(ch, out, 3, stride=2, padding=1), torch.nn.ReLU()]
        ch = out
    torch.manual_seed(0)
    torch.save(torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()), path)
    return path


def decode_rows(path: Path, *, device: str, random: int, sync: Callable[[], None]) -> None:
    """Sequential and random decode, CPU vs ``device``, and the pixel difference."""
    with VideoReader(path) as cpu:
        n = len(cpu)
        t_cpu_seq, _ = timed(lambda: sum(1 for _ in cpu), sync=lambda: None)
    with CudaVideoReader(path, device=device) as gpu:
        gpu.get_frames_at([0])  # open the hardware decoder before timing
        sync()
        t_gpu_seq, _ = timed(lambda: sum(len(c) for c in gpu.iter_chunks(32)), sync=sync)
        idx = np.random.default_rng(1).integers(0, n, random)
        with VideoReader(path) as cpu:
            t_cpu_rand, want = timed(lambda: cpu.get_frames_at(idx.tolist()).data, sync=lambda: None)
        t_gpu_rand, got = timed(lambda: gpu.get_frames_at(idx.tolist()), sync=sync)
        fallback = gpu.fallback
    diff = np.abs(got.permute(0, 2, 3, 1).cpu().numpy().astype(np.int16) - want.astype(np.int16))
    print(f"  sequential {n} frames    CPU {n / t_cpu_seq:8.1f} frames/s   {device} {n / t_gpu_seq:8.1f}")
    print(
        f"  random {random} frames      CPU {random / t_cpu_rand:8.1f} frames/s   "
        f"{device} {random / t_gpu_rand:8.1f} frames/s"
    )
    print(f"  pixels CPU vs {device}: max |diff| {int(diff.max())}, mean {diff.mean():.3f} levels")
    print(f"  torchcodec: {fallback}")


def feature_rows(path: Path, *, device: str, model: Path, sync: Callable[[], None]) -> None:
    """Features frames/s: model on cpu, model on ``device`` with CPU decode, and with decode there too."""
    from egoexo_kit.features import embed_video, load_backbone

    for spec in ("stats", str(model)):
        name = "stats" if spec == "stats" else "small CNN 224²"
        line = []
        for label, model_dev, decode_on in (
            ("cpu model + PyAV", "cpu", None),
            (f"{device} model + PyAV", device, None),
            (f"{device} model + torchcodec on {device}", device, device),
        ):
            bb = load_backbone(spec, device=model_dev, size=None if spec == "stats" else 224)
            t, (_, n) = timed(
                lambda bb=bb, decode_on=decode_on: embed_video(
                    path, bb, window=WINDOW, stride=STRIDE, batch_size=BATCH, torchcodec_device=decode_on
                ),
                sync=sync,
            )
            line.append(f"{label} {n / t:7.1f}")
        print(f"  features {name:15s} frames/s: " + " | ".join(line))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=150)
    ap.add_argument("--sizes", default="448,1080,2160", help="comma-separated: 448, 1080, 2160")
    ap.add_argument("--random", type=int, default=40, help="random frames per batch")
    ap.add_argument("--torchcodec-device", default="cuda", help="cuda, or cpu to check the script")
    args = ap.parse_args()
    device = args.torchcodec_device
    try:
        import torch
    except ImportError:
        print(
            "torch is not installed: the GPU benchmark needs pip install 'egoexo-kit[gpu]'; nothing measured"
        )
        return 0
    try:
        check_cuda_decoding(device)
    except EgoExoKitError as e:
        print(f"no GPU decoding here ({e}); nothing measured")
        return 0
    on_gpu = device.startswith("cuda")
    sync = torch.cuda.synchronize if on_gpu else (lambda: None)
    if on_gpu:
        print(f"device: {torch.cuda.get_device_name()}; torch {torch.__version__}")
    else:
        print("torchcodec's CPU decoder (a check of the script: these figures say nothing about NVDEC)")
    with tempfile.TemporaryDirectory() as tmp:
        model = small_cnn(Path(tmp) / "cnn.pt")
        for size in args.sizes.split(","):
            width, height = SIZES[size]
            path = make_video(Path(tmp), width=width, height=height, frames=args.frames)
            how = (
                "ffmpeg testsrc2+noise" if media.has_ffmpeg() else "PyAV gradients+noise (no ffmpeg command)"
            )
            print(f"{width}x{height}, {args.frames} frames, H.264 x264 veryfast CRF 24 default GOP ({how}):")
            decode_rows(path, device=device, random=args.random, sync=sync)
            feature_rows(path, device=device, model=model, sync=sync)
    return 0


if __name__ == "__main__":
    sys.exit(main())
