"""The optional ``pose`` stage: per take, 2D body keypoints per exo view → 3D automatic body pose.

A detector gives 2D body keypoints in every exo view (the undistorted EgoPose image space); the
:mod:`egoexo_kit.pose` pipeline (robust triangulation, temporal filtering, bone-length fit) makes the
3D track, written as ``annotations/ego_pose/<split>/body/automatic/<take_uid>.json`` (FORMAT §7.9).

Detectors (``BuildConfig.detector``): ``auto`` uses the synthetic detector when the raw capture carries
body truth (``<capture>/.synth/body.npz``, written by ``synth --raw``) and skips the take otherwise;
``synthetic`` requires that truth; ``none`` turns the stage off; ``package.module:factory`` names a
callable returning a :class:`~egoexo_kit.pose.KeypointDetector` (a real image detector, run on the
built take's undistorted frames).

The synthetic detector sees what a detector would: the body at the instant each GoPro frame was
captured. The truth is on the Aria clock; each exo frame's capture time comes from the *estimated*
sync (so sync errors reach the pose as they would with a real detector), then the joints are
projected with the release's calibration and get Gaussian noise, dropouts and gross outliers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit.builder._raw import read_raw_capture
from egoexo_kit.builder._sync import DeviceSync
from egoexo_kit.builder._unit import Unit, read_plan, state_dir
from egoexo_kit.errors import FormatError
from egoexo_kit.pose import (
    KeypointDetector,
    Keypoints2D,
    detect_keypoints,
    synthetic_keypoints,
    take_views_cameras,
    triangulate_take,
)
from egoexo_kit.release import load_json
from egoexo_kit.vocab import BODY_JOINTS

__all__ = [
    "body_at",
    "has_body_truth",
    "BODY_TRUTH",
    "NOISE_FRACTION",
    "DROPOUT",
    "OUTLIERS",
    "POSE_SPLIT",
    "load_detector",
    "run_pose",
    "pose_path",
]

BODY_TRUTH = Path(".synth") / "body.npz"
"""Synthetic-only body truth inside a raw capture folder."""
POSE_SPLIT = "train"
"""Split folder of the automatic files (EgoPose ships automatic poses for train and val only)."""
NOISE_FRACTION = 0.003
"""Synthetic detector: pixel noise (σ) as a share of the image width (≈ 11 px on a 3840 px GoPro)."""
DROPOUT = 0.05
"""Synthetic detector: share of joints not detected."""
OUTLIERS = 0.01
"""Synthetic detector: share of detections replaced by a random pixel."""


def pose_path(out: Path, take_uid: str) -> Path:
    """Where the take's automatic body pose goes."""
    return out / "annotations" / "ego_pose" / POSE_SPLIT / "body" / "automatic" / f"{take_uid}.json"


def load_detector(spec: str) -> KeypointDetector:
    """Import ``package.module:factory`` and call it for a :class:`~egoexo_kit.pose.KeypointDetector`.

    Raises:
        FormatError: the name cannot be imported or does not give a body detector.
    """
    module, _, name = spec.partition(":")
    try:
        detector = getattr(importlib.import_module(module), name)()
    except (ImportError, AttributeError, ValueError) as e:
        raise FormatError(f"cannot load the keypoint detector {spec!r}: {e}") from None
    if not isinstance(detector, KeypointDetector) or tuple(detector.joints) != BODY_JOINTS:
        raise FormatError(f"{spec!r} is not a KeypointDetector of the 17 COCO body joints")
    return detector


def body_at(truth: Any, ns: np.ndarray) -> np.ndarray:
    """``(N, 17, 3)`` body truth (an opened ``body.npz``) linearly interpolated at Aria device ns."""
    t_ns = truth["aria_device_ns"].astype(np.float64)
    body = truth["body_world"].astype(np.float64)
    flat = body.reshape(len(t_ns), -1)
    return np.stack([np.interp(ns, t_ns, flat[:, i]) for i in range(flat.shape[1])], -1).reshape(
        -1, *body.shape[1:]
    )


def has_body_truth(raw: Path) -> bool:
    """Whether the raw capture carries synthetic body truth for the synthetic detector."""
    return (raw / BODY_TRUTH).is_file()


def _seed(name: str) -> int:
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:12], 16)


def _synthetic_keypoints(unit: Unit, take: Any, views: list[str]) -> Keypoints2D:
    """Noisy projections of the body truth at each exo frame's estimated capture time."""
    capture = read_raw_capture(unit.raw)
    plan = read_plan(unit.out, capture.capture_name)
    window = next(t for t in plan["takes"] if t["take_name"] == unit.name)
    sync = load_json(state_dir(unit.out, capture.capture_name) / "sync.json")["devices"]
    truth = np.load(unit.raw / BODY_TRUTH)
    t_ns = truth["aria_device_ns"]
    aria = capture.aria
    s_aria = DeviceSync.from_report(sync[aria.device])
    n = window["end_idx"] - window["start_idx"] - 1
    frames = np.arange(n)
    blank = Keypoints2D(
        frames=frames,
        views=tuple(views),
        joints=BODY_JOINTS,
        px=np.full((n, len(views), len(BODY_JOINTS), 2), np.nan),
        confidence=np.ones((n, len(views), len(BODY_JOINTS))),
    )
    cams, T = take_views_cameras(take, blank)
    rng = np.random.default_rng(_seed(unit.name))
    px = np.empty_like(blank.px)
    for v, view in enumerate(views):
        dev = capture.device(view)
        s = DeviceSync.from_report(sync[view])
        capture_s = s.to_capture(dev.frame_time(np.asarray(window["frames"][view], dtype=np.int64)))
        ns = float(aria.frame_ns[0]) + s_aria.to_device(capture_s) * 1e9
        if ns.min() < t_ns[0] or ns.max() > t_ns[-1]:
            raise FormatError(f"body truth does not cover take {unit.name}", path=unit.raw / BODY_TRUTH)
        px[:, v] = synthetic_keypoints(
            body_at(truth, ns),
            cameras=[cams[v]],
            T_cam_world=T[:, v : v + 1],
            rng=rng,
            noise_px=NOISE_FRACTION * cams[v].width,
            missing=DROPOUT,
            outliers=OUTLIERS,
        )[:, 0]
    return dataclasses.replace(blank, px=px)


def run_pose(unit: Unit) -> dict[str, Any]:
    """Triangulate one built take's automatic body pose; returns the frames written (0: skipped)."""
    from egoexo_kit import open_release  # the facade: the built release read like any other

    spec = unit.config.detector
    take = open_release(unit.out).take(unit.name)
    views = [v.cam_id for v in take.exo_views if v.exists]
    if spec in ("auto", "synthetic"):
        if not has_body_truth(unit.raw):
            if spec == "auto":
                return {"take_name": unit.name, "frames": 0}
            raise FormatError(
                "the synthetic detector needs the capture's body truth", path=unit.raw / BODY_TRUTH
            )
        keypoints = _synthetic_keypoints(unit, take, views)
    else:
        keypoints = detect_keypoints(take, load_detector(spec), frames=range(take.n_frames), views=views)
    _, ann = triangulate_take(take, kind="body", keypoints=keypoints)
    path = pose_path(unit.out, take.uid)
    write_json(path, ann)
    return {"take_name": unit.name, "frames": len(ann), "outputs": [path]}
