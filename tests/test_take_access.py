"""egoexo_kit.open_release(...).take(...).frames / clip / audio: exact, synchronized, located errors."""

from __future__ import annotations

import numpy as np
import pytest

import egoexo_kit as ek
from egoexo_kit.errors import FrameIndexError, NotFoundError
from egoexo_kit.video import read_rgb_frames


@pytest.fixture(scope="module")
def take(tiny_release_ro):
    return ek.open_release(tiny_release_ro).take("cmu_bike01_2")


def test_frames_equal_a_sequential_reference_decode(take):
    reference = {v.key: read_rgb_frames(v.path) for v in take.views}
    for i in (0, 7, 29, 3, 18):
        got = take.frames(frame=i, views=["aria01_214-1", "aria01/slam-left", "cam01", "cam02"])
        assert set(got) == {"aria01_214-1", "aria01_1201-1", "cam01", "cam02"}
        np.testing.assert_array_equal(got["aria01_214-1"], reference["aria01_214-1"][i])
        np.testing.assert_array_equal(got["aria01_1201-1"], reference["aria01_1201-1"][i])
        np.testing.assert_array_equal(got["cam02"], reference["cam02"][i])


def test_time_maps_to_the_displayed_frame(take):
    ref = read_rgb_frames(take.view("cam01").path)
    np.testing.assert_array_equal(take.frames(t=0.5)["cam01"], ref[15])
    np.testing.assert_array_equal(
        take.frames(t=0.5 + 0.9 / 30)["cam01"], ref[15]
    )  # still frame 15's interval
    assert set(take.frames(t=0.0)) == {"aria01_214-1", "cam01", "cam02"}  # default: Aria RGB + every exo


def test_clip_and_orientation(take):
    clip = take.clip(0.2, 0.6, views=["aria01_214-1", "cam01"])
    assert clip["aria01_214-1"].shape == (12, 64, 64, 3) and clip["cam01"].shape == (12, 72, 128, 3)
    ref = read_rgb_frames(take.view("cam01").path)
    np.testing.assert_array_equal(clip["cam01"], np.stack(ref[6:18]))
    sampled = take.clip(0.0, 1.0, fps=10, views=["cam01"])["cam01"]
    np.testing.assert_array_equal(sampled, np.stack(ref[0:30:3]))
    mp4 = take.frames(frame=4, views=["aria01/slam-left"])["aria01_1201-1"]
    sensor = take.frames(frame=4, views=["aria01/slam-left"], orientation="sensor")["aria01_1201-1"]
    assert mp4.shape == (64, 48, 3) and sensor.shape == (48, 64, 3)
    np.testing.assert_array_equal(np.rot90(sensor, k=-1), mp4)  # the MP4 is the sensor image turned clockwise


def test_audio(take):
    a = take.audio(t0=0.25, t1=0.75)
    assert a.channels == 7 and a.rate == 48000 and a.samples.shape[0] == 24000


def test_errors(take):
    with pytest.raises(FrameIndexError, match=r"frames \[0, 30\)"):
        take.frames(t=5.0)
    with pytest.raises(FrameIndexError):
        take.frames(frame=30)
    with pytest.raises(ValueError, match="exactly one"):
        take.frames(t=0.1, frame=2)
    with pytest.raises(NotFoundError, match="no view 'cam09'"):
        take.frames(frame=0, views=["cam09"])
    with pytest.raises(NotFoundError, match="downscaled_takes/448"):
        take.frames(frame=0, resolution="448")
    with pytest.raises(ValueError, match="t1 > t0"):
        take.clip(0.5, 0.5)


def test_read_only_release_still_reads(tiny_release, monkeypatch):
    """The PTS index cache is an optimisation: a release we cannot write to still gives exact frames."""
    import contextlib

    import egoexo_kit.video._meta as meta

    @contextlib.contextmanager
    def read_only(path):
        raise PermissionError(13, "Read-only file system", str(path))
        yield  # pragma: no cover

    monkeypatch.setattr(meta, "atomic_path", read_only)
    take = ek.open_release(tiny_release).take("cmu_bike01_1")
    ref = read_rgb_frames(take.view("cam02").path)
    np.testing.assert_array_equal(take.frames(frame=3, views=["cam02"])["cam02"], ref[3])
