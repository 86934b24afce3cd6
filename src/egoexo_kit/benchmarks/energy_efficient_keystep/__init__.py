"""Energy-efficient multimodal keystep recognition (BENCHMARKS §8): mcAP plus the energy model and tiers.

Imports ``release`` (JSON helpers) and ``benchmarks._common`` / ``_cap`` only.
"""

from __future__ import annotations

from egoexo_kit.benchmarks.energy_efficient_keystep.energy import TIERS as TIERS
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import EnergyModel as EnergyModel
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import tier_of as tier_of
from egoexo_kit.benchmarks.energy_efficient_keystep.metric import (
    evaluate_energy_efficient_keystep as evaluate_energy_efficient_keystep,
)

__all__ = ["TIERS", "EnergyModel", "evaluate_energy_efficient_keystep", "tier_of"]
