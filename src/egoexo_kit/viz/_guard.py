"""What the web viewer does to every request before and after a route: hosts, headers, failures.

The viewer has no authentication, so it must only be reachable the way its user meant:

- **Bind**: loopback unless told otherwise (:func:`check_bind`); binding beyond this machine needs an
  explicit ``public=True`` (``serve --public``) and yields a warning that says what is exposed.
- **Host allow-list** (DNS rebinding): a web page on ``evil.example`` whose name is re-pointed at
  127.0.0.1 reaches the viewer with ``Host: evil.example``; only the loopback names, the bound
  address and the names given with ``--allow-host`` are answered (:class:`GuardMiddleware`).
  ``0.0.0.0`` is never a valid Host: browsers used it to reach local services.
- **Security headers** on every response, errors included (:data:`SECURITY_HEADERS`): no framing,
  no MIME sniffing, no referrer, no cross-origin embedding, and a content security policy the
  front-end in ``static/`` satisfies (scripts, styles, media and fetches from the viewer only).
- **No traceback**: an unexpected exception becomes a one-line JSON 500 (the traceback is logged at
  debug level), like the CLI's ``internal error`` line.

Pure ASGI, no FastAPI import: the CLI checks the bind address before the extra is loaded.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from egoexo_kit.errors import ArgumentError

__all__ = ["LOOPBACK_NAMES", "SECURITY_HEADERS", "GuardMiddleware", "check_bind", "host_name", "is_loopback"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
"""Host names always answered (any port); every other loopback IP literal is answered too."""

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
"""The front-end loads its module, stylesheet, videos, overlay PNGs and JSON from the viewer only."""

SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Added to every response of the viewer."""

_log = logging.getLogger(__name__)


def host_name(header: str) -> str:
    """The host of a ``Host`` header, lower-case, without port or trailing dot (``[::1]`` keeps brackets).

    Anything after the host but a ``:port`` is kept, so ``[::1].evil.example`` never reads as ``[::1]``.
    """
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1 :] if end > 0 else "?"
        return value[: end + 1] if rest == "" or (rest[:1] == ":" and rest[1:].isdigit()) else value
    name, colon, port = value.rpartition(":")
    if colon and port.isdigit() and ":" not in name:
        value = name
    return value.rstrip(".")


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return None


def is_loopback(name: str) -> bool:
    """Whether ``name`` (a bind address or Host name) is this machine only: ``localhost`` or a loopback IP."""
    ip = _ip(name)
    return name.lower().rstrip(".") == "localhost" if ip is None else ip.is_loopback


def _as_host(name: str) -> str:
    """A bind address or ``--allow-host`` value as it appears in a Host header (IPv6 in brackets)."""
    ip = _ip(name)
    if ip is not None and ip.version == 6:
        return f"[{ip.compressed}]"
    return host_name(name)


def check_bind(host: str, *, public: bool = False) -> str | None:
    """Refuse to bind beyond loopback unless ``public``; then return the warning to show (else None).

    Raises:
        ArgumentError: ``host`` is not loopback (``0.0.0.0``, a LAN address, a host name) and
            ``public`` is False.
    """
    if is_loopback(host):
        return None
    what = "every interface of this machine" if (ip := _ip(host)) is not None and ip.is_unspecified else host
    if not public:
        raise ArgumentError(
            f"refusing to serve on {host} ({what}): the viewer has no authentication, so anyone who "
            "can reach it could read the whole release; use the default 127.0.0.1, or pass --public "
            "to serve it anyway (and --allow-host NAME for the name clients will use)"
        )
    return (
        f"serving on {what}: anyone who can reach this port can read every file of the release "
        "(videos, annotations, metadata) and there is no authentication; browsers are answered "
        "only for localhost, the bound address and the names given with --allow-host"
    )


class GuardMiddleware:
    """ASGI middleware: refuse foreign ``Host`` headers, add :data:`SECURITY_HEADERS`, no tracebacks.

    Args:
        app: The wrapped ASGI application.
        hosts: Host names answered besides :data:`LOOPBACK_NAMES` and loopback IP literals (the
            bound address, ``--allow-host`` names); compared without port, case or trailing dot.
    """

    def __init__(self, app: ASGIApp, *, hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.hosts = frozenset(_as_host(h) for h in (*LOOPBACK_NAMES, *hosts) if h.strip())
        self.hosts -= {"0.0.0.0", "[::]"}  # noqa: S104 - a bind-all address is never a Host to answer
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    def allowed(self, header: str) -> bool:
        """Whether a request with this ``Host`` header is answered."""
        name = host_name(header)
        if name in self.hosts:
            return True
        ip = _ip(name)
        return ip is not None and ip.is_loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer ``scope`` through the app, or refuse it; every response carries the headers."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), *self._headers]
            await send(message)

        hosts = [v.decode("latin-1") for k, v in scope.get("headers") or () if k == b"host"]
        host = hosts[0] if len(hosts) == 1 else ", ".join(hosts)  # none or several: refused
        if len(hosts) != 1 or not self.allowed(host):
            shown = host if len(host) <= 100 else host[:100] + "…"
            await _reply(
                send_with_headers,
                400,
                f"refused Host {shown!r}: this viewer answers only to localhost, 127.0.0.1, [::1], its "
                "bound address and the names given with --allow-host",
            )
            return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as e:
            if started:
                raise
            text = f"internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]}"
            _log.error("%s %s: %s", scope.get("method"), scope.get("path"), text)
            _log.debug("traceback", exc_info=True)
            await _reply(send_with_headers, 500, text)


async def _reply(send: Send, status: int, detail: str) -> None:
    """Send a one-line JSON error ``{"detail": ...}`` (the shape FastAPI gives its own errors)."""
    body = json.dumps({"detail": detail}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
