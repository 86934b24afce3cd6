"""Settings of a build (``egoexo-kit build`` flags map one to one onto these fields)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DETECTORS", "STAGES", "BuildConfig"]

STAGES = ("sync", "takes", "metadata", "pose", "features")
"""Stages in order: per capture, per take, once, then per take (``pose`` and ``features`` read the
built take through its metadata)."""
DETECTORS = ("auto", "synthetic", "none")
"""Named keypoint detectors of the ``pose`` stage; any other value is a ``package.module:factory``."""


@dataclass(frozen=True)
class BuildConfig:
    """What to build and how; the encode defaults are the release's (x264 slow, CRF 24, FORMAT §4.1)."""

    crf: int = 24
    preset: str = "slow"
    keyint: int | None = None
    """Frames between keyframes; ``None`` keeps x264's 250 like the release. ``30`` (a 1 s GOP) makes exact
    random access several times faster for files about 10-15 % larger, which training loaders want."""
    downscaled: bool = True
    """Write ``frame_aligned_videos/downscaled/448/``."""
    collage: bool = True
    """Write ``ego_preview.mp4``."""
    runner: str = "local"
    """``local`` (process pool) or ``ray``."""
    ray_address: str | None = None
    workers: int = 0
    """Parallel workers; 0 means one per CPU core."""
    only: tuple[str, ...] = ()
    """Run only these stages (empty: all)."""
    takes: tuple[str, ...] = ()
    """Build only these takes (empty: all)."""
    force: bool = False
    """Rerun units the ledger says are finished."""
    detector: str = "auto"
    """2D body keypoints of the ``pose`` stage: ``auto`` (the synthetic detector where a capture carries
    body truth, else no pose), ``synthetic``, ``none`` (stage off) or ``package.module:factory``."""
    features: str | None = None
    """Backbone of the optional ``features`` stage (``stats``, ``ppocr-det`` or a local model file, as
    ``egoexo-kit features --backbone``); ``None`` leaves the stage off."""

    def __post_init__(self) -> None:
        bad = [s for s in self.only if s not in STAGES]
        if bad:
            raise ValueError(f"unknown stage(s) {bad}; stages are {list(STAGES)}")
        if self.runner not in ("local", "ray"):
            raise ValueError(f"runner must be 'local' or 'ray', got {self.runner!r}")
        if not 0 <= self.crf <= 51:
            raise ValueError(f"crf must be in [0, 51], got {self.crf}")
        if self.detector not in DETECTORS and ":" not in self.detector:
            raise ValueError(
                f"detector must be one of {list(DETECTORS)} or 'module:factory', got {self.detector!r}"
            )
        if self.keyint is not None and self.keyint < 1:
            raise ValueError(f"keyint must be >= 1, got {self.keyint}")

    @property
    def worker_count(self) -> int:
        """Resolved number of workers."""
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def runs(self, stage: str) -> bool:
        """Whether ``stage`` runs in this build."""
        if stage == "pose" and self.detector == "none":
            return False
        if stage == "features" and self.features is None:
            return False
        return not self.only or stage in self.only

    @property
    def features_name(self) -> str:
        """Folder of the ``features`` stage: ``features/<backbone file stem>/``."""
        return Path(self.features or "").stem

    @property
    def encode_settings(self) -> dict:
        """The settings that shape the take outputs (part of each take unit's ledger key)."""
        return {
            "crf": self.crf,
            "preset": self.preset,
            "keyint": self.keyint,
            "downscaled": self.downscaled,
            "collage": self.collage,
        }
