"""Real servers for the download tests, started by the tests: moto (S3 over HTTP) and a faulty HTTP mirror.

Nothing here talks to anything beyond 127.0.0.1: an autouse fixture points the standard AWS endpoint
variable at a closed local port, so a test that forgot ``--endpoint-url`` fails instead of reaching AWS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from egoexo_kit.download import publish


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(proxy, raising=False)  # the local servers are reached directly
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def s3(moto_client):
    """A boto3 client on the moto server, and a fresh bucket name per test."""
    import uuid

    bucket = f"b-{uuid.uuid4().hex[:12]}"
    moto_client.create_bucket(Bucket=bucket)
    return moto_client, bucket


@pytest.fixture(scope="session")
def mirror(tiny_release_ro, tmp_path_factory) -> Path:
    """The tiny release published to a folder mirror (``<mirror>/v2/<part>/manifest.json``)."""
    base = tmp_path_factory.mktemp("mirror")
    publish(tiny_release_ro, base, release="v2", workers=2)
    return base


# -- an HTTP mirror with fault injection ------------------------------------------------------------


@dataclass
class Faults:
    """What the server does wrong. Each per-path list is consumed one request at a time."""

    plan: dict[str, list[str]] = field(default_factory=dict)
    """URL path suffix → faults of its next requests: ``drop``, ``corrupt``, ``429``/``500``/``503``,
    ``stall``, ``norange`` (the whole file with a 200)."""
    rate: float | None = None
    """Bytes per second per response (throttling), or unlimited."""
    stall_s: float = 2.0
    latency_s: float = 0.0
    """Seconds each request waits before it is answered (a simulated round trip)."""
    served: int = 0
    """Body bytes sent (all requests)."""
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    """(path, Range header) of every GET."""
    heads: int = 0
    """HEAD requests answered."""
    auth: list[str | None] = field(default_factory=list)
    """``Authorization`` header of every GET."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, path: str) -> str | None:
        with self.lock:
            for suffix, faults in self.plan.items():
                if path.endswith(suffix) and faults:
                    return faults.pop(0)
        return None


def _handler(root: Path, faults: Faults) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms delayed-ACK stall

        def log_message(self, *args):  # quiet
            pass

        def _file(self) -> Path | None:
            from urllib.parse import unquote

            p = (root / unquote(self.path.split("?")[0]).lstrip("/")).resolve()
            return p if p.is_file() and root.resolve() in p.parents else None

        def _etag(self, p: Path) -> str:
            st = p.stat()  # changes with the bytes, as a real server's ETag does
            return f'"{st.st_size:x}-{st.st_mtime_ns:x}"'

        def do_HEAD(self):
            if faults.latency_s:
                time.sleep(faults.latency_s)
            with faults.lock:
                faults.heads += 1
            p = self._file()
            if p is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(p.stat().st_size))
            self.send_header("ETag", self._etag(p))
            self.end_headers()

        def do_GET(self):
            if faults.latency_s:
                time.sleep(faults.latency_s)
            rng = self.headers.get("Range")
            with faults.lock:
                faults.requests.append((self.path, rng))
                faults.auth.append(self.headers.get("Authorization"))
            p = self._file()
            if p is None:
                self.send_error(404)
                return
            fault = faults.next_fault(self.path)
            if fault == "norange":  # a server without range support: the whole file, 200
                rng = None
            if fault in ("429", "500", "503"):
                self.send_response(int(fault))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = p.read_bytes()
            first, _, last = rng.split("=")[1].partition("-") if rng else ("0", "", "")
            start, stop = int(first), int(last) + 1 if last else len(data)
            body = data[start:stop]
            if fault == "corrupt":
                body = bytes(b ^ 0xFF if i % 1000 == 7 else b for i, b in enumerate(body))
            self.send_response(206 if rng else 200)
            if rng:
                self.send_header("Content-Range", f"bytes {start}-{stop - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", self._etag(p))
            self.end_headers()
            if fault == "drop":
                body = body[: len(body) // 2]
            step = 16384
            for i in range(0, len(body), step):
                if fault == "stall" and i >= len(body) // 3:
                    time.sleep(faults.stall_s)
                    return
                chunk = body[i : i + step]
                try:
                    self.wfile.write(chunk)
                except OSError:
                    return
                with faults.lock:
                    faults.served += len(chunk)
                if faults.rate:
                    time.sleep(len(chunk) / faults.rate)
            if fault == "drop":
                self.close_connection = True

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # socketserver's 5 drops the SYNs of a burst of parallel connections (1 s retry)
    daemon_threads = True


@dataclass
class HttpMirror:
    url: str
    faults: Faults
    root: Path


@pytest.fixture
def http_mirror(mirror) -> Iterator[HttpMirror]:
    """The published tiny release served over HTTP on 127.0.0.1 with injectable faults."""
    faults = Faults()
    server = _Server(("127.0.0.1", 0), _handler(mirror, faults))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield HttpMirror(f"http://127.0.0.1:{server.server_address[1]}", faults, mirror)
    server.shutdown()
    server.server_close()


def serve_dir(root: Path, faults: Faults) -> tuple[ThreadingHTTPServer, str]:
    """Start a faulty HTTP server on ``root`` (caller shuts it down)."""
    server = _Server(("127.0.0.1", 0), _handler(root, faults))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def make_mirror(base: Path, files: dict[str, bytes], *, part: str = "takes", checksums: bool = True) -> Path:
    """A hand-made mirror: ``files`` under ``<base>/v2/`` and one manifest entry per file in ``part``."""
    import hashlib

    from egoexo_kit.download import ManifestEntry, PathSpec, dump_manifest

    entries = []
    for i, (rel, data) in enumerate(files.items()):
        dest = base / "v2" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        checksum = f"sha256:{hashlib.sha256(data).hexdigest()}" if checksums else None
        spec = PathSpec(f"s3://bucket/v2/{rel}", rel, size=len(data), checksum=checksum)
        entries.append(ManifestEntry(uid=f"uid{i}", paths=(spec,)))
    (base / "v2" / part).mkdir(parents=True, exist_ok=True)
    (base / "v2" / part / "manifest.json").write_text(dump_manifest(entries), encoding="utf-8")
    return base


# -- a throttling TCP proxy (in front of moto) ------------------------------------------------------


class Throttle:
    """A TCP proxy on 127.0.0.1 in front of ``target`` that sends responses at ``rate`` bytes/s.

    ``rate`` may change while transfers run (``None``: full speed), so a test can hold a download
    mid-transfer as long as it needs, whatever the machine's load, then let it finish.
    """

    def __init__(self, target: str, rate: float | None = None) -> None:
        import socket
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.rate = rate
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket

        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src, dst, slow: bool) -> None:
        import socket

        try:
            while data := src.recv(65536):
                dst.sendall(data)
                if slow and self.rate:
                    time.sleep(len(data) / self.rate)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def throttled_s3(moto_endpoint) -> Iterator[Throttle]:
    """The moto S3 endpoint behind a throttling proxy (full speed until a test sets ``rate``)."""
    proxy = Throttle(moto_endpoint)
    yield proxy
    proxy.close()


def s3_mirror(client, bucket: str, files: dict[str, bytes], *, part: str = "takes") -> str:
    """``files`` uploaded under ``s3://<bucket>/mirror/v2/`` with a ``part`` manifest; returns the base."""
    import hashlib

    from egoexo_kit.download import ManifestEntry, PathSpec, dump_manifest

    entries = []
    for i, (rel, data) in enumerate(files.items()):
        client.put_object(Bucket=bucket, Key=f"mirror/v2/{rel}", Body=data)
        spec = PathSpec(
            f"s3://{bucket}/mirror/v2/{rel}",
            rel,
            size=len(data),
            checksum=f"sha256:{hashlib.sha256(data).hexdigest()}",
        )
        entries.append(ManifestEntry(uid=f"uid{i}", paths=(spec,)))
    client.put_object(
        Bucket=bucket, Key=f"mirror/v2/{part}/manifest.json", Body=dump_manifest(entries).encode()
    )
    return f"s3://{bucket}/mirror"
