"""Energy-efficient keystep baselines (BENCHMARKS §8) with their sensor schedule and energy accounting.

``clock``: an online prior that needs no sensor: ``P(label | task, time since take start)`` in 1 s
bins. The take's task (``task_name`` in ``takes.json``) is known before the recording starts, and
its keystep taxonomy lists the only steps that can occur, so every other step scores 0; the time
prior is counted on the train takes of the same task, plus the train takes of every task as one
pseudo-take, Laplace-smoothed over the allowed labels. A time-only prior pooled over all tasks
puts most of its mass on steps the take's task never has, and scores no better than chance when
the release mixes tasks. Both sensors stay off (duty 0) and the compute is a table look-up per
frame (K MACs, K·4 bytes read): ``α·MACs/s + β·bytes/s`` ≈ nanowatts, far below the always-on
schedule (:func:`always_on_power_mw`), in the high-efficiency tier. It needs train takes with
keysteps. Trivial: ``uniform`` (equal scores) and ``random`` (seeded uniform scores), with the
same zero-sensor schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._keysteps import keystep_vocabulary
from egoexo_kit.benchmarks._source import annotations_of, check_method, split_takes
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import EnergyModel
from egoexo_kit.benchmarks.energy_efficient_keystep.gt import FPS, build_energy_gt
from egoexo_kit.errors import NotFoundError

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["BIN_S", "ENERGY_BASELINES", "always_on_power_mw", "energy_baseline"]

ENERGY_BASELINES = ("clock", "uniform", "random")
BIN_S = 1.0


def always_on_power_mw(model: EnergyModel | None = None) -> float:
    """Average power of the reference schedule: every sensor of the energy model on all the time."""
    model = model or EnergyModel()
    return model.mean_power_mw(
        macs_per_s=0.0, dram_bytes_per_s=0.0, sensor_duty=dict.fromkeys(model.gamma_mw, 1.0)
    )


def _time_counts(takes: list[list[int]], *, bins: int, classes: int) -> np.ndarray:
    """``(bins, classes)`` label counts per bin of time since take start (the last bin takes the rest)."""
    counts = np.zeros((bins, classes))
    for labels in takes:
        b = np.minimum((np.arange(len(labels)) / (BIN_S * FPS)).astype(int), bins - 1)
        np.add.at(counts, (b, np.asarray(labels, dtype=np.int64)), 1.0)
    return counts


def _clock_priors(release: Release, *, split: str, train_split: str, classes: int) -> dict[str, np.ndarray]:
    """Per task name of the takes of ``split`` and ``train_split``: the ``(bins, classes)`` clock prior."""
    train = build_energy_gt(release, split=train_split)["takes"]
    if not train:
        raise NotFoundError(
            f"no {train_split} take has keysteps: the clock prior has nothing to be fitted on"
        )
    task_of = {t.uid: t.record.task_name for s in (split, train_split) for t in split_takes(release, s)}
    bins = max(1, int(max(map(len, train.values())) / (BIN_S * FPS)) + 1)
    everyone = _time_counts(list(train.values()), bins=bins, classes=classes) / len(train)
    index = {u: i + 1 for i, u in enumerate(keystep_vocabulary(release))}
    taxonomies = annotations_of(release).taxonomies
    priors: dict[str, np.ndarray] = {}
    for task in set(task_of.values()):
        allowed = np.ones(classes, dtype=bool)
        tax = taxonomies.get(task) if task else None
        if tax is not None:  # no keystep outside the task's taxonomy; 0 = no keystep
            allowed[:] = False
            allowed[[0, *(index[n.unique_id] for n in tax.nodes.values() if n.unique_id in index)]] = True
        own = _time_counts(
            [v for u, v in train.items() if task_of.get(u) == task], bins=bins, classes=classes
        )
        counts = (own + everyone + 1.0) * allowed
        priors[task] = counts / counts.sum(axis=1, keepdims=True)
    return priors


def energy_baseline(
    release: Release, *, split: str = "val", method: str = "clock", train_split: str = "train", seed: int = 0
) -> dict[str, Any]:
    """``{"energy": {...}, "mean_power_mw", "takes": {take_uid: (T, K) scores}}`` for ``split``."""
    check_method("energy-efficient", method, ENERGY_BASELINES)
    gt = build_energy_gt(release, split=split)
    k = len(gt["classes"])
    if method == "clock":
        priors = _clock_priors(release, split=split, train_split=train_split, classes=k)
        task_of = {t.uid: t.record.task_name for t in split_takes(release, split)}
    rng = np.random.default_rng(seed)
    takes: dict[str, Any] = {}
    for uid, labels in gt["takes"].items():
        n = len(labels)
        if method == "clock":
            prior = priors[task_of[uid]]
            scores = prior[np.minimum((np.arange(n) / (BIN_S * FPS)).astype(int), len(prior) - 1)]
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
