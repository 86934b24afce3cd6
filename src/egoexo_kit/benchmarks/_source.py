"""What the ground-truth builders and baselines read from a release: a split's takes and their annotations.

Also the one model the learned baselines fit (:func:`linear_classifier`).

Everything goes through :mod:`egoexo_kit.annotations` (parsed once per release) and the release's
``splits.json``; nothing here re-parses annotation JSON.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit import sensors
from egoexo_kit.annotations import ReleaseAnnotations, release_annotations
from egoexo_kit.errors import NotFoundError
from egoexo_kit.extras import require
from egoexo_kit.vocab import FPS

if TYPE_CHECKING:
    from egoexo_kit.facade import Release, Take

__all__ = [
    "SPLITS",
    "annotations_of",
    "check_method",
    "feature_mean",
    "feature_track",
    "head_positions",
    "linear_classifier",
    "motion_stats",
    "nanmean_or_zero",
    "split_takes",
    "take_duration_s",
]

SPLITS = ("train", "val", "test")


def split_takes(release: Release, split: str) -> list[Take]:
    """The takes ``splits.json`` puts in ``split``, in release order."""
    if split not in SPLITS:
        raise NotFoundError(f"unknown split {split!r}; splits: {', '.join(SPLITS)}")
    return list(release.takes.filter(split=split))


def annotations_of(release: Release, *, automatic_pose: bool = False) -> ReleaseAnnotations:
    """The release's (cached) annotation index (a remote release fetches its annotation files first).

    ``automatic_pose``: a remote release also fetches every take's automatic EgoPose (pseudo ground truth).
    """
    release.fetch_annotations(automatic_pose=automatic_pose)
    return release_annotations(release)


def take_duration_s(take: Take, *, fallback: float = 0.0) -> float:
    """Take length in seconds (frames / 30 when known, else ``take.duration_s``, else ``fallback``)."""
    if take.n_frames:
        return take.n_frames / float(FPS)
    return float(take.duration_s or fallback)


def head_positions(ann: ReleaseAnnotations, take_uid: str, frames: np.ndarray) -> np.ndarray | None:
    """World position of the Aria camera (the head) at ``frames`` from the take's ``camera_pose`` file.

    Frames without extrinsics take the nearest frame that has them; ``None`` when the take has no
    Aria camera pose. Camera centre of a world → camera ``[R|t]`` is ``-Rᵀt``.
    """
    pose = ann.camera_pose(take_uid)
    aria = next((k for k in (pose.cameras if pose else {}) if "aria" in k), None)
    if pose is None or aria is None:
        return None
    entry = pose.cameras[aria]
    if entry.T_camera_world is not None:
        known = np.zeros(1, dtype=np.int64)
        mats = entry.T_camera_world[None]
    else:
        if not entry.per_frame:
            return None
        known = np.array(sorted(entry.per_frame), dtype=np.int64)
        mats = np.stack([entry.per_frame[int(f)] for f in known])
    centres = -np.einsum("nji,nj->ni", mats[:, :, :3], mats[:, :, 3])
    idx = np.searchsorted(known, frames).clip(0, len(known) - 1)
    prev = (idx - 1).clip(0)
    nearer_prev = np.abs(known[prev] - frames) < np.abs(known[idx] - frames)
    return centres[np.where(nearer_prev, prev, idx)]


def linear_classifier(*, c: float) -> Any:
    """Standardized inputs → multinomial logistic regression (inverse regularization ``c``), unfitted."""
    what = "the keystep baseline's classifier"
    linear_model = require("sklearn.linear_model", extra="eval", what=what)
    pipeline = require("sklearn.pipeline", extra="eval", what=what)
    preprocessing = require("sklearn.preprocessing", extra="eval", what=what)
    return pipeline.make_pipeline(
        preprocessing.StandardScaler(), linear_model.LogisticRegression(max_iter=2000, C=c)
    )


def check_method(what: str, method: str, known: tuple[str, ...]) -> None:
    """Refuse a baseline name ``what`` does not have, listing those it has."""
    if method not in known:
        raise NotFoundError(f"unknown {what} baseline {method!r}; known: {', '.join(known)}")


def nanmean_or_zero(stack: np.ndarray) -> np.ndarray:
    """Mean over axis 0 ignoring NaN; entries NaN in every row (a joint never annotated) become 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: expected, handled below
        return np.nan_to_num(np.nanmean(stack, axis=0))


def motion_stats(take: Take) -> np.ndarray:
    """``(6,)`` head-motion summary of a take from its closed-loop trajectory (zeros when it has none).

    Linear speed (mean, std, 90th percentile, m/s), angular speed (mean, std, rad/s) and the vertical
    range of the head (m) over the whole trajectory file (:func:`egoexo_kit.sensors.trajectory`): how
    briskly and steadily the participant moves, an allowed input (the headset's own trajectory) that
    proficiency correlates with.
    """
    if not take.closed_loop_trajectory_path.is_file():
        return np.zeros(6)
    traj = sensors.trajectory(take)
    if len(traj) < 3:
        return np.zeros(6)
    speed, turn = traj.linear_speed(), traj.angular_speed()
    z = traj.positions[:, 2]
    return np.array(
        [speed.mean(), speed.std(), np.percentile(speed, 90), turn.mean(), turn.std(), z.max() - z.min()]
    )


def feature_mean(
    take: Take, name: str, *, views: str = "ego", t0: float | None = None, t1: float | None = None
) -> np.ndarray:
    """Mean ``features/<name>/`` row of a take's ego view, or of its exo views' means (``views="exo"``).

    ``take`` is the facade's take (it reads feature files); ``t0``/``t1`` limit the rows to windows
    overlapping that span of take seconds.
    """
    chosen = take.ego_views[:1] if views == "ego" else take.exo_views
    if not chosen:
        raise NotFoundError(f"take {take.name} has no {views} view to read features {name!r} of")
    means = [
        np.asarray(take.features(name, v.key, t0=t0, t1=t1).data, dtype=np.float64).mean(axis=0)
        for v in chosen
    ]
    return np.mean(means, axis=0)


def feature_track(take: Take, name: str, times: np.ndarray, *, half_s: float) -> np.ndarray:
    """``(len(times), D)``: at each take time, the mean ego feature row of windows overlapping ``t ± half_s``.

    The file is read once; a time no window overlaps takes the row whose window centre is nearest.
    """
    if not take.ego_views:
        raise NotFoundError(f"take {take.name} has no ego view to read features {name!r} of")
    rows = take.features(name, take.ego_views[0].key)
    data = np.asarray(rows.data, dtype=np.float64)
    mid = (rows.t0_s + rows.t1_s) / 2
    out = np.empty((len(times), data.shape[1]))
    for i, t in enumerate(np.asarray(times, dtype=np.float64)):
        keep = (rows.t1_s > t - half_s) & (rows.t0_s < t + half_s)
        out[i] = data[keep].mean(axis=0) if keep.any() else data[np.abs(mid - t).argmin()]
    return out
