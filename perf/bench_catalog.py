"""Annotation catalog: build time and peak memory vs ``json.load`` of the same files, query latency,
and incremental rebuild after touching one file vs a full build.

Run: ``python perf/bench_catalog.py [--release PATH | --takes N [--out DIR] [--workers W]]``.
Without ``--release`` it first generates ``synth --annotations-only --takes N`` (default 5000: takes of
minutes, every annotation family) into ``--out`` (default: a temporary folder, removed at the end) and
reports the generation time and each catalog table's row count. Each build and the ``json.load``
baseline (every file parsed, one at a time) run in a fresh child process so their times and peak RSS
(of the largest process, the build's extraction workers included) compare fairly.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUERIES = {
    "long cooking keysteps, best exo cam02": (
        "SELECT k.take_name, k.step_name, k.start_s, k.end_s FROM keysteps k JOIN takes t USING (take_uid) "
        "WHERE t.scenario ILIKE '%cook%' AND k.duration_s > 1.0 AND t.best_exo = 'cam02'"
    ),
    "comments mentioning the elbow": (
        "SELECT take_uid, t_s, text FROM expert_commentary WHERE text ILIKE '%elbow%'"
    ),
    "ego-visible descriptions of one take": (
        "SELECT t_s, text FROM atomic_descriptions WHERE take_uid = (SELECT min(take_uid) FROM takes) "
        "AND ego_visible ORDER BY t_s"
    ),
    "hand pose frames with >= 3 cameras per split": (
        "SELECT split, count(*) FROM pose_frames WHERE part = 'hand' AND n_cameras_2d >= 3 GROUP BY split"
    ),
    "visible mask frames per ego/exo": (
        "SELECT is_ego, count(*) FROM mask_frames WHERE visible GROUP BY is_ego"
    ),
}


def _child(mode: str, root: Path) -> None:
    """In a fresh process: do one job, print seconds (imports excluded) and peak RSS (MiB) as JSON."""
    from egoexo_kit import open_release
    from egoexo_kit.annotations import build_catalog, discover

    t0 = time.perf_counter()
    if mode == "json":
        n = 0
        for f in discover(root):
            json.loads(f.path.read_text(encoding="utf-8"))
            n += 1
    else:
        stats = build_catalog(open_release(root), full=(mode == "full"))
        n = len(stats.extracted)
    secs = time.perf_counter() - t0
    # the largest process: this one, or an extraction worker (RUSAGE_CHILDREN is the largest child)
    peak = (
        max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024
    )
    print(json.dumps({"seconds": secs, "peak_mib": peak, "files": n}))


def _run_child(mode: str, root: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--release", str(root)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--takes", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=0, help="generation processes (0: one per core)")
    ap.add_argument("--out", type=Path, help="generate here and keep it (default: a temporary folder)")
    ap.add_argument("--release", type=Path, help="measure this release instead of generating one")
    ap.add_argument("--child", choices=["json", "full", "incremental"])
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.release)
        return
    tmp = None
    root = args.release
    if root is None:
        from egoexo_kit.synth import SynthConfig, generate_release

        if args.out is None:
            tmp = Path(tempfile.mkdtemp(prefix="bench-catalog-"))
        root = args.out or tmp / "release"
        t0 = time.perf_counter()
        generate_release(root, SynthConfig(annotations_only=True, takes=args.takes, workers=args.workers))
        print(f"generated {args.takes} annotations-only takes in {time.perf_counter() - t0:.0f} s")
    try:
        _report(root)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def _report(root: Path) -> None:
    import duckdb  # noqa: F401  (imported here so the child processes measure their own imports)

    from egoexo_kit import open_release
    from egoexo_kit.annotations import CATALOG_DIR, connect_catalog, discover, search

    files = discover(root)
    size = sum(f.path.stat().st_size for f in files) / 2**20
    print(f"release {root}: {len(files)} annotation files, {size:.0f} MiB of JSON")
    base = _run_child("json", root)
    full = _run_child("full", root)
    print(f"json.load of every file : {base['seconds']:7.2f} s, peak {base['peak_mib']:6.0f} MiB")
    print(
        f"full catalog build      : {full['seconds']:7.2f} s, peak {full['peak_mib']:6.0f} MiB "
        f"(time x{full['seconds'] / base['seconds']:.2f}, "
        f"memory x{full['peak_mib'] / base['peak_mib']:.2f} of json.load)"
    )
    release = open_release(root)
    con = connect_catalog(release)
    tables = [
        r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY table_name").fetchall()
    ]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(
        f"takes with pose: {con.execute('SELECT count(DISTINCT take_uid) FROM pose_frames').fetchone()[0]:,}"
    )
    for name, sql in QUERIES.items():
        con.execute(sql).fetchall()
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            con.execute(sql).fetchall()
            times.append(time.perf_counter() - t0)
        print(f"query {name!r}: median {statistics.median(times) * 1e3:.1f} ms")
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        search(con, "opens the brake with a finger", limit=10)
        times.append(time.perf_counter() - t0)
    print(f"BM25 search: median {statistics.median(times) * 1e3:.1f} ms")
    victim = next(f.path for f in files if f.family == "pose")
    st = victim.stat()
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    inc = _run_child("incremental", root)
    print(
        f"incremental rebuild after touching {victim.name}: {inc['seconds']:.2f} s "
        f"({inc['files']} file read): x{full['seconds'] / inc['seconds']:.1f} faster than the full build"
    )
    print(
        f"catalog on disk: "
        f"{sum(p.stat().st_size for p in (root / CATALOG_DIR).rglob('*') if p.is_file()) / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
