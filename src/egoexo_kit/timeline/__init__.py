"""Time bases of a take: aligned frame index ↔ seconds from take start ↔ Aria device clock.

The only place where ``frame`` (0-based index into the 30 fps frame-aligned videos), ``t`` (float
seconds from the take start) and device clocks (int64 ``*_ns``) are converted into one another
(DESIGN §2; FORMAT §3):

- :class:`TakeTimeline` (``TakeTimeline.from_take(take)``): ``to_frame(t=...)`` /
  ``to_frame(device_ns=...)``, ``to_time(frame=... | device_ns=...)``,
  ``to_device_ns(frame=... | t=...)``; the keyword carries the unit, and exactly one is required.
- :func:`detect_window_convention`: the ±1 take-window ambiguity (FORMAT §3.2, §11 C1).
- :func:`lookup` / :func:`interpolate`: vectorized sample matching (``match="nearest"|"before"|"after"``,
  ``tolerance_s``) and linear interpolation into sorted device-clock series (trajectory, gaze, IMU);
  :func:`device_ns_to_us` / :func:`us_to_device_ns` for the MPS microsecond columns.
- :func:`annotation_frame_to_frame` (EgoPose keys, FORMAT §7.9, U13) and :func:`gaze2d_row_for_frame`
  (10 Hz 2D gaze rows, FORMAT §6.5).

Layering: this package may import only ``egoexo_kit.release`` and ``egoexo_kit.errors``.
"""

from __future__ import annotations

from egoexo_kit.timeline._clock import FPS as FPS
from egoexo_kit.timeline._clock import TakeTimeline as TakeTimeline
from egoexo_kit.timeline._frames import annotation_frame_to_frame as annotation_frame_to_frame
from egoexo_kit.timeline._frames import gaze2d_row_for_frame as gaze2d_row_for_frame
from egoexo_kit.timeline._lookup import Interpolated as Interpolated
from egoexo_kit.timeline._lookup import Lookup as Lookup
from egoexo_kit.timeline._lookup import Match as Match
from egoexo_kit.timeline._lookup import device_ns_to_us as device_ns_to_us
from egoexo_kit.timeline._lookup import interpolate as interpolate
from egoexo_kit.timeline._lookup import lookup as lookup
from egoexo_kit.timeline._lookup import us_to_device_ns as us_to_device_ns
from egoexo_kit.timeline._window import CONVENTIONS as CONVENTIONS
from egoexo_kit.timeline._window import RECOMMENDED as RECOMMENDED
from egoexo_kit.timeline._window import WindowCheck as WindowCheck
from egoexo_kit.timeline._window import detect_window_convention as detect_window_convention

__all__ = [
    "CONVENTIONS",
    "FPS",
    "RECOMMENDED",
    "Interpolated",
    "Lookup",
    "Match",
    "TakeTimeline",
    "WindowCheck",
    "annotation_frame_to_frame",
    "detect_window_convention",
    "device_ns_to_us",
    "gaze2d_row_for_frame",
    "interpolate",
    "lookup",
    "us_to_device_ns",
]
