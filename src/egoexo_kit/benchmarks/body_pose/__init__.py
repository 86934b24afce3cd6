"""Ego body pose (BENCHMARKS §3): submission checks and the official MPJPE/MPJVE semantics.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` only. ``gt.py`` and ``baseline.py``
join ``metric.py`` and ``submission.py`` here when the release-side builders land.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.body_pose.metric import CATEGORIES as CATEGORIES
from egoexo_kit.benchmarks.body_pose.metric import GROUPS as GROUPS
from egoexo_kit.benchmarks.body_pose.metric import evaluate_body_pose as evaluate_body_pose
from egoexo_kit.benchmarks.body_pose.metric import filter_short_clips as filter_short_clips
from egoexo_kit.benchmarks.body_pose.metric import scenario_of as scenario_of
from egoexo_kit.benchmarks.body_pose.submission import BodyTake as BodyTake
from egoexo_kit.benchmarks.body_pose.submission import read_body_gt as read_body_gt
from egoexo_kit.benchmarks.body_pose.submission import read_body_submission as read_body_submission

__all__ = [
    "CATEGORIES",
    "GROUPS",
    "BodyTake",
    "evaluate_body_pose",
    "filter_short_clips",
    "read_body_gt",
    "read_body_submission",
    "scenario_of",
]
