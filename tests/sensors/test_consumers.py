"""Benchmarks, viz and audio users read through ``egoexo_kit.sensors`` and get the numbers as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release, sensors
from egoexo_kit.benchmarks._source import motion_stats
from egoexo_kit.release import read_closed_loop_trajectory, read_semidense_points


def _old_motion_stats(path: Path) -> np.ndarray:
    """``benchmarks._source.motion_stats`` before issue 17, verbatim (the reference)."""
    traj = read_closed_loop_trajectory(path)
    dt = np.diff(traj.tracking_timestamp_us.astype(np.float64)) * 1e-6
    ok = dt > 0
    speed = np.linalg.norm(np.diff(traj.t_world_device, axis=0), axis=1)[ok] / dt[ok]
    q = traj.q_world_device / np.linalg.norm(traj.q_world_device, axis=1, keepdims=True)
    dots = np.abs(np.einsum("ij,ij->i", q[1:], q[:-1])).clip(0.0, 1.0)
    turn = (2.0 * np.arccos(dots))[ok] / dt[ok]
    z = traj.t_world_device[:, 2]
    return np.array(
        [speed.mean(), speed.std(), np.percentile(speed, 90), turn.mean(), turn.std(), z.max() - z.min()]
    )


@pytest.fixture(scope="module")
def release(synth_release: Path):
    return open_release(synth_release)


def test_motion_stats_equal_the_old_ones(release) -> None:
    for take in release.takes:
        got = motion_stats(take)
        np.testing.assert_allclose(
            got, _old_motion_stats(take.closed_loop_trajectory_path), rtol=1e-9, atol=1e-12
        )


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
