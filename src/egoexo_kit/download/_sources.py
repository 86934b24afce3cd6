"""Where a release is fetched from: an S3 bucket (boto3), an HTTPS mirror or a local folder.

Every source has the official bucket's layout (FORMAT §9.2): ``<base>/<release>/<part>/manifest.json``,
and a mirror holds each file at ``<base>/<release>/<relative_path>``. S3 sources fetch a manifest's
absolute ``s3://`` ``source_path`` as written (the official files live in per-university buckets);
HTTP and folder mirrors always use the mirror layout, so a mirror can be moved or re-hosted.

HTTP uses the standard library (``urllib``): ranged GETs, status codes and socket timeouts are all a
resumable downloader needs, and the core install stays free of an HTTP client dependency.
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from egoexo_kit.download._manifest import Checksum, parse_checksum
from egoexo_kit.download._redact import redact_url
from egoexo_kit.errors import DownloadError
from egoexo_kit.extras import missing_extra

__all__ = [
    "OFFICIAL_SOURCE",
    "MissingObject",
    "ObjectInfo",
    "PermanentError",
    "Response",
    "Source",
    "TransientError",
    "open_source",
    "s3_client",
    "split_s3",
]

OFFICIAL_SOURCE = "s3://ego4d-consortium-sharing/egoexo-public/"
"""The official public base of the ``egoexo`` CLI (FORMAT §9.1)."""

CHUNK = 1 << 20
"""Bytes per read: large enough for throughput, small enough for a smooth progress bar."""


class TransientError(DownloadError):
    """A failure worth retrying (connection dropped, timeout, HTTP 5xx, throttling)."""


class PermanentError(DownloadError):
    """A failure retrying cannot fix (missing object, access denied, bad request)."""


class MissingObject(PermanentError):
    """The object is not at the source."""


@dataclass
class Response:
    """An open ranged read of one object."""

    start: int
    """Offset the body starts at: the asked offset, or 0 when the server ignored the range."""
    chunks: Iterator[bytes]
    """The body, in chunks of at most :data:`CHUNK` bytes."""
    total: int | None
    """Size of the whole object when the server says it."""
    checksum: Checksum | None
    """A hash the source vouches for (``x-amz-meta-sha256``, or a single-part S3 MD5 ETag)."""
    close: Any
    """Call to release the connection."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a ``HEAD`` says about one object: enough to tell whether it changed since a cached copy."""

    size: int
    checksum: Checksum | None
    """A hash the source vouches for (see :attr:`Response.checksum`)."""
    version: str
    """A token that changes whenever the object's bytes do: the ETag when the server sends one, else
    the checksum, else ``Last-Modified`` (a folder: ``mtime_ns``), always with the size."""


def _version(size: int, *tokens: object) -> str:
    """``size`` plus the first token the server gave (ETag, checksum, ``Last-Modified``)."""
    first = next((str(t) for t in tokens if t), "")
    return f"{size}:{first}"


class Source(Protocol):
    """A place that holds ``<base>/<release>/...`` in the official layout."""

    label: str
    """How messages name the source (its base URL)."""

    def manifest_url(self, part: str) -> str:
        """Address of a part's ``manifest.json``."""
        ...

    def file_url(self, source_path: str, relative_path: str) -> str:
        """Address to fetch a manifest path from (see the module docstring)."""
        ...

    def read(self, url: str) -> bytes:
        """Whole content of a small object (manifests, ``takes.json``)."""
        ...

    def open(self, url: str, *, start: int, stop: int | None = None) -> Response:
        """Start reading bytes ``[start, stop)`` of ``url`` (``stop=None``: to the end)."""
        ...

    def stat(self, url: str) -> tuple[int, Checksum | None]:
        """Size and source-provided hash of an object."""
        ...

    def head(self, url: str) -> ObjectInfo:
        """Size, hash and version token of an object (:class:`ObjectInfo`)."""
        ...


def split_s3(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``("bucket", "key")``.

    Raises:
        ValueError: not an ``s3://`` URL with a bucket.
    """
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"not an s3://bucket/key URL: {redact_url(url)!r}")
    return parsed.netloc, parsed.path.lstrip("/")


def _join(base: str, *parts: str) -> str:
    return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])


def _range(start: int, stop: int | None) -> str:
    """HTTP ``Range`` value for bytes ``[start, stop)``."""
    return f"bytes={start}-" if stop is None else f"bytes={start}-{stop - 1}"


def _total(content_range: str) -> int | None:
    """The object size from ``Content-Range: bytes a-b/size``."""
    tail = content_range.rsplit("/", 1)[-1] if "/" in content_range else ""
    return int(tail) if tail.isdigit() else None


def _sha256_meta(headers: dict[str, str]) -> Checksum | None:
    value = headers.get("x-amz-meta-sha256") or headers.get("sha256")
    try:
        return parse_checksum(f"sha256:{value}") if value else None
    except ValueError:
        return None


# -- local folder -----------------------------------------------------------------------------------


@dataclass
class FileSource:
    """A mirror in a local (or mounted) folder."""

    base: Path
    release: str

    @property
    def label(self) -> str:
        """The base folder as a ``file://`` URL."""
        return self.base.as_uri()

    def manifest_url(self, part: str) -> str:
        """``<base>/<release>/<part>/manifest.json``."""
        return str(self.base / self.release / part / "manifest.json")

    def file_url(self, source_path: str, relative_path: str) -> str:
        """``<base>/<release>/<relative_path>``."""
        return str(self.base / self.release / relative_path)

    def read(self, url: str) -> bytes:
        """Read a whole file."""
        try:
            return Path(url).read_bytes()
        except FileNotFoundError as e:
            raise MissingObject("does not exist", path=redact_url(url)) from e
        except OSError as e:
            raise TransientError(f"cannot read: {e.strerror or e}", path=redact_url(url)) from e

    def open(self, url: str, *, start: int, stop: int | None = None) -> Response:
        """Open the file at ``start``, reading up to ``stop``."""
        try:
            f = open(url, "rb")
        except FileNotFoundError as e:
            raise MissingObject("does not exist", path=redact_url(url)) from e
        except OSError as e:
            raise TransientError(f"cannot open: {e.strerror or e}", path=redact_url(url)) from e
        f.seek(start)
        size = os.fstat(f.fileno()).st_size
        left = [(size if stop is None else min(stop, size)) - start]

        def chunks() -> Iterator[bytes]:
            while left[0] > 0:
                data = f.read(min(CHUNK, left[0]))
                if not data:
                    return
                left[0] -= len(data)
                yield data

        return Response(start, chunks(), size, None, f.close)

    def stat(self, url: str) -> tuple[int, Checksum | None]:
        """Size from the file system; a folder gives no hash."""
        info = self.head(url)
        return info.size, info.checksum

    def head(self, url: str) -> ObjectInfo:
        """Size and ``mtime_ns`` from the file system; a folder gives no hash."""
        try:
            st = os.stat(url)
        except FileNotFoundError as e:
            raise MissingObject("does not exist", path=redact_url(url)) from e
        return ObjectInfo(st.st_size, None, _version(st.st_size, st.st_mtime_ns))


# -- HTTP(S) mirror ---------------------------------------------------------------------------------


@dataclass
class HttpSource:
    """A web server laid out like the bucket.

    Credentials never travel in the URLs it builds (which messages quote): :meth:`from_url` moves
    a ``user:password@`` into a basic ``Authorization`` header (not forwarded on redirects) and
    keeps a query string (an access token, e.g. an Azure SAS) aside, added to every request.
    """

    base: str
    release: str
    timeout: float
    auth: str | None = field(default=None, repr=False)
    """``Authorization`` header value, or ``None``."""
    query: str = field(default="", repr=False)
    """Query string sent with every request (without ``?``)."""

    @classmethod
    def from_url(cls, url: str, *, release: str, timeout: float) -> HttpSource:
        """Split ``url`` into the plain base, the basic-auth header and the query token."""
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc.rsplit("@", 1)[-1]
        auth = None
        if parts.username is not None or "@" in parts.netloc:
            user = urllib.parse.unquote(parts.username or "")
            password = urllib.parse.unquote(parts.password or "")
            auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        base = urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
        return cls(base, release, timeout, auth=auth, query=parts.query)

    @property
    def label(self) -> str:
        """The base URL (credentials are kept apart, see the class docstring)."""
        return redact_url(self.base)

    def manifest_url(self, part: str) -> str:
        """``<base>/<release>/<part>/manifest.json``."""
        return _join(self.base, self.release, part, "manifest.json")

    def file_url(self, source_path: str, relative_path: str) -> str:
        """``<base>/<release>/<relative_path>`` (each piece URL-quoted)."""
        return _join(self.base, self.release, urllib.parse.quote(relative_path))

    def _request(self, url: str, *, method: str = "GET", start: int = 0, stop: int | None = None) -> Any:
        headers = {"Range": _range(start, stop)} if start or stop is not None else {}
        target = f"{url}{'&' if '?' in url else '?'}{self.query}" if self.query else url
        req = urllib.request.Request(target, headers=headers, method=method)  # noqa: S310 - scheme checked in open_source
        if self.auth:  # unredirected: a redirect to another host must not receive the password
            req.add_unredirected_header("Authorization", self.auth)
        try:
            return urllib.request.urlopen(req, timeout=self.timeout)  # noqa: S310
        except urllib.error.HTTPError as e:
            e.close()
            if e.code in (408, 425, 429) or e.code >= 500:
                raise TransientError(f"HTTP {e.code} {e.reason}", path=redact_url(url)) from e
            if e.code == 404:
                raise MissingObject("HTTP 404: not on the mirror", path=redact_url(url)) from e
            raise PermanentError(f"HTTP {e.code} {e.reason}", path=redact_url(url)) from e
        except (urllib.error.URLError, OSError, ValueError) as e:  # ValueError: http.client's InvalidURL
            reason = getattr(e, "reason", e)
            raise TransientError(
                redact_url(f"cannot reach the server: {reason}"), path=redact_url(url)
            ) from e

    def read(self, url: str) -> bytes:
        """GET the whole object."""
        resp = self._request(url)
        try:
            return resp.read()
        except OSError as e:
            raise TransientError(redact_url(f"connection lost: {e}"), path=redact_url(url)) from e
        finally:
            resp.close()

    def open(self, url: str, *, start: int, stop: int | None = None) -> Response:
        """GET with a ``Range`` header; a plain 200 means the server ignored it and starts at 0."""
        resp = self._request(url, start=start, stop=stop)
        begin = start if resp.status == 206 else 0
        content_range = resp.headers.get("Content-Range") or ""
        length = resp.headers.get("Content-Length")
        total = _total(content_range) or (int(length) if length is not None and begin == 0 else None)
        headers = {k.lower(): v for k, v in resp.headers.items()}
        return Response(begin, _http_chunks(resp, url), total, _sha256_meta(headers), resp.close)

    def stat(self, url: str) -> tuple[int, Checksum | None]:
        """HEAD: size from ``Content-Length``, hash from ``x-amz-meta-sha256`` when the mirror sends it."""
        info = self.head(url)
        return info.size, info.checksum

    def head(self, url: str) -> ObjectInfo:
        """HEAD: size, hash (as :meth:`stat`), version (``ETag``, else the hash, else ``Last-Modified``)."""
        resp = self._request(url, method="HEAD")
        resp.close()
        length = resp.headers.get("Content-Length")
        if length is None:
            raise PermanentError("the server gives no Content-Length", path=redact_url(url))
        checksum = _sha256_meta({k.lower(): v for k, v in resp.headers.items()})
        size = int(length)
        version = _version(size, resp.headers.get("ETag"), checksum, resp.headers.get("Last-Modified"))
        return ObjectInfo(size, checksum, version)


def _http_chunks(resp: Any, url: str) -> Iterator[bytes]:
    while True:
        try:
            data = resp.read1(CHUNK)  # what has arrived: a stall then loses nothing already received
        except (OSError, ValueError) as e:  # timeouts, resets, IncompleteRead
            raise TransientError(redact_url(f"connection lost: {e!r}"), path=redact_url(url)) from e
        if not data:
            return
        yield data


# -- S3 ---------------------------------------------------------------------------------------------


def s3_client(
    *, endpoint_url: str | None, profile: str | None, workers: int, timeout: float, anonymous: bool = False
) -> Any:
    """A thread-safe boto3 S3 client with our timeouts and a connection pool sized for the workers.

    The endpoint comes from ``endpoint_url`` or the standard ``AWS_ENDPOINT_URL(_S3)`` variables;
    credentials from ``profile`` or the standard chain (``AWS_ACCESS_KEY_ID``, ``AWS_PROFILE`` …).

    Raises:
        MissingExtraError: boto3 is not installed.
        DownloadError: the profile does not exist.
    """
    try:
        import boto3
        import botocore.config
        import botocore.exceptions
    except ImportError as e:
        raise missing_extra(
            "boto3", extra="s3", what="an S3 source", hint=" (or use an https:// or file:// mirror)"
        ) from e
    try:
        session = boto3.Session(profile_name=profile)
    except botocore.exceptions.ProfileNotFound as e:
        raise DownloadError(
            f"AWS profile {profile!r} is not configured. Create it with `aws configure --profile {profile}` "
            "(Ego-Exo4D keys come by e-mail once the licence is approved; "
            "see https://docs.ego-exo4d-data.org/), "
            "or pass --s3-profile with an existing profile."
        ) from e
    extra: dict[str, Any] = {}
    if anonymous:
        extra["signature_version"] = botocore.UNSIGNED
    config = botocore.config.Config(
        max_pool_connections=max(10, workers * 4),  # a large file is fetched over several ranges
        connect_timeout=timeout,
        read_timeout=timeout,
        retries={"mode": "standard", "max_attempts": 2},
        # we hash every byte ourselves; skip botocore's own CRC pass on full GETs
        response_checksum_validation="when_required",
        request_checksum_calculation="when_required",
        **extra,
    )
    return session.client("s3", endpoint_url=endpoint_url, config=config)


def _s3_error(err: Exception, url: str) -> DownloadError:
    import botocore.exceptions as bx

    if isinstance(err, bx.ClientError):
        code = str(err.response.get("Error", {}).get("Code", ""))
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        msg = err.response.get("Error", {}).get("Message") or code
        if code in ("NoSuchKey", "NoSuchBucket", "404", "NotFound") or status == 404:
            return MissingObject(f"not found ({code})", path=redact_url(url))
        if status in (400, 401, 403) or code in (
            "AccessDenied",
            "InvalidAccessKeyId",
            "SignatureDoesNotMatch",
        ):
            return PermanentError(redact_url(f"access denied: {msg} ({code})"), path=redact_url(url))
        return TransientError(redact_url(f"S3 error {status} {code}: {msg}"), path=redact_url(url))
    if isinstance(err, bx.NoCredentialsError | bx.PartialCredentialsError):
        return PermanentError(redact_url(str(err)), path=redact_url(url))
    return TransientError(redact_url(f"{type(err).__name__}: {err}"), path=redact_url(url))


@dataclass
class S3Source:
    """The official bucket or any S3-compatible server."""

    base: str
    release: str
    client: Any
    profile: str | None = None

    @property
    def label(self) -> str:
        """The base URL and the endpoint it is read through."""
        return redact_url(f"{self.base} (endpoint {self.client.meta.endpoint_url})")

    def manifest_url(self, part: str) -> str:
        """``<base>/<release>/<part>/manifest.json``."""
        return _join(self.base, self.release, part, "manifest.json")

    def file_url(self, source_path: str, relative_path: str) -> str:
        """The manifest's own ``s3://`` path, else the mirror layout."""
        if source_path.startswith("s3://"):
            return source_path
        return _join(self.base, self.release, relative_path)

    def _call(self, url: str, method: str, **kwargs: Any) -> Any:
        import botocore.exceptions as bx

        bucket, key = split_s3(url)
        try:
            return getattr(self.client, method)(Bucket=bucket, Key=key, **kwargs)
        except (bx.BotoCoreError, bx.ClientError) as e:
            raise _s3_error(e, url) from e

    def read(self, url: str) -> bytes:
        """GetObject, whole."""
        import botocore.exceptions as bx

        resp = self._call(url, "get_object")
        try:
            return resp["Body"].read()
        except (bx.BotoCoreError, OSError) as e:
            raise TransientError(redact_url(f"connection lost: {e}"), path=redact_url(url)) from e

    def open(self, url: str, *, start: int, stop: int | None = None) -> Response:
        """Ranged GetObject; the response's ``Content-Range`` says where the body starts."""
        ranged = {"Range": _range(start, stop)} if start or stop is not None else {}
        resp = self._call(url, "get_object", **ranged)
        content_range = resp.get("ContentRange") or ""
        begin = int(content_range.split(" ")[1].split("-")[0]) if content_range.startswith("bytes ") else 0
        total = _total(content_range) or resp.get("ContentLength")
        body = resp["Body"]
        return Response(begin, _s3_chunks(body, url), total, _s3_checksum(resp), body.close)

    def stat(self, url: str) -> tuple[int, Checksum | None]:
        """HeadObject: size, and our ``sha256`` metadata or a single-part MD5 ETag."""
        info = self.head(url)
        return info.size, info.checksum

    def head(self, url: str) -> ObjectInfo:
        """HeadObject: size and hash (as :meth:`stat`), version from the ETag (else ``LastModified``)."""
        resp = self._call(url, "head_object")
        size = int(resp["ContentLength"])
        return ObjectInfo(
            size, _s3_checksum(resp), _version(size, resp.get("ETag"), resp.get("LastModified"))
        )


def _s3_checksum(resp: dict[str, Any]) -> Checksum | None:
    meta = {k.lower(): v for k, v in (resp.get("Metadata") or {}).items()}
    found = _sha256_meta(meta)
    if found is not None:
        return found
    etag = str(resp.get("ETag") or "").strip('"').lower()
    # A multipart ETag ("<hex>-<parts>") is no content hash; a plain one is the object's MD5 unless
    # server-side encryption with KMS changed it, which public buckets do not use.
    try:
        return parse_checksum(f"md5:{etag}") if etag and "-" not in etag else None
    except ValueError:
        return None


def _s3_chunks(body: Any, url: str) -> Iterator[bytes]:
    import botocore.exceptions as bx

    try:
        yield from body.iter_chunks(CHUNK)
    except (bx.BotoCoreError, OSError, ValueError) as e:
        raise TransientError(redact_url(f"connection lost: {e!r}"), path=redact_url(url)) from e


def open_source(
    base: str,
    *,
    release: str,
    endpoint_url: str | None = None,
    profile: str | None = None,
    workers: int = 8,
    timeout: float = 60.0,
    anonymous: bool = False,
) -> Source:
    """The :class:`Source` for ``base`` (``s3://``, ``http(s)://``, ``file://`` or a folder path).

    Raises:
        ValueError: an unsupported URL scheme.
    """
    parsed = urllib.parse.urlparse(base)
    if parsed.scheme == "s3":
        split_s3(base)
        _no_credentials_in(base, what="an s3:// source")
        if endpoint_url:
            _no_credentials_in(endpoint_url, what="--endpoint-url")
        client = s3_client(
            endpoint_url=endpoint_url, profile=profile, workers=workers, timeout=timeout, anonymous=anonymous
        )
        return S3Source(base, release, client, profile)
    if parsed.scheme in ("http", "https"):
        return HttpSource.from_url(base, release=release, timeout=timeout)
    if parsed.scheme == "file":
        return FileSource(Path(urllib.request.url2pathname(parsed.path)), release)
    if parsed.scheme == "" or len(parsed.scheme) == 1:  # a plain path (or a Windows drive letter)
        return FileSource(Path(base).expanduser().absolute(), release)
    raise ValueError(
        f"unsupported source {redact_url(base)!r}: use s3://bucket/prefix, https://host/path or a folder"
    )


def _no_credentials_in(url: str, *, what: str) -> None:
    """Refuse keys inside an S3 address: boto3 takes them from a profile or the environment only.

    Raises:
        DownloadError: ``url`` holds a ``user:password@`` or a query string (shown redacted).
    """
    parts = urllib.parse.urlsplit(url)
    if "@" in parts.netloc or parts.query:
        raise DownloadError(
            f"{what} {redact_url(url)} carries credentials or a query string, which S3 requests do "
            "not use; give the keys with --s3-profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
        )
