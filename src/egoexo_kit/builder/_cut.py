"""From a capture's sync to its ``timesync.csv`` rows and each take's window (FORMAT §3.1-§3.2).

Row ``r`` of the capture's sync table is at capture time ``r / 30`` s (the reference Aria clock, from
its frame 0). For every device a row names the native frame captured nearest to that instant, by
timestamp: a 60 fps GoPro usually advances two frames a row, but its drift decides which frame is
nearest, never a blind "every other frame". The Aria SLAM streams (``1201-1``, ``1201-2``) share the
RGB's clock: a row names the SLAM frame nearest the row's RGB frame, the one the take's aligned SLAM
video shows (:func:`stream_frames`). A take keeps the rows inside its approximate window where every
reliable device recorded; frame ``i`` of its aligned videos is row ``start_idx + 1 + i``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from egoexo_kit.builder._raw import TIMESYNC_STREAM_IDS, RawCapture, RawDevice, RawStream, RawTake
from egoexo_kit.builder._sync import CaptureSync, DeviceSync
from egoexo_kit.errors import FormatError

__all__ = [
    "EVENT_GUARD_S",
    "ROW_RATE",
    "TakeWindow",
    "detect_takes",
    "nearest_index",
    "row_frames",
    "stream_frames",
    "take_window",
    "timesync_table",
]

ROW_RATE = 30
"""Rows of ``timesync.csv`` (and aligned frames) per second."""
EVENT_GUARD_S = 0.5
"""A detected take starts this long after one sync event and ends this long before the next (past
the 0.3 s chirp and the flash)."""


def nearest_index(sorted_values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Index of the entry of ``sorted_values`` (increasing, non-empty) nearest each query value."""
    n = len(sorted_values)
    if n == 1:
        return np.zeros(np.shape(query), dtype=np.int64)
    i = np.clip(np.searchsorted(sorted_values, query), 1, n - 1)
    return np.where(np.abs(sorted_values[i - 1] - query) <= np.abs(sorted_values[i] - query), i - 1, i)


def row_frames(device: RawDevice, sync: DeviceSync, capture_s: np.ndarray) -> np.ndarray:
    """The device's native frame captured nearest to each capture time; -1 outside its recording.

    A frame counts only within half a native frame period of the instant (so a recording's first and
    last frames do not stand in for times before or after it).
    """
    tau = sync.to_device(capture_s)
    times = device.frame_time(np.arange(device.frames))
    k = nearest_index(times, tau)
    ok = np.abs(times[k] - tau) <= 0.5 / device.fps + 1e-9
    return np.where(ok, k, -1).astype(np.int64)


def stream_frames(aria: RawDevice, stream: RawStream, rgb: np.ndarray) -> np.ndarray:
    """The frame of an extra Aria stream nearest (device clock) each of the RGB frames ``rgb``.

    What the take's aligned SLAM / eye-tracking video shows at each aligned frame, and what the SLAM
    columns of ``timesync.csv`` name for each row: one rule for both.
    """
    assert aria.frame_ns is not None  # an Aria always has frame times
    return nearest_index(stream.frame_ns, aria.frame_ns[np.asarray(rgb, dtype=np.int64)])


def _stream_columns(
    aria: RawDevice, stream: RawStream, rgb: np.ndarray, *, sync: DeviceSync
) -> tuple[list[str], list[list[str]]]:
    """``<aria>_<stream>_{global_time,capture_timestamp_ns,frame_number}`` of a SLAM stream (FORMAT §3.1).

    ``rgb`` is the RGB frame of every row (-1: none). A row names the SLAM frame nearest its RGB frame,
    with the SLAM frame's own device timestamp and its capture time through the Aria's sync (one clock
    for every stream of the headset). Like every device's cells (:func:`row_frames`), a cell names a frame
    captured at the row's instant: it stays empty where the row has no RGB frame or the nearest SLAM
    frame is half a period or more away (the shorter of the SLAM's and the rows' periods), so no SLAM
    frame is named by two rows and ``capture_timestamp_ns`` increases strictly (a stream slower than
    30 fps leaves the rows between its frames empty; the aligned video still repeats the nearest frame).
    """
    assert aria.frame_ns is not None
    ok = rgb >= 0
    rgb_ns = aria.frame_ns[np.maximum(rgb, 0)]
    j = stream_frames(aria, stream, np.maximum(rgb, 0))
    ns = stream.frame_ns[j]
    period = 1e9 / ROW_RATE
    if len(stream.frame_ns) > 1:
        period = min(period, float(np.median(np.diff(stream.frame_ns))))
    ok &= 2 * np.abs(ns - rgb_ns) < period
    gt = sync.to_capture((ns - int(aria.frame_ns[0])) / 1e9)
    name = f"{aria.device}_{stream.stream_id}"
    header = [f"{name}_global_time", f"{name}_capture_timestamp_ns", f"{name}_frame_number"]
    cols = [
        [f"{v:.6f}" if o else "" for v, o in zip(gt, ok, strict=True)],
        [str(int(v)) if o else "" for v, o in zip(ns, ok, strict=True)],
        [str(int(v)) if o else "" for v, o in zip(j, ok, strict=True)],
    ]
    return header, cols


def timesync_table(
    capture: RawCapture, sync: CaptureSync, *, pts: dict[str, np.ndarray]
) -> tuple[list[str], list[list[str]], dict[str, np.ndarray]]:
    """Header, string cells and per-device row frames of ``timesync.csv`` (reliable devices only).

    Column groups: the Aria RGB (``214-1``), its SLAM streams (``1201-1``, ``1201-2``) when the capture
    recorded them, then each GoPro (FORMAT §3.1 Write).

    Args:
        capture: the raw capture.
        sync: its estimated sync.
        pts: GoPro → PTS of every native frame of its raw video (the ``<cam>_pts`` column).

    Returns:
        ``(header, rows, frames)`` with ``frames[device]`` the ``(rows,)`` native frame per row (-1: none).
    """
    aria = capture.aria
    rows = int(np.floor(float(aria.frame_time(np.array([aria.frames - 1]))[0]) * ROW_RATE)) + 1
    t = np.arange(rows) / ROW_RATE
    header: list[str] = []
    cols: list[list[str]] = []
    frames: dict[str, np.ndarray] = {}
    ordered = [aria] + [d for d in capture.devices if not d.is_ego]
    for dev in ordered:
        s = sync.devices[dev.device]
        if not s.reliable:
            continue
        k = row_frames(dev, s, t)
        frames[dev.device] = k
        ok = k >= 0
        kk = np.maximum(k, 0)
        gt = s.to_capture(dev.frame_time(kk))
        col_t = [f"{v:.6f}" if o else "" for v, o in zip(gt, ok, strict=True)]
        col_k = [str(int(v)) if o else "" for v, o in zip(k, ok, strict=True)]
        if dev.is_ego:
            ns = dev.frame_ns[kk]
            name = f"{dev.device}_214-1"
            header += [f"{name}_global_time", f"{name}_capture_timestamp_ns", f"{name}_frame_number"]
            cols += [col_t, [str(int(v)) if o else "" for v, o in zip(ns, ok, strict=True)], col_k]
            for stream in sorted(dev.streams, key=lambda st: st.stream_id):
                if stream.stream_id in TIMESYNC_STREAM_IDS:
                    h, c = _stream_columns(dev, stream, k, sync=s)
                    header += h
                    cols += c
        else:
            p = pts[dev.device][kk]
            header += [f"{dev.device}_global_time", f"{dev.device}_pts", f"{dev.device}_frame_number"]
            cols += [col_t, [str(int(v)) if o else "" for v, o in zip(p, ok, strict=True)], col_k]
    return header, [list(r) for r in zip(*cols, strict=True)], frames


@dataclass(frozen=True)
class TakeWindow:
    """Where a take sits in the capture's sync table."""

    take_name: str
    start_idx: int
    """``timesync_start_idx``; aligned frame ``i`` is row ``start_idx + 1 + i``."""
    end_idx: int
    """``timesync_end_idx`` (exclusive end row)."""
    frames: dict[str, list[int]]
    """Device → native frame of every aligned frame."""
    aria_ns: tuple[int, int]
    """Aria device ns of the first aligned frame and one frame period past the last."""

    @property
    def n_frames(self) -> int:
        """Frames of every aligned video: ``end_idx - start_idx - 1``."""
        return self.end_idx - self.start_idx - 1


def take_window(
    take: RawTake, *, capture: RawCapture, sync: CaptureSync, frames: dict[str, np.ndarray]
) -> TakeWindow:
    """Rows of ``take`` inside its approximate window (Aria clock) where every reliable device has a frame.

    Raises:
        FormatError: no row of the window has every device.
    """
    aria = capture.aria
    s = sync.devices[aria.device]
    ns0 = int(aria.frame_ns[0])
    lo = float(s.to_capture((take.approx_start_ns - ns0) / 1e9))
    hi = float(s.to_capture((take.approx_end_ns - ns0) / 1e9))
    all_ok = np.logical_and.reduce([k >= 0 for k in frames.values()])
    first, last = math.ceil(lo * ROW_RATE), math.floor(hi * ROW_RATE)
    rows = [r for r in range(max(first, 1), min(last, all_ok.shape[0] - 1) + 1) if all_ok[r]]
    if not rows:
        raise FormatError(
            f"take {take.take_name}: no row in [{lo:.3f}, {hi:.3f}] s where every device recorded",
            path=capture.root / "takes.json",
        )
    r0, r1 = rows[0], rows[-1]
    if len(rows) != r1 - r0 + 1:
        raise FormatError(
            f"take {take.take_name}: a device stops recording inside the take", path=capture.root
        )
    k_aria = frames[aria.device][r0 : r1 + 1]
    return TakeWindow(
        take_name=take.take_name,
        start_idx=r0 - 1,
        end_idx=r1 + 1,
        frames={d: [int(v) for v in k[r0 : r1 + 1]] for d, k in frames.items()},
        aria_ns=(int(aria.frame_ns[k_aria[0]]), int(aria.frame_ns[k_aria[-1]]) + 1_000_000_000 // ROW_RATE),
    )


def detect_takes(capture: RawCapture, sync: CaptureSync) -> list[RawTake]:
    """Takes of a capture without a take log: one between each two consecutive sync events.

    The rule (for protocols that fire the sync box at every take boundary): the reference device's
    sync events, in order, bound the takes; take ``i`` (named ``<capture_name>_<i>``, from 1) runs from
    :data:`EVENT_GUARD_S` after event ``i - 1`` to :data:`EVENT_GUARD_S` before event ``i``. A capture
    with a single event has no detectable take.

    Raises:
        FormatError: fewer than two sync events on the reference device.
    """
    ref = sync.devices[sync.reference]
    events = sorted(ref.events_s)
    if len(events) < 2:
        raise FormatError(
            f"no take log and {len(events)} sync event(s): takes are bounded by two events",
            path=capture.root / "takes.json",
        )
    ns0 = int(capture.aria.frame_ns[0])
    out = []
    for i, (a, b) in enumerate(zip(events[:-1], events[1:], strict=True)):
        if b - a <= 2 * EVENT_GUARD_S:
            continue
        out.append(
            RawTake(
                f"{capture.capture_name}_{i + 1}",
                ns0 + round((a + EVENT_GUARD_S) * 1e9),
                ns0 + round((b - EVENT_GUARD_S) * 1e9),
            )
        )
    return out
