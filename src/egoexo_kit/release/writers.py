"""Writers of the canonical release form, shared by ``synth`` and ``builder`` (DESIGN §1).

Also the one signal both sides of a raw capture agree on: :func:`sync_chirp`, which the synthetic
raw captures play and the builder's sync estimation looks for.

Readers are tolerant; writers emit exactly one canonical form: JSON booleans, ``has_trimmed_eye_gaze``,
``take["capture"]`` a deep copy of the capture, no internal ``_`` keys, 16-bit PCM WAV audio. Both the
synthetic generator and the raw-capture builder write releases through this module, so a builder
never depends on the generator's internals. Not re-exported by :mod:`egoexo_kit.release` (readers
are its surface): import it as ``egoexo_kit.release.writers``.
"""

from __future__ import annotations

import copy
import uuid
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import atomic_path
from egoexo_kit.vocab import ARIA_STREAMS, EXO_STREAM_ID, FPS

__all__ = [
    "AUDIO_RATE",
    "UidSource",
    "capture_record",
    "sync_chirp",
    "take_record",
    "video_entries",
    "write_pcm_wav",
]

AUDIO_RATE = 48_000
"""Sample rate of the take audio files ``audio/<aria>.wav`` (Hz)."""
CHIRP_SECONDS = 0.3
"""Length of the sync chirp."""
CHIRP_HZ = (1000.0, 4000.0)
"""Start and end frequency of the linear sync chirp."""


class UidSource:
    """Deterministic UUID4 strings drawn from a seeded generator."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def __call__(self) -> str:
        """The next UUID4 string of the sequence."""
        return str(uuid.UUID(bytes=self._rng.bytes(16), version=4))


def capture_record(
    *,
    uid: Callable[[], str],
    capture_name: str,
    university: str,
    aria_id: str,
    exo_ids: list[str],
    setting_uid: int,
    ds_recorded: int = 1689793200,
    exo_device: str = "hero10",
    capture_uid: str | None = None,
) -> dict[str, Any]:
    """A ``captures.json`` entry: one ego Aria plus the GoPros (FORMAT §2.3); uids drawn unless given."""
    cameras = [
        {
            "cam_id": aria_id,
            "is_ego": True,
            "has_walkaround": False,
            "includes_audio": True,
            "device_type": "aria",
            "relative_path": f"videos/{aria_id}.vrs",
            "video_artifact_uid": uid(),
        }
    ]
    cameras += [
        {
            "cam_id": c,
            "is_ego": False,
            "has_walkaround": False,
            "includes_audio": True,
            "device_type": exo_device,
            "relative_path": f"videos/{c}.mp4",
            "video_artifact_uid": uid(),
        }
        for c in exo_ids
    ]
    return {
        "capture_uid": capture_uid or uid(),
        "capture_name": capture_name,
        "root_dir": f"captures/{capture_name}",
        "university_name": university,
        "physical_setting_uid": setting_uid,
        "ds_recorded": ds_recorded,
        "has_trajectory": True,
        "has_gaze": True,
        "has_postsurvey": False,
        "cameras": cameras,
        "timesync_validated": True,
        "validated": True,
        "timesync_uid": uid(),
    }


def video_entries(*, uid: Callable[[], str], aria_id: str, exo_ids: list[str]) -> dict[str, Any]:
    """``frame_aligned_videos``: the Aria's four streams, one ``"0"`` entry per GoPro, collage, best_exo."""
    fav: dict[str, Any] = {
        aria_id: {
            key: {
                "cam_id": aria_id,
                "stream_id": sid,
                "readable_stream_id": key,
                "clip_uid": uid(),
                "is_collage": False,
                "relative_path": f"frame_aligned_videos/{aria_id}_{sid}.mp4",
            }
            for key, sid in ARIA_STREAMS.items()
        }
    }
    for cam in exo_ids:
        fav[cam] = {
            EXO_STREAM_ID: {
                "cam_id": cam,
                "stream_id": EXO_STREAM_ID,
                "readable_stream_id": EXO_STREAM_ID,
                "clip_uid": uid(),
                "is_collage": False,
                "relative_path": f"frame_aligned_videos/{cam}.mp4",
            }
        }
    fav["collage"] = {
        "0": {
            "clip_uid": uid(),
            "stream_id": "0",
            "readable_stream_id": "0",
            "is_collage": True,
            "relative_path": "ego_preview.mp4",
        }
    }
    fav["best_exo"] = {
        "0": {
            "clip_uid": None,
            "stream_id": "0",
            "readable_stream_id": "0",
            "is_collage": True,
            "relative_path": None,
        }
    }
    return fav


def take_record(
    *,
    uid: Callable[[], str],
    capture: dict[str, Any],
    take_idx: int,
    window: tuple[int, int],
    task: tuple[int, str, str],
    participant_uid: int,
    best_exo: str | None,
    task_window: tuple[float, float],
    narrated: bool,
    objects: list[dict[str, Any]],
    exo_ids: list[str],
    aria_id: str,
    take_uid: str | None = None,
) -> dict[str, Any]:
    """A ``takes.json`` entry with every documented key (FORMAT §2.1, §10).

    ``window`` is ``(timesync_start_idx, timesync_end_idx)`` (the take has ``end - start - 1``
    frames), ``task`` is ``(task_id, task_name, parent_task_name)`` and ``task_window`` is
    ``(task_start_sec, task_end_sec)`` in seconds from take start.
    """
    name = f"{capture['capture_name']}_{take_idx}"
    start, end = window
    task_id, task_name, parent_name = task
    return {
        "root_dir": f"takes/{name}",
        "take_name": name,
        "take_uid": take_uid or uid(),
        "capture_uid": capture["capture_uid"],
        "take_timing_uid": uid(),
        "timesync_uid": capture["timesync_uid"],
        "participant_uid": participant_uid,
        "is_dropped": False,
        "objects": objects,
        "best_exo": best_exo,
        "task_start_sec": round(task_window[0], 5),
        "task_end_sec": round(task_window[1], 5),
        "task_id": task_id,
        "task_name": task_name,
        "parent_task_id": task_id // 1000 * 1000,
        "parent_task_name": parent_name,
        "take_idx": take_idx,
        "duration_sec": (end - start) / FPS,
        "is_narrated": narrated,
        "physical_setting_uid": capture["physical_setting_uid"],
        "timesync_start_idx": start,
        "timesync_end_idx": end,
        "validated": True,
        "university_name": capture["university_name"],
        "university_id": f"ego4d-{capture['university_name']}",
        "has_trimmed_vrs": False,
        "has_trimmed_trajectory": True,
        "trimmed_trajectory_relative_path": "trajectory",
        "has_trimmed_eye_gaze": True,
        "frame_aligned_videos": video_entries(uid=uid, aria_id=aria_id, exo_ids=exo_ids),
        "capture": copy.deepcopy(capture),
    }


def write_pcm_wav(path: Path, samples: np.ndarray) -> None:
    """Write ``(S, C)`` float samples in [-1, 1] as a 16-bit PCM WAV at :data:`AUDIO_RATE` (atomically)."""
    pcm = np.rint(np.clip(samples, -1.0, 32767 / 32768) * 32768).astype("<i2")
    with atomic_path(path) as tmp, wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(samples.shape[1])
        wav.setsampwidth(2)
        wav.setframerate(AUDIO_RATE)
        wav.writeframes(pcm.tobytes())


def sync_chirp(seconds: float = CHIRP_SECONDS, rate: int = AUDIO_RATE) -> np.ndarray:
    """The sync sound every device of a raw capture records: what the builder's sync estimation looks for.

    A linear chirp from 1 to 4 kHz, peak amplitude 1, with 2 ms raised-cosine fades. The synthetic raw
    captures (``synth``) play it; the builder finds it (``egoexo_kit.builder``).

    Args:
        seconds: Length in seconds (0.3 for the sync event).
        rate: Samples per second.

    Returns:
        ``(round(seconds * rate),)`` float64 samples; sample ``i`` is at ``i / rate`` seconds from the onset.
    """
    n = round(seconds * rate)
    t = np.arange(n) / rate
    f0, f1 = CHIRP_HZ
    wave_ = np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds)))
    fade = np.minimum(1.0, np.minimum(np.arange(n), n - 1 - np.arange(n)) / (0.002 * rate))
    return wave_ * (0.5 - 0.5 * np.cos(np.pi * fade))
