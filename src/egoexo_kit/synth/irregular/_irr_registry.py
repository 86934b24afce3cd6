"""The registry of irregularity steps: what a step sees, and the decorator that registers it.

Its own module so that the step modules (``_irr_*``) import it while ``_irregular`` imports them
(through ``_irregular_steps``): no import cycle between files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.synth._config import SynthConfig

__all__ = ["IRREGULARITIES", "IrregularRelease", "Step", "register"]


@dataclass
class IrregularRelease:
    """What an irregularity step sees: the finished release and a generator seeded per step."""

    root: Path
    config: SynthConfig
    rng: np.random.Generator
    takes: list[dict[str, Any]] = field(default_factory=list)
    """``takes.json`` as written (empty when the release has none)."""


Step = Callable[[IrregularRelease], list[dict[str, Any]]]
"""Edits the release in place; returns one JSON-able record per change (where, what, why)."""

IRREGULARITIES: dict[str, Step] = {}
"""Name → step, applied in this order. Steps register themselves with :func:`register`."""


def register(name: str) -> Callable[[Step], Step]:
    """Decorator adding a step to :data:`IRREGULARITIES` under ``name``."""

    def add(step: Step) -> Step:
        IRREGULARITIES[name] = step
        return step

    return add
