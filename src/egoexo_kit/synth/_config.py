"""Settings of one synthetic release (``egoexo-kit synth`` flags map one to one onto these fields)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from egoexo_kit.limits import IMAGE_SIDE

__all__ = ["SynthConfig"]


MIN_TAKE_SECONDS = 4.0
"""Shortest take the scenario planner can fit a task into (checked here, before anything is written)."""


@dataclass(frozen=True)
class SynthConfig:
    """What to generate. Defaults make a small release quickly on 2 cores."""

    captures: int = 2
    takes_per_capture: int = 2
    seconds: float | None = None
    """Length of every take (s); None means 4 s, except in ``annotations_only`` mode where takes then
    get realistic lengths (see :attr:`scale`)."""
    seed: int = 0
    scenarios: tuple[str, ...] = ()
    """Scenario names (``cooking``, ``bike repair``, ``health``, ``music``, ``basketball``, ``soccer``,
    ``dance``, ``rock climbing``), case-insensitive; empty means a mix of all."""
    exo_size: tuple[int, int] = (320, 180)
    """(width, height) of the GoPro MP4s (real: 3840×2160)."""
    ego_size: int = 256
    """Side of the square Aria RGB MP4 (real: 1408)."""
    exo_cams: int = 4
    raw: bool = False
    """Also write the raw per-device recordings that ``build`` starts from."""
    raw_lead_s: float = 0.0
    """Raw recordings only: the last GoPro starts this many seconds before the headset, the others
    evenly less (so device offsets span seconds, as when each camera is started by hand)."""
    annotations_only: bool = False
    """Metadata and annotations only (no video, sensors or masks rendered beyond what annotations need)."""
    takes: int | None = None
    """With ``annotations_only``: the total number of takes (overrides captures × takes_per_capture)."""
    downscaled: bool = True
    """Write the ``downscaled/448`` variants."""
    splits: tuple[str, ...] = ()
    """Split of each take in release order, repeated as needed (e.g. ``("train", "val")`` gives every
    capture of two takes one of each); empty means about 60/20/20 train/val/test at random."""
    workers: int = 0
    """Processes rendering views in parallel; 0 means one per CPU core (at most 8)."""
    clean: bool = False
    """Leave out the real release's irregularities (timesync gaps, redacted takes in annotation files,
    empty pose frames, ...) that a default release reproduces; see ``synth.irregular``."""

    def __post_init__(self) -> None:
        problems = []
        if self.seconds is None and not self.annotations_only:
            object.__setattr__(self, "seconds", 4.0)  # frozen; the default as written to .synth/release.json
        if self.captures < 1 or self.takes_per_capture < 1:
            problems.append("need at least one capture and one take per capture")
        if self.seconds is not None and not MIN_TAKE_SECONDS <= self.seconds <= 600:
            problems.append(f"seconds must be in [{MIN_TAKE_SECONDS:g}, 600], got {self.seconds}")
        w, h = self.exo_size
        if w % 2 or h % 2 or min(w, h) < 32:
            problems.append(f"exo_size must be even and at least 32 px, got {w}x{h}")
        if self.ego_size % 2 or self.ego_size < 32:
            problems.append(f"ego_size must be even and at least 32, got {self.ego_size}")
        if max(w, h, self.ego_size) > IMAGE_SIDE.value:  # rendered pictures: checked before a pixel
            problems.append(
                f"video sides must be at most {IMAGE_SIDE.value:g} px (set {IMAGE_SIDE.env} to raise it)"
            )
        if not 0 <= self.seed < 2**32:
            problems.append(f"seed must be in 0..2**32-1, got {self.seed}")
        if not 0 <= self.raw_lead_s <= 60:
            problems.append(f"raw_lead_s must be in [0, 60], got {self.raw_lead_s}")
        if not 2 <= self.exo_cams <= 6:
            problems.append(f"exo_cams must be 2..6, got {self.exo_cams}")
        if self.takes is not None and (self.takes < 1 or not self.annotations_only):
            problems.append("takes is only for annotations_only and must be >= 1")
        if set(self.splits) - {"train", "val", "test"}:
            problems.append(f"splits must be train, val or test, got {list(self.splits)}")
        if problems:
            raise ValueError("invalid synth config: " + "; ".join(problems))

    @property
    def scale(self) -> bool:
        """Annotation-scale mode: ``annotations_only`` without a fixed ``seconds``.

        Takes last minutes (procedural ones repeat their task for several rounds), annotations are
        derived from the animation without rendering, except relation masks of a few takes, and the
        takes are generated capture by capture in ``workers`` processes.
        """
        return self.annotations_only and self.seconds is None

    @property
    def worker_count(self) -> int:
        """Resolved number of worker processes."""
        return self.workers if self.workers > 0 else max(1, min(8, os.cpu_count() or 1))

    @property
    def slam_size(self) -> tuple[int, int]:
        """Sensor (landscape) size of the SLAM cameras: 640×480 scaled like the RGB (1408).

        Exactly 4:3 (width a multiple of 8), so the calibration stored at the factory 640×480 scales
        to it by one factor, as a Fisheye624 camera must (``geometry.aria_factory_camera``).
        """
        w = max(32, int(round(640 * self.ego_size / 1408 / 8)) * 8)
        return w, w * 3 // 4

    @property
    def et_size(self) -> tuple[int, int]:
        """(width, height) of the eye-tracking image, 640×240 scaled (FORMAT §11 U6)."""
        w = max(32, int(round(640 * self.ego_size / 1408 / 2)) * 2)
        return w, max(12, int(round(w * 240 / 640 / 2)) * 2)
