"""An HTTP mirror that misbehaves (started by the test): drops, corrupt bytes, 5xx bursts, stalls."""

from __future__ import annotations

import contextlib
import hashlib
import os

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import Selection, TransferPolicy, download, open_source, plan_download

from .conftest import Faults, make_mirror, serve_dir

runner = CliRunner()
FAST = TransferPolicy(retries=3, backoff_s=0.01, max_backoff_s=0.05, timeout_s=5.0)
DATA = os.urandom(300_000)
OTHER = os.urandom(50_000)


@contextlib.contextmanager
def served_mirror(tmp_path, faults):
    """The two-file mirror on a faulty HTTP server; yields its URL."""
    base = make_mirror(tmp_path / "m", {"takes/t/cam01.mp4": DATA, "takes/t/cam02.mp4": OTHER})
    server, url = serve_dir(base, faults)
    try:
        yield url
    finally:
        server.shutdown()


def fetch(url, out, *, policy=FAST, timeout=5.0):
    src = open_source(url, release="v2", timeout=timeout)
    plan = plan_download(out, source=src, selection=Selection(parts=("takes",)), policy=policy)
    return download(plan, workers=2, policy=policy)


def test_connection_dropped_mid_file_resumes_with_a_range(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["drop"]})
    with served_mirror(tmp_path, faults) as url:
        report = fetch(url, tmp_path / "out")
    assert report.ok, report.to_json()
    assert (tmp_path / "out/takes/t/cam01.mp4").read_bytes() == DATA
    ranges = [r for p, r in faults.requests if p.endswith("cam01.mp4")]
    assert ranges == [None, f"bytes={len(DATA) // 2}-"]  # the second request starts where the first broke
    manifest = (tmp_path / "m/v2/takes/manifest.json").stat().st_size
    assert faults.served == manifest + len(DATA) + len(OTHER)  # not one byte sent twice


def test_corrupt_bytes_are_caught_by_sha256_and_fetched_again(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["corrupt"]})
    with served_mirror(tmp_path, faults) as url:
        report = fetch(url, tmp_path / "out")
    assert report.ok
    r = next(r for r in report.results if r.relative_path.endswith("cam01.mp4"))
    assert (r.method, r.attempts) == ("sha256", 2)
    assert (
        hashlib.sha256((tmp_path / "out/takes/t/cam01.mp4").read_bytes()).hexdigest()
        == hashlib.sha256(DATA).hexdigest()
    )


def test_always_corrupt_fails_with_the_reason_and_exit_1(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["corrupt"] * 10})
    with served_mirror(tmp_path, faults) as url:
        res = runner.invoke(
            app,
            [
                "download",
                str(tmp_path / "out"),
                "--source",
                url,
                "--parts",
                "takes",
                "--retries",
                "1",
                "-y",
                "--json",
            ],
        )
    assert res.exit_code == 1
    import json

    out = json.loads(res.stdout)
    assert out["ok"] is False and out["counts"] == {"failed": 1, "sha256": 1}
    (failed,) = out["failed"]
    assert failed["path"] == "takes/t/cam01.mp4" and "sha256 mismatch" in failed["reason"]
    assert not (tmp_path / "out/takes/t/cam01.mp4").exists()  # nothing unverified under a final name


def test_5xx_bursts_are_retried(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["503", "500", "503"], "manifest.json": ["503"]})
    with served_mirror(tmp_path, faults) as url:
        report = fetch(url, tmp_path / "out")
    assert report.ok
    assert next(r for r in report.results if r.relative_path.endswith("cam01.mp4")).attempts == 4


def test_a_stalled_response_times_out_and_resumes(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["stall"]}, stall_s=3.0)
    with served_mirror(tmp_path, faults) as url:
        report = fetch(
            url,
            tmp_path / "out",
            policy=TransferPolicy(retries=2, backoff_s=0.01, timeout_s=0.5),
            timeout=0.5,
        )
    assert report.ok
    ranges = [r for p, r in faults.requests if p.endswith("cam01.mp4")]
    assert len(ranges) == 2 and ranges[1] is not None and int(ranges[1].split("=")[1].rstrip("-")) > 0


def test_missing_on_the_mirror_is_a_failure_not_a_skip(tmp_path):
    with served_mirror(tmp_path, Faults()) as url:
        (tmp_path / "m/v2/takes/t/cam02.mp4").unlink()
        report = fetch(url, tmp_path / "out")
    assert not report.ok
    assert [(r.relative_path, r.reason) for r in report.failed] == [
        ("takes/t/cam02.mp4", "HTTP 404: not on the mirror")
    ]


SEGMENTED = TransferPolicy(
    retries=3, backoff_s=0.01, max_backoff_s=0.05, timeout_s=5.0, segment_bytes=64_000, streams=3
)


def test_a_large_file_comes_as_parallel_ranges_and_a_dropped_range_resumes(tmp_path):
    faults = Faults(plan={"cam01.mp4": ["none", "drop"]})  # the second range request breaks half-way
    with served_mirror(tmp_path, faults) as url:
        report = fetch(url, tmp_path / "out", policy=SEGMENTED)
    assert report.ok, report.to_json()
    assert (tmp_path / "out/takes/t/cam01.mp4").read_bytes() == DATA
    assert sorted(p.name for p in (tmp_path / "out/takes/t").iterdir()) == ["cam01.mp4", "cam02.mp4"]
    ranges = sorted(r for p, r in faults.requests if p.endswith("cam01.mp4"))
    bounded = {f"bytes={s}-{min(len(DATA), s + 64_000) - 1}" for s in range(0, len(DATA), 64_000)}
    assert bounded <= set(ranges) and len(ranges) == len(bounded) + 1  # one extra: the resumed range
    manifest = (tmp_path / "m/v2/takes/manifest.json").stat().st_size
    assert faults.served == manifest + len(DATA) + len(OTHER)  # the dropped range resumed, nothing resent


def test_a_crash_during_an_append_is_repaired(tmp_path):
    """State after a kill between appending range 64000 to ``.part`` and deleting its range file."""
    out = tmp_path / "out/takes/t"
    out.mkdir(parents=True)
    (out / "cam01.mp4.part").write_bytes(DATA[:100_000])  # range 64000 half-appended
    (out / "cam01.mp4.part.64000").write_bytes(DATA[64_000:128_000])  # complete range file
    (out / "cam01.mp4.part.192000").write_bytes(DATA[192_000:200_000])  # a started later range
    (out / "cam01.mp4.part.70000").write_bytes(b"junk")  # not a range of this layout
    faults = Faults()
    with served_mirror(tmp_path, faults) as url:
        report = fetch(url, tmp_path / "out", policy=SEGMENTED)
    assert report.ok and (out / "cam01.mp4").read_bytes() == DATA
    assert sorted(p.name for p in out.iterdir()) == ["cam01.mp4", "cam02.mp4"]
    ranges = sorted(r for p, r in faults.requests if p.endswith("cam01.mp4"))
    assert ranges == ["bytes=128000-191999", "bytes=200000-255999", "bytes=256000-299999"]


def test_a_server_without_ranges_falls_back_to_one_stream(tmp_path):
    from egoexo_kit.download import _sources

    class NoRanges(_sources.HttpSource):
        def open(self, url, *, start, stop=None):
            return super().open(url, start=0, stop=None)  # always the whole file, status 200

    with served_mirror(tmp_path, Faults()) as url:
        src = NoRanges(url, "v2", 5.0)
        plan = plan_download(tmp_path / "out", source=src, selection=Selection(parts=("takes",)))
        report = download(plan, workers=1, policy=SEGMENTED)
    assert report.ok and (tmp_path / "out/takes/t/cam01.mp4").read_bytes() == DATA
    assert not list((tmp_path / "out/takes/t").glob("*.part*"))


def test_ctrl_c_stops_every_stream_and_keeps_the_partial_file(tmp_path):
    faults = Faults(rate=1_000_000)
    big = os.urandom(3_000_000)
    base = make_mirror(tmp_path / "m", {"takes/t/big.mp4": big, "takes/t/small.mp4": b"s" * 1000})
    server, url = serve_dir(base, faults)

    def interrupt(result):
        if result.relative_path.endswith("small.mp4"):
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C while big.mp4 is on its way

    try:
        src = open_source(url, release="v2")
        plan = plan_download(tmp_path / "out", source=src, selection=Selection(parts=("takes",)))
        with pytest.raises(KeyboardInterrupt):
            download(plan, workers=2, policy=FAST, on_file=interrupt)
        part = tmp_path / "out/takes/t/big.mp4.part"
        assert 0 < part.stat().st_size < len(big) and not (tmp_path / "out/takes/t/big.mp4").exists()
        on_disk = part.stat().st_size
        faults.rate = None
        report = download(plan_download(tmp_path / "out", source=src, selection=Selection(parts=("takes",))))
    finally:
        server.shutdown()
    assert report.ok and (tmp_path / "out/takes/t/big.mp4").read_bytes() == big
    last = [r for p, r in faults.requests if p.endswith("big.mp4")][-1]
    assert last == f"bytes={on_disk}-"  # resumed exactly where the interrupted stream stopped
