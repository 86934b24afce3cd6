"""A published mirror is read by the official ``egoexo`` client (PyPI ``ego4d``, dev extra) as well."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from egoexo_kit.download import publish

from .test_publish_select import rel_files


def test_the_official_egoexo_cli_downloads_a_published_release(
    s3, moto_endpoint, tiny_release_ro, tmp_path, monkeypatch
):
    exe = shutil.which("egoexo", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("the official client is not installed: pip install ego4d (dev extra)")
    _, bucket = s3
    publish(tiny_release_ro, f"s3://{bucket}/egoexo-public", endpoint_url=moto_endpoint, workers=4)
    aws = tmp_path / "aws"  # the official client opens the named profile "default"
    aws.mkdir()
    (aws / "config").write_text("[default]\nregion = us-east-1\n")
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)  # boto3 reads it; the client has no endpoint flag
    out = tmp_path / "out"
    args = [
        exe,
        "-o",
        str(out),
        "--base_dir",
        f"s3://{bucket}/egoexo-public/",
        "--parts",
        "metadata",
        "takes",
        "-y",
    ]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    got = rel_files(out)
    want = {p for p in rel_files(tiny_release_ro) if p.endswith(".json") and "/" not in p}
    want |= {p for p in rel_files(tiny_release_ro) if p.startswith("takes/") and p.endswith(".mp4")}
    assert got == want
    for rel in got:
        assert (out / rel).read_bytes() == (tiny_release_ro / rel).read_bytes()
