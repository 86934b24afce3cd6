"""One canonical view key, every spelling accepted everywhere a view is named (issue 17 item 1).

The bug this guards against: ``take.views`` said ``aria01/rgb``, ``take.frames()`` returned
``aria01_214-1``, ``take.view("aria01_214-1")`` raised, and ``relations.track(obj, "aria01")``
failed although ``frames(views=["aria01"])`` accepted it. Here every spelling × every API gives the
same canonical key (the MP4 file stem: ``aria01_214-1``, ``cam01``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.errors import NotFoundError
from egoexo_kit.release import ReleaseIndex, View, resolve_view

SPELLINGS = {
    "aria01_214-1": ["aria01_214-1", "aria01/rgb", "aria01", "aria01/214-1", "ARIA01/RGB"],
    "aria01_1201-1": ["aria01_1201-1", "aria01/slam-left", "aria01/1201-1"],
    "cam01": ["cam01", "cam01_0", "cam01/0", "CAM01"],
}
CASES = [(key, s) for key, spellings in SPELLINGS.items() for s in spellings]
FRAME = 6


@pytest.fixture(scope="module")
def release(synth_release: Path) -> egoexo_kit.Release:
    return egoexo_kit.open_release(synth_release)


@pytest.fixture(scope="module")
def take(release: egoexo_kit.Release) -> egoexo_kit.Take:
    return next(t for t in release.takes if t.annotations.relations is not None)


@pytest.mark.parametrize(("key", "spelling"), CASES)
def test_resolver_and_view(take: egoexo_kit.Take, synth_release: Path, key: str, spelling: str) -> None:
    assert resolve_view(take.views, spelling).key == key
    assert take.view(spelling).key == key
    entry = ReleaseIndex.open(synth_release).take(take.name)
    assert entry.view(spelling).key == key
    assert resolve_view(take.views, take.view(spelling)) is take.view(key)  # a View passes through


@pytest.mark.parametrize(("key", "spelling"), CASES)
def test_frames_clip_camera_project(take: egoexo_kit.Take, key: str, spelling: str) -> None:
    got = take.frames(frame=FRAME, views=[spelling], resolution="448")
    assert list(got) == [key]
    clip = take.clip(0.0, 0.1, views=[spelling], resolution="448")
    assert list(clip) == [key]
    np.testing.assert_array_equal(clip[key][0], take.frames(frame=0, views=[key], resolution="448")[key])
    cam = take.camera(spelling, frame=FRAME, space="mp4")
    assert cam.view == key
    point = cam.T_world_cam[:3, 3] + cam.T_world_cam[:3, 2]  # one metre in front of the camera
    uv, _ = take.project(point[None], view=spelling, frame=FRAME)
    np.testing.assert_allclose(uv, take.project(point[None], view=key, frame=FRAME)[0])


@pytest.mark.parametrize(("key", "spelling"), CASES)
def test_relations_features_viewer(take: egoexo_kit.Take, key: str, spelling: str) -> None:
    from egoexo_kit.viz import view_overlay

    rel = take.annotations.relations
    objects = [o for o, cams in rel.tracks.items() if key in cams]
    if key != "aria01_1201-1":  # relations are annotated on the Aria RGB and the exo cameras
        assert objects
    if objects:
        assert rel.track(objects[0], spelling) is rel.tracks[objects[0]][key]
    name = "omnivore_video"  # the synthetic release's official-layout features (torch .pt files)
    if key in {v.key for v in (*take.exo_views, take.ego_views[0])}:
        np.testing.assert_array_equal(take.features(name, spelling).data, take.features(name, key).data)
    ov = view_overlay(take, spelling, frame=FRAME, layers=("masks",))
    assert set(ov.masks) == set(view_overlay(take, key, frame=FRAME, layers=("masks",)).masks)


@pytest.mark.parametrize(("key", "spelling"), [CASES[1], CASES[2], CASES[-3]])
def test_cli_frames(
    synth_release: Path, take: egoexo_kit.Take, tmp_path: Path, key: str, spelling: str
) -> None:
    res = CliRunner().invoke(
        app,
        ["frames", str(synth_release), take.name, "--frame", "0", "--views", spelling, "--resolution", "448"]
        + ["--out", str(tmp_path)],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / f"{take.name}_000000_{key}.png").is_file()


def test_every_api_lists_the_canonical_key(take: egoexo_kit.Take) -> None:
    keys = [v.key for v in take.views]
    assert "aria01_214-1" in keys and "cam01" in keys and not any("/" in k for k in keys)
    assert set(take.frames(frame=0, resolution="448")) == {v.key for v in take.select_views()}
    assert all(isinstance(v, View) for v in take.select_views())


def test_unknown_view_names_the_canonical_keys(take: egoexo_kit.Take) -> None:
    with pytest.raises(NotFoundError, match=r"no view 'cam99'; views: aria01_214-1, .*cam01"):
        take.view("cam99")
    with pytest.raises(NotFoundError, match="no view"):
        take.frames(frame=0, views=["aria01/slam-middle"])
