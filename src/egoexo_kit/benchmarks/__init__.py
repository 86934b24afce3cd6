"""The nine Ego-Exo4D benchmark tasks: submission validation and official-equivalent metrics.

One subpackage per task (``body_pose``, ``hand_pose``, ``correspondence``, ``translation``,
``keystep_recognition``, ``energy_efficient_keystep``, ``procedure_understanding``,
``proficiency_demonstrator``, ``proficiency_demonstration``), each with ``submission.py`` (read
and check files, every problem located) and ``metric.py`` (the numbers); ``gt.py`` and
``baseline.py`` join them per task. Imports ``release`` and ``errors`` only (DESIGN §1).
"""

from __future__ import annotations

from egoexo_kit.benchmarks._common import EvalResult as EvalResult
from egoexo_kit.benchmarks._common import InvalidGroundTruth as InvalidGroundTruth
from egoexo_kit.benchmarks._common import InvalidSubmission as InvalidSubmission
from egoexo_kit.benchmarks._registry import TASKS as TASKS
from egoexo_kit.benchmarks._registry import Task as Task
from egoexo_kit.benchmarks._registry import evaluate as evaluate
from egoexo_kit.benchmarks._registry import get_task as get_task

__all__ = ["TASKS", "EvalResult", "InvalidGroundTruth", "InvalidSubmission", "Task", "evaluate", "get_task"]
