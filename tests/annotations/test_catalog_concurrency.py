"""Catalog builds under concurrent runs and ``kill -9``, with real processes (issue 19 items 1 and 5).

- Two builds start together on a release with no catalog: both exit 0, one reads every file while
  the other waits for it and then finds nothing left to do, and the catalog is complete and correct
  (every table as an undisturbed build makes it); ``query`` then answers.
- A build killed with ``kill -9`` while its pool workers extract files leaves no process behind
  (none of its process group survives it), and the next build succeeds, correct, with the killed
  build's temporary files gone.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.annotations.conftest import catalogued_copy
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit._io import is_temp_name
from egoexo_kit.annotations import CATALOG_DIR, build_catalog, connect_catalog
from egoexo_kit.cli import app

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}


@pytest.fixture(scope="module")
def reference(ann_release: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    """Every table of a catalog built once, undisturbed: sorted rows per table."""
    return _tables(catalogued_copy(ann_release, tmp_path_factory, "reference"))


def _tables(root: Path) -> dict[str, list]:
    con = connect_catalog(open_release(root))
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
    return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in names}


def _temps(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if is_temp_name(p.name)]


def _stat(pid: int) -> tuple[int, int] | None:
    """``(ppid, pgrp)`` of a live process, ``None`` when it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return None if fields[0] == "Z" else (int(fields[1]), int(fields[2]))


def _processes() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _group(pgid: int) -> list[int]:
    """Live processes of a process group (a killed leader's workers keep its group)."""
    return [pid for pid in _processes() if (s := _stat(pid)) is not None and s[1] == pgid]


COUNTED_BUILD = """
import sys
from egoexo_kit import open_release
from egoexo_kit.annotations import build_catalog
print(len(build_catalog(open_release(sys.argv[1])).extracted))
"""


def test_two_concurrent_builds_build_once_and_the_catalog_is_whole(
    ann_release: Path, tmp_path: Path, reference: dict[str, list]
) -> None:
    """Started together, one build reads every file and the other, having waited, reads none (without
    the lock both read everything, writing the same files at once); then ``query`` answers."""
    root = tmp_path / "release"
    shutil.copytree(ann_release, root)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTED_BUILD, str(root)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
        )
        for _ in range(2)
    ]
    outs = [r.communicate(timeout=300) for r in runs]
    for run, (_, err) in zip(runs, outs, strict=True):
        assert run.returncode == 0 and b"Traceback" not in err, err.decode()
    n_sources = len(json.loads((root / CATALOG_DIR / "manifest.json").read_text(encoding="utf-8"))["files"])
    assert sorted(int(out) for out, _ in outs) == [0, n_sources]
    assert _tables(root) == reference
    assert not _temps(root / CATALOG_DIR)
    result = CliRunner().invoke(app, ["query", str(root), "SELECT count(*) AS n FROM keysteps", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == [{"n": len(reference["keysteps"])}]


BUILD = """
import sys
from egoexo_kit import open_release
from egoexo_kit.annotations import build_catalog
build_catalog(open_release(sys.argv[1]), workers=2)
"""


def test_kill_9_mid_build_leaves_no_worker_and_the_next_build_is_whole(
    ann_release: Path, tmp_path: Path, reference: dict[str, list]
) -> None:
    root = tmp_path / "release"
    shutil.copytree(ann_release, root)
    parts = root / CATALOG_DIR / "parts"
    build = subprocess.Popen(
        [sys.executable, "-c", BUILD, str(root)],
        env=_env(),
        start_new_session=True,  # its own process group: the workers are found by it after the kill
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while time.monotonic() < deadline and build.poll() is None:
            workers = [p for p in _group(build.pid) if p != build.pid and (_stat(p) or (0,))[0] == build.pid]
            if len(workers) >= 2 and parts.is_dir() and any(parts.rglob("*.parquet")):
                break  # the pool is extracting: fragments are landing
            time.sleep(0.02)
        assert build.poll() is None, "the build ended before it could be killed mid-way"
        assert len(workers) >= 2, "no pool workers seen"
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
        deadline = time.monotonic() + 15
        while _group(build.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _group(build.pid) == [], "processes of the killed build survived it"
    finally:
        if build.poll() is None:
            os.killpg(build.pid, signal.SIGKILL)
    stray = root / CATALOG_DIR / ".keysteps.parquet.abc123.tmp.parquet"
    stray.write_bytes(b"half a file")  # as a build killed inside atomic_path leaves it
    cache = root / CATALOG_DIR / "embeddings_0123456789abcdef.parquet"  # a semantic-search cache
    pq.write_table(pa.table({"h": ["x"]}), cache)  # is no table of the new database
    build_catalog(open_release(root), workers=1)
    assert not _temps(root / CATALOG_DIR)
    assert _tables(root) == reference
