"""The viewer answers only the way its user meant (issue 19): Host allow-list, bind address, headers.

A web page can reach a local server by DNS rebinding (its own name re-pointed at 127.0.0.1, the
browser still sending ``Host: evil.example``), so foreign Host headers are refused; binding beyond
loopback needs ``--public``; every response, errors included, carries the security headers.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from tests.conftest import free_port
from tests.viz.conftest import TAKE

from egoexo_kit.errors import ArgumentError
from egoexo_kit.viz import check_bind
from egoexo_kit.viz._guard import SECURITY_HEADERS, GuardMiddleware, host_name
from egoexo_kit.viz.web import create_app

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(scope="module")
def app(synth_release):
    return create_app(synth_release, allow_hosts=["mybox.lan"])


@pytest.fixture(scope="module")
def client(app):
    return TestClient(app, base_url="http://127.0.0.1:8000")


def _one_line_error(r: httpx.Response) -> str:
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in r.text
    return detail


@pytest.mark.parametrize(
    "host",
    [
        "localhost",
        "localhost:8000",
        "127.0.0.1",
        "127.0.0.1:1",
        "[::1]:8000",
        "[::1]",
        "LOCALHOST.",
        "127.0.0.2:80",
        "mybox.lan",
        "MyBox.lan:8000",
    ],  # fmt: skip
)
def test_loopback_bound_and_allowed_hosts_are_answered(client, host):
    r = client.get("/api/takes", headers={"Host": host})
    assert r.status_code == 200 and TAKE in r.text


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:8000",
        "localhost.evil.example",
        "127.0.0.1.evil.example",
        "0.0.0.0:8000",
        "[::]:8000",
        "",
        "other.lan",
        "mybox.lan.evil.example",
        "[::1].evil.example",
    ],  # fmt: skip
)
def test_foreign_hosts_are_refused_on_every_route(client, host):
    """The DNS-rebinding reproduction: before the allow-list, any Host was answered."""
    for url in ("/", "/api/takes", f"/api/takes/{TAKE}", "/static/app.js", f"/api/takes/{TAKE}/scene/3"):
        r = client.get(url, headers={"Host": host})
        assert r.status_code == 400, (url, host)
        assert "refused Host" in _one_line_error(r)
        assert r.headers["x-frame-options"] == "DENY"


def test_host_without_port_and_in_brackets():
    assert host_name("LocalHost:8000") == "localhost"
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name("example.com.") == "example.com"
    assert host_name("::1") == "::1"  # unbracketed IPv6 (invalid, but not mistaken for a port)
    assert host_name("[::1].evil.example") == "[::1].evil.example"
    assert host_name("localhost:http") == "localhost:http"


def test_none_or_two_host_headers_are_refused():
    """Checked on the raw ASGI scope: an HTTP client cannot send these."""

    async def ok(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    guard = GuardMiddleware(ok)

    def status(headers):
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": headers}
        asyncio.run(guard(scope, None, send))
        return sent[0]["status"]

    assert status([(b"host", b"localhost")]) == 200
    assert status([]) == 400
    assert status([(b"host", b"localhost"), (b"host", b"evil.example")]) == 400


def test_security_headers_on_every_response(client, app, monkeypatch):
    cases = {
        "/": 200,
        "/static/app.js": 200,
        "/api/takes": 200,
        f"/api/takes/{TAKE}/overlay/cam01/3.png?width=32&height=18": 200,
        "/api/takes/nope": 404,
        "/files/..%2F..%2Fetc%2Fpasswd": 404,
        "/no/such/route": 404,
        f"/api/takes/{TAKE}/overlay/cam01/3.png?width=-1": 400,
    }
    responses = [(url, want, client.get(url)) for url, want in cases.items()]
    responses.append(("POST /files", 405, client.post(f"/files/takes/{TAKE}")))
    responses.append(("foreign host", 400, client.get("/", headers={"Host": "evil.example"})))
    # an unexpected exception: one JSON line, no traceback, still the headers
    from egoexo_kit.viz import web

    def broken(self, take):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(web._Viewer, "views", broken)
    responses.append(("internal error", 500, client.get(f"/api/takes/{TAKE}")))
    for what, want, r in responses:
        assert r.status_code == want, (what, r.status_code, r.text[:200])
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (what, name)
    assert _one_line_error(responses[-1][2]) == "internal error: ZeroDivisionError: boom"
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.5"])
def test_loopback_binds_need_no_flag(host):
    assert check_bind(host) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "myhost.example"])
def test_binding_beyond_loopback_needs_public(host):
    with pytest.raises(ArgumentError, match="--public"):
        check_bind(host)
    warning = check_bind(host, public=True)
    assert "no authentication" in warning and "\n" not in warning


def _serve(*args: str) -> tuple[list[str], dict[str, str]]:
    """The real ``egoexo-kit serve`` command line, and its environment (this checkout's code)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), *sys.path]), "COLUMNS": "200"}
    return [sys.executable, "-c", "from egoexo_kit.cli import main; main()", "serve", *args], env


def test_serve_refuses_a_public_bind_in_one_line(synth_release):
    """Before: ``--host 0.0.0.0`` served the release to the network without a word (this test hung)."""
    cmd, env = _serve(str(synth_release), "--host", "0.0.0.0", "--port", str(free_port()))
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 2 and "Traceback" not in res.stderr and res.stdout == ""
    lines = [x for x in res.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: refusing to serve on 0.0.0.0"), res.stderr
    assert "--public" in lines[0]


def _get(url: str, host: str) -> httpx.Response:
    return httpx.get(url, headers={"Host": host}, timeout=30)


def test_serve_public_warns_and_answers_only_allowed_hosts(synth_release, tmp_path):
    """The real command on 0.0.0.0 with --public: a warning line, then the allow-list at work."""
    port = free_port()
    err = tmp_path / "stderr.txt"
    cmd, env = _serve(str(synth_release), "--host", "0.0.0.0", "--port", str(port), "--public")
    cmd += ["--allow-host", "mybox.lan"]
    with err.open("w") as stderr:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                first = _get(f"{base}/api/takes", "mybox.lan:8000")
                break
            except httpx.TransportError:
                assert proc.poll() is None, err.read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert first.status_code == 200 and TAKE in first.text
        assert _get(f"{base}/api/takes", f"127.0.0.1:{port}").status_code == 200
        refused = _get(f"{base}/api/takes", "evil.example")
        assert refused.status_code == 400 and "refused Host" in json.loads(refused.text)["detail"]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    text = err.read_text()
    warning = [x for x in text.splitlines() if x.startswith("warning:")]
    assert len(warning) == 1 and "every interface" in warning[0] and "no authentication" in warning[0], text
    assert "Traceback" not in text
