"""Energy-efficient keystep GT and submission (toolkit format; none is published, BENCHMARKS §8).

GT: ``{"takes": {take_uid: [label_id per 5 fps frame]}}`` (or the bare mapping). Submission::

    {"mean_power_mw": 19.7,            # or "energy": {"macs_per_s", "dram_bytes_per_s", "sensor_duty": {...}}
     "takes": {take_uid: [[K scores] per 5 fps frame]}}
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import Problems, as_array, as_number, as_object
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import EnergyModel
from egoexo_kit.vocab import pointer

__all__ = ["read_energy_gt", "read_energy_submission"]


MAX_LABEL = 2**31
"""Label ids are below this (a score column per id is allocated: a huge id must not reach numpy)."""


def _takes(raw: Any, probs: Problems) -> dict[str, Any]:
    if isinstance(raw, dict) and isinstance(raw.get("takes"), dict):
        return raw["takes"]
    return as_object(raw, probs, "", what='an object {"takes": {...}}') or {}


def _model_power(energy: dict[str, Any], probs: Problems, *, model: EnergyModel) -> float | None:
    """The average power (mW) of the ``energy`` block through the energy model, or ``None`` on a problem.

    Rates are non-negative numbers, duties fractions of time in 0..1, sensors those the model knows;
    rates so large that the power is not a finite number are refused too (the metric must be one).
    """
    macs = as_number(energy.get("macs_per_s"), probs, "/energy/macs_per_s", low=0.0)
    mem = as_number(energy.get("dram_bytes_per_s"), probs, "/energy/dram_bytes_per_s", low=0.0)
    raw_duty = as_object(energy.get("sensor_duty"), probs, "/energy/sensor_duty") or {}
    duty: dict[str, float] = {}
    for sensor, value in raw_duty.items():
        ptr = pointer("energy", "sensor_duty", sensor)
        if sensor not in model.gamma_mw:
            probs.add(ptr, f"unknown sensor {sensor!r:.40}; known: {sorted(model.gamma_mw)}")
            continue
        d = as_number(value, probs, ptr, what="a duty (fraction of time on)", low=0.0, high=1.0)
        if d is not None:
            duty[sensor] = d
    if macs is None or mem is None or len(duty) != len(raw_duty):
        return None
    power = model.mean_power_mw(macs_per_s=macs, dram_bytes_per_s=mem, sensor_duty=duty)
    if not math.isfinite(power):
        probs.add("/energy", f"the rates give a power of {power} mW: not a finite number")
        return None
    return power


def read_energy_gt(raw: Any, *, path: str | None = None) -> dict[str, np.ndarray]:
    """``{take_uid: (T,) int labels}``."""
    probs = Problems(path, kind="ground truth")
    out: dict[str, np.ndarray] = {}
    for take, labels in _takes(raw, probs).items():
        ptr = pointer("takes", take)
        if not isinstance(labels, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v < MAX_LABEL for v in labels
        ):
            probs.add(ptr, f"expected a list of integer label ids in 0..{MAX_LABEL - 1}")
            continue
        out[take] = np.asarray(labels, dtype=np.int64)
    probs.raise_if_any()
    return out


def read_energy_submission(
    raw: Any, gt: dict[str, np.ndarray], *, model: EnergyModel, path: str | None = None
) -> tuple[dict[str, np.ndarray], float]:
    """Per-take ``(T, K)`` scores aligned with the GT frames, and the average power in mW."""
    probs = Problems(path)
    top = as_object(raw, probs, "") or {}
    power = None
    if "mean_power_mw" in top:
        power = as_number(
            top["mean_power_mw"], probs, "/mean_power_mw", what="the average power in mW", low=0.0
        )
    elif isinstance(top.get("energy"), dict):
        power = _model_power(top["energy"], probs, model=model)
    else:
        probs.add("/mean_power_mw", "the average power is missing (mean_power_mw or energy)")
    takes = as_object(top.get("takes"), probs, "/takes") or {}
    for take in sorted(set(takes) - set(gt)):
        probs.add(pointer("takes", take), f"take {take} is not in the ground truth")
    out: dict[str, np.ndarray] = {}
    width = None
    for take, labels in gt.items():
        ptr = pointer("takes", take)
        if take not in takes:
            probs.add(ptr, f"take {take} is missing ({len(labels)} frames)")
            continue
        value = takes[take]
        k = len(value[0]) if isinstance(value, list) and value and isinstance(value[0], list) else 0
        width = width if width is not None else k
        arr = as_array(value, probs, ptr, shape=(len(labels), width))
        if arr is not None:
            out[take] = arr
    if width is not None:
        for take, labels in gt.items():
            if len(labels) and labels.max() >= width:
                probs.add(
                    pointer("takes", take), f"GT label {int(labels.max())} has no score column (K = {width})"
                )
    probs.raise_if_any()
    return out, float(power)  # type: ignore[arg-type]
