"""The shared vocabulary of the release format: facts every layer uses, in one public module.

The lowest module of egoexo-kit besides ``errors``: it imports nothing else of the package, so every
layer may import it (DESIGN §1). What lives here:

- time: :data:`FPS` (the frame rate of every frame-aligned video) and :func:`frame_of`, the one rule
  mapping seconds from take start to the aligned frame showing them (FORMAT §3.3);
- streams: the Aria stream ids and names (``214-1`` ↔ ``rgb`` …) and the GoPro stream id ``0`` (DESIGN §2);
- joints: the EgoPose body (17 COCO) and hand (21 × 2) joint tables and bones (FORMAT §7.9);
- locations: :func:`pointer`, the RFC 6901 JSON pointer every located error carries.

The missing-extra helper ``require()`` lives beside the installed-extras table in
:mod:`egoexo_kit.extras`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ARIA_STREAMS",
    "ARIA_STREAM_NAMES",
    "ARIA_SYNC_STREAMS",
    "BODY_BONES",
    "BODY_JOINTS",
    "COCO_SKELETON",
    "EXO_STREAM_ID",
    "FINGERS",
    "FPS",
    "HAND_BONES",
    "HAND_JOINTS",
    "HAND_JOINTS_PER_SIDE",
    "RGB_STREAM_ID",
    "SIDES",
    "frame_of",
    "is_empty_pose_frame",
    "pointer",
    "short_uid",
]

# ---- time -------------------------------------------------------------------------------------------

FPS = 30
"""Frame rate of every frame-aligned video (FORMAT §3.3)."""

_FRAME_EPS = 1e-6
"""Slack in frames, as in ``TakeTimeline.to_frame``: ``(i / 30) * 30`` may land just below ``i``."""


def frame_of(t: npt.ArrayLike) -> Any:
    """The aligned frame index showing ``t`` seconds from take start: ``int(t * 30)`` (FORMAT §3.3).

    The one rule of the toolkit for a time given in seconds: the frame on screen at ``t`` is the last
    frame whose start is at or before ``t`` (the official loaders' ``int(t * 30)``), with a 1e-6-frame
    slack so that ``frame_of(i / 30) == i`` despite floating point. Negative times and NaN give 0;
    callers that need a bound (the last frame of a take) clip the result themselves.

    Args:
        t: seconds from take start, a scalar or an array-like of any shape.

    Returns:
        An ``int64`` of the same shape (a numpy scalar for a scalar input).

    Example:
        >>> int(frame_of(1.0)), int(frame_of(1 / 30)), int(frame_of(0.049)), frame_of([0.0, 2.5]).tolist()
        (30, 1, 1, [0, 75])
    """
    f = np.floor(np.asarray(t, dtype=np.float64) * FPS + _FRAME_EPS)
    return np.maximum(np.nan_to_num(f, nan=0.0), 0).astype(np.int64)[()]


# ---- streams ----------------------------------------------------------------------------------------

ARIA_STREAMS: dict[str, str] = {"rgb": "214-1", "slam-left": "1201-1", "slam-right": "1201-2", "et": "211-1"}
"""Aria stream name → stream id as the release spells it (``aria01_214-1`` …, DESIGN §2)."""
ARIA_STREAM_NAMES: dict[str, str] = {sid: name for name, sid in ARIA_STREAMS.items()}
"""Aria stream id → name (``"1201-1"`` → ``"slam-left"``)."""
RGB_STREAM_ID = ARIA_STREAMS["rgb"]
"""The Aria RGB stream, the ego view of the frame-aligned videos."""
ARIA_SYNC_STREAMS: tuple[str, ...] = ("214-1", "1201-1", "1201-2")
"""Aria streams with columns in ``timesync.csv`` (FORMAT §3.2): RGB and the two SLAM cameras."""
EXO_STREAM_ID = "0"
"""The one stream of a GoPro (``cam01_0``)."""


# ---- locations --------------------------------------------------------------------------------------


def pointer(*parts: object) -> str:
    """Build an RFC 6901 JSON pointer, e.g. ``pointer(3, "capture", "cameras")`` → ``/3/capture/cameras``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def short_uid(uid: str | None, *, keep: int = 8) -> str:
    """The first ``keep`` characters of a uid and ``…``, for one-line reprs (``bf7fdca1…``)."""
    text = str(uid)
    return text if len(text) <= keep + 1 else text[:keep] + "…"


# ---- joints -----------------------------------------------------------------------------------------


def is_empty_pose_frame(value: Any) -> bool:
    """Whether a keypoint file's frame value holds no annotation (``[]`` or ``{}``).

    Real EgoPose files have such frames; the official hand and body loaders skip them on
    ``len(frame_anno) == 0`` (``EGO4D/ego-exo4d-egopose: handpose/data_preparation/dataloader.py``),
    and so does every reader here.
    """
    return isinstance(value, list | dict) and len(value) == 0


BODY_JOINTS: tuple[str, ...] = (
    "nose",
    "left-eye",
    "right-eye",
    "left-ear",
    "right-ear",
    "left-shoulder",
    "right-shoulder",
    "left-elbow",
    "right-elbow",
    "left-wrist",
    "right-wrist",
    "left-hip",
    "right-hip",
    "left-knee",
    "right-knee",
    "left-ankle",
    "right-ankle",
)
"""The 17 COCO body joints in canonical order (FORMAT §7.9)."""

SIDES: tuple[str, str] = ("right", "left")
"""Order of every per-side array: right first (FORMAT §7.9 ``HAND_ORDER``)."""

FINGERS: tuple[str, ...] = ("thumb", "index", "middle", "ring", "pinky")
HAND_JOINTS_PER_SIDE: tuple[str, ...] = ("wrist",) + tuple(f"{f}_{k}" for f in FINGERS for k in range(1, 5))
"""The 21 joints of one hand: wrist, then thumb_1..4 … pinky_1..4 (``_1`` base, ``_4`` tip)."""
HAND_JOINTS: tuple[str, ...] = tuple(f"{side}_{j}" for side in SIDES for j in HAND_JOINTS_PER_SIDE)
"""The 42 hand joints, right hand first (FORMAT §7.9 names)."""

COCO_SKELETON: tuple[tuple[int, int], ...] = (
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8),
    (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
)  # fmt: skip
"""The 19 standard COCO drawing links (0-based)."""
BODY_BONES: tuple[tuple[int, int], ...] = tuple(e for e in COCO_SKELETON if e not in ((3, 5), (4, 6)))
"""The 17 COCO links of constant length: all but ear–shoulder (the neck is a joint)."""

_HAND_BONES_ONE: tuple[tuple[int, int], ...] = tuple(
    (0 if k == 0 else 1 + 4 * f + k - 1, 1 + 4 * f + k) for f in range(5) for k in range(4)
)
HAND_BONES: tuple[tuple[int, int], ...] = tuple(
    (i + 21 * s, j + 21 * s) for s in range(2) for i, j in _HAND_BONES_ONE
)
"""The 40 hand bones (wrist→base, base→…→tip per finger), indices into :data:`HAND_JOINTS`."""
