"""The viewer's HTTP API: take list and filters, take JSON, overlays, range requests, refused paths."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from tests.viz.conftest import TAKE

import egoexo_kit
from egoexo_kit.viz import overlay_frames, overlay_layer, pose_tracks
from egoexo_kit.viz.web import create_app, safe_path

VIDEO = f"takes/{TAKE}/frame_aligned_videos/cam01.mp4"


@pytest.fixture(scope="module")
def client(synth_release):
    return TestClient(create_app(synth_release), base_url="http://127.0.0.1")


def test_take_list_and_filters(client):
    body = client.get("/api/takes").json()
    assert {t["name"] for t in body["takes"]} == {TAKE, "cmu_basketball_01_1"}
    assert body["facets"]["scenario"] == ["Basketball", "Bike Repair"]
    only = client.get("/api/takes", params={"annotation": "keystep"}).json()["takes"]
    assert [t["name"] for t in only] == [TAKE]
    assert client.get("/api/takes", params={"split": "nope"}).json()["takes"] == []
    assert client.get("/").headers["content-type"].startswith("text/html")


def test_take_json(client, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    body = client.get(f"/api/takes/{TAKE}").json()
    assert [v["name"] for v in body["views"]] == ["aria01_214-1", "cam01", "cam02", "cam03", "cam04"]
    assert body["n_frames"] == take.timeline.n_frames and body["fps"] == 30
    ks = [r for r in body["timeline"] if r["family"] == "keystep"]
    assert [r["start_s"] for r in ks] == [s.start_s for s in take.annotations.keysteps]
    for v in body["views"]:
        assert client.head(v["url"]).status_code == 200
    assert client.get("/api/takes/nope").status_code == 404
    scene = client.get(f"/api/takes/{TAKE}/scene/60").json()
    cam = take.camera("cam01", frame=60)
    c = next(c for c in scene["cameras"] if c["name"] == "cam01")
    np.testing.assert_allclose(c["center"], cam.T_world_cam[:3, 3])
    assert set(scene["skeletons"]) == {"body", "hand"}


def test_scene_skeleton_keeps_its_joints_and_bones_from_frame_to_frame(client, synth_release):
    """Frames 10-34 include manual body frames (upper body only): the 3D skeleton must not change shape."""
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    bones = {part: [list(b) for b in t.bones] for part, t in pose_tracks(take).items()}
    shapes = set()
    for f in range(10, 35):
        scene = client.get(f"/api/takes/{TAKE}/scene/{f}").json()
        assert scene["bones"] == bones
        shapes.add(tuple(p is not None for p in scene["skeletons"]["body"]))
    assert shapes == {(True,) * 17}


def test_pose_source_parameter(client, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    assert client.get(f"/api/takes/{TAKE}").json()["pose_sources"] == ["annotation", "automatic"]
    url = f"/api/takes/{TAKE}/overlay/cam01/15.png"
    params = {"layers": "pose", "width": 96, "height": 54}
    pngs = []
    for source in ("annotation", "automatic"):
        r = client.get(url, params={**params, "pose_source": source})
        pngs.append(cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_UNCHANGED)[..., [2, 1, 0, 3]])
        want = overlay_layer(take, "cam01", frame=15, size=(96, 54), layers=("pose",), pose_source=source)
        assert (pngs[-1] == want).all(), source
    assert (pngs[0] != pngs[1]).any()  # frame 15 has both sources; the manual body lacks the legs
    manual = client.get(f"/api/takes/{TAKE}/scene/15", params={"pose_source": "annotation"}).json()
    assert manual["bones"]["body"] == [list(b) for b in pose_tracks(take, source="annotation")["body"].bones]
    assert client.get(url, params={"pose_source": "manual"}).status_code == 400
    assert client.get(f"/api/takes/{TAKE}/scene/15", params={"pose_source": "x"}).status_code == 400


def test_overlay_and_preview_are_the_shared_drawing(client, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    r = client.get(f"/api/takes/{TAKE}/preview/cam01/60.png")
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    png = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    assert (png == overlay_frames(take, frame=60, views=["cam01"])["cam01"]).all()
    r = client.get(
        f"/api/takes/{TAKE}/overlay/cam01/60.png", params={"layers": "masks", "width": 192, "height": 108}
    )
    layer = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_UNCHANGED)
    assert layer.shape == (108, 192, 4) and layer[..., 3].any()
    assert client.get(f"/api/takes/{TAKE}/overlay/cam01/60.png", params={"layers": "x"}).status_code == 400
    assert client.get(f"/api/takes/{TAKE}/overlay/cam01/99999.png").status_code == 404
    assert client.get(f"/api/takes/{TAKE}/overlay/cam09/1.png").status_code == 404


def test_range_requests(client, synth_release):
    data = (synth_release / VIDEO).read_bytes()
    full = client.get(f"/files/{VIDEO}")
    assert full.status_code == 200 and full.content == data and full.headers["accept-ranges"] == "bytes"
    part = client.get(f"/files/{VIDEO}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(f"/files/{VIDEO}", headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.content == data[-50:]
    bad = client.get(f"/files/{VIDEO}", headers={"Range": f"bytes={len(data) + 10}-"})
    assert bad.status_code == 416


@pytest.mark.parametrize(
    "url",
    [
        "/files/..%2F..%2Fetc%2Fpasswd",
        "/files/takes/..%2F..%2F..%2Fetc%2Fpasswd",
        "/files/%2Fetc%2Fpasswd",
        "/files/.synth/truth.json",
        "/files/takes",
        "/files/nope.mp4",
    ],
)
def test_refused_paths(client, url):
    r = client.get(url)
    assert r.status_code == 404 and b"root:" not in r.content


def test_read_only(client):
    for method in ("post", "put", "delete"):
        assert getattr(client, method)(f"/files/{VIDEO}").status_code == 405


def test_symlink_escape_refused(tmp_path):
    root = tmp_path / "rel"
    root.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (root / "inside.txt").write_text("ok", encoding="utf-8")
    os.symlink(secret, root / "link.txt")
    os.symlink(tmp_path, root / "dir")
    assert safe_path(root, "inside.txt") == (root / "inside.txt").resolve()
    for rel in ("link.txt", "dir/secret.txt", "../secret.txt", str(secret), "", "."):
        with pytest.raises(egoexo_kit.errors.NotFoundError):
            safe_path(root, rel)


def test_serve_binds_localhost_by_default():
    import inspect

    from egoexo_kit.viz.web import serve

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"


def test_serve_cli(tmp_path):
    from typer.testing import CliRunner

    from egoexo_kit.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["serve", "--help"])
    assert res.exit_code == 0 and "127.0.0.1" in res.output and "Example: egoexo-kit serve" in res.output
    res = runner.invoke(app, ["serve", str(tmp_path / "missing")])
    assert res.exit_code == 2 and "Traceback" not in res.output
