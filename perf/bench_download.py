"""Download throughput vs a plain boto3 ``download_file`` loop, and the cost of resuming after a kill.

Both sides fetch the same objects from the same local S3 server (``moto_server``, started here) with
the same number of worker threads; egoexo-kit also hashes (sha256) and verifies every file and
writes through ``.part`` files, the baseline does neither. Resume: ``egoexo-kit download`` is killed
with SIGKILL mid-transfer, rerun, and the bytes sent again that were already on disk are counted.

Run: ``python perf/bench_download.py [workers]`` (needs boto3 and moto[server], the dev extra).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3

from egoexo_kit.download import (
    ManifestEntry,
    PathSpec,
    Selection,
    download,
    dump_manifest,
    open_source,
    plan_download,
)

ENV = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1"}
CASES = {"small": (400, 64 * 1024), "large": (4, 48 * 1024 * 1024)}  # name: (files, bytes each)


def start_moto() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or "moto_server"
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, f"http://127.0.0.1:{port}"


def upload(client, bucket: str, case: str, n: int, size: int, workers: int) -> list[str]:
    keys, entries = [], []
    rng_seed = os.urandom(size)

    def put(i: int) -> PathSpec:
        data = rng_seed[i % 251 :] + rng_seed[: i % 251]  # distinct content per file, no extra RNG cost
        rel = f"takes/t{i // 10:03d}/cam{i:04d}.mp4"
        key = f"{case}/v2/{rel}"
        client.put_object(Bucket=bucket, Key=key, Body=data)
        return PathSpec(
            f"s3://{bucket}/{key}", rel, size=len(data), checksum="sha256:" + hashlib.sha256(data).hexdigest()
        )

    with ThreadPoolExecutor(workers) as pool:
        specs = list(pool.map(put, range(n)))
    for i, spec in enumerate(specs):
        entries.append(ManifestEntry(uid=f"u{i}", paths=(spec,)))
        keys.append(spec.source_path.split("/", 3)[3])
    client.put_object(
        Bucket=bucket, Key=f"{case}/v2/takes/manifest.json", Body=dump_manifest(entries).encode()
    )
    return keys


def baseline(client, bucket: str, keys: list[str], out: Path, workers: int) -> float:
    def get(key: str) -> None:
        dest = out / key
        dest.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(bucket, key, str(dest))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(get, keys))
    return time.perf_counter() - t0


def ours(endpoint: str, bucket: str, case: str, out: Path, workers: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    src = open_source(f"s3://{bucket}/{case}", release="v2", endpoint_url=endpoint, workers=workers)
    report = download(plan_download(out, source=src, selection=Selection(parts=("takes",))), workers=workers)
    assert report.ok, report.to_json()
    return time.perf_counter() - t0, len(report.results)


def resume(endpoint: str, bucket: str, out: Path, workers: int) -> tuple[int, int, int]:
    """Kill a download mid-way (SIGKILL) and rerun; returns (bytes on disk at the kill, refetched, total)."""
    env = {**os.environ, **ENV, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    args = [
        sys.executable,
        "-c",
        "from egoexo_kit.cli import main; main()",
        "download",
        str(out),
        "--source",
        f"s3://{bucket}/large",
        "--endpoint-url",
        endpoint,
        "--parts",
        "takes",
        "-y",
        "--num-workers",
        str(workers),
    ]
    total = CASES["large"][0] * CASES["large"][1]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def on_disk() -> int:
        """Bytes a rerun can use: each .part prefix (up to a range file it is being appended from,
        which would otherwise be counted twice) plus the range files .part.<start>."""
        useful = 0
        for part in out.rglob("*.part"):
            pieces = {int(p.suffix[1:]): p.stat().st_size for p in part.parent.glob(part.name + ".*")}
            prefix = part.stat().st_size
            useful += min([prefix, *(s for s in pieces if s < prefix)]) + sum(pieces.values())
        return useful + sum(p.stat().st_size for p in out.rglob("*.mp4"))

    while on_disk() < total * 0.4 and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    have = on_disk()
    src = open_source(f"s3://{bucket}/large", release="v2", endpoint_url=endpoint, workers=workers)
    report = download(
        plan_download(out, source=src, selection=Selection(parts=("takes",))),
        workers=workers,
    )
    assert report.ok, report.to_json()
    return have, report.fetched_bytes, total


def main() -> None:
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    os.environ.update(ENV)
    proc, endpoint = start_moto()
    try:
        client = boto3.client("s3", endpoint_url=endpoint)
        bucket = "bench"
        client.create_bucket(Bucket=bucket)
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            for case, (n, size) in CASES.items():
                keys = upload(client, bucket, case, n, size, workers)
                mb = n * size / 1e6
                t_base = baseline(client, bucket, keys, tmp / f"base-{case}", workers)
                t_ours, files = ours(endpoint, bucket, case, tmp / f"ours-{case}", workers)
                print(
                    f"{case:5s}: {n} x {size / 1024:.0f} KiB, {workers} workers: "
                    f"boto3 download_file {t_base:.2f} s ({mb / t_base:.0f} MB/s), "
                    f"egoexo-kit (sha256-verified) {t_ours:.2f} s ({mb / t_ours:.0f} MB/s); "
                    f"ratio (boto3 time / ours) {t_base / t_ours:.2f}"
                )
            have, fetched, total = resume(endpoint, bucket, tmp / "resume", workers)
            resent = fetched - (total - have)
            print(
                f"resume: killed with {have / 1e6:.0f} of {total / 1e6:.0f} MB on disk; rerun fetched "
                f"{fetched / 1e6:.1f} MB, re-transferred {resent / 1e6:.2f} MB = "
                f"{100 * resent / max(have, 1):.2f}% of the bytes on disk (download_file restarts: 100%)"
            )
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
