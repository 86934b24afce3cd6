"""Raw captures (``--raw``): what each device recorded before any processing, input of ``build``.

Per capture, ``raw/<capture_name>/`` holds one continuous recording per device on its own clock
and at its native rate: ``<cam>.mp4`` per GoPro (60 fps, stereo AAC), ``<aria>_214-1.mp4`` (the Aria
RGB stream in sensor orientation, 30 fps) with ``<aria>_214-1_timestamps.csv`` (device ns of each
frame), the SLAM (``_1201-1``, ``_1201-2``, grey, sensor orientation) and eye-tracking (``_211-1``)
streams likewise, each with its own timestamps (listed under the Aria's ``streams`` in the
manifest), and ``<aria>.wav`` (7 microphones). Every device sees the same two sync events (at
``SYNC_EVENT_TIME`` and ``SYNC_END_LEAD`` s before the capture ends): a bright flash in every picture
and a chirp fed to every audio track by a wireless sync box, so it is stamped on each device's own
clock (offset and drift) with no acoustic travel time. The
operator's log ``takes.json`` gives each take's name, task and approximate start/end on the Aria
clock, ``manifest.json`` lists devices, files and rates, and ``mps/`` holds the capture's Aria MPS
outputs over the whole raw Aria recording: the exo calibration ``gopro_calibs.csv``, the trajectory
(``closed_loop_trajectory.csv``, ``open_loop_trajectory.csv``, ``online_calibration.jsonl``) and the
eye gaze ``eye_gaze/general_eye_gaze{,_2d}.csv`` (MPS rows on the Aria clock; the 2D ``frame_num``
counts raw Aria frames, the build renumbers it per take), plus the point cloud when the release
itself is rendered. Clock truth is in ``.synth/release.json``; the body the synthetic keypoint
detector of ``build``'s pose stage projects is synthetic-only truth in the capture's
``.synth/body.npz`` (``time_s`` common time, ``aria_device_ns`` the same instants on the Aria clock,
``body_world`` (N, 17, 3) COCO joints in world metres at :data:`BODY_TRUTH_RATE` Hz), never in the
release layout.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from egoexo_kit._io import atomic_path, write_json, write_text
from egoexo_kit._parallel import pool_map
from egoexo_kit.geometry import invert_pose, transform_points
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth.capture import CaptureWorld, DeviceClock, csv_text, write_gopro_calibs
from egoexo_kit.synth.plan import SYNC_EVENT_TIME
from egoexo_kit.synth.sensors._audio import RATE as AUDIO_RATE
from egoexo_kit.synth.sensors._audio import chirp, mic_signals, write_pcm_wav
from egoexo_kit.synth.sensors._eyes import eye_image
from egoexo_kit.synth.sensors._render import Primitives
from egoexo_kit.synth.sensors._sensors import AriaMotion, gaze_angles_cpf, write_eye_gaze, write_trajectory
from egoexo_kit.synth.sensors._views import ViewSpec, render_view
from egoexo_kit.synth.sensors._world import body_primitives, object_primitives, room_of, static_primitives
from egoexo_kit.video import encode_video
from egoexo_kit.vocab import ARIA_STREAMS

__all__ = [
    "BODY_TRUTH_RATE",
    "FLASH_SECONDS",
    "SYNC_END_LEAD",
    "add_sync_chirps",
    "raw_first_frame_times",
    "sync_event_times",
    "write_raw_capture",
]

FLASH_SECONDS = 0.05
"""How long the sync flash lights the scene."""
SYNC_END_LEAD = 0.5
"""Seconds before the end of the capture of the second sync event (two events make drift observable)."""
BODY_TRUTH_RATE = 60.0
"""Samples per second of the raw capture's body truth (``.synth/body.npz``)."""
GOPRO_MICS = np.array([[-0.08, 0.3, 2.5], [0.08, 0.3, 2.5]])
_SYNC_GAIN = 0.3


def sync_event_times(world: CaptureWorld) -> tuple[float, float]:
    """Common times (s) of the capture's two sync events (flash + chirp)."""
    return SYNC_EVENT_TIME, world.plan.duration - SYNC_END_LEAD


def _raw_frames(world: CaptureWorld, device: str, *, lead_s: float) -> tuple[DeviceClock, np.ndarray]:
    """A device's clock and the native frames of its raw recording.

    GoPro ``j`` of ``n`` starts ``lead_s * (j + 1) / n`` s before its first timesync frame.
    """
    ts = world.timesync
    clock = ts.clocks[device if device in ts.clocks else f"{device}_214-1"]
    k = ts.frames[clock.name]
    first = k[k >= 0].min()
    if device in world.plan.exo_ids:
        j = world.plan.exo_ids.index(device)
        first -= int(round(lead_s * (j + 1) / len(world.plan.exo_ids) * clock.rate))
    return clock, np.arange(first, k.max() + 1)


def raw_first_frame_times(world: CaptureWorld, *, config: SynthConfig) -> dict[str, float]:
    """Device → common time (s) of the first frame of its raw recording (``<aria>`` for the Aria RGB)."""
    out = {}
    for device in [*world.plan.exo_ids, world.plan.aria_id]:
        clock, k = _raw_frames(world, device, lead_s=config.raw_lead_s)
        out[device] = float(clock.frame_time(k[0]))
    return out


def _events(world: CaptureWorld, *, t0: float) -> list[tuple[float, str]]:
    """The scene's sounds, seconds from ``t0``: each take's contacts (the sync chirps are fed in apart)."""
    out = []
    for take in world.plan.takes:
        out += [(take.start + c.t_sec - t0, c.kind) for c in world.performances[take.take_name].contacts]
    return out


def add_sync_chirps(audio: np.ndarray, *, at_s: list[float]) -> np.ndarray:
    """Add the sync chirp to every channel of ``audio`` (S, C) at ``at_s`` seconds of its own sample clock.

    The onset is placed to a fraction of a sample (the chirp is evaluated at shifted sample times).
    """
    out = audio.copy()
    proto = chirp()
    for at in at_s:
        start = int(np.floor(at * AUDIO_RATE))
        frac = at * AUDIO_RATE - start
        t = (np.arange(proto.shape[0] + 1) - frac) / AUDIO_RATE
        wave_ = np.interp(t, np.arange(proto.shape[0]) / AUDIO_RATE, proto, left=0.0, right=0.0)
        lo, hi = max(start, 0), min(start + wave_.shape[0], out.shape[0])
        if hi > lo:
            out[lo:hi] += (_SYNC_GAIN * wave_[lo - start : hi - start])[:, None].astype(out.dtype)
    return out


def _sync_offsets(world: CaptureWorld, clock_start: float, drift: float) -> list[float]:
    """Seconds of a device's own clock from its first sample to each sync event."""
    return [(t - clock_start) * (1 + drift) for t in sync_event_times(world)]


def _frames(world: CaptureWorld, spec: ViewSpec) -> Iterator[np.ndarray]:
    """Render a device's frames over the capture, with the flash at the sync event."""
    state = world.state(spec.times)
    loose = [o.name for o in world.scene.task.objects if not o.fixed]

    def dyn(i: int) -> list[Primitives]:
        objs = {n: state.objects_T_world[n][i] for n in loose}
        return [
            *body_primitives(state.body_world[i], state.hands_world[i]),
            *object_primitives(world.scene, objs).by_id(),
        ]

    frames = render_view(
        spec, room=room_of(world.scene), static=static_primitives(world.scene), dynamic_at=dyn
    )
    for t, fr in zip(spec.times, frames, strict=True):
        rgb = fr.rgb
        if any(0 <= t - e < FLASH_SECONDS for e in sync_event_times(world)):
            rgb = (rgb.astype(np.uint16) // 3 + 180).clip(0, 255).astype(np.uint8)
        yield rgb


ARIA_EXTRA_STREAMS = {k: v for k, v in ARIA_STREAMS.items() if k != "rgb"}
"""Aria streams recorded beside the RGB (readable name → stream id): the SLAM cameras on their own
frame times (the capture's SLAM clocks, not phase-locked to the RGB), the eye tracking on the RGB's."""


def _eye_frames(world: CaptureWorld, times: np.ndarray) -> Iterator[np.ndarray]:
    """Eye-tracking pictures at common ``times``: both eyes, pupils following the true gaze."""
    state = world.state(times)
    T_world_cpf = state.T_world_head @ world.rig.T_head_device @ world.rig.T_device_cpf
    p = transform_points(invert_pose(T_world_cpf), state.gaze_world[:, None, :])[:, 0]
    yaw_l, yaw_r, pitch, _ = gaze_angles_cpf(p)
    for a, b, c in zip(yaw_r, yaw_l, pitch, strict=True):
        yield eye_image(world.rig.et_size, yaw=(float(a), float(b)), pitch=float(c))


def _aria_stream_job(device: str, *, world: CaptureWorld, out: Path, lead_s: float) -> dict:
    """Write one extra Aria stream (``aria01/slam-left`` …) in sensor orientation; returns its entry."""
    aria, readable = device.split("/")
    own = f"{aria}_{ARIA_EXTRA_STREAMS[readable]}"
    clock, k = _raw_frames(world, own if own in world.timesync.clocks else aria, lead_s=lead_s)
    times = clock.frame_time(k)
    name = f"{aria}_{ARIA_EXTRA_STREAMS[readable]}"
    if readable == "et":
        frames = _eye_frames(world, times)
    else:
        cam, T_device_cam = world.rig.cameras[readable]
        poses = world.state(times).T_world_head @ world.rig.T_head_device @ T_device_cam
        frames = _frames(world, ViewSpec(cam, poses, times, gray=True))
    encode_video(out / f"{name}.mp4", frames, fps=int(clock.rate), preset="veryfast")
    write_text(
        out / f"{name}_timestamps.csv",
        csv_text(
            ["frame_number", "capture_timestamp_ns"],
            [[int(a), int(b)] for a, b in zip(k - k[0], clock.device_ns(k), strict=True)],
        ),
    )
    return {
        "stream_id": ARIA_EXTRA_STREAMS[readable],
        "file": f"{name}.mp4",
        "timestamps": f"{name}_timestamps.csv",
    }


def _device_job(device: str, *, world: CaptureWorld, out: Path, lead_s: float) -> dict:
    """Write one device's raw recording (or one extra Aria stream); returns its manifest entry."""
    if "/" in device:
        return _aria_stream_job(device, world=world, out=out, lead_s=lead_s)
    clock, k = _raw_frames(world, device, lead_s=lead_s)
    times = clock.frame_time(k)
    if device in world.plan.exo_ids:
        cam = next(c for c in world.exo if c.cam_id == device)
        spec = ViewSpec(cam.camera, cam.T_world_cam, times)
        seconds = len(k) / clock.rate
        audio = mic_signals(
            seconds=seconds,
            events=_events(world, t0=float(times[0])),
            narration=[],
            seed=world.plan.seed + len(device),
            mics=GOPRO_MICS,
            gain=0.5,
        )
        audio = add_sync_chirps(audio, at_s=_sync_offsets(world, float(times[0]), clock.drift))
        encode_video(
            out / f"{device}.mp4",
            _frames(world, spec),
            fps=int(clock.rate),
            preset="veryfast",
            audio=(audio, AUDIO_RATE),
        )
        return {
            "device": device,
            "kind": "gopro",
            "file": f"{device}.mp4",
            "fps": clock.rate,
            "frames": len(k),
            "audio": "aac stereo 48 kHz in the mp4",
        }
    cam, T_device_cam = world.rig.cameras["rgb"]
    poses = world.state(times).T_world_head @ world.rig.T_head_device @ T_device_cam
    spec = ViewSpec(cam, poses, times)
    name = f"{device}_214-1"
    encode_video(out / f"{name}.mp4", _frames(world, spec), fps=int(clock.rate), preset="veryfast")
    ns = clock.device_ns(k)
    write_text(
        out / f"{name}_timestamps.csv",
        csv_text(
            ["frame_number", "capture_timestamp_ns"],
            [[int(a), int(b)] for a, b in zip(k - k[0], ns, strict=True)],
        ),
    )
    seconds = len(k) / clock.rate
    audio = mic_signals(
        seconds=seconds, events=_events(world, t0=float(times[0])), narration=[], seed=world.plan.seed + 7
    )
    audio = add_sync_chirps(audio, at_s=_sync_offsets(world, float(times[0]), clock.drift))
    write_pcm_wav(out / f"{device}.wav", audio)
    return {
        "device": device,
        "kind": "aria",
        "file": f"{name}.mp4",
        "timestamps": f"{name}_timestamps.csv",
        "fps": clock.rate,
        "frames": len(k),
        "orientation": "sensor (not rotated)",
        "audio": f"{device}.wav",
        "audio_first_sample_device_ns": int(ns[0]),
    }


def _write_mps(out: Path, *, world: CaptureWorld, config: SynthConfig) -> None:
    """``mps/``: ``gopro_calibs.csv``, the trajectory and ``eye_gaze/``, over the whole raw Aria recording.

    MPS runs on the capture's whole recording, so its trajectory covers every take window with its
    margins (the build cuts each take's copy from it).
    """
    seed = np.random.default_rng([config.seed, world.plan.seed, 11])
    write_gopro_calibs(out / "mps" / "gopro_calibs.csv", world.exo, graph_uid=world.plan.capture_uid)
    span = world.aria_span()
    motion = AriaMotion(
        clock=world.aria_clock(), T_world_device=world.device_poses, gaze_target=world.gaze_points
    )
    write_trajectory(
        out / "mps",
        motion=motion,
        span=span,
        rig=world.rig,
        graph_uid=world.plan.capture_uid,
        session_uid=f"{world.plan.capture_uid}-session",
        rng=seed,
    )
    write_eye_gaze(
        out / "mps" / "eye_gaze",
        motion=motion,
        span=span,
        rig=world.rig,
        rgb_mp4_size=world.rig.cameras["rgb"][0].width,
        take_start=span[0],
        rng=seed,
    )


def _write_body_truth(out: Path, *, world: CaptureWorld) -> None:
    """``.synth/body.npz``: the body over the raw Aria recording (common time and Aria clock)."""
    lo, hi = world.aria_span()
    t = lo + np.arange(int(np.floor((hi - lo) * BODY_TRUTH_RATE)) + 1) / BODY_TRUTH_RATE
    path = out / ".synth" / "body.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        np.savez_compressed(
            tmp,
            time_s=t,
            aria_device_ns=world.aria_clock().time_to_device_ns(t),
            body_world=world.state(t).body_world.astype(np.float32),
        )


def write_raw_capture(root: Path, *, world: CaptureWorld, config: SynthConfig) -> Path:
    """Write ``raw/<capture_name>/`` for one capture (see the module docstring)."""
    out = root / "raw" / world.plan.capture_name
    out.mkdir(parents=True, exist_ok=True)
    aria_id = world.plan.aria_id
    devices = [*world.plan.exo_ids, aria_id, *(f"{aria_id}/{r}" for r in ARIA_EXTRA_STREAMS)]
    jobs = pool_map(
        functools.partial(_device_job, world=world, out=out, lead_s=config.raw_lead_s),
        devices,
        workers=config.worker_count,
    )
    entries = [e for e in jobs if "device" in e]
    next(e for e in entries if e["kind"] == "aria")["streams"] = [e for e in jobs if "stream_id" in e]
    _write_mps(out, world=world, config=config)
    _write_body_truth(out, world=world)
    aria = world.aria_clock()
    log = [
        {
            "take_name": t.take_name,
            "task_id": t.task.task_id,
            "task_name": t.task.name,
            "parent_task_name": t.task.scenario_name,
            "approx_start_device_ns": int(aria.time_to_device_ns(t.start - 0.5)),
            "approx_end_device_ns": int(aria.time_to_device_ns(t.start + t.seconds + 0.5)),
        }
        for t in world.plan.takes
    ]
    write_json(out / "takes.json", log, indent=2)
    write_json(
        out / "manifest.json",
        {
            "capture_name": world.plan.capture_name,
            "university": world.plan.university,
            "participant_uid": world.plan.participant_uid,
            "physical_setting_uid": world.plan.setting_uid,
            "devices": entries,
            "sync_event": "a flash in every picture and a chirp in every audio track, at start and end",
        },
        indent=2,
    )
    return out
