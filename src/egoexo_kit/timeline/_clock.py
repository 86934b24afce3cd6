"""``TakeTimeline``: frame ↔ seconds-from-take-start ↔ Aria device clock for one take (FORMAT §3).

Three clocks, one meaning each (DESIGN §2):

- ``frame``: 0-based index into the take's 30 fps frame-aligned videos; frame ``i`` is timesync row
  ``timesync_start_idx + row_offset + i``, ``row_offset = 1`` by default (FORMAT §3.2, §11 C1: the docs
  and tutorials use ``start+1+i``; the EgoPose pipeline ``ego4d/internal/human_pose/main.py`` uses
  ``start+i``). Override it per call, per release (``open_release(root, row_offset=...)``) or with the
  ``EGOEXO_KIT_ROW_OFFSET`` environment variable; :func:`egoexo_kit.detect_row_offset` measures it.
- ``t``: float seconds from the take start, ``t = frame / 30`` (FORMAT §3.3); frame ``i`` is displayed
  over the half-open interval ``[i / 30, (i + 1) / 30)``.
- ``device_ns``: int64 Aria device-clock nanoseconds of one Aria stream, read from the
  ``<aria>_<stream>_capture_timestamp_ns`` column (exact at rows, linear between rows).

Real ``timesync.csv`` files have empty cells inside take windows (FORMAT §3.1): the official pose
pipeline skips such frames (``facebookresearch/Ego4d: ego4d/internal/human_pose/main.py``: ``int()``
of a NaN ``*_frame_number`` raises and the frame is skipped with a warning) and readers of real data
forward-fill. Here a frame whose row has no timestamp still answers: its device time is interpolated
from the nearest rows that have one (extrapolated from the nearest pair at the window ends), an
:class:`EgoExoKitWarning` names the file, column and rows, and :meth:`TakeTimeline.device_ns_valid`
tells which frames were filled.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import numpy.typing as npt

from egoexo_kit.errors import EgoExoKitWarning, FormatError, FrameIndexError, NotFoundError
from egoexo_kit.release import Timesync, format_ranges, read_timesync
from egoexo_kit.timeline._lookup import Match, _as_ns, _check_match, lookup
from egoexo_kit.timeline._window import WindowCheck, detect_window_convention
from egoexo_kit.vocab import FPS

if TYPE_CHECKING:
    from egoexo_kit.release import TakeEntry

__all__ = ["DEFAULT_ROW_OFFSET", "FPS", "ROW_OFFSET_ENV", "TakeTimeline", "resolve_row_offset"]

DEFAULT_ROW_OFFSET = 1
"""Frame ``i`` ↔ timesync row ``start + 1 + i`` (FORMAT §3.2 recommended: docs, tutorials, features)."""

ROW_OFFSET_ENV = "EGOEXO_KIT_ROW_OFFSET"
"""Environment variable overriding the row offset when no explicit one is given (an integer or ``auto``)."""

RowOffset = int | Literal["auto"]


def resolve_row_offset(value: int | str | None = None) -> RowOffset:
    """The row offset to use: ``value``, else ``$EGOEXO_KIT_ROW_OFFSET``, else :data:`DEFAULT_ROW_OFFSET`.

    ``"auto"`` is passed through (the facade measures it per take with ``detect_row_offset``); integers
    and integer strings (``"0"``, ``"+1"``) become ``int``.

    Raises:
        ValueError: Anything else (the message names the variable when it came from there).
    """
    source = "row_offset"
    if value is None:
        value = os.environ.get(ROW_OFFSET_ENV) or None
        source = f"${ROW_OFFSET_ENV}"
    if value is None:
        return DEFAULT_ROW_OFFSET
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "auto":
            return "auto"
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{source} must be an integer (0, 1 …) or 'auto', got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{source} must be an integer (0, 1 …) or 'auto', got {value!r}")
    return int(value)


_EPS = 1e-6
"""Slack, in frames, when flooring ``t * 30``: ``(i / 30) * 30`` may land just below ``i`` in float64."""


def _exactly_one(method: str, **kwargs: object) -> str:
    given = [k for k, v in kwargs.items() if v is not None]
    if len(given) != 1:
        names = " or ".join(f"{k}=" for k in kwargs)
        got = "both " + " and ".join(f"{k}=" for k in given) if given else "neither"
        raise ValueError(f"{method}() takes exactly one of {names}; got {got}")
    return given[0]


def _first_bad(values: np.ndarray, bad: np.ndarray) -> str:
    first = values[bad].ravel()[0].item()
    more = int(bad.sum()) - 1
    return f"{first!r}" + (f" (and {more} more)" if more else "")


@dataclass(frozen=True, eq=False)
class _Stream:
    """The window's rows that have a device timestamp for one Aria stream."""

    key: str
    frames: np.ndarray  # (M,) int64 aligned frame index of each valid row, increasing
    ns: np.ndarray  # (M,) int64 device ns of those rows, strictly increasing
    valid: np.ndarray  # (n_frames,) bool: the frame's row has its own timestamp
    column: str  # the CSV column, for messages
    filled: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    """(n_frames,) int64 device ns of every frame: exact where valid, interpolated in gaps."""


@dataclass(frozen=True, eq=False)
class TakeTimeline:
    """One take's frame ↔ time ↔ device-clock conversions; every method is batched.

    Build it with :meth:`from_take` or :meth:`from_timesync`. Scalars give numpy scalars, arrays give
    arrays of the same shape. Out-of-window requests raise :class:`FrameIndexError` naming the bounds.
    """

    timesync: Timesync = field(repr=False)
    """The capture's ``timesync.csv`` (shared by every take of the capture)."""
    start_idx: int
    """``timesync_start_idx`` from ``takes.json`` (0-based row)."""
    end_idx: int
    """``timesync_end_idx`` from ``takes.json``."""
    aria_id: str | None = None
    """Ego Aria camera id (``aria01`` …); ``stream="214-1"`` means column ``<aria_id>_214-1_*``."""
    fps: int = FPS
    """Frame rate of the aligned videos (30, FORMAT §3.3)."""
    row_offset: int = DEFAULT_ROW_OFFSET
    """Frame ``i`` ↔ timesync row ``start_idx + row_offset + i`` (FORMAT §3.2, §11 C1; default 1)."""
    _streams: dict[str, _Stream] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.start_idx < 0 or self.end_idx - self.start_idx < 2:
            raise FormatError(
                f"take window timesync_start_idx={self.start_idx}, timesync_end_idx={self.end_idx} "
                "holds no frame (needs end - start - 1 >= 1)",
                path=self.timesync.path,
            )
        first, last = self.start_idx + self.row_offset, self.start_idx + self.row_offset + self.n_frames - 1
        if first < 0 or len(self.timesync) <= last:
            raise FormatError(
                f"timesync has {len(self.timesync)} rows but the take window needs rows "
                f"{first}..{last} (row offset {self.row_offset:+d}, FORMAT §3.2)",
                path=self.timesync.path,
            )

    # ---- constructors ------------------------------------------------------------------------------
    @classmethod
    def from_timesync(
        cls,
        ts: Timesync,
        *,
        start_idx: int,
        end_idx: int,
        aria_id: str | None,
        row_offset: int | str | None = None,
    ) -> TakeTimeline:
        """Build from an open timesync table and a take window.

        Args:
            ts: The capture's timesync table (``read_timesync``).
            start_idx: ``timesync_start_idx`` (row).
            end_idx: ``timesync_end_idx`` (row).
            aria_id: Ego Aria id, e.g. ``"aria01"`` (``None``: pass full device keys as ``stream``).
            row_offset: Frame ``i`` ↔ row ``start_idx + row_offset + i``; ``None``:
                ``$EGOEXO_KIT_ROW_OFFSET``, else 1 (``"auto"`` needs a take: it falls back to 1 here).

        Raises:
            FormatError: The window is empty or the table lacks a row the window needs.
        """
        offset = resolve_row_offset(row_offset)
        return cls(
            timesync=ts,
            start_idx=int(start_idx),
            end_idx=int(end_idx),
            aria_id=aria_id,
            row_offset=DEFAULT_ROW_OFFSET if offset == "auto" else offset,
        )

    @classmethod
    def from_take(
        cls, take: TakeEntry, *, timesync: Timesync | None = None, row_offset: int | str | None = None
    ) -> TakeTimeline:
        """Build from a :class:`~egoexo_kit.release.TakeEntry`, reading its capture's ``timesync.csv`` once.

        Args:
            take: The take entry (its record gives the window, ``take.aria_id`` the Aria id).
            timesync: An already open table of the same capture, to share between takes.
            row_offset: Frame ``i`` ↔ row ``start + row_offset + i``. ``None``:
                ``$EGOEXO_KIT_ROW_OFFSET``, else 1. ``"auto"`` needs the evidence only the facade
                has (``egoexo_kit.Take.timeline`` measures it): here it means the default 1.

        Raises:
            FormatError: The take has no timesync window, or the table is missing or too short.
        """
        r = take.record
        if r.timesync_start_idx is None or r.timesync_end_idx is None:
            raise FormatError(f"take {take.name!r} has no timesync_start_idx/timesync_end_idx (FORMAT §2.1)")
        resolve_row_offset(row_offset)  # a bad value is refused before the table is read
        ts = timesync if timesync is not None else read_timesync(take.timesync_path)
        return cls.from_timesync(
            ts,
            start_idx=r.timesync_start_idx,
            end_idx=r.timesync_end_idx,
            aria_id=take.aria_id,
            row_offset=row_offset,  # resolved there ("auto" → the default)
        )

    # ---- window --------------------------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        """``N = end_idx - start_idx - 1`` aligned frames (FORMAT §3.2)."""
        return self.end_idx - self.start_idx - 1

    @property
    def duration_s(self) -> float:
        """``N / fps``: the end of the last frame's display interval, seconds from take start."""
        return self.n_frames / self.fps

    @property
    def rows(self) -> np.ndarray:
        """(N,) int64: timesync row of each aligned frame, ``start_idx + row_offset + i``."""
        first = self.start_idx + self.row_offset
        return np.arange(first, first + self.n_frames, dtype=np.int64)

    def device_ns_valid(self, stream: str = "214-1") -> np.ndarray:
        """(N,) bool per aligned frame: True where its row has a ``capture_timestamp_ns`` of ``stream``.

        False marks frames whose device time :meth:`to_device_ns` fills by interpolation (real
        ``timesync.csv`` files have such gaps, FORMAT §3.1); the official pose pipeline skips them.
        """
        return self._stream(stream).valid.copy()

    def in_window(self, *, device_ns: npt.ArrayLike, stream: str = "214-1") -> np.ndarray:
        """Whether each Aria device time is in the take window: True where :meth:`to_time` accepts it.

        The window spans device ns ``[ns(frame 0), ns(frame N))`` of ``stream``, the end extrapolated
        over the last frame's display interval exactly as :meth:`to_time` does; sensor readers use this
        to give take times only to the samples of a device-clock series that lie inside the take.

        Args:
            device_ns: Aria device-clock nanoseconds (int64), any shape.
            stream: Aria stream whose clock ``device_ns`` is on (``"214-1"`` …) or a full device key.

        Returns:
            bool array of the shape of ``device_ns`` (a numpy bool for a scalar).
        """
        s = self._stream(stream)
        pos = self._ns_to_frame_pos(s, _as_ns(device_ns, name="device_ns"))
        return ((pos >= 0) & (pos < self.n_frames))[()]

    def window_check(self, *, video_frames: int) -> WindowCheck:
        """Compare a decoded frame count with this window (FORMAT §3.2, §11 C1).

        Args:
            video_frames: Frames counted in one of the take's aligned MP4s.
        """
        return detect_window_convention(
            self.timesync, self.start_idx, self.end_idx, video_frames=video_frames
        )

    def _range(self) -> str:
        return f"frames [0, {self.n_frames}) and seconds [0, {self.duration_s:.6f})"

    # ---- streams -------------------------------------------------------------------------------------
    def _stream(self, stream: str) -> _Stream:
        cached = self._streams.get(stream)
        if cached is not None:
            return cached
        devices = self.timesync.devices
        key = stream if stream in devices or self.aria_id is None else f"{self.aria_id}_{stream}"
        if key not in devices:
            raise NotFoundError(
                f"no Aria stream {key!r} in timesync; devices: {', '.join(devices)}", path=self.timesync.path
            )
        rows = self.rows
        col = self.timesync.capture_timestamp_ns(key)[rows[0] : rows[-1] + 1]
        valid = ~np.ma.getmaskarray(col)
        frames = np.flatnonzero(valid).astype(np.int64)
        ns = np.asarray(np.ma.getdata(col))[valid].astype(np.int64)
        column = self.timesync.column_name(key, "capture_timestamp_ns")
        if frames.size == 0:
            raise FormatError(
                f"{column} is empty over the take window rows {rows[0]}..{rows[-1]}",
                path=self.timesync.path,
            )
        if np.any(np.diff(ns) <= 0):
            k = int(np.flatnonzero(np.diff(ns) <= 0)[0])
            row = int(rows[frames[k + 1]])
            raise FormatError(
                f"{column} does not increase at row {row}", path=self.timesync.path, line=row + 2
            )
        s = _Stream(key=key, frames=frames, ns=ns, valid=valid, column=column)
        all_frames = np.arange(self.n_frames, dtype=np.float64)
        object.__setattr__(
            s, "filled", np.where(valid, np.ma.getdata(col), self._frame_pos_to_ns(s, all_frames))
        )
        self._streams[stream] = s
        return s

    def _segment(self, s: _Stream, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Frames and ns at both ends of segment ``j`` (clipped), for interpolation or extrapolation."""
        if s.frames.size == 1:  # one valid row: nominal 1e9 / fps ns per frame
            f0, n0 = s.frames[0] + 0 * j, s.ns[0] + 0 * j
            return f0, n0, f0 + 1, n0 + round(1e9 / self.fps)
        j = np.clip(j, 0, s.frames.size - 2)
        return s.frames[j], s.ns[j], s.frames[j + 1], s.ns[j + 1]

    def _ns_to_frame_pos(self, s: _Stream, q: np.ndarray) -> np.ndarray:
        """Fractional frame position of device times ``q`` (linear between rows, extrapolated at ends)."""
        j = np.searchsorted(s.ns, q, side="right") - 1
        f0, n0, f1, n1 = self._segment(s, j)
        return f0 + (q - n0).astype(np.float64) * ((f1 - f0) / (n1 - n0).astype(np.float64))

    def _check_ns(self, s: _Stream, q: np.ndarray) -> np.ndarray:
        pos = self._ns_to_frame_pos(s, q)
        bad = ~((pos >= 0) & (pos < self.n_frames))  # exact: a row's own time gives an integral pos
        if np.any(bad):
            lo = self._frame_pos_to_ns(s, np.array(0.0))
            hi = self._frame_pos_to_ns(s, np.array(float(self.n_frames)))
            raise FrameIndexError(
                f"device_ns {_first_bad(q, bad)} of stream {s.key} outside the take window: device ns "
                f"[{lo}, {hi}), i.e. {self._range()}",
                path=self.timesync.path,
            )
        return pos

    def _warn_filled(self, s: _Stream, frames: np.ndarray) -> None:
        """Warn (located: file, column, CSV lines) that ``frames`` had no timestamp and were filled."""
        f = np.unique(frames[~s.valid[frames]])
        if f.size:
            lines = ("line " if f.size == 1 else "lines ") + format_ranges(self.rows[f] + 2)
            warnings.warn(
                f"{self.timesync.path}: {lines}: {s.column} is empty for frame(s) "
                f"{format_ranges(f)}; device time interpolated from the nearest rows that have one",
                EgoExoKitWarning,
                stacklevel=3,
            )

    def _frame_pos_to_ns(self, s: _Stream, pos: np.ndarray) -> np.ndarray:
        j = np.searchsorted(s.frames, pos, side="right") - 1
        f0, n0, f1, n1 = self._segment(s, j)
        return n0 + np.rint((pos - f0) * ((n1 - n0) / (f1 - f0))).astype(np.int64)

    # ---- argument checks -------------------------------------------------------------------------------
    def _frames(self, frame: npt.ArrayLike) -> np.ndarray:
        f = np.asarray(frame)
        if f.dtype.kind == "O" and all(type(v) is int for v in f.ravel()):  # beyond int64: no take is so long
            raise FrameIndexError(f"frame {str(f.ravel()[0])[:30]} outside the take window: {self._range()}")
        if f.dtype.kind not in "iu":
            if f.dtype.kind != "f" or not np.all(f == np.rint(f)):
                raise TypeError(f"frame must hold integer aligned-frame indices, got dtype {f.dtype}")
        f = f.astype(np.int64)
        bad = (f < 0) | (f >= self.n_frames)
        if np.any(bad):
            raise FrameIndexError(f"frame {_first_bad(f, bad)} outside the take window: {self._range()}")
        return f

    def _times(self, t: npt.ArrayLike) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            x = np.asarray(t, dtype=np.float64) * self.fps
        bad = ~((x >= -_EPS) & (x < self.n_frames - _EPS))  # NaN is bad too
        if np.any(bad):
            raise FrameIndexError(
                f"t {_first_bad(x / self.fps, bad)} s outside the take window: {self._range()}"
            )
        return x

    # ---- conversions -----------------------------------------------------------------------------------
    @overload
    def to_frame(
        self,
        *,
        t: npt.ArrayLike,
        device_ns: None = None,
        stream: str = ...,
        match: Match | None = ...,
        tolerance_s: float | None = ...,
    ) -> Any: ...
    @overload
    def to_frame(
        self,
        *,
        t: None = None,
        device_ns: npt.ArrayLike,
        stream: str = ...,
        match: Match | None = ...,
        tolerance_s: float | None = ...,
    ) -> Any: ...
    def to_frame(
        self,
        *,
        t: npt.ArrayLike | None = None,
        device_ns: npt.ArrayLike | None = None,
        stream: str = "214-1",
        match: Match | None = None,
        tolerance_s: float | None = None,
    ) -> Any:
        """Aligned frame index (int64) of seconds-from-take-start or of Aria device times.

        Args:
            t: Seconds from take start (float, scalar or array). Default rule (``match="before"``, the
                FORMAT §3.3 ``int(t * 30)``): the frame whose display interval ``[i/30, (i+1)/30)``
                contains ``t``, computed as ``floor(t * 30 + 1e-6)`` so that ``i / 30`` maps back to ``i``.
                ``"nearest"`` rounds ``t * 30`` (clipped to the last frame), ``"after"`` takes the ceiling.
            device_ns: Aria device-clock nanoseconds (int64) of ``stream``. Matched against the window's
                ``capture_timestamp_ns`` rows with ``np.searchsorted``; default ``match="nearest"``.
                Rows with an empty cell take their interpolated time (as :meth:`to_device_ns` gives it),
                with an :class:`EgoExoKitWarning` when one is matched.
            stream: Aria stream whose clock ``device_ns`` is on (``"214-1"`` RGB, ``"1201-1"``,
                ``"1201-2"``), or a full timesync device key (``"aria01_214-1"``).
            match: ``"nearest"``, ``"before"`` or ``"after"``; ``None`` picks the default above.
            tolerance_s: With ``device_ns``: largest accepted distance to the matched row, seconds.

        Returns:
            int64 frame indices in ``[0, N)``, the shape of the input (a numpy scalar for a scalar).

        Raises:
            ValueError: Not exactly one of ``t`` / ``device_ns``, or an unknown ``match``.
            FrameIndexError: A time outside the take window (the message states frames ``[0, N)`` and
                seconds ``[0, N/30)``), no row on the requested side, or a match beyond ``tolerance_s``.
        """
        which = _exactly_one("to_frame", t=t, device_ns=device_ns)
        if which == "t":
            m = match or "before"
            _check_match(m)
            if tolerance_s is not None:
                raise ValueError("tolerance_s applies to device_ns= only (t= maps to frames exactly)")
            x = self._times(t)
            if m == "before":
                f = np.floor(x + _EPS)
            elif m == "nearest":
                f = np.minimum(np.floor(x + 0.5 + _EPS), self.n_frames - 1)
            else:
                f = np.maximum(np.ceil(x - _EPS), 0)
                if np.any(f >= self.n_frames):
                    raise FrameIndexError(f"no frame at or after t >= {(self.n_frames - 1) / self.fps:.6f} s")
            return f.astype(np.int64)[()]
        m = match or "nearest"
        _check_match(m)
        s = self._stream(stream)
        q = _as_ns(device_ns, name="device_ns")
        self._check_ns(s, q)
        res = lookup(s.filled, q, match=m, tolerance_s=tolerance_s)
        if not np.all(res.is_valid):
            why = f"within tolerance_s={tolerance_s}" if tolerance_s is not None else f"{m} it"
            raise FrameIndexError(
                f"no {s.key} frame {why} for device_ns {_first_bad(q, ~res.is_valid)}; "
                f"the window's rows span device ns [{s.filled[0]}, {s.filled[-1]}]",
                path=self.timesync.path,
            )
        self._warn_filled(s, res.index.ravel())
        return res.index[()]

    @overload
    def to_time(self, *, frame: npt.ArrayLike, device_ns: None = None, stream: str = ...) -> Any: ...
    @overload
    def to_time(self, *, frame: None = None, device_ns: npt.ArrayLike, stream: str = ...) -> Any: ...
    def to_time(
        self,
        *,
        frame: npt.ArrayLike | None = None,
        device_ns: npt.ArrayLike | None = None,
        stream: str = "214-1",
    ) -> Any:
        """Seconds from take start (float64) of aligned frames or of Aria device times.

        Args:
            frame: Aligned frame indices in ``[0, N)``; ``t = frame / 30`` (FORMAT §3.3).
            device_ns: Aria device-clock ns of ``stream``: linear between the window's rows (exact
                ``frame / 30`` at a row), extrapolated over the last frame's interval.
            stream: Aria stream of ``device_ns`` (``"214-1"`` …) or a full timesync device key.

        Returns:
            float64 seconds, the shape of the input.

        Raises:
            ValueError: Not exactly one of ``frame`` / ``device_ns``.
            FrameIndexError: Outside the take window (message states the bounds).
        """
        if _exactly_one("to_time", frame=frame, device_ns=device_ns) == "frame":
            return (self._frames(frame) / self.fps)[()]
        s = self._stream(stream)
        pos = self._check_ns(s, _as_ns(device_ns, name="device_ns"))
        return (pos / self.fps)[()]

    @overload
    def to_device_ns(self, *, frame: npt.ArrayLike, t: None = None, stream: str = ...) -> Any: ...
    @overload
    def to_device_ns(self, *, frame: None = None, t: npt.ArrayLike, stream: str = ...) -> Any: ...
    def to_device_ns(
        self,
        *,
        frame: npt.ArrayLike | None = None,
        t: npt.ArrayLike | None = None,
        stream: str = "214-1",
    ) -> Any:
        """Aria device-clock nanoseconds (int64) of aligned frames or of seconds-from-take-start.

        Args:
            frame: Aligned frame indices: the exact ``capture_timestamp_ns`` of row
                ``start + row_offset + frame``; where that cell is empty, linear between the nearest
                rows that have one (extrapolated at the window ends), with an :class:`EgoExoKitWarning`
                (see :meth:`device_ns_valid`).
            t: Seconds from take start: linear between rows, rounded to the nearest ns.
            stream: Aria stream (``"214-1"`` RGB, ``"1201-1"``, ``"1201-2"``) or a full device key.

        Returns:
            int64 device ns of ``stream``, the shape of the input.

        Raises:
            ValueError: Not exactly one of ``frame`` / ``t``.
            FrameIndexError: Outside the take window.
        """
        which = _exactly_one("to_device_ns", frame=frame, t=t)
        s = self._stream(stream)
        if which == "frame":
            f = self._frames(frame)
            self._warn_filled(s, f.ravel())
            return s.filled[f][()]
        x = self._times(t)
        near = np.minimum(np.floor(x + 0.5 + _EPS), self.n_frames - 1).astype(np.int64)
        self._warn_filled(s, near.ravel())
        return self._frame_pos_to_ns(s, x)[()]
