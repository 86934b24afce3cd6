"""``features`` and ``search`` on a mirror URL: the same rows as from the folder, read by range.

Real servers on 127.0.0.1 (the HTTP mirror, moto's S3). Forked workers, and a fresh interpreter handed
only a job (what a Ray task gets), each connect to the mirror themselves.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.download.conftest import http_mirror  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import egoexo_kit as ek  # noqa: E402
from egoexo_kit.cli import app  # noqa: E402
from egoexo_kit.errors import ArgumentError, EgoExoKitError  # noqa: E402
from egoexo_kit.features import (  # noqa: E402
    FeatureKey,
    StatsBackbone,
    ViewJob,
    embed_video,
    extract_features,
    load_tensor,
    read_config,
)
from egoexo_kit.video import check_cuda_decoding  # noqa: E402

__all__ = ["http_mirror"]

runner = CliRunner()
SHAPE = {"window": 8, "stride": 4, "device": "cpu", "decode_device": "cpu", "batch_size": 3}


def _rows(folder: Path) -> dict[str, np.ndarray]:
    """Every ``.pt`` of a model folder, by file name."""
    return {p.name: load_tensor(p) for p in sorted(folder.glob("*.pt"))}


@pytest.fixture
def local_features(tiny_release_ro, tmp_path) -> Path:
    """The stats features of the tiny release on disk (written beside it, not into it)."""
    extract_features(tiny_release_ro, out=tmp_path / "local", **SHAPE)
    return tmp_path / "local" / "features" / "stats"


def test_features_from_a_mirror_equal_the_folder_in_forked_workers(http_mirror, local_features, tmp_path):
    url = f"{http_mirror.url}/v2"
    before = len(http_mirror.faults.requests)
    results = extract_features(url, out=tmp_path / "remote", workers=2, **SHAPE)
    folder = tmp_path / "remote" / "features" / "stats"
    want, got = _rows(local_features), _rows(folder)
    assert len(results) == len(want) == 9 and not any(r.skipped for r in results)
    assert got.keys() == want.keys()
    for name, rows in want.items():
        np.testing.assert_array_equal(got[name], rows, err_msg=name)  # bit for bit
    assert read_config(folder) == read_config(local_features)
    assert sum(1 for path, rng in http_mirror.faults.requests[before:] if path.endswith(".mp4") and rng) >= 9
    again = extract_features(url, out=tmp_path / "remote", workers=2, **SHAPE)
    assert all(r.skipped for r in again)  # resumable as on a folder


@pytest.mark.slow
def test_the_ray_runner_on_a_mirror_equals_the_folder(http_mirror, local_features, tmp_path):
    """Ray tasks each open the mirror themselves (a local Ray cluster: real worker processes)."""
    pytest.importorskip("ray")
    results = extract_features(f"{http_mirror.url}/v2", out=tmp_path / "remote", runner="ray", **SHAPE)
    assert len(results) == 9 and not any(r.skipped for r in results)
    want, got = _rows(local_features), _rows(tmp_path / "remote" / "features" / "stats")
    assert got.keys() == want.keys()
    for name, rows in want.items():
        np.testing.assert_array_equal(got[name], rows, err_msg=name)


def test_a_job_alone_reconnects_in_a_fresh_process(http_mirror, local_features, tmp_path):
    """What a Ray task gets: a pickled job naming the mirror; it opens its own shadow and connections."""
    remote = ek.open_release(f"{http_mirror.url}/v2")
    take = remote.take("cmu_bike01_2")
    job = ViewJob(
        release=tmp_path / "no-such-folder",  # the worker does not rely on the parent's shadow
        folder=tmp_path / "fresh" / "features" / "stats",
        key=FeatureKey(take.uid, "cam01", "0"),
        backbone="stats",
        window=8,
        stride=4,
        remote=remote.remote.opening,
    )
    assert len(pickle.dumps(job)) < 2000  # how to connect, not a connection nor the manifests
    own_cache = tmp_path / "worker-cache"
    code = "import pickle, sys; from egoexo_kit.features import extract_view; "
    code += "extract_view(pickle.load(sys.stdin.buffer))"
    env = {**os.environ, "EGOEXO_KIT_CACHE_DIR": str(own_cache)}
    res = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(job), capture_output=True, env=env, check=False
    )
    assert res.returncode == 0, res.stderr.decode()
    name = f"{take.uid}_cam01_0.pt"
    np.testing.assert_array_equal(load_tensor(job.folder / name), load_tensor(local_features / name))
    assert list(own_cache.glob("remote/releases/*/takes.json"))  # its own shadow, on its own machine


def test_only_the_chosen_videos_are_read_and_only_once(http_mirror, tiny_release_ro, tmp_path):
    release = ek.open_release(f"{http_mirror.url}/v2")
    results = extract_features(release, takes=["cmu_bike01_2"], views=["cam01"], out=tmp_path, **SHAPE)
    assert len(results) == 1
    chosen = next(tiny_release_ro.glob("takes/cmu_bike01_2/frame_aligned_videos/cam01*.mp4"))
    every_video = sum(p.stat().st_size for p in tiny_release_ro.glob("takes/*/frame_aligned_videos/*.mp4"))
    got = release.remote.stats.bytes
    assert 0 < got <= chosen.stat().st_size  # that one file, no more (its second open hits the cache)
    assert got < every_video / 10
    assert not list(release.root.glob("takes/*/frame_aligned_videos/*.mp4"))  # nothing downloaded


def test_a_remote_release_needs_out(http_mirror):
    with pytest.raises(ArgumentError, match="is a remote release: give the folder to write features/"):
        extract_features(f"{http_mirror.url}/v2", **SHAPE)
    shadow = ek.open_release(
        f"{http_mirror.url}/v2"
    ).root  # its shadow folder reopens the mirror: refused too
    with pytest.raises(ArgumentError, match="remote release"):
        extract_features(shadow, **SHAPE)


def test_cli_features_on_an_s3_url(s3_release, local_features, tmp_path):
    url, endpoint = s3_release
    base = ["features", url, "--views", "cam01", "--takes", "cmu_bike01_1", "--device", "cpu"]
    base += ["--window-s", str(8 / 30), "--stride-s", str(4 / 30), "--endpoint-url", endpoint]
    res = runner.invoke(app, base)
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert f"{url} is a remote release" in lines[0] and "--out" in lines[0]
    res = runner.invoke(app, [*base, "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    (only,) = json.loads(res.stdout)
    got = load_tensor(tmp_path / "features" / "stats" / only["key"])
    np.testing.assert_array_equal(got, load_tensor(local_features / only["key"]))


def test_search_on_a_mirror_matches_the_folder(http_mirror, tiny_release_ro):
    args = ["search", "{}", "tune the guitar", "--limit", "5", "--json"]
    remote = runner.invoke(app, [a.format(f"{http_mirror.url}/v2") for a in args])
    local = runner.invoke(app, [a.format(tiny_release_ro) for a in args])
    assert remote.exit_code == local.exit_code == 0, remote.output
    assert json.loads(remote.stdout) == json.loads(local.stdout) and json.loads(local.stdout)


def test_the_tensor_path_decodes_a_remote_file(http_mirror, tiny_release_ro):
    """torchcodec reads a file object on demand: the GPU path (run here on its CPU decoder) reads by range."""
    try:
        check_cuda_decoding("cpu")
    except EgoExoKitError as e:
        pytest.skip(f"torchcodec is not usable here: {e}")
    remote = ek.open_release(f"{http_mirror.url}/v2")
    view = remote.take("cmu_bike01_1").view("cam01")
    local = ek.open_release(tiny_release_ro).take("cmu_bike01_1").view("cam01").path
    opener = lambda: remote.remote.open_file(view.path)  # noqa: E731
    kw = {"window": 8, "stride": 4, "torchcodec_device": "cpu"}
    got, n = embed_video(view.path, StatsBackbone(), opener=opener, **kw)
    want, m = embed_video(local, StatsBackbone(), **kw)
    assert n == m == 30
    np.testing.assert_array_equal(got, want)
