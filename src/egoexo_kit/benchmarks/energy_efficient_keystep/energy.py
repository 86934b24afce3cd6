"""The energy model of the energy-efficient keystep task (BENCHMARKS §8, paper Eq. 1; constants reported).

``E(O_t) = α·C(O_t) + β·M(O_t) + Σ_j γ_j·1[S_j ∈ O_t]`` with ``C`` MACs, ``M`` DRAM bytes and
``γ_j`` the continuous power of each sensor that is on. Averaged over time this is a power:
``P = α·MACs/s + β·bytes/s + Σ_j γ_j·duty_j``; every constant is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["TIERS", "EnergyModel", "tier_of"]

# Average-power budgets in mW, strictest first (docs).
TIERS: dict[str, float] = {"high-efficiency": 20.0, "high-performance": 2800.0}


@dataclass(frozen=True)
class EnergyModel:
    """Constants of Eq. 1: α pJ/MAC, β pJ/byte, γ mW per sensor."""

    alpha_pj_per_mac: float = 4.6
    beta_pj_per_byte: float = 80.0
    gamma_mw: Mapping[str, float] = field(default_factory=lambda: {"rgb": 15.0, "audio": 0.5})

    def mean_power_mw(
        self, *, macs_per_s: float, dram_bytes_per_s: float, sensor_duty: Mapping[str, float]
    ) -> float:
        """Average power in mW of a model running ``macs_per_s`` with sensors on ``duty`` of the time."""
        unknown = set(sensor_duty) - set(self.gamma_mw)
        if unknown:
            raise ValueError(f"unknown sensors {sorted(unknown)}; known: {sorted(self.gamma_mw)}")
        compute_pw = self.alpha_pj_per_mac * macs_per_s + self.beta_pj_per_byte * dram_bytes_per_s
        sensors_mw = sum(self.gamma_mw[s] * d for s, d in sensor_duty.items())
        return compute_pw * 1e-9 + sensors_mw  # pJ/s = pW = 1e-9 mW


def tier_of(power_mw: float) -> str | None:
    """The strictest tier whose budget the average power meets, or ``None`` when over every budget."""
    for name, budget in TIERS.items():
        if power_mw <= budget:
            return name
    return None
