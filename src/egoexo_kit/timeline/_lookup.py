"""Sample lookup and linear interpolation into device-clock time series (trajectory, gaze, IMU).

Everything here works on sorted int64 device-clock nanoseconds and is vectorized with
``np.searchsorted`` (STYLE §2: never a Python bisection over samples). MPS files store microseconds
(``tracking_timestamp_us``); convert with :func:`us_to_device_ns` first (FORMAT §3.3, §6.1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "Interpolated",
    "Lookup",
    "Match",
    "device_ns_to_us",
    "interpolate",
    "lookup",
    "us_to_device_ns",
]

Match = Literal["nearest", "before", "after"]
"""Matching policy of a time query: the nearest sample, the last one at or before, the first at or after."""

_MATCHES = ("nearest", "before", "after")


def _check_match(match: str) -> None:
    if match not in _MATCHES:
        raise ValueError(f"invalid match {match!r}; supported values are {', '.join(map(repr, _MATCHES))}")


def _as_ns(x: npt.ArrayLike, *, name: str) -> np.ndarray:
    """Convert device-clock nanoseconds to int64 once, refusing non-integral floats (no silent rounding)."""
    a = np.asarray(x)
    if a.dtype.kind in "iu":
        return a.astype(np.int64, copy=False)
    if a.dtype.kind == "f" and np.all(np.isfinite(a)) and np.all(a == np.rint(a)):
        return a.astype(np.int64)
    raise TypeError(f"{name} must hold integer nanoseconds (int64), got dtype {a.dtype}")


def _sorted_times(times_ns: npt.ArrayLike) -> np.ndarray:
    times = _as_ns(times_ns, name="times_ns")
    if times.ndim != 1:
        raise ValueError(f"times_ns must be 1-D, got shape {times.shape}")
    if times.size > 1 and np.any(times[1:] < times[:-1]):
        bad = int(np.flatnonzero(times[1:] < times[:-1])[0])
        raise ValueError(
            f"times_ns must be sorted (non-decreasing); sample {bad + 1} ({times[bad + 1]} ns) "
            f"precedes sample {bad} ({times[bad]} ns)"
        )
    return times


def _tolerance_ns(tolerance_s: float | None) -> int | None:
    if tolerance_s is None:
        return None
    if not tolerance_s >= 0:
        raise ValueError(f"tolerance_s must be >= 0 seconds, got {tolerance_s!r}")
    return round(tolerance_s * 1e9)


@dataclass(frozen=True)
class Lookup:
    """Result of :func:`lookup`: one entry per query (ADT ``*WithDt`` style), arrays of the query shape."""

    index: np.ndarray
    """int64: index of the matched sample in ``times_ns``, -1 where ``is_valid`` is False."""
    sample_ns: np.ndarray
    """int64: device-clock time of the matched sample (ns); 0 where ``is_valid`` is False."""
    dt_ns: np.ndarray
    """int64: ``query_ns - sample_ns`` (ns; positive when the sample is earlier); 0 where invalid."""
    is_valid: np.ndarray
    """bool: a sample matched under the policy and within the tolerance."""

    def __post_init__(self) -> None:
        shapes = {a.shape for a in (self.index, self.sample_ns, self.dt_ns, self.is_valid)}
        if len(shapes) != 1:
            raise ValueError(f"Lookup fields must share one shape, got {sorted(shapes)}")

    def __len__(self) -> int:
        return int(self.index.size)


def lookup(
    times_ns: npt.ArrayLike,
    query_ns: npt.ArrayLike,
    *,
    match: Match = "nearest",
    tolerance_s: float | None = None,
) -> Lookup:
    """Match each query time to a sample of a sorted device-clock time series.

    Args:
        times_ns: (N,) int64 sample times on one device clock, nanoseconds, sorted non-decreasing
            (e.g. ``us_to_device_ns(trajectory.tracking_timestamp_us)``).
        query_ns: Query times on the same device clock, nanoseconds (int64 scalar or array of any shape).
        match: ``"before"``: the last sample with ``time <= query``; ``"after"``: the first sample with
            ``time >= query``; ``"nearest"``: the sample minimizing ``|query - time|`` (ties go to the
            earlier sample).
        tolerance_s: Largest accepted ``|dt|`` in seconds; farther matches are invalid. ``None``: no limit.

    Returns:
        A :class:`Lookup` whose arrays have the shape of ``query_ns``. Queries with no sample on the
        requested side (or farther than the tolerance, or an empty series) are invalid, never an error.

    Raises:
        ValueError: ``match`` is unknown, ``tolerance_s`` is negative or ``times_ns`` is not sorted 1-D.
        TypeError: Times are not integer nanoseconds.
    """
    _check_match(match)
    times = _sorted_times(times_ns)
    query = _as_ns(query_ns, name="query_ns")
    tol = _tolerance_ns(tolerance_s)
    n = times.size
    if n == 0:
        idx = np.full(query.shape, -1, dtype=np.int64)
    else:
        right = np.searchsorted(times, query, side="right")  # first sample > query
        before = right - 1  # last sample <= query (-1: none)
        after = np.searchsorted(times, query, side="left")  # first sample >= query (n: none)
        if match == "before":
            idx = before
        elif match == "after":
            idx = np.where(after < n, after, -1)
        else:
            b = np.clip(before, 0, n - 1)
            a = np.clip(after, 0, n - 1)
            # |dt| in int64: the difference of two device times is far from overflow.
            take_after = (before < 0) | ((after < n) & (np.abs(times[a] - query) < np.abs(query - times[b])))
            idx = np.where(take_after, a, b)
        idx = idx.astype(np.int64)
    valid = idx >= 0
    sample = np.where(valid, times[np.clip(idx, 0, max(n - 1, 0))] if n else 0, 0).astype(np.int64)
    dt = np.where(valid, query - sample, 0).astype(np.int64)
    if tol is not None:
        valid &= np.abs(dt) <= tol
    idx = np.where(valid, idx, -1)
    return Lookup(
        index=idx,
        sample_ns=np.where(valid, sample, 0),
        dt_ns=np.where(valid, dt, 0),
        is_valid=valid,
    )


@dataclass(frozen=True)
class Interpolated:
    """Result of :func:`interpolate`: values at the query times and where they were clamped."""

    values: np.ndarray
    """float64 ``(*query.shape, *values.shape[1:])``: linearly interpolated values."""
    is_clamped: np.ndarray
    """bool, query shape: the query lay outside ``[times_ns[0], times_ns[-1]]`` and got the end value."""

    def __post_init__(self) -> None:
        if self.values.shape[: self.is_clamped.ndim] != self.is_clamped.shape:
            raise ValueError(
                f"values shape {self.values.shape} does not start with query shape {self.is_clamped.shape}"
            )


def interpolate(times_ns: npt.ArrayLike, values: npt.ArrayLike, query_ns: npt.ArrayLike) -> Interpolated:
    """Interpolate a sampled signal linearly in device time, clamping outside the sampled span.

    Component-wise linear interpolation: right for positions, velocities and IMU readings, **not**
    for quaternions or rotations (renormalizing or slerp is the caller's job).

    Args:
        times_ns: (N,) int64 sample times, device-clock nanoseconds, sorted non-decreasing, N >= 1.
        values: (N, ...) samples (any trailing shape), converted to float64.
        query_ns: Query times on the same clock, nanoseconds, any shape.

    Returns:
        :class:`Interpolated` with values of shape ``(*query.shape, *values.shape[1:])``. Samples with
        equal times give the earlier sample's value.

    Raises:
        ValueError: ``times_ns`` is empty, unsorted, or its length differs from ``values``.
    """
    times = _sorted_times(times_ns)
    vals = np.asarray(values, dtype=np.float64)
    query = _as_ns(query_ns, name="query_ns")
    if times.size == 0:
        raise ValueError("cannot interpolate an empty time series")
    if vals.shape[:1] != times.shape:
        raise ValueError(f"values has {vals.shape[:1]} samples but times_ns has {times.shape}")
    clamped = (query < times[0]) | (query > times[-1])
    if times.size == 1:
        out = np.broadcast_to(vals[0], (*query.shape, *vals.shape[1:])).copy()
        return Interpolated(values=out, is_clamped=clamped)
    q = np.clip(query, times[0], times[-1])
    i = np.clip(np.searchsorted(times, q, side="right") - 1, 0, times.size - 2)
    span = times[i + 1] - times[i]  # int64 differences keep full precision before the division
    w = np.divide((q - times[i]).astype(np.float64), span, out=np.zeros(q.shape), where=span > 0)
    w = w.reshape(w.shape + (1,) * (vals.ndim - 1))
    out = vals[i] * (1.0 - w) + vals[i + 1] * w
    return Interpolated(values=out, is_clamped=clamped)


def device_ns_to_us(ns: npt.ArrayLike) -> np.ndarray:
    """Convert Aria device-clock nanoseconds to MPS ``tracking_timestamp_us`` (``ns // 1000``, floor).

    Args:
        ns: Device-clock nanoseconds, int64 scalar or array.

    Returns:
        int64 microseconds of the same shape (a scalar for a scalar).
    """
    return (_as_ns(ns, name="ns") // 1000)[()]


def us_to_device_ns(us: npt.ArrayLike) -> np.ndarray:
    """Convert MPS ``tracking_timestamp_us`` (device-clock microseconds) to int64 nanoseconds (``us * 1000``).

    Args:
        us: Device-clock microseconds, integer scalar or array.

    Returns:
        int64 nanoseconds of the same shape (a scalar for a scalar).
    """
    return (_as_ns(us, name="us") * 1000)[()]
