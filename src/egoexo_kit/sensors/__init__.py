"""Sensor streams of a take as numpy, in take time: trajectory, eye gaze, point cloud, IMU and audio.

Every time-aware function takes a take (the facade take, or the release metadata take) or its
:class:`TakeSensors`, and answers in **take time** ``t`` (seconds from take start, DESIGN §2) next to
the device clock (``device_ns``); device ↔ take time goes only through the take's
:class:`~egoexo_kit.timeline.TakeTimeline`, so frames whose ``timesync.csv`` cell is empty answer with
the timeline's filled values (FORMAT §3.1). Ranges are half-open ``[t0, t1)``; samples outside the take
window (a whole-file read) have ``t = NaN``.

- Trajectory (MPS, FORMAT §6.1-6.2): :func:`trajectory` (closed or open loop) → :class:`Trajectory`;
  :func:`pose_at` → :class:`Poses` (``T_world_device`` slerped at take times, flagged outside the
  trajectory); :func:`calibration_at` → the ``online_calibration.jsonl`` record for an instant.
- Eye gaze (FORMAT §6.5): :func:`gaze` (3D, CPF) → :class:`GazeSamples`; :func:`gaze_2d` and
  :func:`gaze_2d_at` (the row shown on an aligned frame) → :class:`Gaze2DSamples` (upright MP4 pixels).
- Point cloud (FORMAT §6.4): :func:`point_cloud` → :class:`PointCloud`, uncertainty-filtered.
- IMU: :func:`imu` → :class:`ImuSamples`, from the take's VRS through projectaria-tools (the ``[aria]``
  extra; :class:`~egoexo_kit.errors.MissingExtraError` without it). :func:`open_vrs` is the one
  VRS opener (``build`` uses it too).
- Audio: :func:`audio` (the take's Aria WAV over ``[t0, t1)``) and :func:`read_audio` (any WAV or MP4).

The file **readers** (CSV/JSONL parsing: ``read_closed_loop_trajectory``, ``read_eye_gaze`` …) stay in
:mod:`egoexo_kit.release`, which holds the model, paths and readers of every release file (the
validator uses them without any time logic); this package adds time, selection and caching on top.
``TakeSensors.from_take(take)`` (the facade's ``take.sensors``) keeps parsed files for reuse; passing
a plain take parses them on each call.

May import: ``release``, ``timeline``, ``errors`` and ``geometry.transforms`` (rigid-transform maths:
pose interpolation); ``geometry`` does not import ``sensors``. Not re-exported: ``take_times`` and
``select_span`` (in ``_source``), the helpers the functions above share.
"""

from __future__ import annotations

from egoexo_kit.sensors._audio import Audio as Audio
from egoexo_kit.sensors._audio import audio as audio
from egoexo_kit.sensors._audio import read_audio as read_audio
from egoexo_kit.sensors._gaze import Gaze2DSamples as Gaze2DSamples
from egoexo_kit.sensors._gaze import GazeSamples as GazeSamples
from egoexo_kit.sensors._gaze import gaze as gaze
from egoexo_kit.sensors._gaze import gaze_2d as gaze_2d
from egoexo_kit.sensors._gaze import gaze_2d_at as gaze_2d_at
from egoexo_kit.sensors._imu import ImuSamples as ImuSamples
from egoexo_kit.sensors._imu import imu as imu
from egoexo_kit.sensors._points import MAX_DIST_STD as MAX_DIST_STD
from egoexo_kit.sensors._points import MAX_INV_DIST_STD as MAX_INV_DIST_STD
from egoexo_kit.sensors._points import PointCloud as PointCloud
from egoexo_kit.sensors._points import point_cloud as point_cloud
from egoexo_kit.sensors._source import CLOCK_STREAM as CLOCK_STREAM
from egoexo_kit.sensors._source import TakeSensors as TakeSensors
from egoexo_kit.sensors._trajectory import POSE_TOLERANCE_S as POSE_TOLERANCE_S
from egoexo_kit.sensors._trajectory import CalibrationRecord as CalibrationRecord
from egoexo_kit.sensors._trajectory import Poses as Poses
from egoexo_kit.sensors._trajectory import Trajectory as Trajectory
from egoexo_kit.sensors._trajectory import calibration_at as calibration_at
from egoexo_kit.sensors._trajectory import pose_at as pose_at
from egoexo_kit.sensors._trajectory import trajectory as trajectory
from egoexo_kit.sensors._vrs import IMU_LABELS as IMU_LABELS
from egoexo_kit.sensors._vrs import open_vrs as open_vrs
from egoexo_kit.sensors._vrs import read_vrs_imu as read_vrs_imu

__all__ = [
    "CLOCK_STREAM",
    "IMU_LABELS",
    "MAX_DIST_STD",
    "MAX_INV_DIST_STD",
    "POSE_TOLERANCE_S",
    "Audio",
    "CalibrationRecord",
    "Gaze2DSamples",
    "GazeSamples",
    "ImuSamples",
    "PointCloud",
    "Poses",
    "TakeSensors",
    "Trajectory",
    "audio",
    "calibration_at",
    "gaze",
    "gaze_2d",
    "gaze_2d_at",
    "imu",
    "open_vrs",
    "point_cloud",
    "pose_at",
    "read_audio",
    "read_vrs_imu",
    "trajectory",
]
