"""Shared fixtures: the tiny release (written once per session) and fresh mutable copies of it."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from egoexo_kit.synth import SynthConfig, generate_release, write_tiny_release

SYNTH_SMALL = {"exo_size": (96, 54), "ego_size": 64, "seconds": 4.0, "workers": 1}
"""Generator settings small enough for the default test run."""


@pytest.fixture(scope="session")
def tiny_release_ro(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny release, shared by the session: never modify it (use ``tiny_release``)."""
    return write_tiny_release(tmp_path_factory.mktemp("tiny") / "release")


@pytest.fixture
def tiny_release(tiny_release_ro: Path, tmp_path: Path) -> Path:
    """A private copy of the tiny release that a test may break."""
    dst = tmp_path / "release"
    shutil.copytree(tiny_release_ro, dst)
    return dst


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj), encoding="utf-8")


@pytest.fixture
def edit_json() -> Callable[[Path, Callable[[Any], Any]], None]:
    """``edit_json(path, fn)``: load, let ``fn`` mutate (or return a replacement), write back."""

    def edit(path: Path, fn: Callable[[Any], Any]) -> None:
        data = read_json(path)
        out = fn(data)
        write_json(path, data if out is None else out)

    return edit


def shared_build(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]) -> Path:
    """Build ``name`` once per test run, shared by all xdist workers (file lock + done marker)."""
    import fcntl

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if base.name.startswith("popen-gw") else base
    out = shared / f"shared-{name}"
    with (shared / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / ".done").exists():
            if out.exists():
                shutil.rmtree(out)
            build(out)
            (out / ".done").write_text("ok")
    return out


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, Callable[[Path], Any]], Path]:
    """``shared(name, build)``: a folder built once per test run, whatever the number of xdist workers."""
    return lambda name, build: shared_build(tmp_path_factory, name, build)


@pytest.fixture(scope="module")
def synth_release(shared: Callable[[str, Callable[[Path], Any]], Path]) -> Path:
    """A generated release (bike repair + basketball, one take each, 448p included), built once per run.

    Read-only: every test folder that renders pictures shares it.
    """
    config = SynthConfig(
        captures=2, takes_per_capture=1, scenarios=("bike repair", "basketball"), **SYNTH_SMALL
    )
    return shared("synth", lambda out: generate_release(out, config))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """``moto_server`` in a subprocess on a free 127.0.0.1 port: a real S3 HTTP endpoint."""
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which("moto_server")
    if exe is None:
        pytest.fail("moto_server is not installed: pip install 'moto[server]' (dev extra)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            break
        time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("moto_server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def moto_client(moto_endpoint):
    """A boto3 S3 client on the moto server, with its fixed test credentials."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )


class CountingOpener:
    """An ``opener`` over a local file that counts the bytes read through it (what a remote file fetches)."""

    def __init__(self, path: Path) -> None:
        self.path, self.bytes = Path(path), 0

    def __call__(self) -> io.FileIO:
        outer = self

        class File(io.FileIO):
            def read(self, size: int = -1) -> bytes:
                data = super().read(size)
                outer.bytes += len(data or b"")
                return data

            def readinto(self, b) -> int | None:
                n = super().readinto(b)
                outer.bytes += n or 0
                return n

        return File(self.path, "rb")
