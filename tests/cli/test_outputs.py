"""A write that fails (a full disk, an output under a file) is one located line, and nothing half-written.

The full disk is a file-size limit set on the real CLI process (``RLIMIT_FSIZE``, with ``SIGXFSZ``
ignored): every write past it fails with ``EFBIG`` as writes on a full disk fail with ``ENOSPC``,
and both reach the user as one ``error: <output>: cannot write: …`` line naming the file asked for.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from egoexo_kit._io import atomic_dir, atomic_path, write_json
from egoexo_kit.cli import app
from egoexo_kit.errors import WriteError

TAKE = "cmu_bike01_1"


def writers(release: Path, out: Path) -> dict[str, tuple[list[str], Path]]:
    """Each command that writes a file or a folder: its arguments and the output it asks for."""
    rel = str(release)
    return {
        "frames": (["frames", rel, TAKE, "--frame", "3", "--out", str(out / "frames")], out / "frames"),
        "clips": (
            ["clips", rel, TAKE, "--t0", "0", "--t1", "0.5", "--out", str(out / "c.mp4")],
            out / "c.mp4",
        ),
        "collage": (
            ["collage", rel, TAKE, "--resolution", "full", "--out", str(out / "k.mp4")],
            out / "k.mp4",
        ),
        "gt json": (
            ["benchmark", "gt", rel, "body-pose", "--split", "train", "--out", str(out / "gt.json")],
            out / "gt.json",
        ),
        "gt folder": (
            ["benchmark", "gt", rel, "translation", "--split", "train", "--out", str(out / "gt")],
            out / "gt",
        ),
        "baseline json": (
            ["baseline", rel, "body-pose", "--split", "train", "--out", str(out / "p.json")],
            out / "p.json",
        ),
        "baseline folder": (
            ["baseline", rel, "translation", "--split", "train", "--out", str(out / "p")],
            out / "p",
        ),
        "triangulate": (["triangulate", rel, TAKE, "--out", str(out / "t.json")], out / "t.json"),
    }


def _small_file_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100, 100))


@pytest.mark.parametrize("name", list(writers(Path("r"), Path("o"))))
def test_a_full_disk_is_one_line_naming_the_output_and_leaves_nothing(tiny_release_ro, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    args, target = writers(tiny_release_ro, out)[name]
    code = "from egoexo_kit.cli import main; main()"
    env = {**os.environ, "COLUMNS": "200", "EGOEXO_KIT_DEBUG": "0"}
    res = subprocess.run(
        [sys.executable, "-c", code, *args],
        preexec_fn=_small_file_limit,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert res.returncode == 2, res.stderr
    assert len(errors) == 1 and "Traceback" not in res.stderr and "internal error" not in res.stderr
    assert str(target) in errors[0] or str(target.parent) in errors[0], errors
    assert "tmp" not in errors[0].replace(str(tmp_path), "")  # the output's name, not a temporary one
    left = [p for p in out.rglob("*") if p.is_file()]
    assert left == [], left  # no temporary file, no partial output, no partial set


@pytest.mark.parametrize("name", list(writers(Path("r"), Path("o"))))
def test_an_output_under_a_file_is_one_line(tiny_release_ro, tmp_path, name):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    args, _ = writers(tiny_release_ro, a_file / "under")[name]
    res = CliRunner().invoke(app, args)
    errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
    assert res.exit_code == 2 and len(errors) == 1, res.output
    assert "internal error" not in res.output and str(a_file) in errors[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_atomic_writers_raise_write_error_naming_the_output(tmp_path, monkeypatch):
    """The library side: ENOSPC inside atomic_path/atomic_dir is a WriteError on the asked-for path."""

    def full(*args, **kwargs):
        raise OSError(28, os.strerror(28))

    with pytest.raises(WriteError) as err, atomic_path(tmp_path / "a.json") as tmp:
        tmp.write_text("{")
        full()
    assert err.value.path == str(tmp_path / "a.json") and "No space left" in str(err.value)
    with pytest.raises(WriteError) as err, atomic_dir(tmp_path / "folder") as tmp:
        with atomic_path(tmp / "x.json"):
            full()
    assert err.value.path == str(tmp_path / "folder" / "x.json")
    with pytest.raises(FileNotFoundError):  # other errors pass through unchanged
        with atomic_path(tmp_path / "b.json"):
            (tmp_path / "missing.txt").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    write_json(tmp_path / "ok.json", {"a": 1})  # and a normal write still works
    assert (tmp_path / "ok.json").read_text() == '{"a": 1}'


def test_frames_into_a_folder_whose_name_is_not_utf8(tiny_release_ro, tmp_path):
    """OpenCV's imwrite crashed the process (SIGSEGV) on such a name; PNGs are now written by Python."""
    out = os.fsdecode(bytes(tmp_path) + b"/n\xffutf8")
    code = "from egoexo_kit.cli import main; main()"
    args = ["frames", str(tiny_release_ro), TAKE, "--frame", "3", "--out", out]
    res = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, (res.returncode, res.stderr)
    assert len(list(Path(out).glob("*.png"))) == 4  # three views and the contact sheet
