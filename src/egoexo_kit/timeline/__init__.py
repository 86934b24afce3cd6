"""Time bases of a take: aligned frame index ↔ seconds from take start ↔ Aria device clock.

The only place where ``frame`` (0-based index into the 30 fps frame-aligned videos), ``t`` (float
seconds from the take start) and device clocks (int64 ``*_ns``) are converted into one another
(DESIGN §2; FORMAT §3):

- :class:`TakeTimeline` (``TakeTimeline.from_take(take)``): ``to_frame(t=...)`` /
  ``to_frame(device_ns=...)``, ``to_time(frame=... | device_ns=...)``,
  ``to_device_ns(frame=... | t=...)``; the keyword carries the unit, and exactly one is required.
- :func:`detect_window_convention`: the ±1 take-window ambiguity (FORMAT §3.2, §11 C1), from a video's
  frame count; :func:`compare_row_offsets`: which row is frame 0, from the trajectory and the EgoPose
  camera poses (``egoexo_kit.detect_row_offset(take)`` gathers the inputs); ``row_offset`` on
  :class:`TakeTimeline` (``$EGOEXO_KIT_ROW_OFFSET``, :func:`resolve_row_offset`) overrides the default +1.
- Empty ``timesync.csv`` cells inside a window (FORMAT §3.1) are filled from the nearest rows, flagged by
  :meth:`TakeTimeline.device_ns_valid` and an ``EgoExoKitWarning``; no query raises for them.
- :func:`lookup` / :func:`interpolate`: vectorized sample matching (``match="nearest"|"before"|"after"``,
  ``tolerance_s``) and linear interpolation into sorted device-clock series (trajectory, gaze, IMU);
  :func:`device_ns_to_us` / :func:`us_to_device_ns` for the MPS microsecond columns.
- :func:`annotation_frame_to_frame` (EgoPose keys, FORMAT §7.9, U13) and :func:`gaze2d_row_for_frame`
  (10 Hz 2D gaze rows, FORMAT §6.5).

Layering: this package may import only ``egoexo_kit.release`` and ``egoexo_kit.errors``.
"""

from __future__ import annotations

from egoexo_kit.timeline._clock import DEFAULT_ROW_OFFSET as DEFAULT_ROW_OFFSET
from egoexo_kit.timeline._clock import FPS as FPS
from egoexo_kit.timeline._clock import ROW_OFFSET_ENV as ROW_OFFSET_ENV
from egoexo_kit.timeline._clock import TakeTimeline as TakeTimeline
from egoexo_kit.timeline._clock import resolve_row_offset as resolve_row_offset
from egoexo_kit.timeline._frames import annotation_frame_to_frame as annotation_frame_to_frame
from egoexo_kit.timeline._frames import gaze2d_row_for_frame as gaze2d_row_for_frame
from egoexo_kit.timeline._lookup import Interpolated as Interpolated
from egoexo_kit.timeline._lookup import Lookup as Lookup
from egoexo_kit.timeline._lookup import Match as Match
from egoexo_kit.timeline._lookup import device_ns_to_us as device_ns_to_us
from egoexo_kit.timeline._lookup import interpolate as interpolate
from egoexo_kit.timeline._lookup import lookup as lookup
from egoexo_kit.timeline._lookup import us_to_device_ns as us_to_device_ns
from egoexo_kit.timeline._row_offset import ROW_OFFSET_CANDIDATES as ROW_OFFSET_CANDIDATES
from egoexo_kit.timeline._row_offset import RowOffsetCheck as RowOffsetCheck
from egoexo_kit.timeline._row_offset import camera_centers as camera_centers
from egoexo_kit.timeline._row_offset import compare_row_offsets as compare_row_offsets
from egoexo_kit.timeline._window import CONVENTIONS as CONVENTIONS
from egoexo_kit.timeline._window import RECOMMENDED as RECOMMENDED
from egoexo_kit.timeline._window import WindowCheck as WindowCheck
from egoexo_kit.timeline._window import detect_window_convention as detect_window_convention

__all__ = [
    "CONVENTIONS",
    "DEFAULT_ROW_OFFSET",
    "FPS",
    "RECOMMENDED",
    "ROW_OFFSET_CANDIDATES",
    "ROW_OFFSET_ENV",
    "Interpolated",
    "Lookup",
    "Match",
    "RowOffsetCheck",
    "TakeTimeline",
    "WindowCheck",
    "annotation_frame_to_frame",
    "camera_centers",
    "compare_row_offsets",
    "detect_window_convention",
    "device_ns_to_us",
    "gaze2d_row_for_frame",
    "interpolate",
    "lookup",
    "resolve_row_offset",
    "us_to_device_ns",
]
