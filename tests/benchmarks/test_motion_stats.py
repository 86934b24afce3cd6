"""``motion_stats`` reads the trajectory through ``egoexo_kit.sensors``; its numbers are unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from egoexo_kit import open_release
from egoexo_kit.benchmarks._source import motion_stats
from egoexo_kit.release import read_closed_loop_trajectory


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


def test_motion_stats_equal_the_old_ones(synth_release: Path) -> None:
    for take in open_release(synth_release).takes:
        got = motion_stats(take)
        np.testing.assert_allclose(
            got, _old_motion_stats(take.closed_loop_trajectory_path), rtol=1e-9, atol=1e-12
        )
