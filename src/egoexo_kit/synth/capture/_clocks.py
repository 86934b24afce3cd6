"""Device clocks and the capture's ``timesync.csv`` (FORMAT §3.1–§3.3), with exact ground truth.

Every device has its own clock (offset and a small drift against the common time axis) and its
own native frame rate: GoPros record at 60 fps, Aria streams at 30 fps. ``timesync.csv`` has one
row per 1/30 s of the common axis; for each device the row names the device frame nearest to that
instant. The frame-aligned videos then show, for row ``r``, the picture that device captured at
its own frame time, so views differ by up to half a native frame period, as in real takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egoexo_kit.vocab import ARIA_SYNC_STREAMS

__all__ = ["ARIA_SYNC_STREAMS", "DeviceClock", "SyncTable", "build_timesync", "timesync_columns"]

ROW_RATE = 30.0
"""Rows of ``timesync.csv`` per second of the common axis."""
GOPRO_PTS_PER_FRAME = 1000
"""PTS step of a 60 fps GoPro frame in a 1/60000 time base."""


@dataclass(frozen=True)
class DeviceClock:
    """A device's frame clock: frame ``k`` is captured at common time ``start + k / (rate * (1 + drift))``.

    For Aria streams the device clock in nanoseconds is ``ns_origin + k * 1e9 / rate`` for frame ``k``
    (the device counts its own frames exactly; the drift is what the common axis sees).
    """

    name: str
    """``cam01`` or ``aria01_214-1``."""
    rate: float
    """Native frames per second (60 for GoPros, 30 for Aria streams)."""
    start: float
    """Common time (s) of the device's frame 0."""
    drift: float
    """Relative clock-rate error, e.g. ``2e-5`` (20 ppm)."""
    ns_origin: int = 0
    """Device-clock nanoseconds of frame 0 (Aria only)."""

    def frame_time(self, k: np.ndarray) -> np.ndarray:
        """Common time (s) at which native frame ``k`` was captured."""
        return self.start + np.asarray(k, dtype=np.float64) / (self.rate * (1 + self.drift))

    def nearest_frame(self, t: np.ndarray) -> np.ndarray:
        """The native frame captured nearest to common time ``t``."""
        return np.rint((np.asarray(t, dtype=np.float64) - self.start) * self.rate * (1 + self.drift)).astype(
            np.int64
        )

    def time_to_device_ns(self, t: np.ndarray) -> np.ndarray:
        """Device-clock nanoseconds (int64) at common time ``t`` (consistent with :meth:`device_ns`)."""
        dt = np.asarray(t, dtype=np.float64) - self.start
        return self.ns_origin + np.rint(dt * (1 + self.drift) * 1e9).astype(np.int64)

    def device_ns_to_time(self, ns: np.ndarray) -> np.ndarray:
        """Common time (s) of a device-clock reading in nanoseconds."""
        return self.start + (np.asarray(ns, dtype=np.int64) - self.ns_origin) / 1e9 / (1 + self.drift)

    def device_ns(self, k: np.ndarray) -> np.ndarray:
        """Device-clock nanoseconds of native frame ``k`` (exact integers)."""
        k = np.asarray(k, dtype=np.int64)
        return self.ns_origin + (k * 1_000_000_000) // int(round(self.rate))


@dataclass(frozen=True)
class SyncTable:
    """One capture's sync table and, per device, the native frame of every row."""

    rows: int
    global_time: np.ndarray
    """(rows,) common time of each row (s)."""
    frames: dict[str, np.ndarray]
    """Device → (rows,) native frame index (-1 where the device was not recording)."""
    clocks: dict[str, DeviceClock]

    def frame_times(self, device: str) -> np.ndarray:
        """(rows,) common time of the frame each row names for ``device`` (NaN where not recording)."""
        k = self.frames[device]
        return np.where(k >= 0, self.clocks[device].frame_time(np.maximum(k, 0)), np.nan)


def build_timesync(
    clocks: list[DeviceClock], *, duration: float, recording: dict[str, tuple[float, float]]
) -> SyncTable:
    """Rows every 1/30 s over ``[0, duration)``; each device's nearest frame while it records.

    Args:
        clocks: one clock per device (GoPro cams and Aria streams).
        duration: length of the capture on the common axis (s).
        recording: device → (first, last) common time it recorded; rows outside stay empty.
    """
    rows = int(np.floor(duration * ROW_RATE))
    g = np.arange(rows) / ROW_RATE
    frames = {}
    for c in clocks:
        lo, hi = recording[c.name]
        k = c.nearest_frame(g)
        frames[c.name] = np.where((g >= lo) & (g <= hi) & (k >= 0), k, -1)
    return SyncTable(rows=rows, global_time=g, frames=frames, clocks={c.name: c for c in clocks})


def timesync_columns(ts: SyncTable) -> tuple[list[str], list[list[str]]]:
    """Header and string cells of ``timesync.csv`` in the clocks' order (FORMAT §3.1 Write)."""
    header: list[str] = []
    cols: list[list[str]] = []
    for name, clock in ts.clocks.items():
        k = ts.frames[name]
        ok = k >= 0
        t = clock.frame_time(np.maximum(k, 0))
        gt = [f"{v:.6f}" if o else "" for v, o in zip(t, ok, strict=True)]
        fn = [str(int(v)) if o else "" for v, o in zip(k, ok, strict=True)]
        if "_" in name:  # an Aria stream
            ns = clock.device_ns(np.maximum(k, 0))
            header += [f"{name}_global_time", f"{name}_capture_timestamp_ns", f"{name}_frame_number"]
            cols += [gt, [str(int(v)) if o else "" for v, o in zip(ns, ok, strict=True)], fn]
        else:
            header += [f"{name}_global_time", f"{name}_pts", f"{name}_frame_number"]
            cols += [
                gt,
                [str(int(v) * GOPRO_PTS_PER_FRAME) if o else "" for v, o in zip(k, ok, strict=True)],
                fn,
            ]
    return header, [list(r) for r in zip(*cols, strict=True)]
