"""Nothing reported verified that is not on disk (issue 19): on-disk checks, ``--verify``, the final check.

The issue's reproductions: the downloader verified the bytes as they streamed, not the file it left
on disk, so a ``.part`` truncated under a run was renamed into place and reported sha256-verified;
a damaged file with its old size and time was trusted as "already there" with no way to re-check.
"""

from __future__ import annotations

import json
import os

from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import Selection, TransferPolicy, download, open_source, plan_download

from .conftest import make_mirror

runner = CliRunner()
FAST = TransferPolicy(retries=2, backoff_s=0.01, max_backoff_s=0.02)
BIG = os.urandom(3 << 20)  # three 1 MiB chunks


def plan_for(base, out):
    src = open_source(str(base), release="v2")
    return plan_download(out, source=src, selection=Selection(parts=("takes",)))


def truncating(part, *, size: int, times: int):
    """An ``on_bytes`` hook: another writer truncates ``part`` once all ``size`` bytes were streamed."""
    seen = [0, 0]

    def hook(n: int) -> None:
        seen[0] += n
        if seen[0] % size == 0 and seen[1] < times:
            seen[1] += 1
            os.truncate(part, 1000)

    return hook


def test_a_part_truncated_under_the_run_is_fetched_again_not_reported_verified(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/big.mp4": BIG})
    out = tmp_path / "out"
    part = out / "takes/t/big.mp4.part"
    report = download(plan_for(base, out), policy=FAST, on_bytes=truncating(part, size=len(BIG), times=1))
    (r,) = report.results
    assert report.ok and r.method == "sha256" and r.attempts == 2  # the renamed file was read back
    assert (out / "takes/t/big.mp4").read_bytes() == BIG


def test_a_file_always_changed_under_the_run_fails_with_the_reason(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/big.mp4": BIG})
    out = tmp_path / "out"
    part = out / "takes/t/big.mp4.part"
    report = download(plan_for(base, out), policy=FAST, on_bytes=truncating(part, size=len(BIG), times=99))
    (r,) = report.results
    assert not report.ok and "not what was written" in r.reason and "another writer" in r.reason
    assert not (out / "takes/t/big.mp4").exists()
    assert "takes/t/big.mp4" not in json.loads((out / ".egoexo-kit/download-state.json").read_text())


def test_verify_rehashes_what_is_there_and_repairs_a_damaged_file(mirror, tmp_path):
    out = tmp_path / "out"
    args = ["download", str(out), "--source", str(mirror), "--parts", "metadata", "-y", "--json"]
    first = json.loads(runner.invoke(app, args).stdout)
    assert first["ok"] and first["counts"] == {"sha256": 6}
    victim = out / "takes.json"
    st = victim.stat()
    data = bytearray(victim.read_bytes())
    data[10] ^= 0xFF  # bit rot: same size, same mtime, other bytes
    victim.write_bytes(bytes(data))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    trusted = json.loads(runner.invoke(app, args).stdout)  # the record is trusted without --verify
    assert trusted["counts"] == {"sha256 (already there)": 6} and trusted["reverified"] == []
    res = runner.invoke(app, [*args, "--verify"])
    checked = json.loads(res.stdout)
    assert res.exit_code == 0, res.output
    assert checked["repaired"] == ["takes.json"] and len(checked["reverified"]) == 5
    assert checked["counts"] == {"sha256": 1, "sha256 (already there)": 5}
    assert victim.read_bytes() == (mirror / "v2/takes.json").read_bytes()
    human = runner.invoke(app, [*args[:-1], "--verify"])
    assert human.exit_code == 0 and "re-verified on disk: 6 file(s)" in " ".join(human.output.split())


def test_a_size_only_file_is_rechecked_against_its_recorded_hash_with_verify(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/a.mp4": b"a" * 100}, checksums=False)
    out = tmp_path / "out"
    assert download(plan_for(base, out)).ok
    victim = out / "takes/t/a.mp4"
    victim.write_bytes(b"b" * 100)  # same size: size alone cannot tell
    report = download(plan_for(base, out), verify=True)
    assert report.ok and [r.relative_path for r in report.repaired] == ["takes/t/a.mp4"]
    assert victim.read_bytes() == b"a" * 100


def test_a_file_deleted_or_changed_during_the_run_fails_the_final_check(tmp_path):
    files = {"takes/t/a.mp4": b"a" * 3000, "takes/t/b.mp4": b"b" * 2000, "takes/t/c.mp4": b"c" * 1000}
    base = make_mirror(tmp_path / "m", files)
    out = tmp_path / "out"

    def meddle(r):  # workers=1, biggest first: a, then b, then c
        if r.relative_path.endswith("c.mp4"):
            (out / "takes/t/a.mp4").unlink()
            (out / "takes/t/b.mp4").write_bytes(b"B" * 2000)

    report = download(plan_for(base, out), workers=1, on_file=meddle)
    reasons = {r.relative_path: r.reason for r in report.failed}
    assert not report.ok and set(reasons) == {"takes/t/a.mp4", "takes/t/b.mp4"}
    assert "missing at the end of the run" in reasons["takes/t/a.mp4"]
    assert "changed on disk after it was verified" in reasons["takes/t/b.mp4"]
    again = download(plan_for(base, out))  # the record forgot both: fetched again
    assert again.ok and again.fetched_bytes == 5000


def test_out_that_is_a_file_or_under_one_is_one_line(mirror, tmp_path):
    (tmp_path / "f").write_text("x")
    for out in (tmp_path / "f", tmp_path / "f/sub/out"):
        res = runner.invoke(app, ["download", str(out), "--source", str(mirror), "--parts", "metadata", "-y"])
        assert res.exit_code == 2 and "Traceback" not in res.output and "internal error" not in res.output
        assert res.output.count("\n") == 1 and "cannot use it as the download root" in res.output
        assert f"{tmp_path / 'f'} is a file" in " ".join(res.output.split())


def test_a_full_disk_stops_the_run_with_its_report_and_one_error_line(tmp_path):
    files = {"takes/t/a.mp4": b"a" * 3000, "takes/t/b.mp4": b"b" * 2000, "takes/t/c.mp4": b"c" * 1000}
    base = make_mirror(tmp_path / "m", files)
    out = tmp_path / "out"
    (out / "takes/t").mkdir(parents=True)
    (out / "takes/t/a.mp4.part").symlink_to("/dev/full")  # every write there fails with ENOSPC
    args = ["download", str(out), "--source", str(base), "--parts", "takes", "-y", "--num-workers", "1"]
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert "takes/t/a.mp4: no space left on the device while writing it" in " ".join(res.stderr.split())
    report = json.loads(res.stdout)
    assert not report["ok"] and {f["path"] for f in report["failed"]} == set(files)
    reasons = {f["path"]: f["reason"] for f in report["failed"]}
    assert "no space left" in reasons["takes/t/a.mp4"]
    assert any(w in reasons["takes/t/c.mp4"] for w in ("run stopped", "interrupted"))  # queued or in flight
    assert not (out / "takes/t/a.mp4").exists()
    (out / "takes/t/a.mp4.part").unlink()  # space freed: the rerun finishes
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and all((out / rel).read_bytes() == data for rel, data in files.items())


CORRUPT = {
    "not-json": b"{not json",
    "a-list": b"[1, 2]",
    "bad-records": b'{"takes/t/a.mp4": {"size": "12"}, "x": 5}',
    "too-deep": b"[" * 100_000,
    "huge-int": b'{"x": ' + b"9" * 5000 + b"}",
    "not-utf8": b'{"\xff": 1}',
}


def test_a_corrupt_verification_record_is_reported_and_rebuilt(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/a.mp4": b"a" * 100, "takes/t/b.mp4": b"b" * 10})
    out = tmp_path / "out"
    args = ["download", str(out), "--source", str(base), "--parts", "takes", "-y", "--json"]
    assert runner.invoke(app, args).exit_code == 0
    state = out / ".egoexo-kit/download-state.json"
    for name, content in CORRUPT.items():
        state.write_bytes(content)
        res = runner.invoke(app, args)
        assert res.exit_code == 0 and "internal error" not in res.output, (name, res.output)
        report = json.loads(res.stdout)
        assert len(report["reverified"]) == 2 and report["fetched_bytes"] == 0, name
        assert any("download-state.json" in w and "rebuilt" in w for w in report["warnings"]), name
        assert set(json.loads(state.read_text())) == {"takes/t/a.mp4", "takes/t/b.mp4"}, name


def test_a_verification_record_that_cannot_be_read_or_written_is_a_warning(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/a.mp4": b"a" * 100})
    for blocker in ("folder", "file"):
        out = tmp_path / blocker
        if blocker == "folder":  # a folder where the record goes
            (out / ".egoexo-kit/download-state.json").mkdir(parents=True)
        else:  # a file where its folder goes
            out.mkdir()
            (out / ".egoexo-kit").write_text("x")
        res = runner.invoke(
            app, ["download", str(out), "--source", str(base), "--parts", "takes", "-y", "--json"]
        )
        assert res.exit_code == 0, res.output
        warnings = " ".join(json.loads(res.stdout)["warnings"])
        assert "cannot be read" in warnings and "cannot be written" in warnings
        assert (out / "takes/t/a.mp4").read_bytes() == b"a" * 100


def test_the_lock_holder_clears_stale_temps_and_useless_partials(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/a.mp4": b"a" * 100})
    out = tmp_path / "out"
    assert download(plan_for(base, out)).ok
    stale = out / ".egoexo-kit/.download-state.json.k1ll3d.tmp.json"  # what a kill -9 mid-save leaves
    stale.write_text("{")
    (out / "takes/t/a.mp4.part").write_bytes(b"a" * 50)  # a partial of a file now complete
    assert download(plan_for(base, out)).ok
    assert not stale.exists() and not (out / "takes/t/a.mp4.part").exists()


def test_delete_keeps_the_lock_file(mirror, tmp_path):
    out = tmp_path / "out"
    args = ["download", str(out), "--source", str(mirror), "--parts", "metadata", "-y"]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, [*args, "--delete"]).exit_code == 0
    assert (out / ".egoexo-kit.lock").exists()
