"""Write the exact ground truth of a generated release under ``<release>/.synth/`` (see GROUND_TRUTH)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import atomic_path, write_json, write_text
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth.capture import CaptureWorld, TakeTruth
from egoexo_kit.synth.plan import SYNC_EVENT_TIME
from egoexo_kit.synth.sensors import raw_first_frame_times, sync_event_times

__all__ = [
    "GROUND_TRUTH",
    "capture_truth",
    "write_capture_truth",
    "write_readme",
    "write_release_truth",
    "write_take_truth",
]

GROUND_TRUTH = """\
# Ground truth of a synthetic egoexo-kit release

Everything the generator knows, beside the release (which follows the official Ego-Exo4D layout).
Units: metres, seconds, world frame z up (gravity -z); poses are 4x4 `T_a_b` (maps frame b to a);
camera frames use OpenCV axes (x right, y down, z forward). "Common time" is the capture's sync axis:
row `r` of `timesync.csv` is at common time `r / 30`.

## release.json
- `config`: the generator settings; `sync_event_time`: common time (s) of the flash + chirp.
- `captures[<capture_name>]`: `capture_uid`, `duration` (s), `graph_uid` (the MPS world id), and
  `clocks[<device>]` = {`rate` fps, `start` common time of native frame 0, `drift` (relative rate
  error), `ns_origin` device-clock ns of frame 0 (Aria)}: native frame `k` is captured at
  `start + k / (rate * (1 + drift))`; the Aria device clock reads `ns_origin + k * 1e9 / rate`.
  `sync_event_times`: common times (s) of the two sync events of the raw recordings (start, end);
  `raw_first_frame_times[<device>]`: common time of frame 0 of the device's raw recording
  (`<aria>` = its RGB stream).

## irregularities.json
What was made irregular on purpose, as real releases are (nothing with `--clean`): `clean` (bool),
then per irregularity name a list of records saying where (file, take, rows, keys) and what.

## takes/<take_name>/truth.npz
- `nominal_time` (N,): common time of aligned frame i (= take start + i / 30).
- `body_world` (N, 17, 3), `hands_world` (N, 42, 3): joints at `nominal_time`, FORMAT §7.9 orders
  (COCO body; hands right first: wrist, thumb_1..4, index_1..4, middle_1..4, ring_1..4, pinky_1..4).
- `object_names` (K,), `objects_world` (K, N, 4, 4): `T_world_object` (bottom centre, z up).
- `imu_device_ns` (M,), `gyro_device` (M, 3) rad/s, `accel_device` (M, 3) m/s²: the ideal Aria IMU at
  1 kHz over the take (specific force, gravity included), device frame; the release itself has IMU
  data only inside VRS files, which are not generated.
- `view_keys` (V,); for each view key `k` (with `/` replaced by `__`): `<k>__T_world_cam` (N, 4, 4)
  pose when frame i was captured, `<k>__frame_times` (N,) common capture time of frame i.

## takes/<take_name>/cameras.json
Per view key: `cam_id`, `stream`, `model` (`kb3` = OpenCV fisheye `[fx, fy, cx, cy, k1..k4]`,
`fisheye624` = Aria `[f, cx, cy, k0..k5, p0, p1, s0..s3]`), `params`, `width`, `height` (the camera's
own, sensor orientation), `rotated` (the MP4 is the sensor image turned 90° clockwise),
`mp4_size`. Also `T_head_device` and `T_device_camera[stream]` of the Aria, `T_device_cpf`.

## takes/<take_name>/labels.json
The full labels, test split included: `split`, `proficiency`, `task_id`, `task_name`,
`segments` [{name, unique_id, node_id, start_sec, end_sec, essential, mistake}], `pauses`,
`skipped`, `contacts` [{t_sec, object, kind}], `narration` [{t_sec, text}], `attended` (per aligned
frame: the object looked at, "" for none). Times are seconds from take start.
"""


def write_readme(root: Path) -> None:
    """``.synth/README.md``: the format description above."""
    write_text(root / ".synth" / "README.md", GROUND_TRUTH)


def capture_truth(world: CaptureWorld, *, config: SynthConfig, graph_uid: str | None) -> dict[str, Any]:
    """One capture's entry of ``.synth/release.json``: uid, duration, MPS graph, clocks, sync events."""
    return {
        "capture_uid": world.plan.capture_uid,
        "duration": world.plan.duration,
        "graph_uid": graph_uid,
        "clocks": {
            c.name: {"rate": c.rate, "start": c.start, "drift": c.drift, "ns_origin": c.ns_origin}
            for c in world.clocks
        },
        "sync_event_times": list(sync_event_times(world)),
        "raw_first_frame_times": raw_first_frame_times(world, config=config),
    }


def write_capture_truth(
    root: Path, *, config: SynthConfig, worlds: list[CaptureWorld], graph_uids: dict[str, str]
) -> None:
    """``.synth/release.json``: config and every device clock of every capture."""
    entries = {
        w.plan.capture_name: capture_truth(w, config=config, graph_uid=graph_uids.get(w.plan.capture_name))
        for w in worlds
    }
    write_release_truth(root, config=config, captures=entries)


def write_release_truth(root: Path, *, config: SynthConfig, captures: dict[str, dict[str, Any]]) -> None:
    """``.synth/release.json`` from the captures' entries (:func:`capture_truth`)."""
    write_json(
        root / ".synth" / "release.json",
        {
            "generator": "egoexo-kit synth",
            "config": dataclasses.asdict(config),
            "sync_event_time": SYNC_EVENT_TIME,
            "captures": captures,
        },
        indent=2,
    )


def _pose_list(T: np.ndarray) -> list[list[float]]:
    return np.round(T, 9).tolist()


IMU_RATE = 1000.0


def _imu(world: CaptureWorld, *, start: float, seconds: float) -> dict[str, np.ndarray]:
    """Ideal IMU of the Aria device over the take at 1 kHz (the release has IMU only inside VRS files).

    ``imu_device_ns`` device-clock time, ``gyro_device`` (rad/s) and ``accel_device`` (specific force,
    m/s², gravity included: ``R_world_device^T (a_world - g)``) in the device frame.
    """
    t = start + np.arange(int(seconds * IMU_RATE) + 1) / IMU_RATE
    T = world.device_poses(t)
    R, p = T[:, :3, :3], T[:, :3, 3]
    a_world = np.gradient(np.gradient(p, t, axis=0), t, axis=0)
    accel = np.einsum("nji,nj->ni", R, a_world - [0.0, 0.0, -9.81])
    dR = np.einsum("nji,njk->nik", R[:-1], R[1:])  # R_i^T R_{i+1}
    skew = (dR - np.transpose(dR, (0, 2, 1))) / 2
    gyro = np.stack([skew[:, 2, 1], skew[:, 0, 2], skew[:, 1, 0]], axis=-1) * IMU_RATE
    gyro = np.concatenate([gyro, gyro[-1:]])
    return {
        "imu_device_ns": world.aria_clock().time_to_device_ns(t),
        "gyro_device": gyro,
        "accel_device": accel,
    }


def write_take_truth(root: Path, *, world: CaptureWorld, truth: TakeTruth) -> None:
    """``.synth/takes/<take>/``: arrays, cameras and labels of one take."""
    folder = root / ".synth" / "takes" / truth.plan.take_name
    take = truth.plan
    names = sorted(truth.objects_world)
    arrays: dict[str, np.ndarray] = {
        "nominal_time": take.start + np.arange(take.n_frames) / 30.0,
        "body_world": truth.body_world,
        "hands_world": truth.hands_world,
        "object_names": np.array(names, dtype=str),
        "objects_world": np.stack([truth.objects_world[n] for n in names])
        if names
        else np.zeros((0, take.n_frames, 4, 4)),
        "view_keys": np.array(list(truth.views), dtype=str),
    }
    arrays |= _imu(world, start=take.start, seconds=take.seconds)
    for key, v in truth.views.items():
        k = key.replace("/", "__")
        arrays[f"{k}__T_world_cam"] = v.T_world_cam
        arrays[f"{k}__frame_times"] = v.frame_times
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / "truth.npz") as tmp, tmp.open("wb") as f:
        np.savez_compressed(f, **arrays)
    cams = {
        key: {
            "cam_id": v.cam_id,
            "stream": v.stream,
            "model": v.camera.model,
            "params": v.camera.params.tolist(),
            "width": v.camera.width,
            "height": v.camera.height,
            "rotated": v.rotated,
            "mp4_size": list(v.mp4_size),
        }
        for key, v in truth.views.items()
    }
    rig = world.rig
    cams["aria"] = {
        "aria_id": rig.aria_id,
        "T_head_device": _pose_list(rig.T_head_device),
        "T_device_cpf": _pose_list(rig.T_device_cpf),
        "T_device_camera": {s: _pose_list(T) for s, (_, T) in rig.cameras.items()},
    }
    write_json(folder / "cameras.json", cams, indent=2)
    perf = truth.perf
    idx = np.clip(np.rint(np.arange(take.n_frames) / 30.0 * perf.fps).astype(int), 0, len(perf.t) - 1)
    labels = {
        "take_uid": take.take_uid,
        "take_name": take.take_name,
        "split": take.split,
        "proficiency": take.proficiency,
        "task_id": take.task.task_id,
        "task_name": take.task.name,
        "segments": [
            {
                "name": s.name,
                "unique_id": s.unique_id,
                "node_id": s.node_id,
                "start_sec": s.start_sec,
                "end_sec": s.end_sec,
                "essential": s.essential,
                "mistake": s.mistake,
            }
            for s in perf.segments
        ],
        "pauses": [list(p) for p in perf.pauses],
        "contacts": [{"t_sec": c.t_sec, "object": c.object_name, "kind": c.kind} for c in perf.contacts],
        "narration": [{"t_sec": n.t_sec, "text": n.text} for n in perf.narration],
        "attended": [str(a) for a in perf.attended[idx]],
    }
    write_json(folder / "labels.json", labels, indent=2)
