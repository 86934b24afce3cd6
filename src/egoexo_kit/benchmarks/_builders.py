"""Per task: the ground-truth builder and the baselines (the first real, the rest trivial); a leaderboard.

``build_gt`` and ``run_baseline`` return the parsed JSON the evaluator reads (translation writes PNG
folders and returns their path); :func:`leaderboard` runs every baseline of every task on a release
and scores it with :func:`evaluate`.

The builders read takes through ``splits.json`` and ``takes.json``, so annotations of takes that
``takes.json`` lacks (redacted) are skipped, as are empty EgoPose frames (issue 16); :func:`gt_notes`
lists, located, what was skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egoexo_kit.benchmarks._registry import evaluate, get_task
from egoexo_kit.benchmarks._source import SPLITS, annotations_of
from egoexo_kit.benchmarks.body_pose.baseline import BODY_BASELINES, body_baseline
from egoexo_kit.benchmarks.body_pose.gt import build_body_gt
from egoexo_kit.benchmarks.correspondence.baseline import CORR_BASELINES, corr_baseline
from egoexo_kit.benchmarks.correspondence.gt import build_corr_gt
from egoexo_kit.benchmarks.energy_efficient_keystep.baseline import ENERGY_BASELINES, energy_baseline
from egoexo_kit.benchmarks.energy_efficient_keystep.gt import build_energy_gt
from egoexo_kit.benchmarks.hand_pose.baseline import HAND_BASELINES, hand_baseline
from egoexo_kit.benchmarks.hand_pose.gt import build_hand_gt
from egoexo_kit.benchmarks.keystep_recognition.baseline import KEYSTEP_BASELINES, keystep_baseline
from egoexo_kit.benchmarks.keystep_recognition.gt import build_keystep_gt
from egoexo_kit.benchmarks.procedure_understanding.baseline import PROCEDURE_BASELINES, procedure_baseline
from egoexo_kit.benchmarks.procedure_understanding.gt import build_procedure_gt
from egoexo_kit.benchmarks.proficiency_demonstration.baseline import (
    DEMONSTRATION_BASELINES,
    demonstration_baseline,
)
from egoexo_kit.benchmarks.proficiency_demonstration.gt import build_demonstration_gt
from egoexo_kit.benchmarks.proficiency_demonstrator.baseline import (
    DEMONSTRATOR_BASELINES,
    demonstrator_baseline,
)
from egoexo_kit.benchmarks.proficiency_demonstrator.gt import build_demonstrator_gt
from egoexo_kit.benchmarks.translation.baseline import TRANSLATION_BASELINES, translation_baseline
from egoexo_kit.benchmarks.translation.gt import build_translation_gt
from egoexo_kit.errors import EgoExoKitError, NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.facade import Release
    from egoexo_kit.release import Problem

__all__ = [
    "BUILDERS",
    "Builder",
    "LeaderboardRow",
    "build_gt",
    "gt_notes",
    "gt_size",
    "leaderboard",
    "run_baseline",
]


@dataclass(frozen=True)
class Builder:
    """How to build a task's GT and run its baselines; ``methods[0]`` is the baseline, the rest trivial."""

    gt: Callable[..., Any]
    baseline: Callable[..., Any]
    methods: tuple[str, ...]
    headline: str
    """The metric the leaderboard shows first."""
    lower_is_better: bool = False
    folders: bool = False
    """GT and predictions are PNG folders (translation), written to ``out``."""
    options: dict[str, Any] = field(default_factory=dict)
    """Evaluation options the leaderboard passes (documented deviations for synthetic data)."""
    takes_features: bool = False
    """The baseline accepts ``features=<name>`` (a ``features/<name>/`` folder of the release)."""


BUILDERS: dict[str, Builder] = {
    "body-pose": Builder(build_body_gt, body_baseline, BODY_BASELINES, "mpjpe_cm", lower_is_better=True),
    "hand-pose": Builder(build_hand_gt, hand_baseline, HAND_BASELINES, "mpjpe_mm", lower_is_better=True),
    "correspondence": Builder(build_corr_gt, corr_baseline, CORR_BASELINES, "ego-exo/iou"),
    "translation": Builder(
        build_translation_gt, translation_baseline, TRANSLATION_BASELINES, "iou", folders=True
    ),
    "keystep-recognition": Builder(
        build_keystep_gt, keystep_baseline, KEYSTEP_BASELINES, "top1", takes_features=True
    ),
    "energy-efficient-keystep": Builder(build_energy_gt, energy_baseline, ENERGY_BASELINES, "mcap"),
    "procedure-understanding": Builder(
        build_procedure_gt,
        procedure_baseline,
        PROCEDURE_BASELINES,
        "cap_future",
        options={"averaging": "macro-present"},
    ),
    "proficiency-demonstrator": Builder(
        build_demonstrator_gt, demonstrator_baseline, DEMONSTRATOR_BASELINES, "top1", takes_features=True
    ),
    "proficiency-demonstration": Builder(
        build_demonstration_gt,
        demonstration_baseline,
        DEMONSTRATION_BASELINES,
        "map_avg",
        takes_features=True,
    ),
}


def _check_features(release: Release, name: str) -> None:
    """Refuse a ``features/<name>/`` folder the release does not have, before any baseline runs."""
    folder = release.root / "features" / name
    if not folder.is_dir():
        raise NotFoundError(
            f"the release has no features/{name}/ folder (extract it: egoexo-kit features REL --backbone …)",
            path=folder,
        )


def _builder(task: str) -> Builder:
    get_task(task)  # unknown names list the known tasks
    return BUILDERS[task]


def build_gt(task: str, release: Release, *, split: str = "val", out: str | Path | None = None) -> Any:
    """The evaluation GT of ``task`` for ``split`` (translation: PNGs written to ``out``; returns it)."""
    b = _builder(task)
    if b.folders:
        if out is None:
            raise NotFoundError(f"{task} ground truth is a PNG folder: give out")
        b.gt(release, split=split, out=out)
        return Path(out)
    return b.gt(release, split=split)


def gt_notes(release: Release) -> list[Problem]:
    """What the annotation files read so far held but the GT leaves out, located (file, JSON pointer).

    Entries of takes not in ``takes.json`` (redacted) and empty EgoPose frames: the builders skip
    them, as the official loaders do; call after :func:`build_gt`.
    """
    return annotations_of(release).warnings


def run_baseline(
    task: str,
    release: Release,
    *,
    split: str = "val",
    method: str | None = None,
    out: str | Path | None = None,
    features: str | None = None,
) -> Any:
    """A submission for ``split`` from ``method`` (default: the task's baseline; others are trivial).

    ``features`` names a ``features/<name>/`` folder of the release whose rows describe each clip
    (tasks whose builder ``takes_features``: keystep recognition and both proficiency tasks; see
    ``egoexo-kit features``).
    """
    b = _builder(task)
    method = method or b.methods[0]
    if method not in b.methods:
        raise NotFoundError(f"unknown {task} baseline {method!r}; known: {', '.join(b.methods)}")
    if features is not None:
        if not b.takes_features:
            users = ", ".join(t for t, x in BUILDERS.items() if x.takes_features)
            raise NotFoundError(f"{task} baselines take no features (only {users} do)")
        _check_features(release, features)
        return b.baseline(release, split=split, method=method, features=features)
    if b.folders:
        if out is None:
            raise NotFoundError(f"{task} predictions are a PNG folder: give out")
        b.baseline(release, split=split, method=method, out=out)
        return Path(out)
    return b.baseline(release, split=split, method=method)


def gt_size(gt: Any) -> int:
    """Number of scored items in a GT object (takes, segments, videos or PNGs)."""
    if isinstance(gt, Path):
        return len(list(gt.glob("*.png")))
    for key in ("annotations", "segments", "takes", "videos"):
        if isinstance(gt, dict) and key in gt:
            return len(gt[key])
    return len(gt)


@dataclass(frozen=True)
class LeaderboardRow:
    """One baseline's scores on one task."""

    task: str
    method: str
    trivial: bool
    split: str
    metrics: dict[str, float]
    note: str = ""


def leaderboard(
    release: Release,
    *,
    split: str = "val",
    workdir: str | Path,
    tasks: tuple[str, ...] | None = None,
    features: str | None = None,
) -> list[LeaderboardRow]:
    """Run every baseline of every task and score it; a task without GT in ``split`` uses another split.

    A note says when the split changed (baselines are fitted on train, so train scores are in-sample)
    and when an evaluation option departs from the official default for synthetic data. ``features``
    (a ``features/<name>/`` folder) feeds the baselines whose builder ``takes_features``.
    """
    if features is not None:
        _check_features(release, features)
    rows: list[LeaderboardRow] = []
    for task in tasks or tuple(BUILDERS):
        b = BUILDERS[task]
        used, gt = split, None
        for cand in (split, *(s for s in SPLITS if s != split)):
            out = Path(workdir) / task / cand / "gt" if b.folders else None
            gt = build_gt(task, release, split=cand, out=out)
            if gt_size(gt):
                used = cand
                break
        notes = [] if used == split else [f"no {split} GT; scored on {used}"]
        options = dict(b.options)
        if not gt or not gt_size(gt):
            rows.append(LeaderboardRow(task, b.methods[0], False, split, {}, "no ground truth in any split"))
            continue
        for method in b.methods:
            out = Path(workdir) / task / used / method if b.folders else None
            try:
                feats = features if b.takes_features and method == b.methods[0] else None
                pred = run_baseline(task, release, split=used, method=method, out=out, features=feats)
                result = evaluate(task, gt, pred, **options)
            except EgoExoKitError as e:  # e.g. nothing in train to fit on: say so, keep going
                rows.append(LeaderboardRow(task, method, method != b.methods[0], used, {}, e.message))
                continue
            note = list(notes)
            if any(n.option == "--min-clip-len" for n in result.notes):  # short synthetic takes
                result = evaluate(task, gt, pred, min_clip_len=0)
                note.append("clips < 120 frames kept (min_clip_len=0)")
            note += [n.message for n in result.notes]  # what still scored nothing, and why
            if options:
                note.append(", ".join(f"{k}={v}" for k, v in options.items()))
            if feats:
                note.append(f"features/{feats}")
            rows.append(
                LeaderboardRow(task, method, method != b.methods[0], used, result.metrics, "; ".join(note))
            )
    return rows
