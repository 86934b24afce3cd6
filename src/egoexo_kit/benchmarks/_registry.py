"""The task registry: CLI task name → evaluation function, its inputs and its options."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egoexo_kit.benchmarks._common import EvalResult
from egoexo_kit.benchmarks.body_pose import evaluate_body_pose
from egoexo_kit.benchmarks.correspondence import evaluate_correspondence
from egoexo_kit.benchmarks.energy_efficient_keystep import evaluate_energy_efficient_keystep
from egoexo_kit.benchmarks.hand_pose import evaluate_hand_pose
from egoexo_kit.benchmarks.keystep_recognition import evaluate_keystep_recognition
from egoexo_kit.benchmarks.procedure_understanding import evaluate_procedure_understanding
from egoexo_kit.benchmarks.proficiency_demonstration import evaluate_proficiency_demonstration
from egoexo_kit.benchmarks.proficiency_demonstrator import evaluate_proficiency_demonstrator
from egoexo_kit.benchmarks.translation import evaluate_translation
from egoexo_kit.errors import NotFoundError, SubmissionError

__all__ = ["TASKS", "Task", "evaluate", "get_task"]


@dataclass(frozen=True)
class Task:
    """One benchmark task: its CLI name, what it measures, and how to evaluate it."""

    name: str
    title: str
    metrics: tuple[str, ...]
    evaluate: Callable[..., EvalResult]
    inputs: str = "JSON files"
    official: bool = True

    @property
    def options(self) -> tuple[str, ...]:
        """Keyword options the evaluation function accepts."""
        params = inspect.signature(self.evaluate).parameters.values()
        return tuple(p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY)


_DIR = ("ego-exo", "exo-ego")
_MASK = ("iou", "location_error", "contour_accuracy", "visibility_balanced_accuracy")
TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "body-pose", "Ego body pose (MPJPE cm, MPJVE m/s)", ("mpjpe_cm", "mpjve_mps"), evaluate_body_pose
        ),
        Task(
            "hand-pose", "Ego hand pose (MPJPE, PA-MPJPE mm)", ("mpjpe_mm", "pa_mpjpe_mm"), evaluate_hand_pose
        ),
        Task(
            "correspondence",
            "Ego-exo object correspondence, both directions",
            tuple(f"{d}/{m}" for d in _DIR for m in _MASK),
            evaluate_correspondence,
        ),
        Task(
            "translation",
            "Ego-exo translation: track masks, or clips with --clip",
            (*_MASK, "ssim", "psnr"),
            evaluate_translation,
            inputs="PNG folders",
        ),
        Task(
            "keystep-recognition",
            "Fine-grained keystep recognition (top-1)",
            ("top1",),
            evaluate_keystep_recognition,
            official=False,
        ),
        Task(
            "energy-efficient-keystep",
            "Energy-efficient keystep recognition (mcAP, power)",
            ("mcap", "mean_power_mw"),
            evaluate_energy_efficient_keystep,
            official=False,
        ),
        Task(
            "procedure-understanding",
            "Procedure understanding (cAP per subtask)",
            ("cap_previous", "cap_optional", "cap_mistake", "cap_missing", "cap_future"),
            evaluate_procedure_understanding,
            official=False,
        ),
        Task(
            "proficiency-demonstrator",
            "Demonstrator proficiency (top-1)",
            ("top1", "top1_ego", "top1_exo", "top1_combined"),
            evaluate_proficiency_demonstrator,
        ),
        Task(
            "proficiency-demonstration",
            "Demonstration proficiency (point mAP)",
            ("map_0.25", "map_0.5", "map_1.0", "map_avg"),
            evaluate_proficiency_demonstration,
        ),
    )
}


def get_task(name: str) -> Task:
    """The task called ``name`` (CLI spelling); unknown names list the known ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise NotFoundError(f"unknown task {name!r}; tasks: {', '.join(TASKS)}") from None


def evaluate(task: str, gt: str | Path | Any, pred: str | Path | Any, **options: Any) -> EvalResult:
    """Evaluate ``pred`` against ``gt`` for ``task``; ``None``-valued options are left at their default.

    Raises:
        InvalidSubmission: every problem of the submission, located.
        SubmissionError: an option the task does not take.
    """
    spec = get_task(task)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(spec.options))
    if unknown:
        raise SubmissionError(
            f"task {task} does not take option(s) {unknown}; it takes {list(spec.options) or 'none'}"
        )
    return spec.evaluate(gt, pred, **given)
