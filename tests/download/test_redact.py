"""Credentials inside URLs never reach the terminal, the JSON report or a log line (issue 19).

The issue's reproduction: a ``--source`` holding a password was echoed back in errors. Each test
runs the real CLI against a real local server (HTTP mirror, moto S3) or a dead port, with a secret
in the URL, and asserts that the secret appears nowhere in what the command printed.
"""

from __future__ import annotations

import base64
import json
import socket

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import redact_url

from .conftest import Faults, make_mirror, serve_dir

runner = CliRunner()
SECRET = "s3cr3tPa55"
TOKEN = "T0kenV4lue"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://ann:s3cr3t@host/v2", "https://***@host/v2"),
        ("https://ghp_token123@host/v2", "https://***@host/v2"),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F1&X-Amz-Signature=abc",
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=***&X-Amz-Signature=***",
        ),
        (
            "https://acct.blob.core.windows.net/c?sv=2022&sig=abc%3D&sp=r",
            "https://acct.blob.core.windows.net/c?sv=2022&sig=***&sp=r",
        ),
        ("s3://bucket/x?aws_secret_access_key=abc", "s3://bucket/x?aws_secret_access_key=***"),
        ("s3://bucket/prefix", "s3://bucket/prefix"),
        ("/a/plain/path", "/a/plain/path"),
    ],
)
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_redact_url_finds_urls_inside_messages():
    text = (
        'Could not connect to the endpoint URL: "http://k:SECRET@127.0.0.1:9/b/k?X-Amz-Signature=ff" '
        "and X-Amz-Credential=AKIA1234 quoted alone"
    )
    out = redact_url(text)
    assert "SECRET" not in out and "ff" not in out.split("Signature=")[1][:3] and "AKIA1234" not in out
    assert "http://***@127.0.0.1:9/b/k?X-Amz-Signature=***" in out


def download(*args):
    res = runner.invoke(app, ["download", *map(str, args)])
    assert "Traceback" not in res.output and "internal error" not in res.output, res.output
    return res


def test_http_credentials_are_used_but_never_printed(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/t/a.mp4": b"a" * 5000, "takes/t/b.mp4": b"b" * 50})
    (base / "v2/takes/t/b.mp4").unlink()  # one failure, so the report prints its URL and reason
    faults = Faults()
    server, url = serve_dir(base, faults)
    secret_url = url.replace("http://", f"http://ann:{SECRET}@") + f"/?sig={TOKEN}&sp=r"
    try:
        human = download(tmp_path / "o1", "--source", secret_url, "--parts", "takes", "-y", "--retries", "0")
        js = download(tmp_path / "o2", "--source", secret_url, "--parts", "takes", "-y", "--json")
        dry = download(tmp_path / "o3", "--source", secret_url, "--parts", "takes", "--dry-run")
    finally:
        server.shutdown()
    for res in (human, js, dry):
        assert SECRET not in res.output and TOKEN not in res.output, res.output
    assert human.exit_code == 1 and js.exit_code == 1 and dry.exit_code == 0
    assert json.loads(js.stdout)["failed"][0]["path"] == "takes/t/b.mp4"
    assert (tmp_path / "o1/takes/t/a.mp4").read_bytes() == b"a" * 5000
    # the password went as basic auth, the token with every request: the mirror saw both
    assert set(faults.auth) == {"Basic " + base64.b64encode(f"ann:{SECRET}".encode()).decode()}
    assert all(f"sig={TOKEN}" in path for path, _ in faults.requests)


def test_an_unreachable_mirror_with_credentials_is_one_redacted_line(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://ann:{SECRET}@127.0.0.1:{s.getsockname()[1]}/egoexo?token={TOKEN}"
    res = download(tmp_path, "--source", dead, "--parts", "metadata", "--retries", "0", "-y")
    assert res.exit_code == 2 and "cannot reach the server" in res.output
    assert SECRET not in res.output and TOKEN not in res.output


@pytest.mark.parametrize(
    "args",
    [
        ["--source", f"s3://bucket/x?X-Amz-Credential=AKIA{TOKEN}&X-Amz-Signature={SECRET}"],
        ["--source", f"s3://AKIA{TOKEN}:{SECRET}@bucket/x"],
        ["--source", "s3://bucket/x", "--endpoint-url", f"http://AKIA{TOKEN}:{SECRET}@127.0.0.1:9"],
    ],
    ids=["presigned-query", "userinfo", "endpoint-userinfo"],
)
def test_s3_addresses_with_keys_are_refused_redacted(tmp_path, args):
    res = download(tmp_path, *args, "--parts", "metadata", "--dry-run")
    text = " ".join(res.output.split())
    assert res.exit_code == 2 and "carries credentials" in text and "***" in text
    assert SECRET not in res.output and TOKEN not in res.output


def test_an_endpoint_from_the_environment_is_redacted_in_botocore_errors(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://user:{SECRET}@127.0.0.1:{port}")
    res = download(
        tmp_path, "--source", "s3://bucket/x", "--parts", "metadata", "--retries", "0", "--timeout", "1"
    )
    assert res.exit_code == 2 and "cannot read from" in res.output
    assert SECRET not in res.output


def test_publish_never_prints_credentials(tiny_release_ro, tmp_path):
    res = runner.invoke(app, ["publish", str(tiny_release_ro), "--to", f"ftp://u:{SECRET}@host/x"])
    assert res.exit_code == 2 and "cannot publish to" in res.output and SECRET not in res.output
