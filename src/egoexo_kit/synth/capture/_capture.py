"""One capture's world: participant, scene, rig, device clocks, sync table and the takes' performances."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egoexo_kit._io import write_text
from egoexo_kit.geometry import interpolate_poses, matrix_to_quat
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth.capture._clocks import (
    ARIA_SYNC_STREAMS,
    DeviceClock,
    SyncTable,
    build_timesync,
    timesync_columns,
)
from egoexo_kit.synth.capture._rig import AriaRig, ExoCamera, make_aria_rig, make_exo_cameras
from egoexo_kit.synth.motion import (
    Body,
    Performance,
    Scene,
    State,
    chain,
    concatenate,
    make_scene,
    perform,
    sample,
)
from egoexo_kit.synth.plan import CapturePlan, TakePlan, plan_take

__all__ = [
    "CaptureWorld",
    "build_capture",
    "csv_text",
    "portrait_cameras",
    "take_state",
    "write_gopro_calibs",
    "write_timesync",
]

PERF_FPS = 60.0
"""Sampling rate of the animation; device frames in between are interpolated."""
GOPRO_RATE = 60.0
ARIA_RATE = 30.0
SCALE_PERF_FPS = 10.0
"""Animation rate in annotation-scale mode (no video to render; aligned frames are interpolated)."""


@dataclass
class CaptureWorld:
    """Everything shared by the takes of one capture, plus each take's performance."""

    plan: CapturePlan
    body: Body
    scene: Scene
    exo: list[ExoCamera]
    rig: AriaRig
    clocks: list[DeviceClock]
    timesync: SyncTable
    performances: dict[str, Performance]
    """Take name → its animation (seconds from take start)."""

    def aria_clock(self, stream: str = "214-1") -> DeviceClock:
        """The clock of one Aria stream."""
        return self.timesync.clocks[f"{self.plan.aria_id}_{stream}"]

    def aria_span(self) -> tuple[float, float]:
        """Common times (s) of the capture's first and last Aria RGB frame: the whole headset recording.

        MPS runs on the capture's whole VRS, so the capture's trajectory and eye gaze cover this span, not
        only the takes (every take window, margins included, lies inside it).
        """
        t = self.timesync.frame_times(f"{self.plan.aria_id}_214-1")
        return float(np.nanmin(t)), float(np.nanmax(t))

    def device_poses(self, t: np.ndarray) -> np.ndarray:
        """``T_world_device`` (M, 4, 4) at common times, across takes; gaps are interpolated."""
        return interpolate_poses(np.asarray(t, dtype=np.float64), self._times, self._device)

    def gaze_points(self, t: np.ndarray) -> np.ndarray:
        """(M, 3) fixated world point at common times, across takes."""
        t = np.asarray(t, dtype=np.float64)
        return np.stack([np.interp(t, self._times, self._gaze[:, k]) for k in range(3)], axis=-1)

    def state(self, t: np.ndarray) -> State:
        """The world at common times anywhere in the capture; between takes it moves linearly."""
        return sample(self._timeline, np.asarray(t, dtype=np.float64))

    def _index(self) -> None:
        tables = []
        for take in self.plan.takes:
            perf = self.performances[take.take_name]
            tables.append(dataclasses.replace(sample(perf, perf.t), t=take.start + perf.t))
        self._timeline = concatenate(tables)
        self._times = self._timeline.t
        self._device = self._timeline.T_world_head @ self.rig.T_head_device
        self._gaze = self._timeline.gaze_world


def _clocks(plan: CapturePlan, rng: np.random.Generator) -> list[DeviceClock]:
    """One clock per GoPro (60 fps) and per synced Aria stream (30 fps), each with offset and drift."""
    clocks = []
    origin = int(rng.integers(10**12, 5 * 10**12)) // 1000 * 1000
    aria_start, aria_drift = float(rng.uniform(-0.02, 0.02)), float(rng.uniform(-3e-5, 3e-5))
    for k, sid in enumerate(ARIA_SYNC_STREAMS):
        offset = 0.0 if sid == "214-1" else 0.001 * k  # SLAM exposures are not phase-locked to RGB
        clocks.append(
            DeviceClock(
                f"{plan.aria_id}_{sid}",
                ARIA_RATE,
                aria_start + offset,
                aria_drift,
                ns_origin=origin + int(offset * 1e9),
            )
        )
    for cam in plan.exo_ids:
        clocks.append(
            DeviceClock(cam, GOPRO_RATE, float(rng.uniform(-0.05, 0.05)), float(rng.uniform(-5e-5, 5e-5)))
        )
    return clocks


def portrait_cameras(scenario: str, exo_ids: Sequence[str]) -> tuple[str, ...]:
    """GoPros mounted portrait in a capture: the 1st and 4th of a rock-climbing capture.

    The official undistortion notes "bouldering cam01 and cam04 are vertical"
    (``facebookresearch/Ego4d: ego4d/internal/human_pose/undistort_to_halo.py``).
    """
    if scenario.lower() != "rock climbing":
        return ()
    return tuple(exo_ids[i] for i in (0, 3) if i < len(exo_ids))


def build_capture(plan: CapturePlan, *, config: SynthConfig) -> CaptureWorld:
    """Participant, scene, rig, clocks, sync table and every take's performance of one capture."""
    rng = np.random.default_rng([config.seed, plan.seed])
    body = Body.from_height(plan.participant_height, rng=rng)
    task = plan.takes[0].task
    scene = make_scene(task, rng=rng, body=body)
    target = (
        scene.T_world_table[:3, 3] + [0.0, 0.0, 0.25]
        if task.procedural
        else scene.T_world_stand[:3, 3] + [0.0, 0.0, 1.0]
    )
    exo = make_exo_cameras(
        list(plan.exo_ids),
        size=config.exo_size,
        target=target,
        rng=rng,
        portrait=() if config.clean else portrait_cameras(task.scenario_name, plan.exo_ids),
    )
    rig = make_aria_rig(
        plan.aria_id, rgb_size=config.ego_size, slam_size=config.slam_size, et_size=config.et_size, rng=rng
    )
    clocks = _clocks(plan, rng)
    recording = {c.name: (0.0, plan.duration) for c in clocks}
    for cam in plan.exo_ids:  # GoPros are started by hand a moment after the headset
        recording[cam] = (float(rng.uniform(0.1, 0.3)), plan.duration)
    ts = build_timesync(clocks, duration=plan.duration, recording=recording)
    fps = SCALE_PERF_FPS if config.scale else PERF_FPS
    perfs = {t.take_name: _perform_take(t, body=body, scene=scene, fps=fps) for t in plan.takes}
    world = CaptureWorld(
        plan=plan, body=body, scene=scene, exo=exo, rig=rig, clocks=clocks, timesync=ts, performances=perfs
    )
    if not config.scale:  # the capture-wide timeline serves sensors and raw recordings only
        world._index()
    return world


def _perform_take(take: TakePlan, *, body: Body, scene: Scene, fps: float) -> Performance:
    """Plan and animate a take; a take of several rounds chains one performance per round."""
    if take.rounds == 1:
        plan = plan_take(take.task, proficiency=take.proficiency, seconds=take.seconds, rng=take.seed)
        return perform(plan, body=body, scene=scene, rng=take.seed, seconds=take.seconds, fps=fps)
    seconds = take.seconds / take.rounds
    seeds = np.random.default_rng([take.seed, 3]).integers(2**31, size=take.rounds)
    return chain(
        [
            perform(
                plan_take(take.task, proficiency=take.proficiency, seconds=seconds, rng=int(s)),
                body=body,
                scene=scene,
                rng=int(s),
                seconds=seconds,
                fps=fps,
            )
            for s in seeds
        ]
    )


def csv_text(header: list[str], rows: list[list[object]]) -> str:
    """CSV text with a header row and Unix line ends."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_timesync(path: Path, ts: SyncTable) -> None:
    """``timesync.csv`` of a capture (FORMAT §3.1)."""
    header, rows = timesync_columns(ts)
    write_text(path, csv_text(header, rows))


def write_gopro_calibs(path: Path, exo: list[ExoCamera], *, graph_uid: str) -> None:
    """``gopro_calibs.csv``: KB3 intrinsics at the MP4 size and ``T_world_cam`` per GoPro (FORMAT §6.3).

    ``image_width/height`` are the nominal landscape size (long side first) for every camera, as the
    official undistortion assumes (``dimension=(3840, 2160)``, swapped for portrait frames): a
    portrait camera's intrinsics are in its portrait pixels while the size columns read landscape.
    """
    header = [
        "cam_uid",
        "graph_uid",
        "tx_world_cam",
        "ty_world_cam",
        "tz_world_cam",
        "qx_world_cam",
        "qy_world_cam",
        "qz_world_cam",
        "qw_world_cam",
        "image_width",
        "image_height",
        "intrinsics_type",
        *(f"intrinsics_{i}" for i in range(8)),
        "start_frame_idx",
        "end_frame_idx",
        "quality",
    ]
    rows = []
    for c in exo:
        t, q = c.T_world_cam[:3, 3], matrix_to_quat(c.T_world_cam[:3, :3])
        rows.append(
            [
                c.cam_id,
                graph_uid,
                *(f"{v:.6f}" for v in t),
                *(f"{v:.9f}" for v in q),
                max(c.camera.width, c.camera.height),
                min(c.camera.width, c.camera.height),
                "KANNALABRANDTK3",
                *(f"{v:.6f}" for v in c.camera.params),
                -1,
                -1,
                1,
            ]
        )
    write_text(path, csv_text(header, rows))


def take_state(world: CaptureWorld, take: TakePlan, t_common: np.ndarray) -> State:
    """The world of ``take`` at common times."""
    return sample(world.performances[take.take_name], np.asarray(t_common) - take.start)
