"""Helpers every synthetic annotation family shares.

Seeded generators, annotator metadata, splits, video paths, pronouns, the export date, and where a
world point shows in a view.

The family writers (``_ann_keystep``, ``_ann_relations``, ``_ann_text``, ``_ann_pose``) import these
from here, and ``_annotations`` imports the writers: no import cycle between files.
"""

from __future__ import annotations

import datetime
import uuid
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from egoexo_kit.geometry import invert_pose, transform_points
from egoexo_kit.synth.capture import TakeTruth, ViewTruth
from egoexo_kit.synth.plan import TakePlan
from egoexo_kit.vocab import frame_of

__all__ = [
    "LABELLED_SPLITS",
    "SPLITS",
    "annotator_meta",
    "best_exo_view",
    "export_time",
    "frame_at",
    "new_uid",
    "object_centre_world",
    "palm_world",
    "pick",
    "project_world",
    "pronouns",
    "take_rng",
    "video_paths",
]

SPLITS = ("train", "val", "test")
LABELLED_SPLITS = ("train", "val")
"""Splits whose ground truth is released (FORMAT §1.1)."""
_EXPORT_BASE = 1711281600
"""2024-03-24 12:00:00 UTC: the synthetic exports happen within a month after it."""
_RESPONSE_BASE = 1687000000
"""Mid-June 2023: annotators' responses are time-stamped within 240 days after it (before the export)."""
_PALM = np.array([0, 5, 9, 13, 17])
"""Wrist and finger bases of one hand (indices among its 21 joints): their mean is the palm."""


def take_rng(seed: int, plan: TakePlan | None, family: str) -> np.random.Generator:
    """The generator of one annotation family for one take (``plan=None``: release-wide).

    Seeded by ``(seed, plan.seed, crc32(family))`` so that families never share random streams and
    adding a family changes nothing else.
    """
    return np.random.default_rng([seed, 0 if plan is None else plan.seed, zlib.crc32(family.encode())])


def new_uid(rng: np.random.Generator) -> str:
    """A UUID4 string drawn from ``rng``."""
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """One of ``options`` (template phrasing variety)."""
    return options[int(rng.integers(len(options)))]


def annotator_meta(rng: np.random.Generator, *, ids_as_str: bool) -> dict[str, Any]:
    """``annotation_meta`` / ``annotation_metadata``: uid, annotator, response time, job, response.

    Keystep writes the ids as integers, relations as strings (FORMAT §7.2, §7.6).
    """
    ids = [int(rng.integers(10**15, 10**16)) for _ in range(3)]
    conv = str if ids_as_str else int
    return {
        "annotation_uid": new_uid(rng),
        "annotator_id": conv(ids[0]),
        "response_time": _RESPONSE_BASE + int(rng.integers(0, 240 * 86400)),
        "job_id": conv(ids[1]),
        "response_id": conv(ids[2]),
    }


def export_time(seed: int) -> datetime.datetime:
    """The (UTC) export time of the release's annotation files, fixed by the seed."""
    offset = int(take_rng(seed, None, "export").integers(0, 30 * 86400))
    return datetime.datetime.fromtimestamp(_EXPORT_BASE + offset, tz=datetime.UTC)


def video_paths(truth: TakeTruth) -> dict[str, str]:
    """``video_paths`` of proficiency items: ``ego`` and ``exo1``… relative to the release root."""
    base = f"takes/{truth.plan.take_name}/frame_aligned_videos"
    out = {"ego": f"{base}/{truth.capture.aria_id}_214-1.mp4"}
    out |= {f"exo{i + 1}": f"{base}/{v.cam_id}.mp4" for i, v in enumerate(truth.exo_views)}
    return out


def pronouns(truth: TakeTruth) -> tuple[str, str, str]:
    """(subject, object, possessive) pronouns of the participant, fixed per participant."""
    return ("he", "him", "his") if truth.capture.participant_uid % 2 else ("she", "her", "her")


def frame_at(truth: TakeTruth, t: float) -> int:
    """Aligned frame showing ``t`` seconds from take start (:func:`~egoexo_kit.vocab.frame_of`), in the take.

    The same rule the readers apply to the written times, so the ground truth sampled here is the one
    shown in the frame a reader maps the annotation to.
    """
    return int(np.clip(frame_of(t), 0, truth.n_frames - 1))


def palm_world(truth: TakeTruth, frame: int, side: int) -> np.ndarray:
    """(3,) palm centre of the right (``side=0``) or left hand at an aligned frame, world metres."""
    return truth.hands_world[frame, 21 * side + _PALM].mean(axis=0)


def object_centre_world(truth: TakeTruth, name: str, frame: int) -> np.ndarray | None:
    """(3,) centre of object ``name`` at an aligned frame, world metres; None if it is no object."""
    if name not in truth.objects_world:
        return None
    T = truth.objects_world[name][frame]
    return T[:3, 3] + 0.5 * truth.plan.task.object(name).size_m[2] * T[:3, 2]


def project_world(view: ViewTruth, frame: int, point_world: np.ndarray) -> tuple[np.ndarray, bool]:
    """A world point in a view at an aligned frame.

    Returns:
        ``px_raw`` (2,): pixel in the view's camera image (sensor orientation: for exo views the MP4
        image, for the Aria the unrotated sensor image); and whether it is in front and inside.
    """
    px, ok = view.camera.project(transform_points(invert_pose(view.T_world_cam[frame]), point_world[None]))
    return px[0], bool(ok[0])


def best_exo_view(
    truth: TakeTruth, frame: int, point_world: np.ndarray
) -> tuple[ViewTruth, np.ndarray] | None:
    """The exo view showing a world point nearest its image centre, with its pixel (exo MP4 image).

    Returns:
        ``(view, px)`` or None when no exo camera sees the point.
    """
    best: tuple[float, ViewTruth, np.ndarray] | None = None
    for view in truth.exo_views:
        px, ok = project_world(view, frame, point_world)
        half = np.array([view.camera.width - 1, view.camera.height - 1]) / 2
        dist = float(np.hypot(*(px - half) / half)) if ok else np.inf
        if ok and (best is None or dist < best[0]):
            best = (dist, view, px)
    return None if best is None else (best[1], best[2])
