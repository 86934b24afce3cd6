"""``generate_release``: the whole synthetic release, deterministic in the config's seed.

Plan → per capture (world, sync table, capture MPS files) → per take (render, sensors, ground
truth) → metadata JSONs, annotations and the ``.synth/`` ground truth.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit._parallel import pool_map
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth._groundtruth import (
    capture_truth,
    write_capture_truth,
    write_readme,
    write_release_truth,
    write_take_truth,
)
from egoexo_kit.synth._metadata import UidSource, capture_record, take_record
from egoexo_kit.synth.annotations import (
    TakeAnnotationParts,
    annotate_take,
    write_annotation_files,
    write_annotations,
    write_keystep_clips,
)
from egoexo_kit.synth.capture import (
    CaptureWorld,
    TakeTruth,
    build_capture,
    write_gopro_calibs,
    write_timesync,
)
from egoexo_kit.synth.irregular import apply_irregularities, record
from egoexo_kit.synth.plan import PROFICIENCY_LEVELS, CapturePlan, ReleasePlan, TakePlan, plan_release
from egoexo_kit.synth.sensors import (
    AriaMotion,
    build_truth,
    render_take,
    write_audio,
    write_eye_gaze,
    write_point_cloud,
    write_raw_capture,
    write_trajectory,
    write_transcription,
)

__all__ = ["Progress", "generate_release"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``."""


def _motion(world: CaptureWorld) -> AriaMotion:
    return AriaMotion(
        clock=world.aria_clock(), T_world_device=world.device_poses, gaze_target=world.gaze_points
    )


def _scene_points(world: CaptureWorld, rng: np.random.Generator, n: int = 1500) -> np.ndarray:
    """Points on the static surfaces (floor, walls, table top) for the semidense point cloud."""
    sx, sy, sz = world.scene.room_size_m
    k = rng.integers(0, 4, size=n)
    u, v = rng.uniform(-0.5, 0.5, n), rng.uniform(0, 1, n)
    floor = np.stack([u * sx, rng.uniform(-0.5, 0.5, n) * sy, np.zeros(n)], -1)
    wall_x = np.stack([np.sign(u) * sx / 2, rng.uniform(-0.5, 0.5, n) * sy, v * sz], -1)
    wall_y = np.stack([u * sx, np.sign(rng.uniform(-1, 1, n)) * sy / 2, v * sz], -1)
    w, d, _ = world.scene.table_size_m
    top = world.scene.T_world_table
    table = (top[:3, :3] @ np.stack([u * w, rng.uniform(-0.5, 0.5, n) * d, np.zeros(n)])).T + top[:3, 3]
    return np.choose(k[:, None], [floor, wall_x, wall_y, table])


def _write_mps(
    folder: Path, world: CaptureWorld, *, span: tuple[float, float], graph_uid: str, rng: np.random.Generator
) -> None:
    """A ``trajectory/`` folder: closed/open loop, online calibration, GoPro calibration, point cloud."""
    motion = _motion(world)
    session = str(UidSource(int(rng.integers(2**31)))())
    write_trajectory(
        folder, motion=motion, span=span, rig=world.rig, graph_uid=graph_uid, session_uid=session, rng=rng
    )
    write_gopro_calibs(folder / "gopro_calibs.csv", world.exo, graph_uid=graph_uid)
    write_point_cloud(
        folder,
        points_world=_scene_points(world, rng),
        graph_uid=graph_uid,
        motion=motion,
        span=span,
        rig=world.rig,
        rng=rng,
    )


def _write_capture_files(
    root: Path, world: CaptureWorld, *, graph_uid: str, rng: np.random.Generator
) -> None:
    cap_dir = root / "captures" / world.plan.capture_name
    write_timesync(cap_dir / "timesync.csv", world.timesync)
    _write_mps(cap_dir / "trajectory", world, span=world.aria_span(), graph_uid=graph_uid, rng=rng)


def _write_take_sensors(
    root: Path, world: CaptureWorld, take: TakePlan, *, graph_uid: str, rng: np.random.Generator
) -> None:
    take_dir = root / "takes" / take.take_name
    motion = _motion(world)
    aria = world.timesync.frame_times(f"{world.plan.aria_id}_214-1")[take.start_idx + 1 : take.end_idx]
    span = (float(aria[0]), float(aria[-1]))
    _write_mps(take_dir / "trajectory", world, span=span, graph_uid=graph_uid, rng=rng)
    write_eye_gaze(
        take_dir / "eye_gaze",
        motion=motion,
        span=span,
        rig=world.rig,
        rgb_mp4_size=world.rig.cameras["rgb"][0].width,
        take_start=take.start,
        rng=rng,
    )
    perf = world.performances[take.take_name]
    events = [(c.t_sec, c.kind) for c in perf.contacts]
    narration = [(n.t_sec, n.text) for n in perf.narration] if take.narrated else []
    aria_id = world.plan.aria_id
    write_audio(
        take_dir / "audio" / f"{aria_id}.wav",
        seconds=take.seconds,
        events=events,
        narration=narration,
        seed=take.seed,
    )
    _write_narration(root, world, take)


def _write_narration(root: Path, world: CaptureWorld, take: TakePlan) -> None:
    """``takes/<take>/audio/<aria>_transcriptions.json`` of a Narrate-and-Act take (nothing otherwise)."""
    if not take.narrated:
        return
    lines = [(n.t_sec, n.text) for n in world.performances[take.take_name].narration]
    write_transcription(
        root / "takes" / take.take_name / "audio" / f"{world.plan.aria_id}_transcriptions.json",
        narration=lines,
        seconds=take.seconds,
        seed=take.seed,
    )


def _task_window(truth: TakeTruth) -> tuple[float, float]:
    """``(task_start_sec, task_end_sec)``: from the first step's start to the last step's end."""
    segs = truth.perf.segments
    return (segs[0].start_sec, segs[-1].end_sec) if segs else (0.0, truth.plan.seconds)


def _take_json(
    take: TakePlan,
    *,
    uid: UidSource,
    cap: CapturePlan,
    cap_rec: dict[str, Any],
    best: str,
    task_window: tuple[float, float],
) -> dict[str, Any]:
    objects = [{"object_uid": str(o.uid), "name": o.name} for o in take.task.objects]
    return take_record(
        uid=uid,
        capture=cap_rec,
        take_idx=take.take_idx,
        window=(take.start_idx, take.end_idx),
        task=(take.task.task_id, take.task.name, take.task.scenario_name),
        participant_uid=cap.participant_uid,
        best_exo=best,
        task_window=task_window,
        narrated=take.narrated,
        objects=objects,
        exo_ids=list(cap.exo_ids),
        aria_id=cap.aria_id,
        take_uid=take.take_uid,
    )


def _best_exo(truth: TakeTruth) -> str:
    """The GoPro that sees the participant's hands nearest its image centre, on average."""
    hands = truth.hands_world[:, [0, 21]].reshape(-1, 3)
    best, score = truth.exo_views[0].cam_id, np.inf
    for v in truth.exo_views:
        T = np.linalg.inv(v.T_world_cam[0])
        p = hands @ T[:3, :3].T + T[:3, 3]
        px, ok = v.camera.project(p)
        if ok.any():
            d = (
                np.nanmean(np.hypot(px[ok, 0] - v.camera.width / 2, px[ok, 1] - v.camera.height / 2))
                / ok.mean()
            )
            if d < score:
                best, score = v.cam_id, d
    return best


def _participants(plans: tuple[CapturePlan, ...]) -> list[dict[str, Any]]:
    out = []
    for c in plans:
        meta = {
            "age_range": ["18-24", "25-30", "31-40", "41-50"][c.participant_uid % 4],
            "height_m": round(c.participant_height, 3),
            "proficiency": c.takes[0].proficiency if c.takes else PROFICIENCY_LEVELS[0],
            "synthetic": True,
        }
        out.append(
            {
                "participant_uid": c.participant_uid,
                "university_name": c.university,
                "collection_date": "2023-07-19",
                "metadata": json.dumps(meta),
            }
        )
    return out


def _capture_json(cap: CapturePlan, uid: UidSource) -> dict[str, Any]:
    return capture_record(
        uid=uid,
        capture_name=cap.capture_name,
        university=cap.university,
        aria_id=cap.aria_id,
        exo_ids=list(cap.exo_ids),
        setting_uid=cap.setting_uid,
        capture_uid=cap.capture_uid,
    )


def _write_metadata(
    root: Path, plan: ReleasePlan, *, takes_json: list[dict[str, Any]], captures_json: list[dict[str, Any]]
) -> None:
    """``takes.json``, ``captures.json``, ``participants.json`` and the other release-wide metadata."""
    tasks = {t.task.task_id: t.task for t in plan.takes}
    write_json(root / "takes.json", takes_json)
    write_json(root / "captures.json", captures_json)
    write_json(root / "participants.json", _participants(plan.captures))
    write_json(
        root / "physical_setting.json", [{"physical_setting_uid": c.setting_uid} for c in plan.captures]
    )
    write_json(
        root / "visual_objects.json",
        [{"object_uid": str(o.uid), "name": o.name} for t in tasks.values() for o in t.objects],
    )
    write_json(root / "metadata.json", {"tasks": {str(k): t.name for k, t in sorted(tasks.items())}})


def _record_portrait(root: Path, world: CaptureWorld) -> None:
    """Record the capture's portrait GoPros (made while rendering) in ``.synth/irregularities.json``."""
    records = [
        {
            "file": f"captures/{world.plan.capture_name}/trajectory/gopro_calibs.csv",
            "capture_uid": world.plan.capture_uid,
            "cam_id": c.cam_id,
            "video_size": [c.camera.width, c.camera.height],
            "calib_size": [max(c.camera.width, c.camera.height), min(c.camera.width, c.camera.height)],
            "what": "portrait GoPro: video taller than wide, intrinsics in portrait pixels, "
            "image_width/height the nominal landscape size",
        }
        for c in world.exo
        if c.camera.height > c.camera.width
    ]
    if records:
        record(root, "portrait_gopro", records)


def generate_release(out: str | Path, config: SynthConfig, *, progress: Progress | None = None) -> Path:
    """Generate a complete synthetic release in the official layout at ``out`` (created if needed)."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    plan = plan_release(config)
    if config.scale:
        _generate_scale(root, config, plan=plan, progress=progress)
        apply_irregularities(root, config)
        return root
    uid = plan.uid
    captures_json, takes_json, truths, worlds = [], [], [], []
    graph_uids: dict[str, str] = {}
    total, done = len(plan.takes), 0
    for cap in plan.captures:
        rng = np.random.default_rng([config.seed, cap.seed, 7])
        world = build_capture(cap, config=config)
        worlds.append(world)
        _record_portrait(root, world)
        cap_rec = _capture_json(cap, uid)
        captures_json.append(cap_rec)
        graph_uids[cap.capture_name] = graph = uid()
        if not config.annotations_only:
            _write_capture_files(root, world, graph_uid=graph, rng=rng)
        if config.raw:
            if progress:
                progress(f"raw {cap.capture_name}", done, total)
            raw = write_raw_capture(root, world=world, config=config)
            if not config.annotations_only:  # MPS outputs and exo calibration, as a capture's raw folder has
                shutil.copytree(
                    root / "captures" / cap.capture_name / "trajectory", raw / "mps", dirs_exist_ok=True
                )
        for take in cap.takes:
            if progress:
                progress(f"take {take.take_name}", done, total)
            truth = render_take(root, world=world, truth=build_truth(world, take), config=config)
            if not config.annotations_only:
                _write_take_sensors(root, world, take, graph_uid=graph, rng=rng)
            write_take_truth(root, world=world, truth=truth)
            takes_json.append(
                _take_json(
                    take,
                    uid=uid,
                    cap=cap,
                    cap_rec=cap_rec,
                    best=_best_exo(truth),
                    task_window=_task_window(truth),
                )
            )
            truths.append(truth)
            done += 1
    if progress:
        progress("annotations", done, total)
    _write_metadata(root, plan, takes_json=takes_json, captures_json=captures_json)
    write_annotations(root, truths=truths, all_takes=plan.takes, rng_seed=config.seed)
    if config.downscaled and not config.annotations_only:  # a part, not an irregularity: --clean keeps it
        if progress:
            progress("keystep clips", done, total)
        write_keystep_clips(root, workers=config.worker_count)
    write_capture_truth(root, config=config, worlds=worlds, graph_uids=graph_uids)
    apply_irregularities(root, config)
    write_readme(root)
    if progress:
        progress("done", total, total)
    return root


@dataclass(frozen=True)
class _ScaleCapture:
    """What a worker returns for one capture of an annotation-scale release."""

    takes: list[tuple[TakeAnnotationParts, str, tuple[float, float]]]
    """Per take: its annotations, best exo camera, task window."""
    truth: dict[str, Any]
    """The capture's entry of ``.synth/release.json`` (without ``graph_uid``)."""


def _scale_capture(cap: CapturePlan, *, root: Path, config: SynthConfig) -> _ScaleCapture:
    """Animate one capture and annotate its takes, rendering only the few takes' masks (in a worker)."""
    world = build_capture(cap, config=config)
    one = dataclasses.replace(config, workers=1)  # already in a worker: render views one by one
    out = []
    for take in cap.takes:
        truth = build_truth(world, take, exact=False)
        if take.mask_frames:
            truth = render_take(root, world=world, truth=truth, config=one)
        _write_narration(root, world, take)
        out.append(
            (
                annotate_take(root / "annotations", truth, seed=config.seed, fast_audio=True),
                _best_exo(truth),
                _task_window(truth),
            )
        )
    return _ScaleCapture(takes=out, truth=capture_truth(world, config=config, graph_uid=None))


def _generate_scale(root: Path, config: SynthConfig, *, plan: ReleasePlan, progress: Progress | None) -> None:
    """An annotation-scale release (:attr:`SynthConfig.scale`): captures in parallel, no per-take truth.

    Workers animate and annotate whole captures and write each take's own files; this process then
    draws the uids in the same order as the rendering path and writes the release-wide files.
    """
    total = len(plan.captures)

    def done(n: int) -> None:
        if progress:
            progress("captures", n, total)

    results = pool_map(
        functools.partial(_scale_capture, root=root, config=config),
        list(plan.captures),
        workers=config.worker_count,
        on_done=done,
    )
    uid = plan.uid
    captures_json, takes_json, truth = [], [], {}
    for cap, res in zip(plan.captures, results, strict=True):
        cap_rec = _capture_json(cap, uid)
        captures_json.append(cap_rec)
        truth[cap.capture_name] = res.truth | {"graph_uid": uid()}
        for take, (_, best, window) in zip(cap.takes, res.takes, strict=True):
            takes_json.append(
                _take_json(take, uid=uid, cap=cap, cap_rec=cap_rec, best=best, task_window=window)
            )
    if progress:
        progress("annotations", total, total)
    _write_metadata(root, plan, takes_json=takes_json, captures_json=captures_json)
    write_annotation_files(
        root / "annotations",
        takes=[t for res in results for t, _, _ in res.takes],
        all_takes=plan.takes,
        seed=config.seed,
    )
    write_release_truth(root, config=config, captures=truth)
    write_readme(root)
    if progress:
        progress("done", total, total)


def generate_raw(out: str | Path, config: SynthConfig) -> Path:
    """Write only the raw captures of ``config`` and their clock truth; returns ``<out>/raw``.

    ``<out>/raw/<capture>/`` (input of ``build``) and ``<out>/.synth/release.json``, without rendering the
    release itself.
    """
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    worlds = [build_capture(c, config=config) for c in plan_release(config).captures]
    for world in worlds:
        write_raw_capture(root, world=world, config=config)
    write_capture_truth(root, config=config, worlds=worlds, graph_uids={})
    return root / "raw"
