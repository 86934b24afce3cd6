"""Per take: its ground truth, its rendered views (MP4s, 448p, collage, ET) and its sampled masks."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egoexo_kit._parallel import pool_map
from egoexo_kit.geometry import invert_pose, transform_points
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth._metadata import ARIA_STREAMS
from egoexo_kit.synth.capture import CaptureWorld, PackedMasks, TakeTruth, ViewTruth, take_state
from egoexo_kit.synth.plan import TakePlan
from egoexo_kit.synth.sensors._audio import RATE as AUDIO_RATE
from egoexo_kit.synth.sensors._audio import mic_signals
from egoexo_kit.synth.sensors._eyes import eye_image
from egoexo_kit.synth.sensors._render import Primitives
from egoexo_kit.synth.sensors._sensors import gaze_angles_cpf
from egoexo_kit.synth.sensors._views import ViewSpec, render_view
from egoexo_kit.synth.sensors._world import (
    body_primitives,
    object_id,
    object_primitives,
    room_of,
    static_primitives,
)
from egoexo_kit.video import downscale_video, encode_video, write_collage

__all__ = ["MASK_EVERY", "POSE_EVERY", "build_truth", "render_take"]

MASK_EVERY = 30
"""Relation masks are annotated at 1 fps (FORMAT §7.6)."""
POSE_EVERY = 15
"""Manual EgoPose annotation frames (depth is kept at these to decide occlusion)."""
SYNTH_448_PRESET = "veryfast"
"""x264 preset of the synthetic 448p variants (the release used ffmpeg's default, ``medium``; a choice
for speed that changes file sizes, not pixels' geometry)."""


def build_truth(world: CaptureWorld, take: TakePlan, *, exact: bool = True) -> TakeTruth:
    """Views (camera, per-frame pose and capture time) and joints at the aligned frames of ``take``.

    ``exact=False`` (annotation-scale mode) leaves out the Aria SLAM views, which no annotation uses,
    and poses the Aria RGB camera at the frames' nominal times rather than their capture times
    (milliseconds apart), sampling the animation once instead of twice.
    """
    ts, rows = world.timesync, slice(take.start_idx + 1, take.end_idx)
    views: dict[str, ViewTruth] = {}
    aria = world.plan.aria_id
    nominal = take.start + np.arange(take.n_frames) / 30.0
    nominal_state = take_state(world, take, nominal)
    for stream in ("rgb", "slam-left", "slam-right") if exact else ("rgb",):
        times = ts.frame_times(f"{aria}_{ARIA_STREAMS[stream]}")[rows]
        cam, T_device_cam = world.rig.cameras[stream]
        state = take_state(world, take, times) if exact else nominal_state
        poses = state.T_world_head @ world.rig.T_head_device @ T_device_cam
        views[f"{aria}/{stream}"] = ViewTruth(aria, stream, cam, poses, times, rotated=True)
    for c in world.exo:
        times = ts.frame_times(c.cam_id)[rows]
        views[c.cam_id] = ViewTruth(
            c.cam_id, "0", c.camera, np.repeat(c.T_world_cam[None], len(times), 0), times, rotated=False
        )
    state = nominal_state
    return TakeTruth(
        plan=take,
        capture=world.plan,
        scene=world.scene,
        perf=world.performances[take.take_name],
        body_world=state.body_world,
        hands_world=state.hands_world,
        objects_world=state.objects_T_world,
        views=views,
    )


def _dynamic(world: CaptureWorld, take: TakePlan, times: np.ndarray) -> Callable[[int], list[Primitives]]:
    """Moving primitives (participant + loose objects) at each frame's capture time."""
    state = take_state(world, take, times)
    loose = [o.name for o in world.scene.task.objects if not o.fixed]

    def at(i: int) -> list[Primitives]:
        objs = {n: state.objects_T_world[n][i] for n in loose}
        return [
            *body_primitives(state.body_world[i], state.hands_world[i]),
            *object_primitives(world.scene, objs).by_id(),
        ]

    return at


def _track_masks(ids: np.ndarray, world: CaptureWorld) -> dict[str, np.ndarray]:
    """Visible objects' masks in one id image, keyed by relation track name (``<object>_0``)."""
    out = {}
    for o in world.scene.task.objects:
        if o.fixed:
            continue
        m = ids == object_id(world.scene, o.name)
        if m.any():
            out[f"{o.name}_0"] = m
    return out


_Sink = tuple[str, dict, dict, set, set]
"""Where ``_frames`` puts what annotations need: (view key, masks, depth, mask frames, depth frames)."""


def _frames(
    spec: ViewSpec,
    *,
    world: CaptureWorld,
    dyn: Callable[[int], list[Primitives]],
    frames: np.ndarray,
    sink: _Sink | None,
) -> Iterator[np.ndarray]:
    """Render a view's frames, yield their RGB, and keep masks and depth of the sampled frames."""
    room, static = room_of(world.scene), static_primitives(world.scene)
    for j, fr in enumerate(render_view(spec, room=room, static=static, dynamic_at=dyn)):
        if sink is not None:
            key, masks, depth, mask_frames, depth_frames = sink
            i = int(frames[j])
            if i in depth_frames:
                depth.setdefault(key, {})[i] = fr.depth
            if i in mask_frames:
                for track, m in _track_masks(fr.ids, world).items():
                    masks.setdefault(track, {}).setdefault(key, {})[i] = m
        yield fr.rgb


@dataclass(frozen=True)
class _ViewJob:
    """One view to render (and encode) in a worker process."""

    key: str
    frames: np.ndarray
    path: Path | None
    """Where to write the MP4 (``None``: render only, for annotations)."""
    mask_frames: frozenset[int]
    depth_frames: frozenset[int]
    focus: frozenset[int] | None = None
    """Annotations-only mode: render just the pixels that can show these instances (the objects)."""


def _run_view(job: _ViewJob, *, world: CaptureWorld, truth: TakeTruth) -> tuple[str, dict, dict]:
    """Render one view; returns (view key, masks by track, depth by frame) for the sampled frames."""
    view = truth.views[job.key]
    is_slam = view.stream.startswith("slam")
    spec = ViewSpec(
        view.camera,
        view.T_world_cam[job.frames] if view.is_ego else view.T_world_cam[0],
        view.frame_times[job.frames],
        rotate_cw=view.rotated,
        gray=is_slam,
        focus=job.focus,
    )
    masks: dict[str, dict[str, dict[int, np.ndarray]]] = {}
    depth: dict[str, dict[int, np.ndarray]] = {}
    sink = None if is_slam else (job.key, masks, depth, job.mask_frames, job.depth_frames)
    rgb = _frames(
        spec,
        world=world,
        dyn=_dynamic(world, truth.plan, view.frame_times[job.frames]),
        frames=job.frames,
        sink=sink,
    )
    if job.path is None:
        for _ in rgb:
            pass
    else:
        encode_video(job.path, rgb, audio=None if view.is_ego else _gopro_audio(truth, view.cam_id))
    return job.key, {t: v.get(job.key, {}) for t, v in masks.items()}, depth.get(job.key, {})


def _gopro_audio(truth: TakeTruth, cam_id: str) -> tuple[np.ndarray, int]:
    """The GoPro's stereo track over the take: the same events and speech, heard from a few metres away."""
    perf, take = truth.perf, truth.plan
    seed = take.seed + sum(map(ord, cam_id))
    mics = np.array([[-0.08, 0.3, 2.5], [0.08, 0.3, 2.5]])  # head frame: ahead of the wearer, 2.5 m out
    narration = [(n.t_sec, n.text) for n in perf.narration] if take.narrated else []
    samples = mic_signals(
        seconds=take.n_frames / 30,
        events=[(c.t_sec, c.kind) for c in perf.contacts],
        narration=narration,
        seed=seed,
        mics=mics,
        gain=0.5,
    )
    return samples, AUDIO_RATE


def render_take(root: Path, *, world: CaptureWorld, truth: TakeTruth, config: SynthConfig) -> TakeTruth:
    """Render every view of the take; write its videos unless ``annotations_only``; return truth with masks.

    Views render in parallel (``config.workers`` processes). In ``annotations_only`` mode only the
    frames that masks and occlusion need are rendered, and no SLAM view.
    """
    take = truth.plan
    n = take.n_frames
    loose = frozenset(object_id(world.scene, o.name) for o in world.scene.task.objects if not o.fixed)
    mask_end = n if take.mask_frames is None else min(n, take.mask_frames)
    mask_frames = tuple(range(0, mask_end, MASK_EVERY)) if loose or not config.annotations_only else ()
    # Annotations-only mode skips the occlusion depth (joints are then all taken as visible) and
    # renders only the object pixels of the mask frames: what the scale tests need, quickly.
    depth_frames = () if config.annotations_only else tuple(range(0, n, POSE_EVERY))
    keep = np.array(sorted(set(mask_frames) | set(depth_frames)), dtype=np.int64)
    videos = root / "takes" / take.take_name / "frame_aligned_videos"
    jobs = []
    for key, view in truth.views.items():
        if config.annotations_only and view.stream.startswith("slam"):
            continue
        name = f"{view.cam_id}_{ARIA_STREAMS[view.stream]}.mp4" if view.is_ego else f"{view.cam_id}.mp4"
        if config.annotations_only and not len(keep):
            continue
        jobs.append(
            _ViewJob(
                key=key,
                frames=keep if config.annotations_only else np.arange(n),
                path=None if config.annotations_only else videos / name,
                mask_frames=frozenset(mask_frames),
                depth_frames=frozenset(depth_frames),
                focus=loose if config.annotations_only else None,
            )
        )
    jobs.sort(key=lambda j: truth.views[j.key].camera.width * truth.views[j.key].camera.height, reverse=True)
    results = pool_map(
        functools.partial(_run_view, world=world, truth=truth), jobs, workers=config.worker_count
    )
    masks: dict[str, dict[str, dict[int, np.ndarray]]] = {}
    depth: dict[str, dict[int, np.ndarray]] = {}
    for key, view_masks, view_depth in sorted(results, key=lambda r: list(truth.views).index(r[0])):
        for track, frames in view_masks.items():
            if frames:
                masks.setdefault(track, {})[key] = PackedMasks(frames)
        if view_depth:
            depth[key] = view_depth
    if not config.annotations_only:
        _write_et(videos / f"{world.plan.aria_id}_211-1.mp4", world=world, truth=truth)
        _write_collage(root / "takes" / take.take_name / "ego_preview.mp4", truth=truth, videos=videos)
        if config.downscaled:
            sources = sorted(videos.glob("*.mp4"))
            pool_map(functools.partial(_downscale_448, videos=videos), sources, workers=config.worker_count)
    return TakeTruth(
        **{
            **truth.__dict__,
            "masks": dict(sorted(masks.items())),
            "mask_frames": mask_frames,
            "depth": depth,
            "depth_frames": depth_frames,
        }
    )


def _downscale_448(src: Path, *, videos: Path) -> None:
    downscale_video(src, videos / "downscaled" / "448" / src.name, preset=SYNTH_448_PRESET)


def _write_et(path: Path, *, world: CaptureWorld, truth: TakeTruth) -> None:
    """The eye-tracking stream: both eyes, pupils following the true gaze (FORMAT §4.1, §11 U6)."""
    aria = truth.aria
    state = take_state(world, truth.plan, aria.frame_times)
    T_world_cpf = state.T_world_head @ world.rig.T_head_device @ world.rig.T_device_cpf
    p = transform_points(invert_pose(T_world_cpf), state.gaze_world[:, None, :])[:, 0]
    yaw_l, yaw_r, pitch, _ = gaze_angles_cpf(p)  # the same angles the eye-gaze CSV records
    size = world.rig.et_size
    encode_video(
        path,
        (
            eye_image(size, yaw=(float(a), float(b)), pitch=float(c))
            for a, b, c in zip(yaw_r, yaw_l, pitch, strict=True)
        ),
    )


def _write_collage(path: Path, *, truth: TakeTruth, videos: Path) -> None:
    """``ego_preview.mp4``: the Aria RGB and every GoPro, labelled, with the take time (FORMAT §4.2)."""
    names = [f"{truth.capture.aria_id}_214-1"] + [v.cam_id for v in truth.exo_views]
    write_collage(path, videos=[videos / f"{n}.mp4" for n in names], labels=names, tile=(224, 126), cols=3)
