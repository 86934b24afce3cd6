"""Constants of the viz tests; the generated release is the `synth_release` fixture of tests/conftest.py."""

from __future__ import annotations

TAKE = "unc_bike_02_1"
"""The bike-repair take: keysteps, masks of four objects, body and hand poses, gaze."""
