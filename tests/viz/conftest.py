"""Constants and helpers of the viz tests; the generated release is `synth_release` (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import egoexo_kit

TAKE = "unc_bike_02_1"
"""The bike-repair take: keysteps, masks of four objects, body and hand poses, gaze."""


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve an ASGI ``app`` with uvicorn on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def broken_release(synth_release, tmp_path_factory):
    """The generated release with its keystep files truncated and the take's body poses not JSON."""
    out = tmp_path_factory.mktemp("broken") / "release"
    shutil.copytree(synth_release, out, ignore=shutil.ignore_patterns(".egoexo-kit"))
    uid = egoexo_kit.open_release(out).take(TAKE).uid
    for path in (out / "annotations").glob("keystep_*.json"):
        path.write_bytes(path.read_bytes()[:100])
    poses = sorted((out / "annotations" / "ego_pose").glob(f"*/body/*/{uid}.json"))
    assert poses
    for path in poses:
        path.write_text('{"annotations": 5', encoding="utf-8")
    return out
