"""Exact random access against the best skilled baselines, idle and with every core busy.

What: ``take.frames`` / ``take.clip`` on a real release layout against decoders a skilled user would
write, each opened ONCE and kept, given identical requests:

- PyAV: containers opened once, frame pts table built once, ``seek(backward=True)`` to the keyframe
  then decode forward to the wanted pts (``thread_type`` AUTO with 2 threads, and 1 thread);
- torchcodec ``VideoDecoder`` in ``seek_mode="exact"`` and ``"approximate"``
  (``num_ffmpeg_threads`` 1 and 0 = automatic), ``get_frames_at``;
- OpenCV ``cv2.VideoCapture`` kept open, ``set(CAP_PROP_POS_FRAMES)`` then ``read``/``grab`` (may be
  inexact: the frames that differ from the exact frame are counted).

A strawman, plain PyAV re-opening and re-scanning each file for every request (what the README's
first ratios were against), is timed too, as a secondary column only.

Each family's thread setting is chosen per resolution, GOP and condition by a short probe on case (a)
(both settings printed); the better one runs in the timed rounds. Views are decoded one after the
other by the baselines (each decoder with its own FFmpeg threads); ours decodes views in parallel
threads, as the library does.

Why: the headline ratios must be against the best thing a user could do, at real sizes (448p,
1080p, 4K, 1408² Aria RGB), at x264's default GOP and a 1 s GOP, and when the cores are busy (a
training job's DataLoader workers use every core).

Cases per resolution x GOP: (a) one file, one random exact frame per request; (b) 5 views, one
random synchronized instant per request; (c) 5 views, a random 8-frame clip per request: 8
consecutive frames, and 8 frames at 10 fps (stride 3). Conditions: idle, and busy = one CPU-burning
process per core beside the benchmark for the whole measurement. Contenders are timed in rounds,
each round on fresh random requests, the contenders' order rotated each round; the table shows the
median over rounds. Pixels: after timing, each baseline's frames are compared with ours on
``--verify`` further random requests of each case (max abs diff, frames that differ); "best
baseline" is the fastest one whose frames were all identical to ours.

Decode bound: for each request and view, the frames from the keyframe at or before the first wanted
frame (per GOP touched) to the last wanted one, at the file's single-threaded sequential decode
rate without RGB conversion (measured in the same condition), divided by the number of cores. The
"bound / ours" column is that bound over our time: it exceeds 1 only by decoding less (skipping
non-reference frames nobody asked for). The library's frame cache (frames kept from earlier nearby
requests) is turned off here (``EGOEXO_KIT_FRAME_CACHE=0``): the test files are short, and a real
take is long enough that random requests rarely land on kept frames.

Run (system ``ffmpeg`` CLI and torchcodec used when present; said when missing)::

    python perf/bench_random_access.py --media /tmp/h20media --quick          # smoke run, 448p
    python perf/bench_random_access.py --media DIR --resolutions 448p 1080p 1408 4k --requests 12 \
        --requests-big 3 --rounds 3 --json out.json

Default: 448p and 4K (1080p and 1408² on request: their slow-preset encoding takes many minutes on 2
cores). Media and the releases built from them are cached under ``--media``; reruns skip encoding.
Absolute times are context only (DESIGN §5): the ratios from the same run are the result.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import av
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench_media as media

os.environ.setdefault("EGOEXO_KIT_FRAME_CACHE", "0")  # every request cold: no frames kept from earlier ones

import egoexo_kit as ek
from egoexo_kit.facade import clip_times

Frames = list[np.ndarray]
"""One ``(T, H, W, 3)`` uint8 RGB array per file asked for."""


@dataclass(frozen=True)
class Case:
    """A kind of request: how many views, and the frames of one request from its start frame."""

    key: str
    name: str
    views: int
    offsets: tuple[int, ...]
    fps: float | None


CASES = (
    Case("a", "a: 1 file, 1 frame", 1, (0,), None),
    Case("b", "b: 5 views, 1 instant", media.VIEWS, (0,), None),
    Case("c8", "c: 5 views, 8 consecutive", media.VIEWS, tuple(range(8)), None),
    Case("c10", "c: 5 views, 8 @10 fps", media.VIEWS, tuple(range(0, 24, 3)), 10.0),
)


# ---- contenders -------------------------------------------------------------------------------------
class Ours:
    """``take.frames`` / ``take.clip`` through the release (decoders kept by the library)."""

    name = "ours"

    def __init__(self, root: Path) -> None:
        self.take = ek.open_release(root).takes[0]
        self.views = media.default_views(self.take)
        self.take.frames(frame=0)  # open the decoders (frame tables) before timing

    def get(self, case: Case, start: int) -> Frames:
        """One request of ``case`` at ``start``."""
        views = self.views[: case.views]
        if len(case.offsets) == 1:
            got = self.take.frames(frame=start, views=views)
            return [got[v.key][None] for v in views]
        span = (case.offsets[-1] + 1) / 30 if case.fps is None else len(case.offsets) / case.fps
        got = self.take.clip(start / 30, start / 30 + span, fps=case.fps, views=views)
        return [got[v.key] for v in views]

    def indices(self, case: Case, start: int) -> list[int]:
        """The frames ours decodes for a request (so every contender gets exactly the same ones)."""
        if len(case.offsets) == 1:
            return [start]
        span = (case.offsets[-1] + 1) / 30 if case.fps is None else len(case.offsets) / case.fps
        times = clip_times(start / 30, start / 30 + span, fps=case.fps)
        return [int(i) for i in self.take.timeline.to_frame(t=times)]


class PyAVKept:
    """PyAV, containers and pts tables made once; seek back to the keyframe, decode forward to the pts."""

    def __init__(self, files: Sequence[Path], threads: int) -> None:
        self.name = f"pyav ({threads} thr)"
        self.containers = [av.open(str(f)) for f in files]
        self.pts = []
        for c in self.containers:
            s = c.streams.video[0]
            if threads > 1:
                s.thread_type = "AUTO"
            s.thread_count = threads
            self.pts.append(sorted(p.pts for p in c.demux(s) if p.pts is not None))
            c.seek(0, stream=s, backward=True, any_frame=False)

    def one(self, k: int, indices: Sequence[int]) -> np.ndarray:
        """Frames ``indices`` (sorted) of file ``k``: one seek, then decode forward."""
        c, pts = self.containers[k], self.pts[k]
        s = c.streams.video[0]
        wanted = [pts[i] for i in indices]
        c.seek(wanted[0], stream=s, backward=True, any_frame=False)
        out: dict[int, np.ndarray] = {}
        todo = set(wanted)
        for f in c.decode(s):
            if f.pts in todo:
                out[f.pts] = f.to_ndarray(format="rgb24")
                todo.discard(f.pts)
                if not todo:
                    break
        return np.stack([out[p] for p in wanted])

    def get(self, files: int, indices: Sequence[int]) -> Frames:
        """Every file in turn."""
        return [self.one(k, indices) for k in range(files)]

    def close(self) -> None:
        """Close the containers."""
        for c in self.containers:
            c.close()


class PyAVReopen:
    """The strawman (secondary line only): per request, open each file, scan its pts, seek, decode, close."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.name = "pyav reopen (strawman)"
        self.files = list(files)

    def get(self, files: int, indices: Sequence[int]) -> Frames:
        """Every file in turn, each opened afresh."""
        out = []
        for f in self.files[:files]:
            kept = PyAVKept([f], 1)
            out.append(kept.one(0, indices))
            kept.close()
        return out

    def close(self) -> None:
        """Nothing is kept open."""


class TorchCodecKept:
    """torchcodec ``VideoDecoder`` per file, made once, ``get_frames_at``."""

    def __init__(self, files: Sequence[Path], mode: str, threads: int) -> None:
        from torchcodec.decoders import VideoDecoder

        self.name = f"torchcodec {mode} ({threads or 'auto'} thr)"
        self.decoders = [
            VideoDecoder(str(f), seek_mode=mode, num_ffmpeg_threads=threads, dimension_order="NHWC")
            for f in files
        ]

    def get(self, files: int, indices: Sequence[int]) -> Frames:
        """Every file in turn."""
        return [self.decoders[k].get_frames_at(list(indices)).data.numpy() for k in range(files)]

    def close(self) -> None:
        """Nothing to close (decoders are freed with the object)."""


class OpenCVKept:
    """``cv2.VideoCapture`` per file, kept open: ``set(CAP_PROP_POS_FRAMES)``, then read/grab forward."""

    def __init__(self, files: Sequence[Path]) -> None:
        import cv2

        self.cv2 = cv2
        self.name = "opencv"
        self.caps = [cv2.VideoCapture(str(f)) for f in files]

    def one(self, k: int, indices: Sequence[int]) -> np.ndarray:
        """Frames ``indices`` (sorted) of file ``k``."""
        cv2, cap = self.cv2, self.caps[k]
        cap.set(cv2.CAP_PROP_POS_FRAMES, indices[0])
        out = []
        want = set(indices)
        for i in range(indices[0], indices[-1] + 1):
            if i in want:
                ok, bgr = cap.read()
                if not ok:
                    raise RuntimeError(f"OpenCV could not read frame {i}")
                out.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            else:
                cap.grab()
        return np.stack(out)

    def get(self, files: int, indices: Sequence[int]) -> Frames:
        """Every file in turn."""
        return [self.one(k, indices) for k in range(files)]

    def close(self) -> None:
        """Release the captures."""
        for c in self.caps:
            c.release()


def torchcodec_missing() -> str | None:
    """Why torchcodec cannot be used here, or None."""
    try:
        from torchcodec.decoders import VideoDecoder  # noqa: F401
    except Exception as e:  # an ImportError, or FFmpeg libraries it cannot load (RuntimeError/OSError)
        return f"{type(e).__name__}: {str(e).splitlines()[0][:120]}"
    return None


def opencv_missing() -> str | None:
    """Why OpenCV cannot be used here, or None."""
    try:
        import cv2  # noqa: F401
    except Exception as e:
        return f"{type(e).__name__}: {str(e)[:120]}"
    return None


# ---- measurement ------------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table."""

    resolution: str
    gop: str
    case: str
    condition: str
    requests: int
    rounds: int
    seconds: dict[str, float] = field(default_factory=dict)
    """Median seconds over rounds for all requests of a round, per contender."""
    chosen: dict[str, str] = field(default_factory=dict)
    """Thread setting picked by the probe, per baseline family."""
    pixels: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per baseline: max abs diff against ours and frames that differ, over the verified requests."""
    bound_s: float = 0.0
    best_baseline: str = ""
    ratio: float = 0.0
    bound_fraction: float = 0.0


def family(name: str) -> str:
    """``pyav (2 thr)`` → ``pyav``; ``torchcodec exact (auto thr)`` → ``torchcodec exact``."""
    return name.split(" (")[0]


def timed(fn: Callable[[], object]) -> float:
    """Seconds ``fn`` takes."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def draw_starts(rng: np.random.Generator, n_frames: int, case: Case, n: int) -> list[int]:
    """Random request starts, the whole request inside the take."""
    return [int(s) for s in rng.integers(0, n_frames - case.offsets[-1] - 1, size=n)]


def make_baselines(
    files: list[Path], probe: Callable[[object], float], *, strawman: bool
) -> tuple[list, dict[str, str], list]:
    """One kept-open contender per family, its thread setting the faster of two on the probe."""
    families: list[list[Callable[[], object]]] = [[lambda t=t: PyAVKept(files, t) for t in (2, 1)]]
    if torchcodec_missing() is None:
        for mode in ("exact", "approximate"):
            families.append([lambda m=mode, t=t: TorchCodecKept(files, m, t) for t in (1, 0)])
    if opencv_missing() is None:
        families.append([lambda: OpenCVKept(files)])
    if strawman:
        families.append([lambda: PyAVReopen(files)])
    chosen, out, probes = {}, [], []
    for options in families:
        made = [make() for make in options]
        times = [probe(b) for b in made] if len(made) > 1 else [0.0]
        best = int(np.argmin(times))
        for i, b in enumerate(made):
            if i != best:
                b.close()
        out.append(made[best])
        chosen[family(made[best].name)] = made[best].name
        probes += [(b.name, t) for b, t in zip(made, times, strict=True)] if len(made) > 1 else []
    return out, chosen, probes


def compare(ours: Frames, theirs: Frames) -> tuple[int, int]:
    """(max abs diff, frames that differ) between two requests' frames."""
    diff, bad = 0, 0
    for a, b in zip(ours, theirs, strict=True):
        if a.shape != b.shape:
            return 255, len(a)
        d = np.abs(a.astype(np.int16) - b.astype(np.int16)).reshape(len(a), -1).max(axis=1)
        diff, bad = max(diff, int(d.max())), bad + int((d > 0).sum())
    return diff, bad


def measure(
    size: media.Size, gop: str, busy: bool, args: argparse.Namespace, root: Path, files: list[Path]
) -> list[Row]:
    """Every case on one resolution x GOP in one condition."""
    n = args.requests if size.name == "448p" else args.requests_big
    rounds = args.rounds
    condition = "busy" if busy else "idle"
    rows = []
    with media.busy_cores(busy) as burners:
        ours = Ours(root)
        rng = np.random.default_rng([1234, int(busy)])  # other requests per condition: no cache carry-over
        probe_starts = draw_starts(rng, size.frames, CASES[0], max(2, min(n, 4)))

        def probe(b: object) -> float:
            return timed(lambda: [b.get(1, [s]) for s in probe_starts])  # type: ignore[attr-defined]

        baselines, chosen, probes = make_baselines(files, probe, strawman=not args.no_strawman)
        print(
            f"\n## {size.name} {size.width}x{size.height}, {size.frames} frames, GOP {gop}, {condition}"
            f" ({burners} burning processes; load {media.load_average()})"
        )
        print("thread probe on case (a): " + ", ".join(f"{name} {t:.2f} s" for name, t in probes))
        keys_rates = [media.keyframes_and_rate(f) for f in files]
        for case in (c for c in CASES if c.key in args.cases):
            row = Row(size.name, gop, case.name, condition, n, rounds, chosen=dict(chosen))
            contenders: list[tuple[str, Callable[[tuple[int, list[int]]], object]]] = [
                ("ours", lambda req, c=case: ours.get(c, req[0]))
            ]
            contenders += [
                (family(b.name), lambda req, b=b, c=case: b.get(c.views, req[1])) for b in baselines
            ]
            runs: dict[str, list[float]] = {name: [] for name, _ in contenders}
            need = 0
            for r in range(rounds):
                reqs = [(s, ours.indices(case, s)) for s in draw_starts(rng, size.frames, case, n)]
                order = contenders[r % len(contenders) :] + contenders[: r % len(contenders)]
                for name, fn in order:
                    runs[name].append(timed(lambda fn=fn, reqs=reqs: [fn(req) for req in reqs]))
                for _, idx in reqs:
                    wanted = np.array(idx)
                    need += sum(media.frames_to_decode(keys, wanted) for keys, _ in keys_rates[: case.views])
            # pixels after timing, so that the verified frames are not in the reader caches during it
            verify = draw_starts(rng, size.frames, case, min(n, args.verify))
            for b in baselines:
                worst, bad = 0, 0
                for s in verify:
                    idx = ours.indices(case, s)
                    d, k = compare(ours.get(case, s), b.get(case.views, idx))
                    worst, bad = max(worst, d), bad + k
                row.pixels[family(b.name)] = {
                    "max_abs_diff": worst,
                    "frames_differing": bad,
                    "frames": len(verify) * case.views * len(case.offsets),
                }
            spf = statistics.mean(rate for _, rate in keys_rates[: case.views])
            row.seconds = {name: statistics.median(t) for name, t in runs.items()}
            row.bound_s = need / rounds * spf / (os.cpu_count() or 1)
            exact = [f for f in row.seconds if f in SKILLED and row.pixels[f]["frames_differing"] == 0]
            if exact:
                row.best_baseline = min(exact, key=lambda f: row.seconds[f])
                row.ratio = row.seconds[row.best_baseline] / row.seconds["ours"]
            row.bound_fraction = row.bound_s / row.seconds["ours"]
            rows.append(row)
            print(format_row(row), flush=True)
        for b in baselines:
            b.close()
    return rows


# ---- output -----------------------------------------------------------------------------------------
SKILLED = ("pyav", "torchcodec exact", "torchcodec approximate", "opencv")
"""The baselines a skilled user would write; the best exact one of these is the ratio's denominator."""
FAMILIES = (*SKILLED, "pyav reopen")


def header() -> str:
    """Markdown table header."""
    cols = ["resolution", "GOP", "case", "condition", "ours s"]
    cols += [f"{f} s" for f in SKILLED] + [
        "best exact baseline / ours",
        "bound / ours",
        "strawman: pyav reopen s",
    ]
    return "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols)


def format_row(row: Row) -> str:
    """One markdown table line; a baseline whose pixels differed from ours is marked with the count."""
    cells = [row.resolution, row.gop, row.case, row.condition, f"{row.seconds['ours']:.2f}"]
    for f in SKILLED:
        if f not in row.seconds:
            cells.append("n/a")
            continue
        px = row.pixels[f]
        mark = "" if px["frames_differing"] == 0 else f" ({px['frames_differing']}/{px['frames']} differ)"
        cells.append(f"{row.seconds[f]:.2f}{mark}")
    ratio = f"{row.ratio:.2f}x ({row.best_baseline})" if row.best_baseline else "n/a"
    cells += [ratio, f"{row.bound_fraction:.2f}", f"{row.seconds.get('pyav reopen', float('nan')):.2f}"]
    return "| " + " | ".join(cells) + " |"


def main(argv: Sequence[str] | None = None) -> None:
    """Parse options, make the media, measure, print the table (and write JSON)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--media", type=Path, default=Path("/tmp/egoexo-kit-bench-media"), help="cache folder")
    p.add_argument("--resolutions", nargs="+", default=["448p", "4k"], choices=list(media.SIZES))
    p.add_argument("--gops", nargs="+", default=list(media.GOPS), choices=list(media.GOPS))
    p.add_argument("--requests", type=int, default=12, help="requests per case and round at 448p")
    p.add_argument("--requests-big", type=int, default=3, help="requests per case and round above 448p")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds (median reported)")
    p.add_argument("--verify", type=int, default=3, help="requests per case whose pixels are compared")
    p.add_argument("--conditions", nargs="+", default=["idle", "busy"], choices=["idle", "busy"])
    p.add_argument("--cases", nargs="+", default=[c.key for c in CASES], choices=[c.key for c in CASES])
    p.add_argument("--no-strawman", action="store_true", help="leave out the PyAV re-open column")
    p.add_argument("--quick", action="store_true", help="smoke run: 448p, 4 requests, 1 round")
    p.add_argument("--json", type=Path, help="also write the rows here")
    args = p.parse_args(argv)
    if args.quick:
        args.resolutions, args.requests, args.rounds, args.verify = ["448p"], 4, 1, 2
    print(
        f"egoexo-kit random access vs kept-open baselines; {os.cpu_count()} CPUs; PyAV {av.__version__}; "
        f"load {media.load_average()}"
    )
    if not media.has_ffmpeg():
        print("NOTE: no `ffmpeg` command: media are numpy gradients + noise encoded with PyAV instead")
    for why, what in ((torchcodec_missing(), "torchcodec"), (opencv_missing(), "OpenCV")):
        if why is not None:
            print(f"NOTE: {what} not measured ({why})")
    for name in args.resolutions:
        s = media.SIZES[name]
        print(f"media {name}: {s.width}x{s.height}, {s.frames} frames, x264 preset {s.preset}, CRF 24")
    rows: list[Row] = []
    for name in args.resolutions:
        size = media.SIZES[name]
        for gop in args.gops:
            t0 = time.perf_counter()
            root, files = media.make_release(args.media, size, gop)
            print(f"release {root} ready in {time.perf_counter() - t0:.1f} s")
            for condition in args.conditions:
                rows += measure(size, gop, condition == "busy", args, root, files)
    print("\n" + header())
    for row in rows:
        print(format_row(row))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=1))


if __name__ == "__main__":
    main()
