"""Keyframe tracks with minimum-jerk interpolation, smooth noise and small rotation helpers.

Every animated quantity of the synthetic participant (pelvis pose, hand targets, finger closure, feet,
object tilts) is a *track*: keyframes ``(t_k, v_k)`` joined by minimum-jerk segments
``v(t) = v_k + s(τ) (v_{k+1} - v_k)`` with ``s(τ) = 10τ³ - 15τ⁴ + 6τ⁵``. Velocity and acceleration
vanish at every keyframe, so a track is C2 (hence C1) however the keyframes are placed, and it passes
through every keyframe exactly, which is what makes contacts exact (a hand is *at* the object at the
grasp keyframe). All evaluation is vectorized over time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Keyframes",
    "TrackBuilder",
    "min_jerk",
    "rodrigues",
    "rot_y",
    "rot_z",
    "smooth_noise",
]

_EPS_T = 1e-9


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Minimum-jerk profile ``10τ³ - 15τ⁴ + 6τ⁵`` of ``τ`` clipped to [0, 1] (same shape)."""
    x = np.clip(tau, 0.0, 1.0)
    return x * x * x * (10.0 + x * (-15.0 + 6.0 * x))


@dataclass(frozen=True)
class Keyframes:
    """A piecewise minimum-jerk track; constant before the first and after the last keyframe."""

    times: np.ndarray
    """(K,) strictly increasing keyframe times, seconds."""
    values: np.ndarray
    """(K, D) values at the keyframes."""

    def _locate(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.times.shape[0]
        if k == 1:
            return np.zeros(t.shape, dtype=np.intp), np.zeros(t.shape)
        i = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, k - 2)
        tau = (t - self.times[i]) / (self.times[i + 1] - self.times[i])
        return i, np.clip(tau, 0.0, 1.0)

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """Values at times ``t`` (T,) as a (T, D) array."""
        if self.times.shape[0] == 1:
            return np.broadcast_to(self.values[0], (t.shape[0], self.values.shape[1])).copy()
        i, tau = self._locate(t)
        v0 = self.values[i]
        return v0 + min_jerk(tau)[:, None] * (self.values[i + 1] - v0)

    def envelope(self, t: np.ndarray) -> np.ndarray:
        """``sin⁴(πτ)`` inside each segment (T,): zero, with zero slope and curvature, at every keyframe.

        It rises more slowly than a minimum-jerk segment leaves its keyframe (τ⁴ vs τ³), so noise scaled
        by it never pushes a hand through the surface it is lifting an object off.
        """
        if self.times.shape[0] == 1:
            return np.zeros(t.shape)
        i, tau = self._locate(t)
        inside = (t >= self.times[0]) & (t <= self.times[-1])
        return np.where(inside, np.sin(np.pi * tau) ** 4, 0.0)


@dataclass
class TrackBuilder:
    """Collects keyframes per named channel (mutable helper used while choreographing a take)."""

    _keys: dict[str, list[tuple[float, np.ndarray]]] = field(default_factory=dict)

    def start(self, name: str, value: np.ndarray | float, *, t: float = 0.0) -> None:
        """Open channel ``name`` with ``value`` at time ``t`` (seconds)."""
        self._keys[name] = [(float(t), np.atleast_1d(np.asarray(value, dtype=np.float64)).copy())]

    def last(self, name: str) -> np.ndarray:
        """The latest keyframe value of a channel (a copy)."""
        return self._keys[name][-1][1].copy()

    def last_time(self, name: str) -> float:
        """The latest keyframe time of a channel, seconds."""
        return self._keys[name][-1][0]

    def move(self, name: str, t0: float, t1: float, *, to: np.ndarray | float) -> None:
        """Hold the current value until ``t0``, then move to ``to`` by ``t1`` (min-jerk).

        Raises:
            ValueError: if ``t1 <= t0`` or ``t0`` is before the channel's latest keyframe.
        """
        keys = self._keys[name]
        t_last, v_last = keys[-1]
        if t1 <= t0 + _EPS_T or t0 < t_last - 1e-6:
            raise ValueError(f"channel {name!r}: bad segment [{t0}, {t1}] after keyframe at {t_last}")
        if t0 > t_last + _EPS_T:
            keys.append((float(t0), v_last))
        keys.append((float(t1), np.atleast_1d(np.asarray(to, dtype=np.float64)).copy()))

    def hold(self, name: str, t: float) -> None:
        """Hold the current value until ``t`` (a keyframe at ``t``), if ``t`` is later than the last one."""
        t_last, v_last = self._keys[name][-1]
        if t > t_last + _EPS_T:
            self._keys[name].append((float(t), v_last))

    def build(self) -> dict[str, Keyframes]:
        """Freeze every channel into a :class:`Keyframes`."""
        out = {}
        for name, keys in self._keys.items():
            times = np.array([k[0] for k in keys])
            values = np.stack([k[1] for k in keys])
            out[name] = Keyframes(times, values)
        return out


def smooth_noise(
    t: np.ndarray, *, rng: np.random.Generator, dim: int, band_hz: tuple[float, float]
) -> np.ndarray:
    """Band-limited smooth noise (T, dim) of unit RMS per component: a sum of 4 random sinusoids.

    Args:
        t: (T,) times in seconds.
        rng: the generator that draws frequencies and phases.
        dim: number of independent components.
        band_hz: (low, high) frequency band in Hz.
    """
    n = 4
    f = rng.uniform(*band_hz, size=(n, dim))
    ph = rng.uniform(0.0, 2.0 * np.pi, size=(n, dim))
    a = rng.uniform(0.5, 1.0, size=(n, dim))
    a /= np.sqrt(0.5 * np.sum(a * a, axis=0, keepdims=True))
    return np.einsum("kd,tkd->td", a, np.sin(2.0 * np.pi * f[None] * t[:, None, None] + ph[None]))


def rot_z(angle: np.ndarray) -> np.ndarray:
    """Rotations about z by ``angle`` radians: (...,) -> (..., 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    z, o = np.zeros_like(c), np.ones_like(c)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def rot_y(angle: np.ndarray) -> np.ndarray:
    """Rotations about y by ``angle`` radians (positive tilts +x toward -z): (...,) -> (..., 3, 3)."""
    c, s = np.cos(angle), np.sin(angle)
    z, o = np.zeros_like(c), np.ones_like(c)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rodrigues(rotvec: np.ndarray) -> np.ndarray:
    """Rotation matrices from rotation vectors (axis × angle, radians): (..., 3) -> (..., 3, 3)."""
    theta = np.linalg.norm(rotvec, axis=-1)
    safe = np.where(theta > 1e-12, theta, 1.0)
    k = rotvec / safe[..., None]
    kx, ky, kz = k[..., 0], k[..., 1], k[..., 2]
    zero = np.zeros_like(kx)
    kmat = np.stack(
        [np.stack([zero, -kz, ky], -1), np.stack([kz, zero, -kx], -1), np.stack([-ky, kx, zero], -1)], -2
    )
    s = np.where(theta > 1e-12, np.sin(theta), 0.0)[..., None, None]
    c = np.where(theta > 1e-12, 1.0 - np.cos(theta), 0.0)[..., None, None]
    return np.eye(3) + s * kmat + c * (kmat @ kmat)
