"""Aria IMU in take time, read from the take's VRS through projectaria-tools (the ``[aria]`` extra).

Releases carry IMU data only inside the trimmed VRS files (``aria01_noimagestreams.vrs`` and
``aria01.vrs``, FORMAT §1.2); there is no CSV form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egoexo_kit.errors import NotFoundError
from egoexo_kit.sensors._source import SensorSource, select_span, sensors_of, take_times
from egoexo_kit.sensors._vrs import open_vrs, read_vrs_imu

__all__ = ["ImuSamples", "imu"]


@dataclass(frozen=True, eq=False)
class ImuSamples:
    """IMU samples of one Aria IMU in its own (device-mounted) frame, with device and take times."""

    label: str
    """``"imu-right"`` (1 kHz) or ``"imu-left"`` (800 Hz)."""
    device_ns: np.ndarray
    """(N,) int64 Aria device-clock nanoseconds of each sample."""
    t: np.ndarray
    """(N,) float64 seconds from take start; NaN outside the take window."""
    accel_msec2: np.ndarray
    """(N, 3) float64 specific force (gravity included), m/s², as projectaria's ``accel_msec2``."""
    gyro_radsec: np.ndarray
    """(N, 3) float64 angular velocity, rad/s, as projectaria's ``gyro_radsec``."""

    def __post_init__(self) -> None:
        n = self.device_ns.shape
        if self.t.shape != n or self.accel_msec2.shape != (*n, 3) or self.gyro_radsec.shape != (*n, 3):
            raise ValueError(
                f"ImuSamples fields disagree: device_ns {n}, t {self.t.shape}, "
                f"accel {self.accel_msec2.shape}, gyro {self.gyro_radsec.shape}"
            )

    def __len__(self) -> int:
        return int(self.device_ns.shape[0])

    def __repr__(self) -> str:
        return f"ImuSamples(label={self.label!r}, samples={len(self)})"


def imu(
    src: SensorSource, t0: float | None = None, t1: float | None = None, *, label: str = "imu-right"
) -> ImuSamples:
    """IMU samples whose take time lies in ``[t0, t1)`` (the whole recording when both are None).

    Args:
        src: A take or its :class:`TakeSensors`.
        t0: Start, seconds from take start (default 0 when ``t1`` is given).
        t1: Stop (excluded), seconds (default the take's duration when ``t0`` is given).
        label: ``"imu-right"`` or ``"imu-left"``.

    Raises:
        MissingExtraError: projectaria-tools is not installed (``pip install 'egoexo-kit[aria]'``).
        NotFoundError: The take has no VRS file (parts ``take_vrs_noimagestream`` / ``take_vrs``) or
            the recording has no such IMU stream.
        FormatError: projectaria-tools cannot open the recording.
        FrameIndexError: ``t0``/``t1`` outside the take window.
    """
    s = sensors_of(src)
    paths = [p for p in (s.take.vrs_path, s.take.vrs_all_streams_path) if p is not None]
    path = next((p for p in paths if p.is_file()), None)
    if path is None:
        raise NotFoundError(
            f"take {s.take.name} has no VRS file to read the IMU from "
            "(parts 'take_vrs_noimagestream' or 'take_vrs')",
            path=paths[0] if paths else None,
        )
    provider = s.cached(f"vrs:{path}", lambda: open_vrs(path))

    def select(ns: np.ndarray) -> np.ndarray:
        return select_span(s.timeline, take_times(s.timeline, ns), t0=t0, t1=t1)

    ns, accel, gyro = read_vrs_imu(provider, label=label, select=select, path=path)
    t = take_times(s.timeline, ns)
    return ImuSamples(label=label, device_ns=ns, t=t, accel_msec2=accel, gyro_radsec=gyro)
