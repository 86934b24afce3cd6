"""Demonstrator proficiency (BENCHMARKS §10): 4-way skill top-1, labels or the official logits format.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.proficiency_demonstrator.metric import (
    evaluate_proficiency_demonstrator as evaluate_proficiency_demonstrator,
)
from egoexo_kit.benchmarks.proficiency_demonstrator.metric import softmax as softmax
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import LABELS as LABELS
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import (
    read_demonstrator_gt as read_demonstrator_gt,
)
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import (
    read_demonstrator_submission as read_demonstrator_submission,
)

__all__ = [
    "LABELS",
    "evaluate_proficiency_demonstrator",
    "read_demonstrator_gt",
    "read_demonstrator_submission",
    "softmax",
]
