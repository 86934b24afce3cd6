"""Eye gaze in take time: 3D rows over a span, 2D rows and the 2D point shown on an aligned frame."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release, sensors
from egoexo_kit.errors import EgoExoKitWarning, NotFoundError
from egoexo_kit.release import read_eye_gaze, read_eye_gaze_2d


@pytest.fixture(scope="module")
def take(synth_release: Path):
    return open_release(synth_release).takes[0]


def test_gaze_rows_over_a_span(take) -> None:
    raw = read_eye_gaze(take.eye_gaze_path(kind="general", dim=3))
    whole = take.gaze()
    assert len(whole) == len(raw.tracking_timestamp_us)
    np.testing.assert_array_equal(whole.device_ns, raw.tracking_timestamp_us * 1000)
    np.testing.assert_array_equal(whole.yaw_rads_cpf, raw.yaw_rads_cpf)
    inside = np.isfinite(whole.t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        np.testing.assert_array_equal(
            whole.t[inside], take.timeline.to_time(device_ns=whole.device_ns[inside])
        )
    span = take.gaze(1.0, 2.0)
    assert len(span) and np.all((span.t >= 1.0) & (span.t < 2.0))
    np.testing.assert_allclose(np.linalg.norm(span.direction_cpf, axis=1), 1.0)
    np.testing.assert_allclose(np.linalg.norm(span.points_cpf, axis=1), span.depth_m)


def test_gaze_2d_rows_and_frames(take) -> None:
    raw = read_eye_gaze_2d(take.eye_gaze_path(kind="general", dim=2))
    rows = sensors.gaze_2d(take)
    assert len(rows) == len(raw.x) and rows.is_valid.all()
    np.testing.assert_array_equal(rows.px_rotated, raw.px_rotated)
    assert rows.device_ns is not None
    span = sensors.gaze_2d(take, 0.5, 1.0)
    assert np.all((span.t >= 0.5) & (span.t < 1.0))
    n = take.timeline.n_frames
    at = sensors.gaze_2d_at(take, frame=np.arange(n))
    assert len(at) == n
    same = sensors.gaze_2d_at(take, t=np.arange(n) / 30.0)
    np.testing.assert_array_equal(same.row, at.row)


def test_gaze_2d_without_frame_num_uses_the_10hz_rule(tiny_release: Path) -> None:
    take = open_release(tiny_release).takes[0]
    path = take.eye_gaze_path(kind="general", dim=2)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    keep = [header.index("x"), header.index("y")]
    rows = [line.split(",") for line in lines[1:]]
    rows[2][keep[0]] = ""  # an empty cell: that row is invalid, not an error
    path.write_text("\n".join(",".join(r[k] for k in keep) for r in [header, *rows]) + "\n", encoding="utf-8")
    at = sensors.gaze_2d_at(take, frame=np.arange(take.timeline.n_frames))
    rule = (np.arange(take.timeline.n_frames) + 1) // 3
    np.testing.assert_array_equal(at.row, np.where(rule < len(rows), rule, -1))  # past the file: no row
    assert not at.is_valid[at.row == 2].any() and at.is_valid[(at.row != 2) & (at.row >= 0)].all()
    assert at.device_ns is None
    np.testing.assert_allclose(sensors.gaze_2d(take).t, np.arange(len(rows)) / 10.0)


def test_missing_gaze_is_not_found(tiny_release: Path) -> None:
    take = open_release(tiny_release).takes[0]
    take.eye_gaze_path(kind="general", dim=3).unlink()
    with pytest.raises(NotFoundError, match="take_eye_gaze"):
        take.gaze(0.0, 0.5)
    with pytest.raises(ValueError, match="exactly one"):
        sensors.gaze_2d_at(take)
