"""Constants and helpers of the viz tests; the generated release is `synth_release` (tests/conftest.py)."""

from __future__ import annotations

import contextlib
import io
import shutil
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import av
import numpy as np
import pytest

import egoexo_kit

TAKE = "unc_bike_02_1"
"""The bike-repair take: keysteps, masks of four objects, body and hand poses, gaze."""


def rrd_contents(path: Any) -> tuple[Any, dict[str, set[str]], dict[str, list[Any]]]:
    """``(reader, columns per entity, record batches per entity)`` of an ``.rrd``, read by rerun itself."""
    from rerun.chunk import RrdReader

    reader = RrdReader(path)
    columns, batches = defaultdict(set), defaultdict(list)
    for chunk in reader.stream():
        rb = chunk.to_record_batch()
        columns[chunk.entity_path].update(rb.schema.names)
        batches[chunk.entity_path].append(rb)
    return reader, columns, batches


def embedded_video(batches: dict[str, list[Any]], entity: str) -> tuple[bytes, np.ndarray, np.ndarray]:
    """``(MP4 bytes, take times ns, referenced video timestamps ns)`` of one camera, sorted by take time."""
    rows = batches[entity]
    blob = next(rb for rb in rows if "AssetVideo:blob" in rb.schema.names).column("AssetVideo:blob")
    refs = [rb for rb in rows if "VideoFrameReference:timestamp" in rb.schema.names]
    t = np.concatenate([rb.column("t").to_numpy().astype("timedelta64[ns]").astype(np.int64) for rb in refs])
    ts = np.concatenate(
        [np.asarray(rb.column("VideoFrameReference:timestamp").to_pylist()).ravel() for rb in refs]
    )
    order = np.argsort(t, kind="stable")
    return bytes(blob.to_pylist()[0][0]), t[order], ts[order].astype(np.int64)


def decode_at(mp4: bytes, timestamps_ns: np.ndarray) -> np.ndarray:
    """RGB frames of an MP4 shown at exactly these timestamps (plain PyAV; KeyError: none starts there)."""
    with av.open(io.BytesIO(mp4)) as c:
        stream = c.streams.video[0]
        tb = stream.time_base
        shown = {round(f.pts * tb * 10**9): f.to_ndarray(format="rgb24") for f in c.decode(stream)}
    return np.stack([shown[int(t)] for t in timestamps_ns])


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
