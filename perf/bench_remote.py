"""Remote reading: bytes per random frame and per 8-frame clip vs the file, first frame vs downloading.

Everything is served by one local HTTP server (ranged GETs, ETags) started here, behind a simulated
link: ``--mbps`` of bandwidth shared by all responses (default 100 Mbit/s, a good home line) and 0 or
20 ms of added round trip per request (a server-side sleep, as a far mirror adds):

1. **Bytes**: a long MP4 (``--seconds`` of 640x360 at 30 fps with x264's default keyframe interval of
   250 frames, as the release's videos; moving texture plus a noisy patch so it does not compress
   to nothing) is read through :class:`egoexo_kit.remote.RemoteFile` with a cold block cache (default
   256 KiB blocks): bytes to open it (its ``moov``), then for one random frame and one random 8-frame clip, as
   a fraction of the file (median of ``--trials``); the same frames again: block-cache hit rate.
2. **First frame of a take**: a synthetic release of one take as long as that MP4 (generated here
   with tiny videos: about 3 minutes for 120 s on 2 cores) with the long MP4 as every video of the
   take, published with ``egoexo-kit publish``: ``open_release(url).take(...).frames(t=0.5)``
   (Aria RGB + 4 exo views) from a cold cache vs ``download`` of the take's ``metadata``,
   ``captures`` and ``takes`` files and the same call on the local copy.
3. **Clips/s, one reader**: random 8-frame clips of the long MP4 read one after another by one reader
   (what one DataLoader worker does), from the mirror with a cold cache, the same clips again (warm
   cache), and from local disk.
4. **Clips/s, DataLoader** (needs the ``[torch]`` extra): ``EgoExoClips`` over the long take (8-frame
   clips at 30 fps of its 5 default views, ``with_annotations=False``) in
   ``DataLoader(num_workers=2, batch_size=4, multiprocessing_context="spawn")`` drawing ``--loader-clips``
   random windows, from ``open_release(url)`` with a cold block cache at 0 and 20 ms added round trip,
   the same windows again (warm cache), and from the local copy of the release (before and after the
   mirror runs; their mean is the reference). Steady state: clips after the first batch over the
   time after it; the first batch's latency (worker start-up included) is shown beside it, and the
   clips/s the simulated link carries cold when no two clips share a block (its bandwidth over 5
   views' 8-frame clip bytes; random windows of one take share groups of pictures, so more get through).

Run: ``python perf/bench_remote.py [--seconds 120] [--trials 3] [--mbps 100] [--loader-clips 48]``
(core install; part 4 is skipped with a message without torch).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

SERVER_LATENCY = {"s": 0.0}


class Link:
    """A shared bandwidth cap: every response's bytes queue on one simulated line."""

    def __init__(self) -> None:
        self.rate: float | None = None  # bytes per second
        self._lock = threading.Lock()
        self._free_at = 0.0

    def send(self, write, data: bytes) -> None:
        step = 64 << 10
        for i in range(0, len(data), step):
            chunk = data[i : i + step]
            if self.rate:
                with self._lock:
                    now = time.monotonic()
                    self._free_at = max(now, self._free_at) + len(chunk) / self.rate
                    wait = self._free_at - now
                time.sleep(wait)
            write(chunk)


LINK = Link()


def _handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall

        def log_message(self, *args):
            pass

        def _file(self) -> Path | None:
            from urllib.parse import unquote

            p = (root / unquote(self.path.split("?")[0]).lstrip("/")).resolve()
            return p if p.is_file() else None

        def _head(self, p: Path, status: int, length: int, extra: dict[str, str]) -> None:
            st = p.stat()
            self.send_response(status)
            self.send_header("Content-Length", str(length))
            self.send_header("ETag", f'"{st.st_size:x}-{st.st_mtime_ns:x}"')
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()

        def do_HEAD(self):
            time.sleep(SERVER_LATENCY["s"])
            p = self._file()
            if p is None:
                self.send_error(404)
                return
            self._head(p, 200, p.stat().st_size, {})

        def do_GET(self):
            time.sleep(SERVER_LATENCY["s"])
            p = self._file()
            if p is None:
                self.send_error(404)
                return
            size = p.stat().st_size
            rng = self.headers.get("Range")
            start, stop = 0, size
            if rng:
                first, _, last = rng.split("=")[1].partition("-")
                start, stop = int(first), min(size, int(last) + 1) if last else size
            with open(p, "rb") as f:
                f.seek(start)
                body = f.read(stop - start)
            extra = {"Content-Range": f"bytes {start}-{stop - 1}/{size}"} if rng else {}
            self._head(p, 206 if rng else 200, len(body), extra)
            try:
                LINK.send(self.wfile.write, body)
            except OSError:
                pass

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's 5 drops the SYNs of a burst of parallel connections (1 s retry)
    daemon_threads = True


def serve(root: Path) -> tuple[ThreadingHTTPServer, str]:
    server = _Server(("127.0.0.1", 0), _handler(root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def long_video(path: Path, seconds: float) -> None:
    from egoexo_kit.video import encode_video

    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)

    def frames():
        for i in range(int(seconds * 30)):
            f = np.roll(base, 2 * i, axis=1)
            f[:64, :64] = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
            yield f

    encode_video(path, frames(), preset="ultrafast")


def bytes_per_access(url: str, size: int, trials: int) -> dict[str, float]:
    """Median bytes of one random frame / one 8-frame clip, cold cache; hit rate of a second pass."""
    from egoexo_kit.download import open_source
    from egoexo_kit.remote import BlockCache, RemoteFile, TransferStats
    from egoexo_kit.video import VideoReader

    src = open_source(url.rsplit("/", 1)[0], release="")
    out: dict[str, list[float]] = {"frame": [], "clip8": [], "open": []}
    hit_rates = []
    for t in range(trials):
        for kind in ("frame", "clip8"):
            with tempfile.TemporaryDirectory() as cache_root:
                cache, stats = BlockCache(Path(cache_root)), TransferStats()

                def opener(cache: BlockCache = cache, stats: TransferStats = stats) -> RemoteFile:
                    return RemoteFile(src, url, cache=cache, stats=stats)

                reader = VideoReader("long.mp4", opener=opener)
                out["open"].append(stats.bytes)
                before = stats.bytes
                start = random.Random(t).randrange(len(reader) - 8)
                wanted = [start] if kind == "frame" else list(range(start, start + 8))
                reader.get_frames_at(wanted)
                out[kind].append(stats.bytes - before)
                reader.close()
                hits0, misses0 = cache.hits, cache.misses
                again = VideoReader("long.mp4", opener=opener)
                again.get_frames_at(wanted)
                again.close()
                hits, misses = cache.hits - hits0, cache.misses - misses0
                hit_rates.append(hits / max(1, hits + misses))
    return {
        "open_bytes": statistics.median(out["open"]),
        "frame_bytes": statistics.median(out["frame"]),
        "clip8_bytes": statistics.median(out["clip8"]),
        "file_bytes": size,
        "hit_rate": statistics.mean(hit_rates),
    }


def clips_per_second(opener, n_frames: int, clips: int) -> tuple[float, float]:
    """Random 8-frame clips per second read by one reader (one DataLoader worker): cold, then again (warm)."""
    from egoexo_kit.video import VideoReader

    rng = random.Random(1)
    starts = [rng.randrange(n_frames - 8) for _ in range(clips)]
    rates = []
    for _ in range(2):
        reader = VideoReader("long.mp4", opener=opener) if opener else VideoReader(LONG["path"])
        t0 = time.perf_counter()
        for s in starts:
            reader.get_frames_at(list(range(s, s + 8)))
        rates.append(clips / (time.perf_counter() - t0))
        reader.close()
    return rates[0], rates[1]


LONG: dict[str, Path] = {}


def first_frame_remote(url: str, take: str) -> float:
    """Open the release URL and read one instant of every default view (cold cache)."""
    import egoexo_kit
    from egoexo_kit.facade._decoders import READERS

    READERS._readers.clear()
    t0 = time.perf_counter()
    egoexo_kit.open_release(url).take(take).frames(t=0.5)
    return time.perf_counter() - t0


def first_frame_download(url: str, uids: set[str], take: str, out: Path) -> float:
    """Download the take's metadata, capture and video files, then read the same frame locally."""
    import egoexo_kit
    from egoexo_kit.download import Selection, download, open_source, plan_download
    from egoexo_kit.facade._decoders import READERS

    READERS._readers.clear()
    base, release = url.rsplit("/", 1)
    t0 = time.perf_counter()
    src = open_source(base, release=release)
    download(plan_download(out, source=src, selection=Selection(parts=("metadata",))), workers=8)
    sel = Selection(parts=("captures", "takes"), uids=frozenset(uids))
    download(plan_download(out, source=src, selection=sel), workers=8)
    egoexo_kit.open_release(out).take(take).frames(t=0.5)
    return time.perf_counter() - t0


def loader_rate(release: str | Path, take: str, clips: int, cache: Path) -> tuple[float, float]:
    """``(steady clips/s, first batch s)`` of EgoExoClips, 2 spawned workers (block cache: ``cache``)."""
    import torch
    from egoexo_kit.torch import EgoExoClips

    os.environ["EGOEXO_KIT_CACHE_DIR"] = str(cache)  # the workers inherit it: a cold block cache
    ds = EgoExoClips(release, takes=[take], clip_seconds=7.5 / 30, fps=30, with_annotations=False)
    order = random.Random(5).sample(range(len(ds)), min(clips, len(ds)))
    loader = torch.utils.data.DataLoader(
        ds, batch_size=4, sampler=order, num_workers=2, multiprocessing_context="spawn", collate_fn=list
    )
    t0 = time.perf_counter()
    it = iter(loader)
    first = len(next(it))
    t1 = time.perf_counter()
    rest = sum(len(batch) for batch in it)
    t2 = time.perf_counter()
    assert first + rest == len(order)
    return rest / (t2 - t1), t1 - t0


def loader_rows(
    base: str, root: Path, take: str, clips: int, tmp: Path, *, clip_bytes: float, mbps: float
) -> None:
    """Print part 4: DataLoader clips/s from the mirror (cold, 0 and 20 ms RTT; warm) vs local disk.

    Local disk is measured before and after the mirror runs (the machine's load drifts); the ratio
    uses their mean. ``clip_bytes`` (one view's 8-frame clip, part 1) gives the link's own bound.
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        print("\nDataLoader clips/s: skipped (needs the [torch] extra)")
        return
    local = [loader_rate(root, take, clips, tmp / "loader-cache-local")]
    rows = []
    for rtt in (0.0, 0.020):
        SERVER_LATENCY["s"] = rtt
        cache = tmp / f"loader-cache-{rtt}"
        rows.append(
            (f"mirror, {rtt * 1000:.0f} ms RTT, cold cache", *loader_rate(f"{base}/v2", take, clips, cache))
        )
        if rtt:
            again = loader_rate(f"{base}/v2", take, clips, cache)
            rows.append((f"mirror, {rtt * 1000:.0f} ms RTT, same clips again", *again))
    local.append(loader_rate(root, take, clips, tmp / "loader-cache-local"))
    local_rate = statistics.mean(rate for rate, _ in local)
    bound = mbps * 1e6 / 8 / (5 * clip_bytes)
    print(
        f"\nDataLoader(num_workers=2, batch_size=4, spawn), EgoExoClips 8 frames x 5 views, "
        f"{clips} random windows; the {mbps:.0f} Mbit/s link carries {bound:.1f} cold clips/s "
        "when no two clips share a block"
    )
    print("| from | clips/s | vs local disk | first batch |")
    print("|---|---|---|---|")
    for name, rate, first in rows:
        print(f"| {name} | {rate:.2f} | {rate / local_rate:.2f}x | {first:.1f} s |")
    for when, (rate, first) in zip(("before", "after"), local, strict=True):
        print(f"| local disk ({when}) | {rate:.2f} | {rate / local_rate:.2f}x | {first:.1f} s |")


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120.0, help="length of the long MP4")
    ap.add_argument("--trials", type=int, default=3)
    ap.add_argument("--mbps", type=float, default=100.0, help="simulated link bandwidth (Mbit/s)")
    ap.add_argument("--clips", type=int, default=20, help="random 8-frame clips per clips/s measure")
    ap.add_argument("--loader-clips", type=int, default=48, help="random windows per DataLoader measure")
    args = ap.parse_args()

    import shutil

    from _bench_media import synthesize_release

    import egoexo_kit
    from egoexo_kit.download import publish

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        www = tmp / "www"
        www.mkdir()
        t0 = time.perf_counter()
        long_video(www / "long.mp4", args.seconds)
        size = (www / "long.mp4").stat().st_size
        LONG["path"] = tmp / "long-local.mp4"
        shutil.copyfile(www / "long.mp4", LONG["path"])
        release = tmp / "synthetic"
        synthesize_release(release, int(args.seconds * 30))  # a take as long as the MP4
        take = egoexo_kit.open_release(release).takes[0]
        views = take.select_views()
        replaced = 0
        for v in take.views:  # the take's videos become long ones
            if v.path is not None and v.path.is_file():
                shutil.copyfile(www / "long.mp4", v.path)
                replaced += 1
        publish(release, www, release="v2", workers=2)
        print(f"set-up {time.perf_counter() - t0:.0f} s")
        server, base = serve(www)
        LINK.rate = args.mbps * 1e6 / 8
        print(
            f"long MP4: {args.seconds:.0f} s 640x360, {size / 1e6:.1f} MB; link {args.mbps:.0f} Mbit/s; "
            f"take {take.name}: {replaced} videos of that MP4 ({replaced * size / 1e6:.0f} MB to download), "
            f"{len(views)} read by frames()"
        )
        print(
            "| added RTT | open (moov) | random frame | 8-frame clip | frame / file | clip / file "
            "| hit rate, same frames again | first frame: remote | download + local | download / remote |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        clip_rows = []
        for rtt in (0.0, 0.020):
            SERVER_LATENCY["s"] = rtt
            b = bytes_per_access(f"{base}/long.mp4", size, args.trials)
            clip_bytes = b["clip8_bytes"]
            clip_rows.append((rtt, clip_rates(f"{base}/long.mp4", tmp / f"clips-{rtt}", args.clips)))
            remote_s, down_s = [], []
            for i in range(args.trials):
                os.environ["EGOEXO_KIT_CACHE_DIR"] = str(tmp / f"cache-{rtt}-{i}")
                remote_s.append(first_frame_remote(f"{base}/v2", take.name))
                uids = {take.uid, take.record.capture_uid}
                down_s.append(first_frame_download(f"{base}/v2", uids, take.name, tmp / f"dl-{rtt}-{i}"))
            r, d = statistics.median(remote_s), statistics.median(down_s)
            print(
                f"| {rtt * 1000:.0f} ms | {b['open_bytes'] / 1e6:.2f} MB | {b['frame_bytes'] / 1e6:.2f} MB "
                f"| {b['clip8_bytes'] / 1e6:.2f} MB | {b['frame_bytes'] / size:.1%} "
                f"| {b['clip8_bytes'] / size:.1%} | {b['hit_rate']:.0%} "
                f"| {r:.2f} s | {d:.2f} s | {d / r:.1f}x |"
            )
        local_cold, local_warm = clips_per_second(None, int(args.seconds * 30), args.clips)
        print(
            f"\nrandom 8-frame clips/s, one reader (one DataLoader worker), {args.clips} clips: "
            f"local disk {local_cold:.1f}"
        )
        print("| added RTT | mirror, cold cache | mirror, same clips again | cold vs local |")
        print("|---|---|---|---|")
        for rtt, (cold, warm) in clip_rows:
            print(f"| {rtt * 1000:.0f} ms | {cold:.1f} | {warm:.1f} | {cold / local_cold:.2f}x |")
        loader_rows(base, release, take.name, args.loader_clips, tmp, clip_bytes=clip_bytes, mbps=args.mbps)
        server.shutdown()


def clip_rates(url: str, cache_root: Path, clips: int) -> tuple[float, float]:
    """:func:`clips_per_second` through a RemoteFile with its own cold block cache."""
    from egoexo_kit.download import open_source
    from egoexo_kit.remote import BlockCache, RemoteFile
    from egoexo_kit.video import VideoReader

    src = open_source(url.rsplit("/", 1)[0], release="")
    cache = BlockCache(cache_root)

    def opener() -> RemoteFile:
        return RemoteFile(src, url, cache=cache)

    with VideoReader("long.mp4", opener=opener) as probe:
        n = len(probe)
    return clips_per_second(opener, n, clips)


if __name__ == "__main__":
    main()
