"""The build's units: each a pure, idempotent function of (unit, config) writing through a temp folder.

``sync`` (per capture): events, offsets and drift, ``captures/<c>/timesync.csv`` (+ the capture's MPS
``trajectory/`` and ``eye_gaze/``), the takes (the operator's log, else detected from the sync events),
and the cut plan and QA report in ``<out>/.egoexo-kit/build/<c>/``. ``takes`` (per
take): aligned 30 fps videos, 448p, collage, trimmed audio and trajectory. Their results feed the
``metadata`` stage (``takes.json``, ``captures.json``).
"""

from __future__ import annotations

import csv
import dataclasses
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import atomic_dir, write_json
from egoexo_kit.builder._config import BuildConfig
from egoexo_kit.builder._cut import TakeWindow, detect_takes, stream_frames, take_window, timesync_table
from egoexo_kit.builder._features import run_features
from egoexo_kit.builder._ledger import Ledger, fingerprints
from egoexo_kit.builder._pose import run_pose
from egoexo_kit.builder._raw import RawCapture, RawDevice, RawStream, read_raw_capture
from egoexo_kit.builder._sync import CaptureSync, sync_capture
from egoexo_kit.builder._trim import copy_capture_eye_gaze, trim_csv, trim_eye_gaze, trim_jsonl
from egoexo_kit.builder._unit import Unit, ledger_path, plan_path, read_plan, state_dir
from egoexo_kit.release import load_json
from egoexo_kit.release.writers import write_pcm_wav
from egoexo_kit.sensors import read_audio
from egoexo_kit.video import VideoReader, downscale_video, encode_video, write_collage
from egoexo_kit.vocab import FPS

__all__ = ["run_unit"]

CHUNK = 32
"""Native frames decoded per batch while encoding."""


def _sync_report(sync: CaptureSync) -> dict[str, Any]:
    return {
        "reference": sync.reference,
        "devices": {d: {**dataclasses.asdict(s), "drift_ppm": s.drift_ppm} for d, s in sync.devices.items()},
    }


def _copy_mps(capture: RawCapture, dst: Path) -> None:
    """The capture's ``trajectory/`` (MPS files and exo calibration) and 3D ``eye_gaze/``, whole."""
    mps = capture.root / "mps"
    if mps.is_dir():
        shutil.copytree(mps, dst / "trajectory", ignore=shutil.ignore_patterns("eye_gaze"))
        copy_capture_eye_gaze(mps / "eye_gaze", dst / "eye_gaze")


def run_sync(unit: Unit) -> dict[str, Any]:
    """Sync one capture: ``captures/<c>/`` (timesync.csv, trajectory/) and its plan and QA report."""
    capture = read_raw_capture(unit.raw)
    sync = sync_capture(capture)
    pts = {}
    for d in capture.devices:
        if not d.is_ego and d.device in sync.reliable:
            with VideoReader(d.video) as video:
                pts[d.device] = video.pts
    header, rows, frames = timesync_table(capture, sync, pts=pts)
    takes = capture.takes if capture.take_log else detect_takes(capture, sync)
    windows = [take_window(t, capture=capture, sync=sync, frames=frames) for t in takes]
    with atomic_dir(unit.out / "captures" / capture.capture_name) as tmp:
        with (tmp / "timesync.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        _copy_mps(capture, tmp)
    report = _sync_report(sync)
    write_json(state_dir(unit.out, capture.capture_name) / "sync.json", report, indent=2)
    plan = {
        "capture_name": capture.capture_name,
        "raw": str(capture.root),
        "reference": sync.reference,
        "devices": sync.reliable,
        "unreliable": {d: s.note for d, s in sync.devices.items() if not s.reliable},
        "takes_detected": not capture.take_log,
        "takes": [dataclasses.asdict(w) for w in windows],
    }
    write_json(plan_path(unit.out, capture.capture_name), plan, indent=2)
    state = state_dir(unit.out, capture.capture_name)
    return {
        **report,
        "outputs": [unit.out / "captures" / capture.capture_name, state / "sync.json", state / "plan.json"],
    }


def _frames(source: RawDevice | RawStream, ks: list[int]) -> Iterator[np.ndarray]:
    """The raw frames ``ks`` in order, Aria RGB/SLAM turned 90° clockwise as in the release (FORMAT §4.1)."""
    with source.open_frames() as video:
        for i in range(0, len(ks), CHUNK):
            for frame in video.get_frames_at(ks[i : i + CHUNK]).data:
                yield np.ascontiguousarray(np.rot90(frame, k=-1)) if source.rotated else frame


def _encode_stream(
    aria: RawDevice, stream: RawStream, *, window: TakeWindow, dst: Path, config: BuildConfig
) -> Path:
    """An Aria SLAM / eye-tracking stream aligned like the RGB.

    Each aligned frame takes the stream's frame nearest (on the device clock) the RGB frame chosen for it,
    the frame the SLAM columns of ``timesync.csv`` name for that row (:func:`stream_frames`).
    """
    ks = stream_frames(aria, stream, window.frames[aria.device]).tolist()
    path = dst / "frame_aligned_videos" / f"{aria.device}_{stream.stream_id}.mp4"
    encode_video(
        path, _frames(stream, ks), fps=30, crf=config.crf, preset=config.preset, keyint=config.keyint
    )
    return path


def _encode_view(
    device: RawDevice, *, window: TakeWindow, sync: dict, dst: Path, config: BuildConfig
) -> Path:
    ks = window.frames[device.device]
    name = f"{device.device}_214-1.mp4" if device.is_ego else f"{device.device}.mp4"
    audio = None
    if not device.is_ego:  # GoPro MP4s carry their audio (FORMAT §4.1): the take's span, device clock
        s = sync["devices"][device.device]
        t0 = ((window.start_idx + 1) / FPS - s["offset_s"]) / s["scale"]
        a = read_audio(device.audio, start_s=t0, end_s=t0 + window.n_frames / FPS)
        audio = (a.samples, a.rate)
    path = dst / "frame_aligned_videos" / name
    encode_video(
        path,
        _frames(device, ks),
        fps=30,
        crf=config.crf,
        preset=config.preset,
        keyint=config.keyint,
        audio=audio,
    )
    return path


TRAJECTORY_FILES = ("closed_loop_trajectory.csv", "open_loop_trajectory.csv", "online_calibration.jsonl")
"""The capture's MPS trajectory files a take gets its window of (FORMAT §1.2, §6.1, §6.2)."""


def _trim_trajectory(mps: Path, dst: Path, *, aria_ns: tuple[int, int]) -> None:
    """The take's ``trajectory/`` files: the rows of the capture's MPS files inside the take's Aria window.

    MPS runs on the whole capture recording (its ``tracking_timestamp_us`` is the Aria device clock,
    µs); the release's trajectory is "sampled at 1kHZ across the take"
    (``EGO4D/Ego-Exo4D-docs: docs/data/mps.md``), so each take keeps the rows from its first aligned
    frame to one frame past its last. Files the raw capture lacks are left out (only the closed loop
    is expected in a take, FORMAT §1.2), and so is a calibration file with no record in the window.
    """
    lo, hi = aria_ns[0] / 1000, aria_ns[1] / 1000
    for name in TRAJECTORY_FILES:
        src = mps / name
        if not src.is_file():
            continue
        if name.endswith(".jsonl"):
            trim_jsonl(src, dst / name, key="tracking_timestamp_us", lo=lo, hi=hi)
        else:
            trim_csv(src, dst / name, column="tracking_timestamp_us", lo=lo, hi=hi)


def run_take(unit: Unit) -> dict[str, Any]:
    """Build ``takes/<name>/``: aligned videos, 448p, ego_preview, trimmed audio, trajectory and eye gaze."""
    capture = read_raw_capture(unit.raw)
    plan = read_plan(unit.out, capture.capture_name)
    sync = load_json(state_dir(unit.out, capture.capture_name) / "sync.json")
    window = TakeWindow(**next(t for t in plan["takes"] if t["take_name"] == unit.name))
    devices = [capture.device(d) for d in plan["devices"]]
    cfg = unit.config
    with atomic_dir(unit.out / "takes" / unit.name) as tmp:
        videos = [_encode_view(d, window=window, sync=sync, dst=tmp, config=cfg) for d in devices]
        aria = capture.aria
        streams = [_encode_stream(aria, st, window=window, dst=tmp, config=cfg) for st in aria.streams]
        if cfg.downscaled:
            for v in [*videos, *streams]:
                downscale_video(v, tmp / "frame_aligned_videos" / "downscaled" / "448" / v.name)
        if cfg.collage:
            write_collage(tmp / "ego_preview.mp4", videos=videos, labels=[v.stem for v in videos])
        s = sync["devices"][aria.device]
        t0 = ((window.start_idx + 1) / FPS - s["offset_s"]) / s["scale"] - aria.audio_offset_s
        a = read_audio(aria.audio, start_s=t0, end_s=t0 + window.n_frames / FPS)
        write_pcm_wav(tmp / "audio" / f"{aria.device}.wav", a.samples)
        mps = capture.root / "mps"
        _trim_trajectory(mps, tmp / "trajectory", aria_ns=window.aria_ns)
        if (mps / "gopro_calibs.csv").is_file():
            (tmp / "trajectory").mkdir(exist_ok=True)
            shutil.copy2(mps / "gopro_calibs.csv", tmp / "trajectory" / "gopro_calibs.csv")
        if (mps / "eye_gaze").is_dir():
            ns = aria.frame_ns[np.asarray(window.frames[aria.device], dtype=np.int64)]
            trim_eye_gaze(mps / "eye_gaze", tmp / "eye_gaze", aria_ns=window.aria_ns, frame_ns=ns)
    return {"take_name": unit.name, "frames": window.n_frames, "outputs": [unit.out / "takes" / unit.name]}


RUN = {"sync": run_sync, "takes": run_take, "pose": run_pose, "features": run_features}
"""Each stage's unit function; its result's ``outputs`` lists the files and folders it wrote."""


def run_unit(unit: Unit) -> dict[str, Any]:
    """Run one unit and record its start, finish or failure in the output's ledger.

    The ``done`` line carries the fingerprints of the files the unit wrote, which a later run checks
    before it trusts the unit (:func:`~egoexo_kit.builder._ledger.intact`). Temp folders of a killed
    earlier run are not this function's business: the build clears them under the folder's lock.
    """
    ledger = Ledger(ledger_path(unit.out))
    ledger.record(unit.id, "started", key=unit.key)
    try:
        result = RUN[unit.stage](unit)
        outputs = fingerprints(unit.out, result.pop("outputs", []))
    except BaseException as e:
        ledger.record(unit.id, "failed", key=unit.key, error=str(e))
        raise
    ledger.record(unit.id, "done", key=unit.key, outputs=outputs)
    return result
