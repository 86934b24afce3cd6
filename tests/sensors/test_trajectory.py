"""Trajectory in take time: samples over a span, ``pose_at`` against the synth truth and timesync gaps."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release, sensors
from egoexo_kit.errors import EgoExoKitWarning, FrameIndexError, NotFoundError
from egoexo_kit.geometry.transforms import invert_pose


@pytest.fixture(scope="module")
def take(synth_release: Path):
    return open_release(synth_release).takes[0]


def test_trajectory_samples_carry_device_and_take_times(take) -> None:
    whole = sensors.trajectory(take)
    assert len(whole) > 1000 and np.all(np.diff(whole.device_ns) > 0)
    inside = np.isfinite(whole.t)
    assert inside.any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        np.testing.assert_array_equal(
            whole.t[inside], take.timeline.to_time(device_ns=whole.device_ns[inside])
        )
    span = sensors.trajectory(take, 0.5, 1.5)
    assert len(span) and np.all((span.t >= 0.5) & (span.t < 1.5))
    assert len(span) == int(np.sum((whole.t >= 0.5) & (whole.t < 1.5)))
    np.testing.assert_allclose(span.T_world_device[:, 3], np.tile([0, 0, 0, 1.0], (len(span), 1)))
    assert repr(span).startswith("Trajectory(kind='closed_loop', samples=")


def test_trajectory_span_errors(take) -> None:
    with pytest.raises(ValueError, match="t1 >= t0"):
        sensors.trajectory(take, 1.0, 0.5)
    with pytest.raises(FrameIndexError, match="outside the take window"):
        sensors.trajectory(take, 0.0, take.timeline.duration_s + 1)
    with pytest.raises(ValueError, match="invalid trajectory kind"):
        sensors.trajectory(take, kind="bogus")  # type: ignore[arg-type]


def test_pose_at_matches_the_cameras_and_the_truth(take, synth_release: Path) -> None:
    frames = np.arange(0, take.timeline.n_frames, 7)
    t = frames / 30.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        poses = take.pose_at(t)
        want = take.geometry.T_world_device(t=t)
    assert poses.T_world_device.shape == (len(t), 4, 4) and poses.is_valid.all()
    np.testing.assert_allclose(poses.T_world_device, want, atol=1e-12)
    truth_dir = synth_release / ".synth" / "takes" / take.name
    cams = json.loads((truth_dir / "cameras.json").read_text(encoding="utf-8"))
    T_device_rgb = np.asarray(cams["aria"]["T_device_camera"]["rgb"], np.float64)
    with np.load(truth_dir / "truth.npz") as z:
        key = next(k for k in z.files if k.startswith("aria") and "rgb" in k and k.endswith("__T_world_cam"))
        truth = z[key][frames]
    # Same instant as the truth (the RGB capture time), up to the trajectory's noise.
    err = np.linalg.norm((poses.T_world_device @ T_device_rgb)[:, :3, 3] - truth[:, :3, 3], axis=1)
    assert err.max() < 0.01, err


def test_pose_at_scalar_and_flags(take) -> None:
    p = sensors.pose_at(take, 0.5)
    assert p.T_world_device.shape == (4, 4) and p.t.shape == () and bool(p.is_valid)
    # A trajectory sample's own time gives that sample's pose exactly.
    traj = sensors.trajectory(take, 0.2, 0.3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        exact = sensors.pose_at(take, traj.t[3])
    assert abs(int(exact.nearest_dt_ns)) <= 1
    np.testing.assert_allclose(exact.T_world_device, traj.T_world_device[3], atol=1e-6)
    with pytest.raises(FrameIndexError, match="outside the take window"):
        sensors.pose_at(take, take.timeline.duration_s)


def test_pose_at_answers_at_timesync_gap_frames_with_the_filled_time(take) -> None:
    valid = take.timeline.device_ns_valid()
    assert not valid.all(), "the synth fixture has timesync gaps by default"
    gap = int(np.flatnonzero(~valid)[0])
    with pytest.warns(EgoExoKitWarning, match="interpolated"):
        p = take.pose_at(gap / 30.0)
    with pytest.warns(EgoExoKitWarning):
        filled = take.timeline.to_device_ns(frame=gap)
    assert int(p.device_ns) == int(filled) and bool(p.is_valid)


def test_pose_at_flags_poses_off_the_trajectory(take, tmp_path: Path) -> None:
    traj = sensors.trajectory(take)
    inside = traj.t[np.isfinite(traj.t)]
    # Tolerance below the 1 kHz spacing: a query half-way between samples is flagged.
    mid = float((inside[10] + inside[11]) / 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        assert bool(sensors.pose_at(take, mid).is_valid)
        assert not bool(sensors.pose_at(take, mid, tolerance_s=1e-6).is_valid)
    assert invert_pose(sensors.pose_at(take, mid).T_world_device).shape == (4, 4)


def test_missing_trajectory_is_not_found(tiny_release: Path) -> None:
    take = open_release(tiny_release).takes[0]
    take.closed_loop_trajectory_path.unlink()
    with pytest.raises(NotFoundError, match="take_trajectory"):
        take.pose_at(0.1)


def test_open_loop_and_online_calibration(tiny_release: Path) -> None:
    take = open_release(tiny_release).takes[0]
    rec = sensors.calibration_at(take, 0.5)
    assert "CameraCalibrations" in rec.record and rec.line >= 1
    before = sensors.calibration_at(take, 0.5, match="before")
    assert before.dt_ns >= 0
    if take.open_loop_trajectory_path.is_file():
        ol = sensors.trajectory(take, kind="open_loop")
        assert ol.kind == "open_loop" and len(ol)
