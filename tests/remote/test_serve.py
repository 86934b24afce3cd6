"""``egoexo-kit serve`` of a mirror URL: the viewer relays the videos range by range from the mirror."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from tests.download.conftest import http_mirror

import egoexo_kit
from egoexo_kit.viz.web import RELAY_MAX, create_app

__all__ = ["http_mirror"]


def test_the_viewer_lists_and_relays_a_mirror_s_videos_by_range(http_mirror, tiny_release_ro):
    release = egoexo_kit.open_release(f"{http_mirror.url}/v2")
    client = TestClient(create_app(release), base_url="http://127.0.0.1")
    take = release.takes[0]
    body = client.get(f"/api/takes/{take.name}").json()
    urls = {v["name"]: v["url"] for v in body["views"]}
    assert "cam01" in urls and urls["cam01"].endswith("/cam01.mp4")
    rel = urls["cam01"].removeprefix("/files/")
    data = (tiny_release_ro / rel).read_bytes()
    part = client.get(urls["cam01"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(urls["cam01"], headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]
    whole = client.get(urls["cam01"], headers={"Range": "bytes=0-"})
    assert whole.content == data[:RELAY_MAX]
    assert client.get(urls["cam01"], headers={"Range": f"bytes={len(data) + 5}-"}).status_code == 416
    assert client.get("/files/takes/../../etc/passwd").status_code == 404
    assert client.get(f"/files/takes/{take.name}/nope.mp4").status_code == 404
    assert not (release.root / rel).exists()  # relayed, never downloaded whole
