"""Energy-efficient keystep baselines (BENCHMARKS §8) with their sensor schedule and energy accounting.

``clock``: an online prior that needs no sensor: ``P(label | time since take start)`` in 5 s bins,
counted on the train split (Laplace-smoothed), so both sensors stay off (duty 0) and the compute is a
table look-up per frame (K MACs, K·4 bytes read). Its average power follows the energy model:
``α·MACs/s + β·bytes/s`` ≈ nanowatts, in the high-efficiency tier. Trivial: ``uniform`` (equal
scores) and ``random`` (seeded uniform scores), with the same zero-sensor schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._source import check_method
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import EnergyModel
from egoexo_kit.benchmarks.energy_efficient_keystep.gt import FPS, build_energy_gt

if TYPE_CHECKING:
    from egoexo_kit.release import Release

__all__ = ["BIN_S", "ENERGY_BASELINES", "energy_baseline"]

ENERGY_BASELINES = ("clock", "uniform", "random")
BIN_S = 5.0


def energy_baseline(
    release: Release, *, split: str = "val", method: str = "clock", train_split: str = "train", seed: int = 0
) -> dict[str, Any]:
    """``{"energy": {...}, "mean_power_mw", "takes": {take_uid: (T, K) scores}}`` for ``split``."""
    check_method("energy-efficient", method, ENERGY_BASELINES)
    gt = build_energy_gt(release, split=split)
    k = len(gt["classes"])
    per = 1 / BIN_S * FPS  # bins per frame
    counts = np.ones((1, k))
    for labels in build_energy_gt(release, split=train_split)["takes"].values():
        bins = (np.arange(len(labels)) * per / FPS).astype(int)
        if len(bins) and bins.max() >= len(counts):
            counts = np.vstack([counts, np.ones((bins.max() + 1 - len(counts), k))])
        np.add.at(counts, (bins, np.asarray(labels)), 1.0)
    prior = counts / counts.sum(axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    takes: dict[str, Any] = {}
    for uid, labels in gt["takes"].items():
        n = len(labels)
        if method == "clock":
            bins = np.minimum((np.arange(n) * per / FPS).astype(int), len(prior) - 1)
            scores = prior[bins]
        elif method == "uniform":
            scores = np.full((n, k), 1.0 / k)
        else:
            scores = rng.random((n, k))
        takes[uid] = scores.round(6).tolist()
    energy = {
        "macs_per_s": k * FPS,
        "dram_bytes_per_s": 4 * k * FPS,
        "sensor_duty": {"rgb": 0.0, "audio": 0.0},
    }
    power = EnergyModel().mean_power_mw(
        macs_per_s=energy["macs_per_s"],
        dram_bytes_per_s=energy["dram_bytes_per_s"],
        sensor_duty=energy["sensor_duty"],
    )
    return {"energy": energy, "mean_power_mw_estimate": power, "takes": takes}
