"""IMU from the take's VRS through projectaria-tools.

No VRS can be written on this machine (pyvrs cannot write, DESIGN §3), so the sample path is exercised
with a fake provider object that answers the projectaria ``VrsDataProvider`` calls the reader makes,
fed with the synth truth IMU; the error paths run against the real projectaria-tools when it is
installed (a missing and an unreadable file), and against a hidden one for ``MissingExtraError``.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from egoexo_kit import open_release, sensors
from egoexo_kit.errors import EgoExoKitWarning, FormatError, MissingExtraError, NotFoundError
from egoexo_kit.sensors import _imu


class FakeProvider:
    """The subset of projectaria's ``VrsDataProvider`` that :func:`sensors.read_vrs_imu` calls."""

    def __init__(self, ns: np.ndarray, accel: np.ndarray, gyro: np.ndarray) -> None:
        self.ns, self.accel, self.gyro = ns, accel, gyro
        self.reads = 0

    def get_stream_id_from_label(self, label: str) -> str | None:
        return "1202-1" if label == "imu-right" else None

    def get_timestamps_ns(self, sid: str, domain: object) -> list[int]:
        return self.ns.tolist()

    def get_imu_data_by_index(self, sid: str, i: int) -> SimpleNamespace:
        self.reads += 1
        return SimpleNamespace(
            capture_timestamp_ns=int(self.ns[i]),
            accel_msec2=self.accel[i].tolist(),
            gyro_radsec=self.gyro[i].tolist(),
        )


@pytest.fixture(scope="module")
def take(synth_release: Path):
    return open_release(synth_release).takes[0]


def test_imu_samples_in_take_time_with_a_fake_provider(take, synth_release, tmp_path, monkeypatch) -> None:
    pytest.importorskip("projectaria_tools")  # the reader takes TimeDomain from projectaria-tools
    with np.load(synth_release / ".synth" / "takes" / take.name / "truth.npz") as z:
        ns, accel, gyro = z["imu_device_ns"].astype(np.int64), z["accel_device"], z["gyro_device"]
    provider = FakeProvider(ns, accel, gyro)
    vrs = tmp_path / "aria01_noimagestreams.vrs"
    vrs.write_bytes(b"stand-in")
    monkeypatch.setattr(type(take), "vrs_path", property(lambda self: vrs))
    monkeypatch.setattr(type(take.entry), "vrs_path", property(lambda self: vrs))  # take.imu reads the entry
    monkeypatch.setattr(_imu, "open_vrs", lambda path: provider)
    whole = sensors.imu(take)
    np.testing.assert_array_equal(whole.device_ns, ns)
    np.testing.assert_array_equal(whole.accel_msec2, accel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        inside = np.isfinite(whole.t)
        np.testing.assert_array_equal(whole.t[inside], take.timeline.to_time(device_ns=ns[inside]))
    provider.reads = 0
    part = take.imu(1.0, 1.5)
    assert provider.reads == len(part)  # only the samples asked for are decoded
    assert 490 <= len(part) <= 510 and np.all((part.t >= 1.0) & (part.t < 1.5))
    np.testing.assert_array_equal(part.gyro_radsec, gyro[np.isin(ns, part.device_ns)])
    with pytest.raises(NotFoundError, match="imu-left"):
        take.imu(0.0, 1.0, label="imu-left")


def test_imu_without_a_vrs_is_not_found(take) -> None:
    with pytest.raises(NotFoundError, match="no VRS file"):
        take.imu(0.0, 1.0)


def test_open_vrs_errors_with_the_real_package(tmp_path) -> None:
    pytest.importorskip("projectaria_tools")
    with pytest.raises(NotFoundError, match="does not exist"):
        sensors.open_vrs(tmp_path / "missing.vrs")
    bad = tmp_path / "bad.vrs"
    bad.write_bytes(b"not a vrs file")
    with pytest.raises(FormatError, match="cannot open the VRS recording") as e:
        sensors.open_vrs(bad)
    assert e.value.path == str(bad)


def test_open_vrs_without_projectaria_names_the_extra(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "projectaria_tools", None)  # import fails as when not installed
    monkeypatch.setitem(sys.modules, "projectaria_tools.core", None)
    with pytest.raises(MissingExtraError, match=r"egoexo-kit\[aria\]"):
        sensors.open_vrs(tmp_path / "x.vrs")
