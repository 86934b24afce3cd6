"""Ego hand pose (BENCHMARKS §4): submission checks and the official per-hand MPJPE / PA-MPJPE.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.hand_pose.metric import evaluate_hand_pose as evaluate_hand_pose
from egoexo_kit.benchmarks.hand_pose.metric import hand_mpjpe as hand_mpjpe
from egoexo_kit.benchmarks.hand_pose.metric import hand_pa_mpjpe as hand_pa_mpjpe
from egoexo_kit.benchmarks.hand_pose.metric import procrustes_align as procrustes_align
from egoexo_kit.benchmarks.hand_pose.submission import HandSet as HandSet
from egoexo_kit.benchmarks.hand_pose.submission import read_hand_gt as read_hand_gt
from egoexo_kit.benchmarks.hand_pose.submission import read_hand_submission as read_hand_submission

__all__ = [
    "HandSet",
    "evaluate_hand_pose",
    "hand_mpjpe",
    "hand_pa_mpjpe",
    "procrustes_align",
    "read_hand_gt",
    "read_hand_submission",
]
