"""Body-pose MPJPE (cm) and MPJVE (m/s), micro-averaged as the official evaluator does (BENCHMARKS §3).

Semantics: frames of short clips (runs with gaps <= 3 spanning ``last - first + 3 < 120``) are
dropped; every GT joint that is not NaN adds its error to its scenario's sum and count; velocity
uses the previous *evaluated* frame when it is fewer than 10 frames back, scaled by ``30 / dt``.
Physical/procedural groups are micro-averages over the union of their scenarios (the paper's split;
the hosted evaluator's own split is not public).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import EvalResult, Problems, ScoreNote, load_pair, nan_notes, safe_ratio
from egoexo_kit.benchmarks.body_pose.submission import BodyTake, read_body_gt, read_body_submission
from egoexo_kit.vocab import FPS, pointer

__all__ = [
    "CATEGORIES",
    "GROUPS",
    "clip_runs",
    "evaluate_body_pose",
    "filter_short_clips",
    "mpjpe_sums",
    "mpjve_sums",
    "scenario_of",
]

# Scenario → take-name substrings, checked in this order (first match wins), lower-cased.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "basketball": ("basketball",),
    "bike": ("bike",),
    "cooking": ("cooking",),
    "dance": ("dance",),
    "soccer": ("soccer",),
    "health": ("cpr", "covid"),
    "bouldering": ("bouldering",),
    "music": ("piano", "violin", "guitar", "music"),
}
GROUPS: dict[str, tuple[str, ...]] = {
    "physical": ("soccer", "basketball", "dance", "bouldering", "music"),
    "procedural": ("cooking", "bike", "health"),
}


def scenario_of(take_name: str) -> str | None:
    """The evaluator's scenario category of a take name, or ``None`` when no substring matches."""
    low = take_name.lower()
    for cat, subs in CATEGORIES.items():
        if any(s in low for s in subs):
            return cat
    return None


def clip_runs(
    frames: np.ndarray, *, min_clip_len: int = 120, max_gap: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """The clips of sorted ``frames`` (runs with gaps <= ``max_gap``): frames per run, and which are kept.

    A run is kept when it spans ``last - first + 3 >= min_clip_len`` frames (the official test).
    """
    frames = np.asarray(frames, dtype=np.int64)
    if frames.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    breaks = np.flatnonzero(np.diff(frames) > max_gap) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, frames.size]
    return ends - starts, frames[ends - 1] - frames[starts] + 3 >= min_clip_len


def filter_short_clips(frames: np.ndarray, *, min_clip_len: int = 120, max_gap: int = 3) -> np.ndarray:
    """The sorted frames whose run (gaps <= ``max_gap``) spans ``last - first + 3 >= min_clip_len``."""
    frames = np.asarray(frames, dtype=np.int64)
    sizes, keep = clip_runs(frames, min_clip_len=min_clip_len, max_gap=max_gap)
    return frames[np.repeat(keep, sizes)]


def mpjpe_sums(gt: np.ndarray, pred: np.ndarray) -> tuple[float, int]:
    """Sum of joint errors (m) and joint count over ``(F, J, 3)`` frames; joints with NaN GT x skipped."""
    valid = ~np.isnan(gt[..., 0])
    err = np.linalg.norm(gt - pred, axis=-1)
    return float(err[valid].sum()), int(valid.sum())


def mpjve_sums(frames: np.ndarray, gt: np.ndarray, pred: np.ndarray) -> tuple[float, int]:
    """Sum of velocity errors (m/s) and count between consecutive evaluated frames fewer than 10 apart."""
    if len(frames) < 2:
        return 0.0, 0
    dt = np.diff(frames)
    use = dt < 10
    valid = ~np.isnan(gt[1:, :, 0]) & ~np.isnan(gt[:-1, :, 0]) & use[:, None]
    dv = (gt[1:] - gt[:-1]) - (pred[1:] - pred[:-1])
    err = np.linalg.norm(dv, axis=-1) * (FPS / dt)[:, None]
    return float(err[valid].sum()), int(valid.sum())


def evaluate_body_pose(
    gt: str | Path | Any, pred: str | Path | Any, *, min_clip_len: int = 120
) -> EvalResult:
    """Score a body-pose submission; raises ``InvalidSubmission`` listing every problem.

    Args:
        gt: evaluation GT file (or parsed JSON) in the submission layout, NaN for absent joints.
        pred: submission file (or parsed JSON).
        min_clip_len: the short-clip filter length in frames (the official default 120 = 4 s).
    """
    gt_raw, pred_raw, gt_path, pred_path = load_pair(gt, pred)
    takes = read_body_gt(gt_raw, path=gt_path)
    probs = Problems(gt_path, kind="ground truth")
    kept: dict[str, tuple[BodyTake, np.ndarray, str]] = {}
    n_clips = n_kept = 0  # clips in the GT, clips the short-clip filter keeps
    for uid, take in takes.items():
        cat = scenario_of(take.take_name)
        if cat is None:
            probs.add(pointer(uid, "take_name"), f"no scenario matches take name {take.take_name!r}")
            continue
        sizes, keep = clip_runs(take.frames, min_clip_len=min_clip_len)
        n_clips, n_kept = n_clips + len(keep), n_kept + int(keep.sum())
        frames = take.frames[np.repeat(keep, sizes)]
        kept[uid] = (take, frames, cat)
    probs.raise_if_any()
    preds = read_body_submission(pred_raw, {u: f for u, (_, f, _) in kept.items()}, path=pred_path)
    sums = {c: np.zeros(4) for c in CATEGORIES}  # pe_sum, pe_count, ve_sum, ve_count
    for uid, (take, frames, cat) in kept.items():
        rows = np.searchsorted(take.frames, frames)
        g, p = take.joints[rows], preds[uid]
        pe, pc = mpjpe_sums(g, p)
        ve, vc = mpjve_sums(frames, g, p)
        sums[cat] += (pe, pc, ve, vc)
    result = _result(sums)
    notes = _notes(result.metrics, takes=len(takes), clips=n_clips, kept=n_kept, min_clip_len=min_clip_len)
    return replace(result, notes=tuple(notes))


def _notes(
    metrics: dict[str, float], *, takes: int, clips: int, kept: int, min_clip_len: int
) -> list[ScoreNote]:
    """Why MPJPE or MPJVE is NaN: no take or frame, every clip under the filter, nothing annotated."""
    if not clips:
        return nan_notes(
            metrics, f"none of the {takes} GT takes has a frame" if takes else "the GT has no take"
        )
    if not kept:
        return nan_notes(
            metrics,
            f"no clip is at least --min-clip-len={min_clip_len} frames "
            f"({clips} clip{'s' if clips != 1 else ''} skipped): lower --min-clip-len",
            option="--min-clip-len",
        )
    if math.isnan(metrics["mpjpe_cm"]):
        return nan_notes(metrics, f"no GT joint is annotated in the {kept} clip(s) kept (all null)")
    return nan_notes(
        metrics, "no joint is annotated in two evaluated frames fewer than 10 apart", names=("mpjve_mps",)
    )


def _summary(s: np.ndarray) -> dict[str, float]:
    return {
        "mpjpe_cm": safe_ratio(s[0], s[1]) * 100.0,
        "mpjve_mps": safe_ratio(s[2], s[3]),
        "mpjpe_count": int(s[1]),
        "mpjve_count": int(s[3]),
    }


def _result(sums: dict[str, np.ndarray]) -> EvalResult:
    total = sum(sums.values(), np.zeros(4))
    overall = _summary(total)
    groups = {g: _summary(sum((sums[c] for c in cats), np.zeros(4))) for g, cats in GROUPS.items()}
    scenarios = {c: _summary(s) for c, s in sums.items() if s[1] > 0}
    return EvalResult(
        task="body-pose",
        metrics={"mpjpe_cm": overall["mpjpe_cm"], "mpjve_mps": overall["mpjve_mps"]},
        breakdown={"overall": overall, "groups": groups, "scenarios": scenarios},
    )
