"""Keep credentials out of every message: :func:`redact_url` hides the secrets a URL may carry.

A ``--source`` or ``--endpoint-url`` can hold a password (``https://user:secret@host/…``), a token in
its query (``?sig=…`` of an Azure SAS, ``X-Amz-Signature``/``X-Amz-Credential`` of a presigned S3
URL), and foreign error messages (botocore, urllib) quote such URLs back. Anything the downloader
prints — errors, warnings, the plan's title, the report, its JSON — goes through this one helper.
"""

from __future__ import annotations

import re
import urllib.parse

__all__ = ["MASK", "redact_url"]

MASK = "***"
"""What a secret is replaced with."""

_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>()\[\]{}]+")
_SECRET_PARAM = re.compile(
    r"(sig|signature|credential|token|secret|passw|pwd|key|auth|session)", re.IGNORECASE
)
"""Query parameter names whose values are secrets (``X-Amz-Signature``, ``sig``, ``access_key`` …)."""
_LOOSE_AMZ = re.compile(r"(X-Amz-(?:Signature|Credential|Security-Token))=[^&\s'\"]+", re.IGNORECASE)
"""A presigned-URL parameter quoted outside a URL (some servers echo the query alone)."""


def _redact_one(url: str) -> str:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: hide everything after the scheme
        return url.split("://", 1)[0] + "://" + MASK
    netloc = parts.netloc
    if "@" in netloc:  # the user name too: it may be a token or an access key id
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pieces = []
        for piece in query.split("&"):
            name, eq, _ = piece.partition("=")
            pieces.append(f"{name}={MASK}" if eq and _SECRET_PARAM.search(name) else piece)
        query = "&".join(pieces)
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_url(text: str) -> str:
    """``text`` with the secrets of every URL in it replaced by ``***``.

    Hidden: the whole ``user:password@`` part (a user name may itself be a token or an access key
    id), and the value of every query parameter whose name says secret (signature, credential,
    token, key, password, auth, session, ``sig``). Works on a bare URL or on any message quoting
    URLs; text without a URL comes back unchanged.

    Example:
        >>> redact_url("cannot read https://ann:hunter2@host/v2?sig=abc&sp=r")
        'cannot read https://***@host/v2?sig=***&sp=r'
    """
    if "://" not in text and "X-Amz-" not in text and "x-amz-" not in text:
        return text
    text = _URL.sub(lambda m: _redact_one(m.group(0)), text)
    return _LOOSE_AMZ.sub(lambda m: f"{m.group(1)}={MASK}", text)
