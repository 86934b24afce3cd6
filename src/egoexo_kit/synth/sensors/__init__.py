"""What the devices record: pictures ray-cast through the true cameras, eye images, audio and MPS outputs.

``_render`` (the vectorized ray caster), ``_world`` (the scene as renderable primitives), ``_views``
(one view's frames and instance ids), ``_eyes`` (the eye-tracking image), ``_audio`` (the 7-microphone
WAV and its transcription), ``_sensors`` (trajectories, online calibration, semidense points, eye
gaze), and the two writers that drive them: ``_take_writer`` (a take's truth, MP4s, 448p, collage and
masks) and ``_raw`` (the raw per-device captures, input of ``egoexo-kit build``). Imports
``synth.plan``, ``synth.motion`` and ``synth.capture``, among the synth stages. It writes what the
reader package ``egoexo_kit.sensors`` (and ``egoexo_kit.video``) reads.

Re-exports what the generator and ``build`` use; the renderer's internals stay in their modules.
"""

from __future__ import annotations

from egoexo_kit.synth.sensors._audio import RATE as RATE
from egoexo_kit.synth.sensors._audio import write_audio as write_audio
from egoexo_kit.synth.sensors._audio import write_pcm_wav as write_pcm_wav
from egoexo_kit.synth.sensors._audio import write_transcription as write_transcription
from egoexo_kit.synth.sensors._raw import raw_first_frame_times as raw_first_frame_times
from egoexo_kit.synth.sensors._raw import sync_event_times as sync_event_times
from egoexo_kit.synth.sensors._raw import write_raw_capture as write_raw_capture
from egoexo_kit.synth.sensors._sensors import AriaMotion as AriaMotion
from egoexo_kit.synth.sensors._sensors import write_eye_gaze as write_eye_gaze
from egoexo_kit.synth.sensors._sensors import write_point_cloud as write_point_cloud
from egoexo_kit.synth.sensors._sensors import write_trajectory as write_trajectory
from egoexo_kit.synth.sensors._take_writer import build_truth as build_truth
from egoexo_kit.synth.sensors._take_writer import render_take as render_take

__all__ = [
    "AriaMotion",
    "RATE",
    "build_truth",
    "raw_first_frame_times",
    "render_take",
    "sync_event_times",
    "write_audio",
    "write_eye_gaze",
    "write_pcm_wav",
    "write_point_cloud",
    "write_raw_capture",
    "write_trajectory",
    "write_transcription",
]
