"""Documented caps on every size a user or a file controls (DESIGN §6).

A hostile or broken input (an overlay request 10⁶ pixels wide, an RLE mask claiming a
10⁵ × 10⁵ image, ``clips --fps 1e9``, JSON nested 10⁵ deep, a 10⁴-digit integer) must end in a
one-line :class:`~egoexo_kit.errors.LimitError`, not in gigabytes of memory or a crash. Each cap is
far above anything the real release or a sane request needs, and can be raised for one run with
the environment variable it names (``EGOEXO_KIT_MAX_<NAME>``).

=================  ==========  ===================================================================
cap                default     bounds
=================  ==========  ===================================================================
``image_side``     8192 px     width/height of a rendered image (overlay, preview, collage, frames)
``image_pixels``   2**25       width × height of one rendered image (8K UHD is 33.2 M pixels)
``mask_pixels``    2**27       height × width of one decoded mask (4K is 8.3 M pixels)
``clip_fps``       240         frames per second of a clip request (the release is 30 fps)
``clip_frames``    10 000      frames in one clip request
``frame_count``    10**8       frames/rows a file may claim (a week of 30 fps video)
``json_depth``     500         nesting depth of a JSON document (and of YAML flow collections)
``int_digits``     4300        digits of an integer in a JSON/CSV file (Python's own default)
=================  ==========  ===================================================================
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from egoexo_kit.errors import LimitError

__all__ = [
    "CLIP_FPS",
    "CLIP_FRAMES",
    "FRAME_COUNT",
    "IMAGE_PIXELS",
    "IMAGE_SIDE",
    "INT_DIGITS",
    "JSON_DEPTH",
    "LIMITS",
    "MASK_PIXELS",
    "Limit",
]


@dataclass(frozen=True)
class Limit:
    """One cap: its name, default, unit and what it bounds; ``value`` honours the env override."""

    name: str
    default: float
    unit: str
    what: str

    @property
    def env(self) -> str:
        """The environment variable that raises this cap for one run."""
        return f"EGOEXO_KIT_MAX_{self.name.upper()}"

    @property
    def value(self) -> float:
        """The cap in force: ``$EGOEXO_KIT_MAX_<NAME>`` when set to a positive number, else the default."""
        raw = os.environ.get(self.env, "").strip()
        try:
            v = float(raw) if raw else 0.0
        except ValueError:
            v = 0.0
        return v if v > 0 else self.default

    def check(
        self,
        value: float,
        *,
        path: str | Path | None = None,
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        """Raise :class:`LimitError` when ``value`` is over the cap (NaN counts as over).

        The message says what was asked, the cap, and the variable that raises it; ``path``,
        ``pointer``, ``line`` and ``column`` locate the value in the file that claimed it.
        """
        cap = self.value
        if not (value <= cap):  # also catches NaN
            shown = f"{value:g}" if isinstance(value, float) else str(value)
            raise LimitError(
                f"{self.what} {shown} {self.unit} is over the cap of {cap:g} (set {self.env} to raise it)",
                path=path,
                pointer=pointer,
                line=line,
                column=column,
            )


IMAGE_SIDE = Limit("image_side", 8192, "px", "image side")
IMAGE_PIXELS = Limit("image_pixels", 2**25, "pixels", "image size")
MASK_PIXELS = Limit("mask_pixels", 2**27, "pixels", "mask size")
CLIP_FPS = Limit("clip_fps", 240, "fps", "clip frame rate")
CLIP_FRAMES = Limit("clip_frames", 10_000, "frames", "clip length")
FRAME_COUNT = Limit("frame_count", 10**8, "frames", "frame count")
JSON_DEPTH = Limit("json_depth", 500, "levels", "JSON nesting depth")
INT_DIGITS = Limit("int_digits", 4300, "digits", "integer length")

LIMITS: tuple[Limit, ...] = (
    IMAGE_SIDE,
    IMAGE_PIXELS,
    MASK_PIXELS,
    CLIP_FPS,
    CLIP_FRAMES,
    FRAME_COUNT,
    JSON_DEPTH,
    INT_DIGITS,
)
