"""The plan of a synthetic release: every name, uid, time and step, decided from the seed before any geometry.

``_taxonomy`` (objects, keystep taxonomies, tasks), ``_scenarios`` (the scenario catalogue, proficiency
levels, one take's planned steps) and ``_plan`` (captures, participants, takes, windows, splits and
benchmarks). The bottom synth stage: imports only ``synth._config`` and ``synth._metadata``.

Re-exports what the later stages use; the rest (the catalogue tables ``SCENARIOS`` and ``TASKS``, the
scale-mode constants) stays in its module.
"""

from __future__ import annotations

from egoexo_kit.synth.plan._plan import FPS as FPS
from egoexo_kit.synth.plan._plan import SYNC_EVENT_TIME as SYNC_EVENT_TIME
from egoexo_kit.synth.plan._plan import CapturePlan as CapturePlan
from egoexo_kit.synth.plan._plan import ReleasePlan as ReleasePlan
from egoexo_kit.synth.plan._plan import TakePlan as TakePlan
from egoexo_kit.synth.plan._plan import plan_release as plan_release
from egoexo_kit.synth.plan._scenarios import PROFICIENCY_LEVELS as PROFICIENCY_LEVELS
from egoexo_kit.synth.plan._scenarios import PlannedStep as PlannedStep
from egoexo_kit.synth.plan._scenarios import ProficiencyProfile as ProficiencyProfile
from egoexo_kit.synth.plan._scenarios import StepSchedule as StepSchedule
from egoexo_kit.synth.plan._scenarios import plan_take as plan_take
from egoexo_kit.synth.plan._scenarios import proficiency_profile as proficiency_profile
from egoexo_kit.synth.plan._taxonomy import ObjectSpec as ObjectSpec
from egoexo_kit.synth.plan._taxonomy import TaxonomyTask as TaxonomyTask
from egoexo_kit.synth.plan._taxonomy import find_named as find_named

__all__ = [
    "CapturePlan",
    "FPS",
    "ObjectSpec",
    "PROFICIENCY_LEVELS",
    "PlannedStep",
    "ProficiencyProfile",
    "ReleasePlan",
    "SYNC_EVENT_TIME",
    "StepSchedule",
    "TakePlan",
    "TaxonomyTask",
    "find_named",
    "plan_release",
    "plan_take",
    "proficiency_profile",
]
