"""Feature extraction: end-to-end frames/s against decode-only and model-only on the same video.

Run: ``python perf/bench_features.py [frames] [backbone ...]`` (default 300 frames of a 448×448
H.264 video made at run time; backbones ``stats`` and, when its wheel is installed, ``ppocr-det``).
For each backbone it times, on the same input:

- decode-only: sequential decode + frame preparation + window assembly (``iter_windows``), no model;
- model-only: the backbone on the same, already decoded, batches;
- end-to-end: ``embed_video`` (decode in a background thread overlapping the model).

and prints the ratio of end-to-end to the slower of the two: with decode and compute overlapped it
approaches 1 (the issue asks >= 0.8).
Each figure is the best of 3 interleaved runs. Official Omnivore windows: 32 frames, stride 16. Absolute
numbers are context only (DESIGN §5); the machine's other load shows up in them.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

try:
    from perf.bench_video_access import make_video
except ImportError:  # run as a script: perf/ is on the path
    from bench_video_access import make_video

from egoexo_kit.features import embed_video, iter_windows, load_backbone
from egoexo_kit.video import VideoReader

WINDOW, STRIDE, BATCH = 32, 16, 4
REPEATS = 3


def decode_only(path: Path, backbone) -> tuple[float, list]:
    start = time.perf_counter()
    with VideoReader(path) as reader:
        batches = list(
            iter_windows(reader, prepare=backbone.prepare, window=WINDOW, stride=STRIDE, batch_size=BATCH)
        )
    return time.perf_counter() - start, batches


def model_only(batches: list, backbone) -> float:
    start = time.perf_counter()
    for b in batches:
        backbone.embed(b)
    return time.perf_counter() - start


def end_to_end(path: Path, backbone) -> float:
    start = time.perf_counter()
    embed_video(path, backbone, window=WINDOW, stride=STRIDE, batch_size=BATCH)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    names = sys.argv[2:] or ["stats"] + (
        ["ppocr-det"] if importlib.util.find_spec("rapidocr_onnxruntime") else []
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "video.mp4"
        make_video(path, n)
        print(f"{n} frames 448x448, windows {WINDOW}/{STRIDE}, batches of {BATCH} windows")
        for name in names:
            backbone = load_backbone(name, device="cpu")
            backbone.embed(decode_only(path, backbone)[1][0])  # warm-up: model init, caches
            t_dec = t_model = t_e2e = float("inf")
            for _ in range(REPEATS):  # interleaved, best of each: the machine's other load varies
                t, batches = decode_only(path, backbone)
                t_dec = min(t_dec, t)
                t_model = min(t_model, model_only(batches, backbone))
                t_e2e = min(t_e2e, end_to_end(path, backbone))
            fps = {k: n / t for k, t in (("decode", t_dec), ("model", t_model), ("pipeline", t_e2e))}
            slower = min(fps["decode"], fps["model"])
            print(
                f"{name:10s} decode-only {fps['decode']:7.1f} | model-only {fps['model']:8.1f} | "
                f"end-to-end {fps['pipeline']:7.1f} frames/s | "
                f"end-to-end / slower: {fps['pipeline'] / slower:.2f}"
                f" | speed-up over decode-then-model in series: {(t_dec + t_model) / t_e2e:.2f}x"
            )


if __name__ == "__main__":
    main()
