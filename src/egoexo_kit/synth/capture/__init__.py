"""One capture as its devices see it: the rig, the device clocks, the capture's world and each take's truth.

``_rig`` (the GoPro exo cameras and the Aria headset), ``_clocks`` (device clocks and ``timesync.csv``),
``_capture`` (:class:`CaptureWorld`: participant, scene, rig, clocks and the takes' performances,
plus the ``timesync.csv`` and ``gopro_calibs.csv`` writers) and ``_truth`` (:class:`TakeTruth`, the
per-view ground truth every annotation writer derives from). Imports ``synth.plan`` and
``synth.motion``, among the synth stages.

Re-exports what the later stages use; the rest stays in its module.
"""

from __future__ import annotations

from egoexo_kit.synth.capture._capture import CaptureWorld as CaptureWorld
from egoexo_kit.synth.capture._capture import build_capture as build_capture
from egoexo_kit.synth.capture._capture import csv_text as csv_text
from egoexo_kit.synth.capture._capture import take_state as take_state
from egoexo_kit.synth.capture._capture import write_gopro_calibs as write_gopro_calibs
from egoexo_kit.synth.capture._capture import write_timesync as write_timesync
from egoexo_kit.synth.capture._clocks import DeviceClock as DeviceClock
from egoexo_kit.synth.capture._rig import GOPRO_KB3 as GOPRO_KB3
from egoexo_kit.synth.capture._rig import AriaRig as AriaRig
from egoexo_kit.synth.capture._rig import ExoCamera as ExoCamera
from egoexo_kit.synth.capture._truth import PackedMasks as PackedMasks
from egoexo_kit.synth.capture._truth import TakeTruth as TakeTruth
from egoexo_kit.synth.capture._truth import ViewTruth as ViewTruth

__all__ = [
    "AriaRig",
    "CaptureWorld",
    "DeviceClock",
    "ExoCamera",
    "GOPRO_KB3",
    "PackedMasks",
    "TakeTruth",
    "ViewTruth",
    "build_capture",
    "csv_text",
    "take_state",
    "write_gopro_calibs",
    "write_timesync",
]
