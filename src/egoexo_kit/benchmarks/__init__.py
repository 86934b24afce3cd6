"""The nine Ego-Exo4D benchmark tasks: submission validation and official-equivalent metrics.

One subpackage per task (``body_pose``, ``hand_pose``, ``correspondence``, ``translation``,
``keystep_recognition``, ``energy_efficient_keystep``, ``procedure_understanding``,
``proficiency_demonstrator``, ``proficiency_demonstration``), each with ``submission.py`` (read
and check files, every problem located) and ``metric.py`` (the numbers); ``gt.py`` and
``baseline.py`` (evaluation GT from a release, baselines and trivial rivals) join them per task;
:func:`build_gt`, :func:`run_baseline` and :func:`leaderboard` reach them by task name. Imports
``release``, ``annotations`` and ``errors`` (DESIGN §1).
"""

from __future__ import annotations

from egoexo_kit.benchmarks._builders import BUILDERS as BUILDERS
from egoexo_kit.benchmarks._builders import LeaderboardRow as LeaderboardRow
from egoexo_kit.benchmarks._builders import build_gt as build_gt
from egoexo_kit.benchmarks._builders import gt_notes as gt_notes
from egoexo_kit.benchmarks._builders import gt_size as gt_size
from egoexo_kit.benchmarks._builders import leaderboard as leaderboard
from egoexo_kit.benchmarks._builders import run_baseline as run_baseline
from egoexo_kit.benchmarks._common import EvalResult as EvalResult
from egoexo_kit.benchmarks._common import InvalidGroundTruth as InvalidGroundTruth
from egoexo_kit.benchmarks._common import InvalidSubmission as InvalidSubmission
from egoexo_kit.benchmarks._common import ScoreNote as ScoreNote
from egoexo_kit.benchmarks._registry import TASKS as TASKS
from egoexo_kit.benchmarks._registry import Task as Task
from egoexo_kit.benchmarks._registry import evaluate as evaluate
from egoexo_kit.benchmarks._registry import get_task as get_task

__all__ = [
    "BUILDERS",
    "EvalResult",
    "InvalidGroundTruth",
    "InvalidSubmission",
    "LeaderboardRow",
    "ScoreNote",
    "TASKS",
    "Task",
    "build_gt",
    "evaluate",
    "get_task",
    "gt_notes",
    "gt_size",
    "leaderboard",
    "run_baseline",
]
