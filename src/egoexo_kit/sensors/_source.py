"""``TakeSensors``: a take's sensor files, parsed once, and its timeline; the shared time helpers.

The sensor functions (``pose_at``, ``gaze``, ``imu`` …) take either a :class:`TakeSensors` or any take
(the release metadata take or the facade take): a take is wrapped on each call (files are parsed again),
while ``TakeSensors.from_take(take)`` / the facade's ``take.sensors`` keep the parsed files for reuse.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from egoexo_kit.errors import FrameIndexError, NotFoundError
from egoexo_kit.timeline import TakeTimeline

if TYPE_CHECKING:
    from egoexo_kit.release import TakeEntry as Take

__all__ = ["CLOCK_STREAM", "SensorSource", "TakeSensors", "select_span", "sensors_of", "take_times"]

CLOCK_STREAM = "214-1"
"""Timesync column used to map the Aria device clock to take time.

All Aria streams (RGB, SLAM, IMU, eye tracking) and the MPS ``tracking_timestamp_us`` share one device
clock (FORMAT §3.3, §6.1), so any Aria column maps it; the RGB one is the column every take has.
"""

T = TypeVar("T")


@dataclass(eq=False)
class TakeSensors:
    """One take's sensors: paths from its metadata, time conversions from its :class:`TakeTimeline`.

    Parsed files are cached (thread-safe) for the life of the object; build it with :meth:`from_take`.
    The timeline is built on first use, so frame-indexed lookups work on a take without timesync.
    """

    take: Take
    """The take whose files are read (its paths: ``closed_loop_trajectory_path``, ``eye_gaze_path`` …)."""
    _timeline: TakeTimeline | None = None
    fetch: Callable[[Path], object] | None = None
    """Called with a file's path before it is read (a remote release brings just that file from its
    mirror, not every sensor file of the take: a point cloud is a gigabyte); ``None``: local files."""
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    @classmethod
    def from_take(
        cls,
        take: Take,
        *,
        timeline: TakeTimeline | None = None,
        fetch: Callable[[Path], object] | None = None,
    ) -> TakeSensors:
        """Wrap a take; its timeline is ``timeline``, else the take's own (facade), else read from timesync.

        Args:
            take: A release metadata take or the facade take.
            timeline: The take's timeline, to share one already built.
            fetch: Brings a file into place before it is read (see :attr:`fetch`).
        """
        return cls(take=take, _timeline=timeline, fetch=fetch)

    @property
    def timeline(self) -> TakeTimeline:
        """Frame ↔ take time ↔ device clock of the take (timesync gaps are filled there, FORMAT §3.1).

        Raises:
            FormatError: The take has no timesync window, or its timesync is missing or too short.
        """
        with self._lock:
            if self._timeline is None:
                own = getattr(self.take, "timeline", None)
                self._timeline = own if isinstance(own, TakeTimeline) else TakeTimeline.from_take(self.take)
            return self._timeline

    def __repr__(self) -> str:
        return f"TakeSensors(take={getattr(self.take, 'name', '?')!r}, cached={sorted(self._cache)})"

    def cached(self, key: str, make: Callable[[], T]) -> T:
        """``make()`` once per ``key`` (files are parsed on first use, then shared)."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    def require_file(self, path: Path | None, *, what: str, part: str) -> Path:
        """``path`` if it is a file, else :class:`NotFoundError` naming the release part that holds it."""
        fetched = f"fetched:{path}"
        if path is not None and self.fetch is not None and not (fetched in self._cache and path.is_file()):
            self.fetch(path)  # once per file and object (again if the cache trimmed it), not per call
            with self._lock:
                self._cache[fetched] = True
        if path is None or not path.is_file():
            raise NotFoundError(f"take {self.take.name} has no {what} (part {part!r})", path=path)
        return path


SensorSource = TakeSensors | Any
"""What the sensor functions accept: a :class:`TakeSensors`, or a take (wrapped on each call)."""


def sensors_of(source: SensorSource) -> TakeSensors:
    """The :class:`TakeSensors` of ``source``: itself, the facade take's ``sensors``, or a fresh wrapper."""
    if isinstance(source, TakeSensors):
        return source
    own = getattr(source, "sensors", None)
    if isinstance(own, TakeSensors):
        return own
    return TakeSensors.from_take(source)


def take_times(timeline: TakeTimeline, device_ns: np.ndarray) -> np.ndarray:
    """(N,) float64 seconds from take start of Aria device times; NaN outside the take window.

    Inside the window this is exactly :meth:`TakeTimeline.to_time` (linear between the timesync rows
    that have a timestamp, so gap frames answer with the timeline's filled values).
    """
    ns = np.asarray(device_ns, dtype=np.int64)
    t = np.full(ns.shape, np.nan)
    if ns.size:
        inside = np.asarray(timeline.in_window(device_ns=ns, stream=CLOCK_STREAM), dtype=bool)
        if inside.any():
            t[inside] = timeline.to_time(device_ns=ns[inside], stream=CLOCK_STREAM)
    return t


def select_span(timeline: TakeTimeline, t: np.ndarray, *, t0: float | None, t1: float | None) -> np.ndarray:
    """Indices of the samples whose take time lies in ``[t0, t1)``; every sample when both are None.

    ``t0`` defaults to 0 and ``t1`` to the take's duration when only one is given.

    Raises:
        ValueError: ``t1 < t0``.
        FrameIndexError: ``t0`` or ``t1`` outside ``[0, duration_s]`` (the message states the bounds).
    """
    if t0 is None and t1 is None:
        return np.arange(t.shape[0])
    lo = 0.0 if t0 is None else float(t0)
    hi = timeline.duration_s if t1 is None else float(t1)
    if hi < lo:
        raise ValueError(f"the span needs t1 >= t0, got [{lo}, {hi})")
    if not (0.0 <= lo <= timeline.duration_s and 0.0 <= hi <= timeline.duration_s):
        raise FrameIndexError(
            f"span [{lo}, {hi}) s outside the take window: seconds [0, {timeline.duration_s:.6f}]"
        )
    with np.errstate(invalid="ignore"):
        return np.flatnonzero((t >= lo) & (t < hi))
