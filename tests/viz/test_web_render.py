"""The viewer's renders under hostile or unlucky requests (issue 19).

Sizes are capped before anything is allocated; a slow render stalls nobody else (no lock across
renders); a render over its deadline is answered 504 and lets go of its thread; a malformed
annotation file leaves a note instead of breaking a page.
"""

from __future__ import annotations

import json
import re
import threading
import time
import tracemalloc

import cv2
import httpx
import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from tests.viz.conftest import TAKE, live_server

import egoexo_kit
from egoexo_kit import limits
from egoexo_kit.errors import LimitError
from egoexo_kit.viz import overlay_layer, web
from egoexo_kit.viz._render import Deadline, RenderTimeout

OVERLAY = f"/api/takes/{TAKE}/overlay/cam01/3.png"
SIZE_PARAMS = {"width", "height", "size", "scale", "side", "max_side", "w", "h"}
"""Query parameters that size a picture: every one on every route must be capped."""


@pytest.fixture(scope="module")
def app(synth_release):
    return web.create_app(synth_release)


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app, base_url="http://127.0.0.1")


def _detail(r: httpx.Response) -> str:
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail
    return detail


def test_huge_overlay_is_refused_before_any_allocation(client):
    """The reproduction: width=height=200000 took gigabytes and over a minute; now a fast 400."""
    assert client.get(OVERLAY, params={"width": 64, "height": 36}).status_code == 200  # warm caches
    tracemalloc.start()
    try:
        r = client.get(OVERLAY, params={"width": 200_000, "height": 200_000})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 400
    assert "image side 200000 px is over the cap" in _detail(r) and limits.IMAGE_SIDE.env in _detail(r)
    assert peak < 16 * 2**20, peak  # the layer would be 160 GB


@pytest.mark.parametrize(
    ("params", "cap"),
    [
        ({"width": 200_000}, "image side"),
        ({"height": 10**30}, "image side"),
        ({"width": 8192, "height": 8192}, "image size"),  # each side allowed, the area is not
    ],
)
def test_overlay_sizes_are_capped(client, params, cap):
    r = client.get(OVERLAY, params=params)
    assert r.status_code == 400 and cap in _detail(r)


def test_the_cap_is_the_documented_limit(client, monkeypatch, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    video_w, _ = take.geometry.mp4_size(take.view("cam01"))
    monkeypatch.setenv(limits.IMAGE_SIDE.env, str(video_w - 1))
    assert client.get(OVERLAY, params={"width": video_w - 1, "height": 10}).status_code == 200
    r = client.get(OVERLAY, params={"width": video_w, "height": 10})
    assert r.status_code == 400 and f"cap of {video_w - 1}" in _detail(r)
    # a size the file controls: the preview's video is checked before it is decoded
    r = client.get(f"/api/takes/{TAKE}/preview/cam01/3.png")
    assert r.status_code == 400 and f"image side {video_w} px" in _detail(r)


@pytest.mark.parametrize("value", ["-1", "abc", "1e9", "9" * 5000])
def test_bad_size_values_are_one_line_400s(client, value):
    r = client.get(OVERLAY, params={"width": value, "height": 36})
    assert r.status_code == 400 and "width" in _detail(r)


def test_every_size_parameter_of_every_route_is_capped(client, app):
    """Future routes too: any query parameter that sizes a picture answers 400 when huge."""
    checked = []
    for route in app.routes:
        params = {p.name for p in getattr(getattr(route, "dependant", None), "query_params", [])}
        sized = params & SIZE_PARAMS
        if not sized:
            continue
        path = route.path.replace("{name}", TAKE).replace("{view}", "cam01").replace("{frame}", "3")
        assert "{" not in path, f"fill the path parameters of {route.path}"
        r = client.get(path, params={p: 10**6 for p in sized})
        assert r.status_code == 400 and "over the cap" in _detail(r), route.path
        checked.append(route.path)
    assert checked  # the overlay at least


def test_library_overlay_is_capped_too(synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    with pytest.raises(LimitError, match="image side"):
        overlay_layer(take, "cam01", frame=3, size=(200_000, 200_000))


class _Gate:
    """Stands in for the slow part of a render: ``view_overlay`` of one frame waits for :meth:`open`."""

    def __init__(self, monkeypatch, frame: int) -> None:
        self.entered = threading.Event()
        self._open = threading.Event()
        self.drawn: list[int] = []
        real_view, real_draw = web.view_overlay, web.draw_overlay

        def view_overlay(take, view, *, frame: int, **kw):
            if frame == self.frame:
                self.entered.set()
                assert self._open.wait(120), "the test never opened the gate"
            return real_view(take, view, frame=frame, **kw)

        def draw_overlay(layer, ov):
            self.drawn.append(self.current.get("frame", -1))
            return real_draw(layer, ov)

        self.frame = frame
        self.current: dict[str, int] = {}
        monkeypatch.setattr(web, "view_overlay", view_overlay)
        monkeypatch.setattr(web, "draw_overlay", draw_overlay)

    def open(self) -> None:
        self._open.set()


def _png_shape(r: httpx.Response) -> tuple[int, ...]:
    return cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_UNCHANGED).shape


def _in_thread(fn) -> tuple[threading.Thread, dict]:
    out: dict = {}

    def run() -> None:
        out["response"] = fn()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_a_slow_render_stalls_no_other_request(synth_release, monkeypatch):
    """Before: one lock around every render, so a slow overlay held up every other overlay."""
    gate = _Gate(monkeypatch, frame=13)
    with live_server(web.create_app(synth_release)) as base, httpx.Client(base_url=base, timeout=60) as http:
        slow, out = _in_thread(lambda: http.get(f"/api/takes/{TAKE}/overlay/cam01/13.png?width=64&height=36"))
        assert gate.entered.wait(60)
        try:
            assert http.get("/api/takes").status_code == 200
            other = http.get(f"/api/takes/{TAKE}/overlay/cam02/14.png", params={"width": 64, "height": 36})
            assert other.status_code == 200 and _png_shape(other) == (36, 64, 4)
            assert http.get(f"/api/takes/{TAKE}/scene/14").status_code == 200
            assert slow.is_alive() and "response" not in out  # all answered while the slow one waits
        finally:
            gate.open()
        slow.join(60)
        assert out["response"].status_code == 200 and _png_shape(out["response"]) == (36, 64, 4)


def test_a_render_over_its_deadline_is_answered_and_lets_go(synth_release, monkeypatch):
    gate = _Gate(monkeypatch, frame=13)
    app = web.create_app(synth_release, render_workers=1)
    pool = app.state.renders
    with live_server(app) as base, httpx.Client(base_url=base, timeout=60) as http:
        url = f"/api/takes/{TAKE}/overlay/cam01/{{}}.png?width=64&height=36"
        assert http.get(url.format(14)).status_code == 200  # the take, decoders and poses warm
        pool.timeout_s = 1.0
        slow, out = _in_thread(lambda: http.get(url.format(13)))
        assert gate.entered.wait(60)
        queued = http.get(url.format(14))  # the only renderer is busy until the gate opens
        slow.join(60)
        assert pool.active == 1  # the slow render still runs: a thread cannot be killed
        gate.drawn.clear()
        gate.open()
        deadline = time.monotonic() + 60
        while pool.active and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pool.active == 0  # it stopped at its next check, before drawing
        assert gate.drawn == []
        pool.timeout_s = 60.0
        again = http.get(url.format(13))  # nothing left held: the same view renders again
    timed_out = out["response"]
    assert timed_out.status_code == 504 and "longer than 1 s" in _detail(timed_out)
    assert queued.status_code == 503 and "busy" in _detail(queued)
    assert again.status_code == 200 and _png_shape(again) == (36, 64, 4)


def test_deadline_checks():
    d = Deadline(60.0)
    d.check()
    d.cancel()
    with pytest.raises(RenderTimeout):
        d.check()
    with pytest.raises(RenderTimeout):
        Deadline(0.0).check()


def test_a_malformed_annotation_file_breaks_no_page_and_is_noted(broken_release):
    """Every page answers and says which files were skipped: the list all, a take page its own."""
    uid = egoexo_kit.open_release(broken_release).take(TAKE).uid
    client = TestClient(web.create_app(broken_release), base_url="http://127.0.0.1")
    body = client.get("/api/takes")
    assert body.status_code == 200
    listed = body.json()
    assert {t["name"] for t in listed["takes"]} == {TAKE, "cmu_basketball_01_1"}
    keystep = re.compile(r"skipped malformed file annotations/keystep_\w+\.json: ")
    assert any(keystep.match(n) for n in listed["notes"]), listed["notes"]
    assert any(f"/{uid}.json" in n for n in listed["notes"]), listed["notes"]
    assert "keystep" not in listed["facets"]["annotation"] and "commentary" in listed["facets"]["annotation"]
    take = client.get(f"/api/takes/{TAKE}")
    assert take.status_code == 200
    info = take.json()
    families = {r["family"] for r in info["timeline"]}
    assert "keystep" not in families and "commentary" in families
    assert any(keystep.match(n) for n in info["notes"]) and any(f"/{uid}.json" in n for n in info["notes"])
    assert str(broken_release) not in json.dumps(info["notes"])  # paths relative to the release
    other = client.get("/api/takes/cmu_basketball_01_1").json()["notes"]
    assert any(keystep.match(n) for n in other) and not any(uid in n for n in other)  # not its file
    scene = client.get(f"/api/takes/{TAKE}/scene/10")
    assert scene.status_code == 200 and scene.json()["cameras"] and scene.json()["notes"]
    for kind in ("overlay", "preview"):
        url = f"/api/takes/{TAKE}/{kind}/cam01/10.png?width=64&height=36"
        assert client.get(url).status_code == 200, url
