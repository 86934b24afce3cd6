"""Aria VRS recordings through ``projectaria-tools`` (the ``[aria]`` extra): opening and IMU samples.

The one place egoexo-kit opens a VRS (``build`` reads the RGB frames of a raw capture's VRS through
:func:`open_vrs` too). projectaria-tools is imported inside the functions, never at import time
(STYLE §6); without it, :class:`~egoexo_kit.errors.MissingExtraError` names the extra to install.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.extras import require

__all__ = ["IMU_LABELS", "open_vrs", "read_vrs_imu"]

IMU_LABELS = ("imu-right", "imu-left")
"""Aria IMU stream labels: ``imu-right`` (stream ``1202-1``, 1 kHz) and ``imu-left`` (``1202-2``, 800 Hz)."""


def open_vrs(path: str | Path) -> Any:
    """Open a ``.vrs`` with projectaria-tools: its ``VrsDataProvider``.

    Raises:
        MissingExtraError: projectaria-tools is not installed (``pip install 'egoexo-kit[aria]'``).
        NotFoundError: ``path`` is not a file.
        FormatError: projectaria-tools cannot open the recording.
    """
    path = Path(path)
    require("projectaria_tools.core", extra="aria", what="reading an Aria .vrs")
    from projectaria_tools.core import data_provider

    if not path.is_file():
        raise NotFoundError("the VRS recording does not exist", path=path)
    provider = data_provider.create_vrs_data_provider(str(path))
    if provider is None:
        raise FormatError("cannot open the VRS recording", path=path)
    return provider


def read_vrs_imu(
    provider: Any, *, label: str = "imu-right", select: Any = None, path: Path | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IMU samples of one stream of an open VRS: ``(device_ns (N,), accel (N, 3) m/s², gyro (N, 3) rad/s)``.

    Args:
        provider: A projectaria ``VrsDataProvider`` (:func:`open_vrs`).
        label: ``"imu-right"`` or ``"imu-left"``.
        select: ``f(device_ns) -> indices``: which samples to decode, given every sample's device time
            (default all); only those are read from the file.
        path: The file, for error messages.

    Raises:
        NotFoundError: The recording has no stream with this label.
    """
    from projectaria_tools.core.sensor_data import TimeDomain

    sid = provider.get_stream_id_from_label(label)
    if sid is None:
        raise NotFoundError(
            f"the VRS recording has no {label!r} stream; IMU labels: {', '.join(IMU_LABELS)}", path=path
        )
    ns = np.asarray(provider.get_timestamps_ns(sid, TimeDomain.DEVICE_TIME), dtype=np.int64)
    idx = np.arange(ns.size) if select is None else np.asarray(select(ns), dtype=np.int64)
    accel = np.empty((idx.size, 3))
    gyro = np.empty((idx.size, 3))
    out_ns = np.empty(idx.size, np.int64)
    for k, i in enumerate(idx.tolist()):  # projectaria hands out one sample per call
        d = provider.get_imu_data_by_index(sid, int(i))
        accel[k], gyro[k], out_ns[k] = d.accel_msec2, d.gyro_radsec, d.capture_timestamp_ns
    return out_ns, accel, gyro
