"""``download`` after reading in place: bytes (and time) saved by reusing the remote block cache.

The set-up of ``bench_remote.py`` (its HTTP server with ETags and a simulated ``--mbps`` link, its
long 640x360 MP4): the tiny synthetic release with that MP4 as every video of its first take,
published to the server. A user first reads the take's videos in place (``open_release(url)``, each
default view's MP4 through ``RemoteFile``, default 256 KiB blocks; the synthetic take's timeline is
one second, so frames are read by index on the long MP4): ``--frames`` random frames of every view
(browsing), then ``--clips`` random 8-frame clips of one view (a bit of training). Then the take's
``takes`` files are downloaded twice into empty folders: with the block cache
(:class:`egoexo_kit.remote.CacheReuse`, what ``egoexo-kit download`` plugs in) and without it.
Printed: the take's video bytes, what the reading cached, bytes over the network and seconds of
each download, and whether both copies are byte-identical.

Run: ``python perf/bench_download_reuse.py [--seconds 60] [--frames 5] [--clips 40] [--mbps 100]``
(core install only).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import bench_remote as br


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the long MP4")
    ap.add_argument("--frames", type=int, default=5, help="random instants read (every default view)")
    ap.add_argument("--clips", type=int, default=40, help="random 8-frame clips read (one view)")
    ap.add_argument("--mbps", type=float, default=100.0, help="simulated link bandwidth (Mbit/s)")
    args = ap.parse_args()

    import egoexo_kit
    from egoexo_kit.download import Selection, download, open_source, plan_download, publish
    from egoexo_kit.remote import BlockCache, CacheReuse
    from egoexo_kit.synth import write_tiny_release
    from egoexo_kit.video import VideoReader

    with tempfile.TemporaryDirectory() as tmp_s:
        tmp = Path(tmp_s)
        os.environ["EGOEXO_KIT_CACHE_DIR"] = str(tmp / "user-cache")
        www = tmp / "www"
        www.mkdir()
        br.long_video(tmp / "long.mp4", args.seconds)
        release = write_tiny_release(tmp / "tiny")
        take = egoexo_kit.open_release(release).takes[0]
        for v in take.views:
            if v.path is not None and v.path.is_file():
                shutil.copyfile(tmp / "long.mp4", v.path)
        publish(release, www, release="v2", workers=2)
        server, base = br.serve(www)
        br.LINK.rate = args.mbps * 1e6 / 8
        url = f"{base}/v2"

        opened = egoexo_kit.open_release(url)
        rr = opened.remote
        videos = [v.path for v in opened.take(take.name).select_views() if v.path is not None]
        readers = [VideoReader(p.name, opener=lambda p=p: rr.open_file(p)) for p in videos]
        rng = random.Random(0)
        n = len(readers[0])
        for _ in range(args.frames):  # browsing: the same instant of every view (the take is synced)
            i = rng.randrange(n)
            for r in readers:
                r[i]
        for _ in range(args.clips):  # training: random clips of the first view
            s = rng.randrange(n - 8)
            readers[0].get_frames_at(list(range(s, s + 8)))
        for r in readers:
            r.close()
        read = rr.stats.bytes
        view = videos[0].name
        cached = BlockCache().usage().bytes

        src = open_source(base, release="v2")
        sel = Selection(parts=("takes",), uids=frozenset({take.uid}))
        rows = {}
        for name, reuse in (("with the block cache", CacheReuse()), ("without", None)):
            out = tmp / f"out-{name.split()[0]}"
            plan = plan_download(out, source=src, selection=sel)
            t0 = time.perf_counter()
            report = download(plan, workers=8, reuse=reuse)
            seconds = time.perf_counter() - t0
            assert report.ok, report.to_json()
            rows[name] = (report, seconds, out)
        files = rows["without"][0].results
        total = sum(r.size or 0 for r in files)
        same = all(
            (rows["without"][2] / r.relative_path).read_bytes()
            == (rows["with the block cache"][2] / r.relative_path).read_bytes()
            for r in files
        )
        print(
            f"take {take.name}: {len(files)} videos, {total / 1e6:.1f} MB "
            f"({args.seconds:.0f} s 640x360 each); "
            f"link {args.mbps:.0f} Mbit/s; read in place: {args.frames} random frames x {len(videos)} "
            f"views + {args.clips} 8-frame clips of {view}: {read / 1e6:.1f} MB fetched, "
            f"{cached / 1e6:.1f} MB in the block cache"
        )
        print("| download | over the network | reused from the cache | seconds | verified |")
        print("|---|---|---|---|---|")
        for name, (report, seconds, _) in rows.items():
            print(
                f"| {name} | {report.fetched_bytes / 1e6:.1f} MB ({report.fetched_bytes / total:.0%}) "
                f"| {report.reused_bytes / 1e6:.1f} MB | {seconds:.2f} | {report.counts()} |"
            )
        print(f"both copies byte-identical: {same}")
        server.shutdown()


if __name__ == "__main__":
    main()
