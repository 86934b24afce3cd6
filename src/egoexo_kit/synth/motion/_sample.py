"""Evaluate a performance at arbitrary times (device frame times fall between its samples)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egoexo_kit.geometry import interpolate_poses
from egoexo_kit.synth.motion._motion import Performance

__all__ = ["State", "concatenate", "sample"]


@dataclass(frozen=True)
class State:
    """The world at M instants (seconds from take start)."""

    t: np.ndarray
    body_world: np.ndarray
    """(M, 17, 3)."""
    hands_world: np.ndarray
    """(M, 42, 3)."""
    T_world_head: np.ndarray
    """(M, 4, 4)."""
    objects_T_world: dict[str, np.ndarray]
    """Name → (M, 4, 4)."""
    gaze_world: np.ndarray
    """(M, 3) fixated point."""


def _lerp(values: np.ndarray, idx: np.ndarray, w: np.ndarray) -> np.ndarray:
    shape = (-1,) + (1,) * (values.ndim - 1)
    return values[idx] * (1 - w).reshape(shape) + values[idx + 1] * w.reshape(shape)


def sample(perf: Performance | State, tau: np.ndarray) -> State:
    """Linear interpolation of joints and gaze, SE(3) interpolation of poses; clamped at both ends.

    ``perf`` is a performance (times from take start) or any :class:`State` used as a key-frame table.
    """
    tau = np.asarray(tau, dtype=np.float64)
    t = perf.t
    x = np.clip(tau, t[0], t[-1])
    idx = np.clip(np.searchsorted(t, x, side="right") - 1, 0, len(t) - 2)
    w = (x - t[idx]) / (t[idx + 1] - t[idx])
    return State(
        t=tau,
        body_world=_lerp(perf.body_world, idx, w),
        hands_world=_lerp(perf.hands_world, idx, w),
        T_world_head=interpolate_poses(x, t, perf.T_world_head),
        objects_T_world={k: interpolate_poses(x, t, v) for k, v in perf.objects_T_world.items()},
        gaze_world=_lerp(perf.gaze_world, idx, w),
    )


def concatenate(states: list[State]) -> State:
    """Key-frame tables one after the other (times must keep increasing): a capture's whole timeline."""
    return State(
        t=np.concatenate([s.t for s in states]),
        body_world=np.concatenate([s.body_world for s in states]),
        hands_world=np.concatenate([s.hands_world for s in states]),
        T_world_head=np.concatenate([s.T_world_head for s in states]),
        objects_T_world={
            k: np.concatenate([s.objects_T_world[k] for s in states]) for k in states[0].objects_T_world
        },
        gaze_world=np.concatenate([s.gaze_world for s in states]),
    )
