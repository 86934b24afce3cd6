"""Body-pose GT and submission files (BENCHMARKS §3).

Both are ``{take_uid: {take_name, body: {frame: 17 x [x, y, z]}}}`` in world metres.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from egoexo_kit.benchmarks._common import MAX_COORDINATE_M, Problems, as_array, as_object
from egoexo_kit.limits import FRAME_COUNT
from egoexo_kit.vocab import BODY_JOINTS, pointer

__all__ = ["BodyTake", "read_body_gt", "read_body_submission"]

N_JOINTS = len(BODY_JOINTS)


@dataclass(frozen=True)
class BodyTake:
    """One take of the evaluation GT: sorted frame numbers and ``(F, 17, 3)`` world joints (NaN = absent)."""

    take_uid: str
    take_name: str
    frames: np.ndarray
    joints: np.ndarray


def _frame_key(key: str, probs: Problems, ptr: str) -> int | None:
    """A GT frame key as its frame number: a non-negative integer under the ``frame_count`` cap."""
    try:
        frame = int(key)
    except ValueError:
        probs.add(ptr, f"frame key {key[:40]!r} is not an integer")
        return None
    if not 0 <= frame < FRAME_COUNT.value:
        probs.add(ptr, f"frame {key[:20]} is outside 0..{FRAME_COUNT.value:g} (the {FRAME_COUNT.env} cap)")
        return None
    return frame


def read_body_gt(raw: Any, *, path: str | None = None) -> dict[str, BodyTake]:
    """Parse the evaluation GT; ``null`` joints read as NaN (absent), every problem is collected."""
    probs = Problems(path, kind="ground truth")
    out: dict[str, BodyTake] = {}
    top = as_object(raw, probs, "")
    for uid, take in (top or {}).items():
        ptr = pointer(uid)
        obj = as_object(take, probs, ptr)
        if obj is None:
            continue
        name = obj.get("take_name")
        if not isinstance(name, str):
            probs.add(pointer(uid, "take_name"), "expected the take name as a string")
            name = ""
        body = as_object(obj.get("body"), probs, pointer(uid, "body"))
        frames, joints = [], []
        for key, value in (body or {}).items():
            t = _frame_key(key, probs, pointer(uid, "body", key))
            arr = as_array(
                value,
                probs,
                pointer(uid, "body", key),
                shape=(N_JOINTS, 3),
                allow_nan=True,
                max_abs=MAX_COORDINATE_M,
            )
            if t is not None and arr is not None:
                frames.append(t)
                joints.append(arr)
        order = np.argsort(np.asarray(frames, dtype=np.int64), kind="stable")
        out[uid] = BodyTake(
            take_uid=uid,
            take_name=name,
            frames=np.asarray(frames, dtype=np.int64)[order],
            joints=np.asarray(joints, dtype=np.float64).reshape(-1, N_JOINTS, 3)[order],
        )
    probs.raise_if_any()
    return out


def read_body_submission(
    raw: Any, required: dict[str, np.ndarray], *, path: str | None = None
) -> dict[str, np.ndarray]:
    """Check a submission and return ``{take_uid: (F, 17, 3)}`` aligned with ``required[take_uid]`` frames.

    Every problem is reported together: missing take, missing frame, wrong shape, NaN. Extra takes
    and frames are ignored (as the official script does), and so is ``take_name``.
    """
    probs = Problems(path)
    out: dict[str, np.ndarray] = {}
    top = as_object(raw, probs, "")
    if top is None:
        probs.raise_if_any()
    for uid, frames in required.items():
        if uid not in top:
            probs.add(pointer(uid), f"take {uid} is missing ({len(frames)} frames to predict)")
            continue
        take = as_object(top[uid], probs, pointer(uid))
        body = as_object((take or {}).get("body"), probs, pointer(uid, "body")) if take is not None else None
        if body is None:
            continue
        arrays = np.zeros((len(frames), N_JOINTS, 3))
        for i, t in enumerate(frames.tolist()):
            key = str(t)
            if key not in body:
                probs.add(pointer(uid, "body", key), f"frame {key} is missing")
                continue
            arr = as_array(
                body[key], probs, pointer(uid, "body", key), shape=(N_JOINTS, 3), max_abs=MAX_COORDINATE_M
            )
            if arr is not None:
                arrays[i] = arr
        out[uid] = arrays
    probs.raise_if_any()
    return out
