"""S3 sources and targets against a real S3 HTTP endpoint (moto_server started by the fixture)."""

from __future__ import annotations

import hashlib
import json
import socket

from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.download import Selection, download, open_source, plan_download, publish

from .test_publish_select import TRAIN, rel_files

runner = CliRunner()


def test_publish_to_s3_then_download_one_camera(s3, moto_endpoint, tiny_release_ro, tmp_path):
    client, bucket = s3
    report = publish(tiny_release_ro, f"s3://{bucket}/mirror", endpoint_url=moto_endpoint, workers=4)
    assert report.uploaded == sum(files for _, files, _ in report.parts.values())
    raw = json.loads(client.get_object(Bucket=bucket, Key="mirror/v2/takes/manifest.json")["Body"].read())
    src_path = raw[0]["paths"][0]["source_path"]
    assert src_path.startswith(
        f"s3://{bucket}/mirror/v2/takes/"
    )  # absolute s3:// as the official client wants
    head = client.head_object(Bucket=bucket, Key="mirror/v2/takes.json")
    assert (
        head["Metadata"]["sha256"]
        == hashlib.sha256((tiny_release_ro / "takes.json").read_bytes()).hexdigest()
    )

    res = runner.invoke(
        app,
        [
            "download",
            str(tmp_path / "out"),
            "--source",
            f"s3://{bucket}/mirror",
            "--endpoint-url",
            moto_endpoint,
            "--parts",
            "takes",
            "metadata",
            "--uids",
            TRAIN,
            "--cams",
            "cam02",
            "-y",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["ok"] and out["counts"] == {"sha256": 1}
    assert rel_files(tmp_path / "out") == {"takes/cmu_bike01_1/frame_aligned_videos/cam02.mp4"}


def test_official_style_manifest_without_checksum_is_verified_by_the_etag_md5(s3, moto_endpoint, tmp_path):
    client, bucket = s3
    data = bytes(range(256)) * 1000
    client.put_object(Bucket=bucket, Key="uni/egoexo-public/v2/takes/t/cam01.mp4", Body=data)
    manifest = [
        {
            "uid": "t",
            "paths": [
                {
                    "source_path": f"s3://{bucket}/uni/egoexo-public/v2/takes/t/cam01.mp4",
                    "relative_path": "takes/t/cam01.mp4",
                    "views": ["exo"],
                    "universities": ["cmu"],
                    "file_type": "mp4",
                    "size": None,
                    "checksum": None,
                }
            ],
            "splits": None,
            "benchmarks": None,
        }
    ]
    client.put_object(Bucket=bucket, Key="base/v2/takes/manifest.json", Body=json.dumps(manifest).encode())
    src = open_source(f"s3://{bucket}/base", release="v2", endpoint_url=moto_endpoint)
    plan = plan_download(tmp_path / "out", source=src, selection=Selection(parts=("takes",)))
    assert [f.size for f in plan.files] == [len(data)]  # size asked from S3 (official step 3)
    report = download(plan, workers=2)
    assert report.ok and [r.method for r in report.results] == ["md5"]
    # the source object changes: same size, other bytes → the copy on disk no longer verifies → fetched again
    client.put_object(Bucket=bucket, Key="uni/egoexo-public/v2/takes/t/cam01.mp4", Body=data[::-1])
    (tmp_path / "out/.egoexo-kit/download-state.json").unlink()
    again = download(plan_download(tmp_path / "out", source=src, selection=Selection(parts=("takes",))))
    assert again.ok and again.fetched_bytes == len(data)
    assert (tmp_path / "out/takes/t/cam01.mp4").read_bytes() == data[::-1]


def download_metadata(tmp_path, source: str, *extra: str):
    """``egoexo-kit download … --parts metadata -y``: (exit code, output with whitespace folded)."""
    res = runner.invoke(
        app, ["download", str(tmp_path), "--source", source, "--parts", "metadata", "-y", *extra]
    )
    assert "Traceback" not in res.output
    return res.exit_code, " ".join(res.output.split())


def test_preflight_messages_are_human(s3, moto_endpoint, tmp_path, monkeypatch):
    _, bucket = s3
    code, text = download_metadata(tmp_path, "s3://no-such-bucket/x", "--endpoint-url", moto_endpoint)
    assert code == 2 and "no manifest for part(s) metadata" in text
    with socket.socket() as s:  # an endpoint where nothing listens
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    code, text = download_metadata(
        tmp_path, f"s3://{bucket}/x", "--endpoint-url", dead, "--timeout", "1", "--retries", "0"
    )
    assert (
        code == 2
        and f"cannot read from s3://{bucket}/x (endpoint {dead})" in text
        and "--endpoint-url" in text
    )
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")  # no credentials at all
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, text = download_metadata(tmp_path, f"s3://{bucket}/x", "--endpoint-url", moto_endpoint)
    assert (
        code == 2 and "refused access" in text and "profile 'default'" in text and "AWS_ACCESS_KEY_ID" in text
    )
    code, text = download_metadata(tmp_path, f"s3://{bucket}/x", "--s3-profile", "nope")
    assert code == 2 and "AWS profile 'nope' is not configured" in text
