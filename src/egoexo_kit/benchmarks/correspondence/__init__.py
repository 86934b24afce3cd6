"""Ego-exo object correspondence (BENCHMARKS §5): submission checks and the relation evaluator's metrics.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` / ``_maskmetrics`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.correspondence.metric import CONF_THRESH as CONF_THRESH
from egoexo_kit.benchmarks.correspondence.metric import evaluate_correspondence as evaluate_correspondence
from egoexo_kit.benchmarks.correspondence.metric import score_mask_pairs as score_mask_pairs
from egoexo_kit.benchmarks.correspondence.submission import DIRECTIONS as DIRECTIONS
from egoexo_kit.benchmarks.correspondence.submission import CorrFrame as CorrFrame
from egoexo_kit.benchmarks.correspondence.submission import read_corr_gt as read_corr_gt
from egoexo_kit.benchmarks.correspondence.submission import read_corr_submission as read_corr_submission

__all__ = [
    "CONF_THRESH",
    "DIRECTIONS",
    "CorrFrame",
    "evaluate_correspondence",
    "read_corr_gt",
    "read_corr_submission",
    "score_mask_pairs",
]
