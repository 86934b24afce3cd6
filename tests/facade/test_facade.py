"""One Take, one Release, one open_release, built by composition (issue 17 item 2)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import egoexo_kit
from egoexo_kit.facade import Release, Take
from egoexo_kit.release import ReleaseIndex, TakeEntry

SRC = Path(egoexo_kit.__file__).parent
BELOW_THE_FACADE = ("release", "timeline", "video", "sensors", "geometry", "annotations", "features")


def test_one_public_facade():
    assert egoexo_kit.Take is Take and egoexo_kit.Release is Release
    assert egoexo_kit.open_release is egoexo_kit.facade.open_release
    assert not issubclass(Take, TakeEntry) and not issubclass(Release, ReleaseIndex)
    assert not hasattr(egoexo_kit.release, "open_release")  # the index opener is ReleaseIndex.open


@pytest.mark.parametrize("package", BELOW_THE_FACADE)
def test_layers_below_never_import_the_facade(package):
    for path in (SRC / package).rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(
            r"egoexo_kit\.facade|from egoexo_kit import (Take|Release|open_release)", text
        ), path


def test_take_composes_its_entry_and_delegates(tiny_release_ro):
    release = egoexo_kit.open_release(tiny_release_ro)
    take = release.take("cmu_bike01_1")
    entry = take.entry
    assert isinstance(entry, TakeEntry) and entry is release.index.take("cmu_bike01_1")
    assert take.release is release and entry.release is release.index
    for name in (
        "uid", "name", "record", "scenario", "university", "capture_name", "split", "benchmarks",
        "n_frames", "duration_s", "task_window", "views", "ego_views", "exo_views", "aria_id",
        "best_exo", "dir", "collage_path", "vrs_path", "trajectory_dir", "gopro_calibs_path",
        "closed_loop_trajectory_path", "point_cloud_path", "eye_gaze_dir", "audio_paths", "timesync_path",
    ):  # fmt: skip
        assert getattr(take, name) == getattr(entry, name), name
    assert take.view("aria01") == entry.view("aria01/rgb")
    assert (
        release.takes.filter(has_views="aria01_214-1").names
        == release.index.takes.filter(has_views="aria01/rgb").names
    )
    assert isinstance(release.takes[0], Take) and release.take(take.uid) is take
    assert repr(take).startswith("Take('cmu_bike01_1'")
