"""Point cloud and audio of a take through ``egoexo_kit.sensors``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release, sensors
from egoexo_kit.release import read_semidense_points


@pytest.fixture(scope="module")
def release(synth_release: Path):
    return open_release(synth_release)


def test_point_cloud_filter(release) -> None:
    take = release.takes[0]
    pts = read_semidense_points(take.point_cloud_path)
    good = (pts.inv_dist_std <= 0.005) & (pts.dist_std <= 0.01)
    cloud = sensors.point_cloud(take)
    np.testing.assert_array_equal(cloud.points_world, pts.points_world[good])
    assert len(sensors.point_cloud(take, max_inv_dist_std=None, max_dist_std=None)) == len(pts.uid)


def test_audio_in_take_time(release) -> None:
    take = release.takes[0]
    a = sensors.audio(take, 0.5, 1.0)
    assert a.start_s == 0.5 and a.samples.shape[0] == round(0.5 * a.rate)
    np.testing.assert_array_equal(a.samples, take.audio(t0=0.5, t1=1.0).samples)
