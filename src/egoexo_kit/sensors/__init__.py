"""Sensor streams of a take as numpy: audio now; trajectory, gaze and IMU lookups build on ``timeline``.

May import: ``release``, ``timeline``.
"""

from __future__ import annotations

from egoexo_kit.sensors._audio import Audio as Audio
from egoexo_kit.sensors._audio import read_audio as read_audio

__all__ = ["Audio", "read_audio"]
