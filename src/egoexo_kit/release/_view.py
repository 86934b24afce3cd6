"""One stream of a take (:class:`View`) and the one resolver from any spelling of it to the view.

The canonical view key is the MP4 file stem under ``frame_aligned_videos/``: ``<aria>_<stream_id>``
for Aria streams (``aria01_214-1``, ``aria01_1201-1`` …) and the plain camera id for single-stream
cameras (``cam01``, ``gp02``). It is chosen because it is the key the official data already uses:
the aligned video file names (FORMAT §1.2), the timesync column prefixes (``aria01_214-1_…``,
``cam01_…``, FORMAT §3.1), and the camera keys of the relations and proficiency annotations
(``aria01_214-1`` for ego, ``cam01`` for exo, FORMAT §8). Every API and CLI returns it
(:attr:`View.key`); every spelling users meet is accepted by :func:`resolve_view`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from egoexo_kit.errors import NotFoundError

__all__ = ["View", "resolve_view"]


@dataclass(frozen=True)
class View:
    """One camera stream of a take: ``(cam_id, stream)``; ego views are Aria streams, exo the GoPros."""

    cam_id: str
    """``aria01``, ``cam01``, ``gp02`` … exactly as in the release."""
    stream_id: str
    """``214-1``, ``1201-1``, ``1201-2``, ``211-1`` for Aria; ``0`` for GoPros."""
    readable_stream_id: str
    """``rgb``, ``slam-left``, ``slam-right``, ``et``, or ``0``: the ``frame_aligned_videos`` key."""
    is_ego: bool
    """From the capture camera's ``is_ego`` (some GoPros are ego), else from the id."""
    clip_uid: str | None
    relative_path: str | None
    """As in ``takes.json``, relative to the take folder; ``None`` when no file exists."""
    path: Path | None
    """Full-resolution MP4 on disk (may be absent in a partial download)."""
    path_448: Path | None
    """The ``downscaled/448`` variant (part ``downscaled_takes/448``)."""

    @property
    def kind(self) -> Literal["ego", "exo"]:
        """``"ego"`` or ``"exo"``."""
        return "ego" if self.is_ego else "exo"

    @property
    def key(self) -> str:
        """The canonical view key: ``aria01_214-1`` for Aria streams, the plain ``cam01`` otherwise."""
        return self.cam_id if self.stream_id == "0" else f"{self.cam_id}_{self.stream_id}"

    @property
    def label(self) -> str:
        """The readable spelling ``aria01/rgb`` (``cam01`` for single-stream cameras): for people only."""
        return self.cam_id if self.readable_stream_id == "0" else f"{self.cam_id}/{self.readable_stream_id}"

    @property
    def spellings(self) -> frozenset[str]:
        """Every name :func:`resolve_view` accepts for exactly this view (lower case)."""
        c = self.cam_id.lower()
        return frozenset(
            {
                self.key.lower(),
                f"{c}_{self.stream_id}".lower(),
                f"{c}/{self.stream_id}".lower(),
                f"{c}/{self.readable_stream_id}".lower(),
            }
        )

    @property
    def exists(self) -> bool:
        """Whether the full-resolution file is on disk."""
        return self.path is not None and self.path.is_file()

    @property
    def exists_448(self) -> bool:
        """Whether the 448p file is on disk."""
        return self.path_448 is not None and self.path_448.is_file()


def resolve_view(views: Iterable[View], spelling: str | View, *, take: str = "") -> View:
    """The view of a take named by any spelling users meet; the one place view names are parsed.

    Accepted (case-insensitive): the canonical key (``aria01_214-1``, ``cam01``), ``<cam>_<stream_id>``
    (``cam01_0``), ``<cam>/<readable stream>`` (``aria01/rgb``, ``aria01/slam-left``),
    ``<cam>/<stream_id>`` (``aria01/214-1``), and a bare camera id (``aria01`` means its RGB stream; a
    single-stream camera its only stream). A :class:`View` of the take is returned as is.

    Args:
        views: The take's views (``TakeEntry.views`` or ``Take.views``).
        spelling: The name to resolve.
        take: The take's name, for the error message.

    Raises:
        NotFoundError: No view of the take has that name (the message lists the canonical keys).
    """
    views = tuple(views)
    if isinstance(spelling, View):
        if spelling in views:
            return spelling
        spelling = spelling.key
    s = str(spelling).strip().lower()
    for v in views:
        if s in v.spellings:
            return v
    same_cam = [v for v in views if v.cam_id.lower() == s]
    if len(same_cam) == 1:
        return same_cam[0]
    rgb = [v for v in same_cam if v.readable_stream_id == "rgb"]
    if rgb:
        return rgb[0]
    known = ", ".join(v.key for v in views) or "none"
    of = f"take {take} " if take else ""
    raise NotFoundError(
        f"{of}has no view {spelling!r}; views: {known} (also accepted: aria01/rgb, aria01 = its RGB, cam01_0)"
    )
