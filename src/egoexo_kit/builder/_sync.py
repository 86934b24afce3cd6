"""Time sync of a raw capture from its sync events: the audio chirp, refined and checked by the flash.

Every device records the same sync events (a chirp in its audio, a flash in its pictures). The chirp
is found in each device's audio by normalized cross-correlation with the known sync signal (to a
fraction of a sample); each chirp must fall within the frame interval in which that device's video
first shows the flash (only the frames around each chirp are decoded), which rejects echoes and
foreign sounds and measures how far audio and pictures disagree. With two or more events the
clock-rate difference (drift) is fitted too. A device whose events are missing, weak, or contradict
its pictures is flagged unreliable and given no offset: it is reported, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import av
import numpy as np

from egoexo_kit.builder._raw import RawCapture, RawDevice
from egoexo_kit.errors import FormatError
from egoexo_kit.extras import require
from egoexo_kit.release.writers import sync_chirp
from egoexo_kit.sensors import read_audio

__all__ = [
    "CaptureSync",
    "DeviceSync",
    "SyncEvents",
    "detect_events",
    "estimate_sync",
    "find_chirps",
    "find_flashes",
]

MIN_CONFIDENCE = 0.5
"""Normalized cross-correlation a chirp must reach to count as a sync event."""
MIN_GAP_S = 1.0
"""Sync events are at least this far apart."""
FLASH_JUMP = 40.0
"""Rise in mean luma (0-255) that counts as the flash."""
FLASH_SEARCH_S = 0.5
"""The flash is looked for this far (s) either side of each chirp."""


@dataclass(frozen=True)
class SyncEvents:
    """What one device recorded of the sync events, on its own clock (seconds from its frame 0)."""

    device: str
    chirps_s: tuple[float, ...]
    """Chirp onsets found in the audio."""
    chirp_scores: tuple[float, ...]
    """Normalized cross-correlation of each chirp (1 = identical to the sync signal)."""
    flash_frames: tuple[int, ...]
    """First native frame showing each flash."""
    flash_windows_s: tuple[tuple[float, float], ...]
    """Per flash, the interval ``(t(k-1), t(k)]`` in which it began."""


@dataclass(frozen=True)
class DeviceSync:
    """One device's clock against the capture's reference clock (the Aria's, in seconds from its frame 0).

    ``capture_time = offset_s + device_time * scale``, device time in seconds from the device's frame 0.
    """

    device: str
    reliable: bool
    confidence: float
    """Smallest chirp score, halved where audio and flash disagree; 0 when no event was found."""
    offset_s: float | None
    """Capture time of the device's frame 0; ``None`` when unreliable."""
    scale: float
    """Reference seconds per device second (1 + relative drift); 1.0 with a single event."""
    events_s: tuple[float, ...]
    flash_residual_ms: tuple[float, ...]
    """Per event: chirp onset minus the middle of its flash window (|r| <= half a frame when consistent)."""
    fit_residual_ms: float
    """RMS residual of the offset/drift fit over the events (0 with one or two events)."""
    note: str = ""

    @classmethod
    def from_report(cls, entry: dict) -> DeviceSync:
        """The sync of one device from its ``sync.json`` entry (the build's QA report)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in entry.items() if k in names})

    @property
    def drift_ppm(self) -> float:
        """How much faster the device clock runs than the reference, parts per million."""
        return (1.0 / self.scale - 1.0) * 1e6

    def to_capture(self, device_s: np.ndarray) -> np.ndarray:
        """Capture time (reference seconds) of device times."""
        if self.offset_s is None:
            raise ValueError(f"{self.device} has no reliable sync: {self.note}")
        return self.offset_s + np.asarray(device_s, dtype=np.float64) * self.scale

    def to_device(self, capture_s: np.ndarray) -> np.ndarray:
        """Device time (seconds from its frame 0) of capture times."""
        if self.offset_s is None:
            raise ValueError(f"{self.device} has no reliable sync: {self.note}")
        return (np.asarray(capture_s, dtype=np.float64) - self.offset_s) / self.scale


@dataclass(frozen=True)
class CaptureSync:
    """Every device's sync of one capture."""

    reference: str
    devices: dict[str, DeviceSync] = field(default_factory=dict)

    @property
    def reliable(self) -> list[str]:
        """Devices whose sync can be used."""
        return [d for d, s in self.devices.items() if s.reliable]


def _ncc(x: np.ndarray, template: np.ndarray) -> np.ndarray:
    """Normalized cross-correlation of ``template`` at every lag of ``x`` (``valid`` lags)."""
    n = template.shape[0]
    signal = require("scipy.signal", extra="build", what="build (clock sync)")
    num = signal.oaconvolve(x, template[::-1], mode="valid")
    energy = np.concatenate([[0.0], np.cumsum(x * x)])
    local = energy[n:] - energy[:-n]
    return num / (np.linalg.norm(template) * np.sqrt(np.maximum(local, 1e-20)))


def find_chirps(
    samples: np.ndarray, *, rate: int, threshold: float = MIN_CONFIDENCE
) -> list[tuple[float, float]]:
    """Onsets (s from the first sample, sub-sample precise) and scores of the sync chirps in ``samples``.

    Args:
        samples: ``(S,)`` or ``(S, C)`` audio; channels are averaged.
        rate: samples per second.
        threshold: smallest normalized cross-correlation that counts.
    """
    x = np.asarray(samples, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    template = sync_chirp(rate=rate)
    if x.shape[0] < template.shape[0]:
        return []
    score = _ncc(x, template)
    signal = require("scipy.signal", extra="build", what="build (clock sync)")
    peaks, _ = signal.find_peaks(score, height=threshold, distance=int(MIN_GAP_S * rate))
    out = []
    for p in peaks:
        frac = 0.0
        if 0 < p < score.shape[0] - 1:
            a, b, c = score[p - 1], score[p], score[p + 1]
            denom = a - 2 * b + c
            frac = 0.5 * (a - c) / denom if denom < 0 else 0.0
        out.append(((p + frac) / rate, float(score[p])))
    return out


def find_flashes(device: RawDevice, *, near_s: list[float], jump: float = FLASH_JUMP) -> list[int]:
    """First frame of each flash within ``FLASH_SEARCH_S`` of the times ``near_s`` (device clock, s).

    Only those windows are decoded (luma plane only): a frame is lit when its mean luma exceeds the
    window's median by ``jump``.
    """
    times = device.frame_time(np.arange(device.frames))
    found: set[int] = set()
    try:
        with device.open_frames() as video:
            for t in near_s:
                lo, hi = np.searchsorted(times, [t - FLASH_SEARCH_S, t + FLASH_SEARCH_S])
                ks = np.arange(lo, min(hi, len(video)))
                if ks.size == 0:
                    continue
                y = video.get_frames_at(ks.tolist(), format="gray").data.reshape(ks.size, -1).mean(axis=1)
                lit = y > np.median(y) + jump
                onsets = np.flatnonzero(lit & ~np.concatenate([[False], lit[:-1]]))
                found.update(int(ks[o]) for o in onsets)
    except av.FFmpegError as e:
        raise FormatError(f"cannot decode video: {e}", path=device.video) from e
    return sorted(found)


def detect_events(device: RawDevice) -> SyncEvents:
    """Chirps in a device's audio, and flashes in its video around them, on its own clock."""
    audio = read_audio(device.audio)
    chirps = find_chirps(audio.samples, rate=audio.rate)
    chirps_s = [round(t + device.audio_offset_s, 9) for t, _ in chirps]
    flashes = find_flashes(device, near_s=chirps_s)
    windows = tuple(
        (float(device.frame_time(np.array([max(k - 1, 0)]))[0]), float(device.frame_time(np.array([k]))[0]))
        for k in flashes
    )
    return SyncEvents(
        device=device.device,
        # rounded to the nanosecond and 1e-6: FFT round-off differs between processes and machines
        chirps_s=tuple(chirps_s),
        chirp_scores=tuple(round(s, 6) for _, s in chirps),
        flash_frames=tuple(flashes),
        flash_windows_s=windows,
    )


def _check(ev: SyncEvents, *, expected: int | None) -> tuple[list[str], list[float]]:
    """Problems with a device's events and the chirp-vs-flash residual (ms) of each chirp."""
    problems = []
    if not ev.chirps_s:
        problems.append("no sync chirp found in the audio")
    if expected is not None and ev.chirps_s and len(ev.chirps_s) != expected:
        problems.append(f"{len(ev.chirps_s)} sync chirps found, the reference has {expected}")
    residuals = []
    for t in ev.chirps_s:
        near = [w for w in ev.flash_windows_s if w[0] - 0.1 <= t <= w[1] + 0.1]
        if not near:
            problems.append(f"no flash near the chirp at {t:.3f} s")
            residuals.append(float("nan"))
            continue
        lo, hi = near[0]
        residuals.append((t - 0.5 * (lo + hi)) * 1e3)
        period = hi - lo
        if not lo - period <= t <= hi + period:
            problems.append(f"chirp at {t:.4f} s disagrees with the flash window ({lo:.4f}, {hi:.4f}] s")
    return problems, residuals


def _fit(ref: tuple[float, ...], dev: tuple[float, ...]) -> tuple[float, float, float]:
    """``(offset, scale, rms residual s)`` with ``ref ≈ offset + scale * dev``."""
    r, d = np.asarray(ref), np.asarray(dev)
    if r.size == 1:
        return float(r[0] - d[0]), 1.0, 0.0
    scale, offset = np.polyfit(d - d[0], r, 1)
    res = r - (offset + scale * (d - d[0]))
    return float(offset - scale * d[0]), float(scale), float(np.sqrt(np.mean(res**2)))


def estimate_sync(events: dict[str, SyncEvents], *, reference: str) -> CaptureSync:
    """Each device's offset and drift against ``reference`` from the detected sync events.

    Raises:
        FormatError: the reference device itself has no usable sync events.
    """
    ref = events[reference]
    ref_problems, _ = _check(ref, expected=None)
    if ref_problems:
        raise FormatError(f"reference device {reference}: " + "; ".join(ref_problems))
    out: dict[str, DeviceSync] = {}
    for name, ev in events.items():
        problems, residuals = _check(ev, expected=len(ref.chirps_s))
        weak = [s for s in ev.chirp_scores if s < MIN_CONFIDENCE]
        confidence = min(ev.chirp_scores, default=0.0) * (0.5 if problems else 1.0)
        if problems or weak or not ev.chirps_s:
            out[name] = DeviceSync(
                name, False, confidence, None, 1.0, ev.chirps_s, tuple(residuals), 0.0, "; ".join(problems)
            )
            continue
        offset, scale, rms = _fit(ref.chirps_s, ev.chirps_s)
        note = "" if len(ev.chirps_s) > 1 else "one sync event: drift not estimated"
        out[name] = DeviceSync(
            name, True, confidence, offset, scale, ev.chirps_s, tuple(residuals), rms * 1e3, note
        )
    return CaptureSync(reference=reference, devices=out)


def sync_capture(capture: RawCapture, *, workers: int = 1) -> CaptureSync:
    """Detect every device's events and estimate the capture's sync (reference: the Aria)."""
    from egoexo_kit._parallel import pool_map

    found = pool_map(detect_events, list(capture.devices), workers=workers)
    return estimate_sync({e.device: e for e in found}, reference=capture.aria.device)
