"""Energy-efficient keystep GT and submission (toolkit format; none is published, BENCHMARKS §8).

GT: ``{"takes": {take_uid: [label_id per 5 fps frame]}}`` (or the bare mapping). Submission::

    {"mean_power_mw": 19.7,            # or "energy": {"macs_per_s", "dram_bytes_per_s", "sensor_duty": {...}}
     "takes": {take_uid: [[K scores] per 5 fps frame]}}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import Problems, as_array, as_number, as_object
from egoexo_kit.benchmarks.energy_efficient_keystep.energy import EnergyModel
from egoexo_kit.vocab import pointer

__all__ = ["read_energy_gt", "read_energy_submission"]


def _takes(raw: Any, probs: Problems) -> dict[str, Any]:
    if isinstance(raw, dict) and isinstance(raw.get("takes"), dict):
        return raw["takes"]
    return as_object(raw, probs, "", what='an object {"takes": {...}}') or {}


def read_energy_gt(raw: Any, *, path: str | None = None) -> dict[str, np.ndarray]:
    """``{take_uid: (T,) int labels}``."""
    probs = Problems(path, kind="ground truth")
    out: dict[str, np.ndarray] = {}
    for take, labels in _takes(raw, probs).items():
        ptr = pointer("takes", take)
        if not isinstance(labels, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in labels
        ):
            probs.add(ptr, "expected a list of non-negative integer label ids")
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
        power = as_number(top["mean_power_mw"], probs, "/mean_power_mw", what="the average power in mW")
    elif isinstance(top.get("energy"), dict):
        e = top["energy"]
        macs = as_number(e.get("macs_per_s"), probs, "/energy/macs_per_s")
        mem = as_number(e.get("dram_bytes_per_s"), probs, "/energy/dram_bytes_per_s")
        duty = as_object(e.get("sensor_duty"), probs, "/energy/sensor_duty") or {}
        try:
            if macs is not None and mem is not None:
                power = model.mean_power_mw(macs_per_s=macs, dram_bytes_per_s=mem, sensor_duty=duty)
        except (TypeError, ValueError) as err:
            probs.add("/energy/sensor_duty", str(err))
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
