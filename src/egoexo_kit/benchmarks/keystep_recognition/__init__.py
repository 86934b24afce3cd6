"""Fine-grained keystep recognition (BENCHMARKS §7): top-1 over segments (no public official code).

Imports ``release`` (JSON helpers) and ``benchmarks._common`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.keystep_recognition.metric import (
    evaluate_keystep_recognition as evaluate_keystep_recognition,
)
from egoexo_kit.benchmarks.keystep_recognition.submission import NUM_CLASSES as NUM_CLASSES
from egoexo_kit.benchmarks.keystep_recognition.submission import read_keystep_gt as read_keystep_gt
from egoexo_kit.benchmarks.keystep_recognition.submission import (
    read_keystep_submission as read_keystep_submission,
)

__all__ = ["NUM_CLASSES", "evaluate_keystep_recognition", "read_keystep_gt", "read_keystep_submission"]
