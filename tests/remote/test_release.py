"""``open_release`` of a mirror URL against real servers on 127.0.0.1 (moto's S3, the HTTP mirror).

The tiny release is published with ``publish`` (manifests with sizes and sha256) and read back through
the URL: frames and clips equal the local release's exactly, metadata is fetched on open, a take's
small files when it is used, and its videos never land in the shadow folder.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from tests.download.conftest import http_mirror
from typer.testing import CliRunner

import egoexo_kit
from egoexo_kit.download import publish
from egoexo_kit.errors import DownloadError, EgoExoKitError

__all__ = ["http_mirror"]

runner = CliRunner()


def _files(root):
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_s3_release_reads_frames_exactly_and_fetches_only_small_files(s3_release, tiny_release_ro):
    url, endpoint = s3_release
    remote = egoexo_kit.open_release(url, endpoint_url=endpoint)
    local = egoexo_kit.open_release(tiny_release_ro)
    assert remote.remote is not None and remote.takes.names == local.takes.names
    shadow = remote.root
    assert "takes.json" in _files(shadow)  # metadata: eagerly
    take, here = remote.takes[0], local.take(remote.takes[0].name)
    assert not any(f.startswith(f"takes/{take.name}/") for f in _files(shadow))  # the take: lazily

    got = take.frames(frame=7)
    want = here.frames(frame=7)
    assert got.keys() == want.keys()
    for key in want:
        assert np.array_equal(got[key], want[key]), key
    clip = take.clip(0.2, 0.5, views=["cam01"])
    assert np.array_equal(clip["cam01"], here.clip(0.2, 0.5, views=["cam01"])["cam01"])

    fetched = _files(shadow)
    assert not any(f.endswith(".mp4") for f in fetched)  # videos are read by range, never copied
    assert any(f.endswith("timesync.csv") for f in fetched)  # what the timeline needs
    assert not any(f.startswith(f"takes/{take.name}/trajectory/") for f in fetched)
    assert remote.remote.stats.bytes > 0

    take.geometry  # calibration: the take's other small files now  # noqa: B018
    assert any(f.startswith(f"takes/{take.name}/trajectory/") for f in _files(shadow))
    assert take.annotations.keysteps == here.annotations.keysteps


def test_http_release_matches_local_and_survives_a_5xx_burst(http_mirror, tiny_release_ro):
    remote = egoexo_kit.open_release(f"{http_mirror.url}/v2")
    local = egoexo_kit.open_release(tiny_release_ro)
    take = remote.takes[-1]
    view = take.select_views()[0]
    http_mirror.faults.plan[view.path.name] = ["503", "500", "drop"]
    got = take.frames(frame=3, views=[view.key])[view.key]
    assert np.array_equal(got, local.take(take.name).frames(frame=3, views=[view.key])[view.key])
    assert http_mirror.faults.plan[view.path.name] == []  # every fault was hit and retried


def test_a_second_open_reuses_the_shadow_and_the_blocks(http_mirror):
    url = f"{http_mirror.url}/v2"
    first = egoexo_kit.open_release(url).takes[0]
    pixels = first.frames(frame=2)
    served = http_mirror.faults.served
    again = egoexo_kit.open_release(url)
    from egoexo_kit.facade._decoders import READERS

    READERS._readers.clear()  # a fresh process would have no open decoders
    pixels_again = again.takes[0].frames(frame=2)
    assert all(np.array_equal(pixels[k], pixels_again[k]) for k in pixels)
    # only the metadata manifest was fetched again (changed? no: HEAD); no video byte moved twice
    assert http_mirror.faults.served - served < 0.05 * served


def test_bad_urls_and_missing_mirrors_are_one_located_error(http_mirror, moto_endpoint):
    with pytest.raises(EgoExoKitError, match="no metadata/manifest.json"):
        egoexo_kit.open_release(f"{http_mirror.url}/v9")
    with pytest.raises(EgoExoKitError, match="no-such-bucket-here"):
        egoexo_kit.open_release("s3://no-such-bucket-here/x/v2", endpoint_url=moto_endpoint)
    with pytest.raises(DownloadError, match="not a release URL"):
        egoexo_kit.open_release("https://")
    take = egoexo_kit.open_release(f"{http_mirror.url}/v2").takes[0]
    with pytest.raises(EgoExoKitError, match="is not on the mirror http://.*downscaled_takes/448"):
        take.frames(frame=0, views=["cam01"], resolution="448")  # the tiny release has no 448p part


def _same(a, b) -> bool:
    dump = lambda x: json.dumps(x.to_json() if hasattr(x, "to_json") else x, default=str, sort_keys=True)  # noqa: E731
    return dump(a) == dump(b)


def test_annotations_take_by_take_then_benchmark_gt_equal_the_local_release(http_mirror, tiny_release_ro):
    from egoexo_kit.benchmarks import build_gt

    remote = egoexo_kit.open_release(f"{http_mirror.url}/v2")
    local = egoexo_kit.open_release(tiny_release_ro)
    for take in remote.takes:  # each take fetches its own EgoPose files; the index must see each new one
        here = local.take(take.name).annotations
        for part in ("body", "hand"):
            got, want = take.annotations.pose(part), here.pose(part)
            assert (got is None) == (want is None), (take.name, part)
            if want is not None:
                assert sorted(got.frames) == sorted(want.frames)
        assert take.annotations.keysteps == here.keysteps
        fetched = [f for f in _files(remote.root) if f.startswith(f"takes/{take.name}/")]
        sensors = ("trajectory/", "eye_gaze/")  # annotations need none of them, nor the WAV (GBs)
        assert not any(f.split("/", 2)[2].startswith(sensors) or f.endswith(".wav") for f in fetched), fetched
    for task in ("body-pose", "keystep-recognition", "proficiency-demonstrator"):
        assert _same(build_gt(task, remote, split="val"), build_gt(task, local, split="val")), task


def test_metadata_changed_on_the_mirror_is_fetched_again(tiny_release_ro, tmp_path):
    import shutil

    from tests.download.conftest import Faults, serve_dir

    release = tmp_path / "release"
    shutil.copytree(tiny_release_ro, release)
    publish(release, tmp_path / "www", release="v2", workers=2)
    server, base = serve_dir(tmp_path / "www", Faults())
    try:
        first = egoexo_kit.open_release(f"{base}/v2")
        name = first.takes[0].name
        takes_json = release / "takes.json"
        takes = json.loads(takes_json.read_text())
        takes[0]["task_name"] = "Changed upstream"
        takes_json.write_text(json.dumps(takes))
        publish(release, tmp_path / "www", release="v2", workers=2)  # new takes.json and manifest
        again = egoexo_kit.open_release(f"{base}/v2")
        assert again.take(name).record.task_name == "Changed upstream"
        assert first.take(name).record.task_name != "Changed upstream"
    finally:
        server.shutdown()
        server.server_close()


def test_a_damaged_shadow_file_is_fetched_again(http_mirror, tiny_release_ro):
    url = f"{http_mirror.url}/v2"
    shadow = egoexo_kit.open_release(url).root
    takes_json = shadow / "takes.json"
    good = takes_json.read_bytes()
    takes_json.write_bytes(bytes([good[0] ^ 1]) + good[1:])  # same size, other bytes
    again = egoexo_kit.open_release(url)
    assert takes_json.read_bytes() == good == (tiny_release_ro / "takes.json").read_bytes()
    assert again.takes.names == egoexo_kit.open_release(tiny_release_ro).takes.names


OPEN_AND_READ = """
import hashlib, sys
import egoexo_kit
take = egoexo_kit.open_release(sys.argv[1]).takes[0]
pixels = take.frames(frame=4)
take.geometry  # the take's small files, fetched by both processes at once
print(hashlib.sha256(b"".join(pixels[k].tobytes() for k in sorted(pixels))).hexdigest())
"""


def test_two_processes_opening_one_mirror_at_once_share_the_cache_safely(http_mirror, tiny_release_ro):
    import hashlib
    import os
    import subprocess
    import sys

    here = egoexo_kit.open_release(tiny_release_ro).takes[0].frames(frame=4)
    want = hashlib.sha256(b"".join(here[k].tobytes() for k in sorted(here))).hexdigest()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_READ, f"{http_mirror.url}/v2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.split() == [want]


def test_gopro_audio_and_aria_wav_read_from_the_mirror_equal_the_local_release(synth_mirror, synth_release):
    remote = egoexo_kit.open_release(synth_mirror)
    take = remote.takes[0]
    here = egoexo_kit.open_release(synth_release).take(take.name)
    exo = next(v.key for v in take.select_views() if not v.is_ego)
    got, want = take.audio(view=exo, t0=0.5, t1=1.5), here.audio(view=exo, t0=0.5, t1=1.5)
    assert got.samples.shape[0] > 0 and got.start_s == want.start_s
    np.testing.assert_array_equal(got.samples, want.samples)
    np.testing.assert_array_equal(take.audio(t0=0.25, t1=0.75).samples, here.audio(t0=0.25, t1=0.75).samples)
    assert not any(f.endswith(".mp4") for f in _files(remote.root))  # the GoPro track came by range


def test_imu_of_a_mirror_take_fetches_its_vrs_whole_once(tiny_release, tmp_path, monkeypatch):
    """projectaria-tools reads local files only: the take's VRS without images is fetched on first use."""
    from egoexo_kit.sensors import _imu

    takes = json.loads((tiny_release / "takes.json").read_text("utf-8"))
    takes[0]["vrs_relative_path"] = "aria01_noimagestreams.vrs"
    (tiny_release / "takes.json").write_text(json.dumps(takes), "utf-8")
    stand_in = bytes(range(256)) * 400  # no VRS can be written here (DESIGN §3): bytes stand in for one
    (tiny_release / "takes" / takes[0]["take_name"] / "aria01_noimagestreams.vrs").write_bytes(stand_in)
    publish(tiny_release, tmp_path / "mirror", release="v2", workers=2)
    remote = egoexo_kit.open_release((tmp_path / "mirror" / "v2").as_uri())
    take = remote.take(takes[0]["take_name"])
    opened = []

    def fake_open_vrs(path):
        opened.append(path)
        raise EgoExoKitError("stand-in VRS", path=path)

    monkeypatch.setattr(_imu, "open_vrs", fake_open_vrs)
    with pytest.raises(EgoExoKitError, match="stand-in VRS"):
        take.imu(0.0, 0.5)
    assert opened == [take.vrs_path] and take.vrs_path.read_bytes() == stand_in  # verified, in the shadow
    fetched = remote.remote.fetched_files
    with pytest.raises(EgoExoKitError, match="stand-in VRS"):
        take.imu(0.0, 0.5)
    assert remote.remote.fetched_files == fetched  # once
    other = remote.takes[1]
    with pytest.raises(EgoExoKitError, match="no VRS file"):  # a take the mirror has no VRS of
        other.imu(0.0, 0.5)


def test_take_files_trimmed_by_the_cache_are_fetched_again_by_the_same_process(http_mirror):
    from egoexo_kit.remote import BlockCache

    remote = egoexo_kit.open_release(f"{http_mirror.url}/v2")
    take = remote.takes[0]
    take.fetch()
    files = sorted(f for f in _files(remote.root) if f.startswith(f"takes/{take.name}/"))
    assert files
    assert BlockCache().trim(0) > 0  # the default cache counts the shadows' take files
    assert not any(f.startswith(f"takes/{take.name}/") for f in _files(remote.root))
    assert "takes.json" in _files(remote.root)  # metadata is never trimmed
    take.fetch()  # this process fetched them before: it sees they are gone and fetches them again
    assert sorted(f for f in _files(remote.root) if f.startswith(f"takes/{take.name}/")) == files


def test_the_release_wide_annotations_leave_automatic_pose_and_recordings_on_the_mirror(
    synth_mirror, synth_release
):
    """139 GB of pseudo ground truth and the commentary's .webm audio are not what a catalog needs."""
    from egoexo_kit.benchmarks.body_pose.gt import build_body_gt

    remote = egoexo_kit.open_release(synth_mirror)
    local = egoexo_kit.open_release(synth_release)
    remote.fetch_annotations()
    fetched = [f for f in _files(remote.root) if f.startswith("annotations/")]
    assert any("/body/annotation/" in f for f in fetched) and any("expert_commentary" in f for f in fetched)
    assert not any("/automatic/" in f or f.endswith(".webm") for f in fetched)
    take = next(t for t in remote.takes if local.take(t.name).annotations.pose("body", source="automatic"))
    got = take.annotations.pose("body", source="automatic")  # a take's own comes with its annotations
    assert got is not None and sorted(got.frames) == sorted(
        local.take(take.name).annotations.pose("body", source="automatic").frames
    )
    split = take.split or "train"
    want = build_body_gt(local, split=split, source="automatic")
    assert want and build_body_gt(remote, split=split, source="automatic") == want  # fetches them all
    count = "SELECT count(*) FROM keysteps"
    assert remote.catalog().sql(count).fetchall() == local.catalog().sql(count).fetchall()


def test_a_mirror_take_fetches_each_sensor_file_when_it_is_read(synth_mirror, synth_release):
    """Cameras need the trajectory folder, a point cloud only itself: never every sensor file of the take."""
    from egoexo_kit import sensors

    remote = egoexo_kit.open_release(synth_mirror)
    take = remote.takes[0]
    here = egoexo_kit.open_release(synth_release).take(take.name)

    def fetched() -> list[str]:
        return sorted(f.split("/", 2)[2] for f in _files(remote.root) if f.startswith(f"takes/{take.name}/"))

    cam, its = take.select_views()[1], here.select_views()[1]
    np.testing.assert_array_equal(take.geometry.poses(cam, frames=[3]), here.geometry.poses(its, frames=[3]))
    after_cameras = fetched()
    assert any(f.startswith("trajectory/") for f in after_cameras)
    assert not any("semidense" in f or f.endswith(".wav") or f.startswith("eye_gaze/") for f in after_cameras)
    np.testing.assert_array_equal(
        sensors.point_cloud(take).points_world, sensors.point_cloud(here).points_world
    )
    new = sorted(set(fetched()) - set(after_cameras))
    assert len(new) == 1 and "semidense_points" in new[0], new  # that file alone
    np.testing.assert_array_equal(take.gaze(0.0, 1.0).t, here.gaze(0.0, 1.0).t)
    assert any(f.startswith("eye_gaze/") for f in fetched()) and not any(
        f.endswith(".wav") for f in fetched()
    )
