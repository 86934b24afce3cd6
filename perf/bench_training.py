"""Training throughput: ``EgoExoClips`` in a ``DataLoader`` vs a torchcodec loader with the same sampling.

What: random 8-frame clips (``clip_seconds=7.5/30`` at ``fps=30``: see ``CLIP_SECONDS``) from the
5 default views (Aria RGB and 4 GoPros) through ``torch.utils.data.DataLoader(num_workers=2, batch_size=8,
multiprocessing_context="spawn")`` (spawn, as ``EgoExoClips`` advises: forking a process that has
decoded video can hang), for

- ours: ``egoexo_kit.torch.EgoExoClips(sampler="random", with_annotations=False)`` built only from its
  public constructor, plus whatever ``--ours-kwargs '{"...": ...}'`` adds (e.g. a batch sampler
  option), so batched decoding the library adds (``__getitems__``) is used automatically;
- torchcodec: a ``Dataset`` written here the way a skilled user would: the same take, the same start
  time ``t0`` per index (the same formula as ``EgoExoClips``), the same views and the same frame
  indices (computed once, in the main process); one ``VideoDecoder(seek_mode="exact")`` per file,
  opened lazily once per worker and kept; ``get_frames_at`` per view.

A few items of both are checked equal (``t0`` and every pixel) before timing. Reported: steady-state
clips/s (clips after the first batch over the time after it) and the first-batch latency (from
creating the iterator: worker start-up included), idle and with one CPU-burning process per core
beside the loader. Loaders alternate within each round; the median over rounds is shown.

The release: one capture of ``--takes`` synthetic takes whose 5 default views are hard links to the
test media of ``bench_random_access.py`` (testsrc2 + noise, x264 CRF 24), 448p by default, x264
default GOP and 1 s GOP. ``EgoExoClips(sampler="random")`` draws one window per take and index, so
the epoch is one clip per take.

Run::

    python perf/bench_training.py --media /tmp/h20media [--resolution 448p] [--takes 24] [--rounds 2]
        [--ours-kwargs '{"...": ...}'] [--tc-threads 1] [--json out.json]
    # with the GOP-aware batches (when the library has GopBatchSampler), the same batches for both:
    python perf/bench_training.py --media DIR --ours-kwargs '{"sampler": "uniform"}' \
        --gop-batch-sampler 4 --max-batches 8

Absolute clips/s depend on the machine and its load (DESIGN §5); the ratio from the same run is the
result.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench_media as media

os.environ.setdefault("EGOEXO_KIT_FRAME_CACHE", "0")  # every request cold: no frames kept from earlier ones

import egoexo_kit as ek
import torch
from egoexo_kit.facade import clip_times
from egoexo_kit.torch import EgoExoClips

CLIP_FRAMES = 8
FPS = 30.0
CLIP_SECONDS = (CLIP_FRAMES - 0.5) / FPS
"""7.5/30 s, not 8/30: ``clip_times`` is ``np.arange(t0, t1, 1/fps)``, which gives 8 or 9 frames for
a window of exactly 8/30 s depending on ``t0``'s rounding (9 breaks collation); a half-frame shorter
window always gives the 8 frames ``t0 + k/30``, k = 0..7."""


class TorchCodecClips(torch.utils.data.Dataset):
    """The items of ``EgoExoClips`` (video only): per index, files and frame indices decoded by torchcodec.

    Decoders are made lazily, once per worker process, and kept; the dataset pickles without them.
    """

    def __init__(self, items: list[tuple[list[str], list[str], list[int], float]], threads: int) -> None:
        self.items, self.threads = items, threads
        self._decoders: dict[str, Any] = {}

    def __len__(self) -> int:
        return len(self.items)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_decoders": {}}

    def _decoder(self, path: str) -> Any:
        dec = self._decoders.get(path)
        if dec is None:
            from torchcodec.decoders import VideoDecoder

            dec = self._decoders[path] = VideoDecoder(
                path, seek_mode="exact", num_ffmpeg_threads=self.threads
            )
        return dec

    def __getitem__(self, i: int) -> dict[str, Any]:
        keys, paths, indices, t0 = self.items[i]
        video = {k: self._decoder(p).get_frames_at(indices).data for k, p in zip(keys, paths, strict=True)}
        return {"video": video, "t0": t0}


def same_sampling(release: Path, ours: EgoExoClips) -> list[tuple[list[str], list[str], list[int], float]]:
    """Per index of ``ours``: view keys, files, frame indices and ``t0``, drawn as ``EgoExoClips`` does."""
    rel = ek.open_release(release)
    items = []
    for i, ref in enumerate(ours.clips):
        take = rel.take(ref.take_uid)
        t0 = ref.t0
        if ours.sampler == "random":
            rng = np.random.default_rng([ours.seed, i % len(ours)])  # EgoExoClips(sampler="random")'s draw
            t0 = float(rng.uniform(0, take.n_frames / 30.0 - ours.clip_seconds))
        times = clip_times(t0, t0 + ours.clip_seconds, fps=ours.fps)
        indices = [int(f) for f in take.timeline.to_frame(t=times)]
        views = media.default_views(take)
        items.append(([v.key for v in views], [str(v.path) for v in views], indices, t0))
    return items


def check_same(ours: EgoExoClips, theirs: TorchCodecClips, indices: Sequence[int]) -> str:
    """Compare a few items in this process; a one-line verdict."""
    for i in indices:
        a, b = ours[i], theirs[i]
        if abs(a["t0"] - b["t0"]) > 1e-9:
            return f"item {i}: t0 {a['t0']} vs {b['t0']}"
        if sorted(a["video"]) != sorted(b["video"]):
            return f"item {i}: views {sorted(a['video'])} vs {sorted(b['video'])}"
        for k in a["video"]:
            x, y = a["video"][k], b["video"][k]
            if x.shape != y.shape or not torch.equal(x, y):
                d = (x.int() - y.int()).abs().max().item() if x.shape == y.shape else "shape"
                return f"item {i} view {k}: shapes {tuple(x.shape)} vs {tuple(y.shape)}, max diff {d}"
    return f"items {list(indices)} identical (t0 and every pixel, {CLIP_FRAMES} frames x 5 views)"


def run_loader(
    dataset: torch.utils.data.Dataset, args: argparse.Namespace, batches: list[list[int]] | None
) -> tuple[float, float, int]:
    """(first-batch latency s, steady clips/s after the first batch, clips) for one pass over ``dataset``.

    ``batches``: the index batches to load (both loaders get the same), or None for the plain
    ``batch_size`` batches in order; at most ``--max-batches`` are loaded.
    """
    how = (
        {"batch_sampler": batches}
        if batches is not None
        else {"batch_size": args.batch_size, "shuffle": False}
    )
    loader = torch.utils.data.DataLoader(
        dataset, num_workers=args.workers, multiprocessing_context="spawn", **how
    )
    t0 = time.perf_counter()
    it = iter(loader)
    first = next(it)
    t_first = time.perf_counter() - t0
    n_first = len(first["t0"])
    t1 = time.perf_counter()
    n = sum(len(batch["t0"]) for batch in itertools.islice(it, args.max_batches - 1))
    steady = n / (time.perf_counter() - t1) if n else float("nan")
    return t_first, steady, n + n_first


def main(argv: Sequence[str] | None = None) -> None:
    """Build the release, check both loaders agree, time them idle and busy, print a table."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--media", type=Path, default=Path("/tmp/egoexo-kit-bench-media"), help="cache folder")
    p.add_argument("--resolution", default="448p", choices=list(media.SIZES))
    p.add_argument("--gops", nargs="+", default=list(media.GOPS), choices=list(media.GOPS))
    p.add_argument("--takes", type=int, default=24, help="takes in the release (= clips per epoch)")
    p.add_argument("--rounds", type=int, default=2, help="passes per loader and condition (median)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--tc-threads", type=int, default=1, help="torchcodec num_ffmpeg_threads (0: auto)")
    p.add_argument("--max-batches", type=int, default=1000, help="stop a pass after this many batches")
    p.add_argument(
        "--gop-batch-sampler",
        type=int,
        metavar="CLIPS_PER_GROUP",
        help="batches from egoexo_kit.torch.GopBatchSampler (needs sampler=uniform in --ours-kwargs); "
        "both loaders get the same batches",
    )
    p.add_argument("--ours-kwargs", type=json.loads, default={}, help="extra EgoExoClips kwargs (JSON)")
    p.add_argument("--conditions", nargs="+", default=["idle", "busy"], choices=["idle", "busy"])
    p.add_argument("--json", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    try:
        import torchcodec.decoders  # noqa: F401
    except Exception as e:
        why = f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
        print(f"torchcodec not usable here ({why}): nothing to compare")
        return
    size = media.SIZES[args.resolution]
    print(
        f"training throughput: {args.takes} takes, {CLIP_FRAMES}-frame clips x 5 views, {args.resolution} "
        f"({size.width}x{size.height}), DataLoader(num_workers={args.workers}, batch_size={args.batch_size}, "
        f"spawn); torchcodec num_ffmpeg_threads={args.tc_threads}; ours kwargs {args.ours_kwargs}; "
        f"{os.cpu_count()} CPUs"
    )
    results = []
    for gop in args.gops:
        root, _ = media.make_release(args.media, size, gop, takes=args.takes)
        kwargs = {
            "sampler": "random",
            "clip_seconds": CLIP_SECONDS,
            "fps": FPS,
            "with_annotations": False,
        }
        ours = EgoExoClips(root, **{**kwargs, **args.ours_kwargs})
        theirs = TorchCodecClips(same_sampling(root, ours), args.tc_threads)
        print(f"\nGOP {gop}: {check_same(ours, theirs, [0, 1, len(ours) - 1])}")
        batches = None
        if args.gop_batch_sampler:
            from egoexo_kit.torch import GopBatchSampler  # added by issue 20; absent before

            sampler = GopBatchSampler(ours, args.batch_size, clips_per_group=args.gop_batch_sampler)
            batches = [list(b) for b in sampler]
        for condition in args.conditions:
            runs: dict[str, list[tuple[float, float, int]]] = {"ours": [], "torchcodec": []}
            with media.busy_cores(condition == "busy"):
                for r in range(args.rounds):
                    pair = [("ours", ours), ("torchcodec", theirs)]
                    for name, ds in pair if r % 2 == 0 else pair[::-1]:
                        runs[name].append(run_loader(ds, args, batches))
            row = {"gop": gop, "condition": condition, "load": media.load_average()}
            for name, rs in runs.items():
                row[name] = {
                    "first_batch_s": statistics.median(x[0] for x in rs),
                    "clips_per_s": statistics.median(x[1] for x in rs),
                    "runs": rs,
                }
            row["ratio"] = row["ours"]["clips_per_s"] / row["torchcodec"]["clips_per_s"]
            results.append(row)
            print(
                f"  {condition}: ours {row['ours']['clips_per_s']:.2f} clips/s "
                f"(first batch {row['ours']['first_batch_s']:.1f} s), torchcodec "
                f"{row['torchcodec']['clips_per_s']:.2f} clips/s (first batch "
                f"{row['torchcodec']['first_batch_s']:.1f} s): {row['ratio']:.2f}x  [load {row['load']}]",
                flush=True,
            )
    cols = ["GOP", "condition", "ours clips/s", "torchcodec clips/s", "ours / torchcodec"]
    cols += ["first batch ours s", "first batch torchcodec s"]
    print("\n| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for r in results:
        o, t = r["ours"], r["torchcodec"]
        cells = [r["gop"], r["condition"], f"{o['clips_per_s']:.2f}", f"{t['clips_per_s']:.2f}"]
        cells += [f"{r['ratio']:.2f}x", f"{o['first_batch_s']:.1f}", f"{t['first_batch_s']:.1f}"]
        print("| " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
