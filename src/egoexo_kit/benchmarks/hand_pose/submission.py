"""Hand-pose GT and submission files (BENCHMARKS §4).

Both are ``{take_uid: {frame: {left_hand_3d, right_hand_3d}}}`` in Aria camera metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import MAX_COORDINATE_M, Problems, as_array, as_object
from egoexo_kit.vocab import HAND_JOINTS_PER_SIDE, SIDES, pointer

__all__ = ["HANDS", "HandSet", "read_hand_gt", "read_hand_submission"]

HANDS = SIDES  # the evaluator's loop order: right, then left
N_JOINTS = len(HAND_JOINTS_PER_SIDE)


@dataclass(frozen=True)
class HandSet:
    """Evaluated hand instances in GT order: ``keys[i] = (take_uid, frame, hand)``, ``(N, 21, 3)`` metres."""

    keys: list[tuple[str, str, str]]
    joints: np.ndarray
    valid: np.ndarray


def _valid_flags(value: Any, probs: Problems, ptr: str) -> np.ndarray | None:
    if not isinstance(value, list) or len(value) != N_JOINTS:
        probs.add(ptr, f"expected a list of {N_JOINTS} booleans")
        return None
    if not all(isinstance(v, bool) or v in (0, 1) for v in value):
        probs.add(ptr, "expected booleans (0/1 integers are read as booleans)")
        return None
    return np.asarray(value, dtype=bool)


def read_hand_gt(raw: Any, *, path: str | None = None) -> HandSet:
    """Parse the evaluation GT: every hand whose ``{hand}_hand_3d`` is non-empty is one instance.

    ``{hand}_hand_valid_3d`` selects the scored joints. Invalid joints may be NaN or ``null``
    (the official script needs NaN and JSON booleans; this reader accepts both spellings).
    """
    probs = Problems(path, kind="ground truth")
    keys: list[tuple[str, str, str]] = []
    joints, valid = [], []
    for uid, take in (as_object(raw, probs, "") or {}).items():
        for frame, ann in (as_object(take, probs, pointer(uid)) or {}).items():
            ann = as_object(ann, probs, pointer(uid, frame))
            for hand in HANDS if ann is not None else ():
                value = ann.get(f"{hand}_hand_3d")
                if not value:
                    continue
                ptr = pointer(uid, frame, f"{hand}_hand_3d")
                arr = as_array(
                    value, probs, ptr, shape=(N_JOINTS, 3), allow_nan=True, max_abs=MAX_COORDINATE_M
                )
                vptr = pointer(uid, frame, f"{hand}_hand_valid_3d")
                flags = _valid_flags(ann.get(f"{hand}_hand_valid_3d"), probs, vptr)
                if arr is None or flags is None:
                    continue
                if np.isnan(arr[flags]).any():
                    probs.add(ptr, "a joint marked valid is NaN")
                    continue
                if np.isnan(arr[0]).any():
                    probs.add(ptr + "/0", "the wrist (joint 0) must always be present")
                    continue
                keys.append((uid, frame, hand))
                joints.append(arr)
                valid.append(flags)
    probs.raise_if_any()
    return HandSet(
        keys=keys,
        joints=np.asarray(joints, dtype=np.float64).reshape(-1, N_JOINTS, 3),
        valid=np.asarray(valid, dtype=bool).reshape(-1, N_JOINTS),
    )


def read_hand_submission(raw: Any, gt: HandSet, *, path: str | None = None) -> np.ndarray:
    """Check a submission against the GT hands; return ``(N, 21, 3)`` predictions in GT order.

    Reported together: missing take, frame or hand, wrong shape (an empty list for an evaluated
    hand included), non-numbers, NaN. Predictions for hands the GT does not evaluate are ignored.
    """
    probs = Problems(path)
    top = as_object(raw, probs, "")
    out = np.zeros((len(gt.keys), N_JOINTS, 3))
    if top is None:
        probs.raise_if_any()
    missing_takes: set[str] = set()
    for i, (uid, frame, hand) in enumerate(gt.keys):
        if uid not in top:
            if uid not in missing_takes:
                probs.add(pointer(uid), f"take {uid} is missing")
                missing_takes.add(uid)
            continue
        take = top[uid]
        if not isinstance(take, dict) or frame not in take:
            probs.add(
                pointer(uid, frame),
                f"frame {frame} is missing" if isinstance(take, dict) else "not an object",
            )
            continue
        ann = take[frame]
        key = f"{hand}_hand_3d"
        if not isinstance(ann, dict) or key not in ann:
            probs.add(pointer(uid, frame, key), f"the {hand} hand is evaluated but has no prediction")
            continue
        arr = as_array(
            ann[key], probs, pointer(uid, frame, key), shape=(N_JOINTS, 3), max_abs=MAX_COORDINATE_M
        )
        if arr is not None:
            out[i] = arr
    probs.raise_if_any()
    return out
