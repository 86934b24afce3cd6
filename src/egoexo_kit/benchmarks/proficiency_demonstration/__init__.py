"""Demonstration proficiency (BENCHMARKS §11): distance-matched point-localization mAP.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.proficiency_demonstration.metric import THRESHOLDS as THRESHOLDS
from egoexo_kit.benchmarks.proficiency_demonstration.metric import distance_ap as distance_ap
from egoexo_kit.benchmarks.proficiency_demonstration.metric import (
    evaluate_proficiency_demonstration as evaluate_proficiency_demonstration,
)
from egoexo_kit.benchmarks.proficiency_demonstration.metric import interpolated_ap as interpolated_ap
from egoexo_kit.benchmarks.proficiency_demonstration.submission import Points as Points
from egoexo_kit.benchmarks.proficiency_demonstration.submission import (
    read_demonstration_gt as read_demonstration_gt,
)
from egoexo_kit.benchmarks.proficiency_demonstration.submission import (
    read_demonstration_submission as read_demonstration_submission,
)

__all__ = [
    "THRESHOLDS",
    "Points",
    "distance_ap",
    "evaluate_proficiency_demonstration",
    "interpolated_ap",
    "read_demonstration_gt",
    "read_demonstration_submission",
]
