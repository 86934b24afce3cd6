"""Benchmark metrics on full-size synthetic test sets: vectorized evaluation vs a per-item loop.

Run: ``python perf/bench_metrics.py [--corr-frames 100000] [--loop-sample 1000]``. Prints times
and ratios; no asserts (DESIGN §5). Sizes follow the issue: 6,000 hand frames (~9,000 hands),
100,000 correspondence frames at 480×480 (timed in one process and with every CPU), 800
demonstrator takes. The per-item loops are the straightforward implementations in
``egoexo_kit.benchmarks._reference``; the correspondence loop is timed on ``--loop-sample`` frames
and scaled linearly.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
from pycocotools import mask as mask_utils

from egoexo_kit.benchmarks import evaluate
from egoexo_kit.benchmarks._reference import hand_scores_one, mask_scores_one, proficiency_one
from egoexo_kit.benchmarks.hand_pose import hand_mpjpe, hand_pa_mpjpe


def timed(fn: Callable[[], object], repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def report(name: str, fast: float, slow: float, note: str = "") -> None:
    print(f"{name:<44} {fast:9.3f} s   loop {slow:9.3f} s   speed-up {slow / fast:7.1f}x {note}")


def bench_hand(rng: np.random.Generator, frames: int = 6000) -> None:
    gt, pred, arrays = {}, {}, []
    for f in range(frames):
        take, key = f"take{f % 86}", str(f)
        ann, sub = {}, {}
        for hand in ("right", "left"):
            if rng.random() < 0.75:
                g = rng.normal(size=(21, 3)) * 0.05 + [0, 0, 0.4]
                valid = rng.random(21) > 0.2
                valid[0] = True
                p = g + rng.normal(scale=0.01, size=(21, 3))
                g_json = np.where(valid[:, None], g, np.nan)
                ann[f"{hand}_hand_3d"], ann[f"{hand}_hand_valid_3d"] = g_json.tolist(), valid.tolist()
                sub[f"{hand}_hand_3d"] = p.tolist()
                arrays.append((p * 1000, g * 1000, valid))
            else:
                ann[f"{hand}_hand_3d"], ann[f"{hand}_hand_valid_3d"], sub[f"{hand}_hand_3d"] = [], [], []
        gt.setdefault(take, {})[key] = ann
        pred.setdefault(take, {})[key] = sub
    p = np.stack([a[0] for a in arrays])
    g = np.stack([a[1] for a in arrays])
    v = np.stack([a[2] for a in arrays])
    core = timed(lambda: (hand_mpjpe(p, g, v), hand_pa_mpjpe(p, g, v)), repeats=3)
    loop = timed(lambda: [hand_scores_one(*a) for a in arrays])
    full = timed(lambda: evaluate("hand-pose", gt, pred))
    report(f"hand-pose metric, {len(arrays):,} hands", core, loop)
    print(f"{'hand-pose eval incl. validation':<44} {full:9.3f} s")


def correspondence_set(rng: np.random.Generator, frames: int) -> tuple[dict, dict, list[tuple[dict, dict]]]:
    """GT and an ego-exo submission of ``frames`` 480×480 frames drawn from 512 (GT, pred) RLE pairs."""
    pool = []
    for _ in range(512):
        g = np.zeros((480, 480), dtype=bool)
        q = np.zeros((480, 480), dtype=bool)
        y, x = rng.integers(60, 420, 2)
        hh, ww = rng.integers(10, 60, 2)
        g[y - hh : y + hh, x - ww : x + ww] = True
        dy, dx = rng.integers(-20, 20, 2)
        q[y - hh + dy : y + hh + dy, x - ww + dx : x + ww + dx] = True
        enc = [mask_utils.encode(np.asfortranarray(m.astype(np.uint8))) for m in (g, q)]
        pool.append(tuple({"size": [480, 480], "counts": e["counts"].decode()} for e in enc))
    per_take = 1000
    annotations, results = {}, {}
    ego_rle = pool[0][0]
    for t in range(max(1, frames // per_take)):
        n = min(per_take, frames - t * per_take)
        idx = rng.integers(0, len(pool), n)
        keys = [str(30 * i) for i in range(n)]
        annotations[f"t{t}"] = {
            "masks": {
                "o": {
                    "aria01_214-1": dict.fromkeys(keys, ego_rle),
                    "cam01": {k: pool[i][0] for k, i in zip(keys, idx, strict=True)},
                }
            },
            "annotated_frames": {"o": {"cam01": [int(k) for k in keys]}},
        }
        results[f"t{t}"] = {
            "masks": {
                "o": {
                    "aria01_214-1_cam01": {
                        k: {"pred_mask": pool[i][1], "confidence": 0.9}
                        for k, i in zip(keys, idx, strict=True)
                    }
                }
            },
            "subsample_idx": [],
        }
    gt = {"annotations": annotations}
    pred = {"ego-exo": {"version": "xx", "challenge": "xx", "results": results}}
    return gt, pred, pool


def bench_correspondence(rng: np.random.Generator, frames: int, sample: int) -> None:
    gt, pred, pool = correspondence_set(rng, frames)
    serial = timed(lambda: evaluate("correspondence", gt, pred, workers=1))
    fast = timed(lambda: evaluate("correspondence", gt, pred))
    pairs = [pool[i] for i in rng.integers(0, len(pool), sample)]
    loop = (
        timed(lambda: [mask_scores_one(mask_utils.decode(a), mask_utils.decode(b)) for a, b in pairs])
        * frames
        / sample
    )
    note = f"(loop timed on {sample:,}, scaled)"
    report(f"correspondence eval, {frames:,} frames @480, 1 proc", serial, loop, note)
    report(f"correspondence eval, {frames:,} frames @480, {os.cpu_count()} proc", fast, loop, note)


def bench_proficiency(rng: np.random.Generator, takes: int = 800) -> None:
    videos = [f"take_{i}" for i in range(takes)]
    labels = rng.integers(0, 4, takes)
    gt = {"videos": videos, "gt_annotations": labels.tolist(), "scenario_names": ["Cooking"] * takes}
    ego = rng.normal(size=(takes, 4))
    exo = rng.normal(size=(takes, 4, 4))
    pred = {"videos": videos, "ego_model_predictions": ego.tolist(), "exo_model_predictions": exo.tolist()}
    fast = timed(lambda: evaluate("proficiency-demonstrator", gt, pred), repeats=3)
    loop = timed(lambda: [proficiency_one(e, x) for e, x in zip(ego, exo, strict=True)], repeats=3)
    report(
        f"proficiency-demonstrator eval, {takes} takes", fast, loop, "(loop: argmaxes only, no validation)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corr-frames", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    bench_hand(rng)
    bench_correspondence(rng, args.corr_frames, args.loop_sample)
    bench_proficiency(rng)


if __name__ == "__main__":
    main()
