"""Procedure understanding / task graph (BENCHMARKS §9): calibrated AP per subtask.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` / ``_cap`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.procedure_understanding.metric import AVERAGING as AVERAGING
from egoexo_kit.benchmarks.procedure_understanding.metric import (
    evaluate_procedure_understanding as evaluate_procedure_understanding,
)
from egoexo_kit.benchmarks.procedure_understanding.submission import SUBTASKS as SUBTASKS
from egoexo_kit.benchmarks.procedure_understanding.submission import (
    read_procedure_file as read_procedure_file,
)

__all__ = ["AVERAGING", "SUBTASKS", "evaluate_procedure_understanding", "read_procedure_file"]
