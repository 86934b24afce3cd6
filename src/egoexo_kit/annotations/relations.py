"""Relations (FORMAT §7.6): object mask tracks across ego and exo cameras, decoded to numpy on demand.

Masks stay as their ``encodedMask`` strings (LZString → COCO RLE) until :meth:`MaskTrack.mask` asks
for one; :func:`mask_track` builds a track from numpy masks with the same codec (``release._masks``).
A frame listed in ``annotated_frames`` but absent from ``annotation`` means "not visible".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.annotations._common import (
    annotations_member,
    as_float,
    as_list,
    as_object,
    frame_key,
    load_object,
    opt_int,
    opt_str,
)
from egoexo_kit.errors import EgoExoKitError, FormatError
from egoexo_kit.limits import FRAME_COUNT
from egoexo_kit.release import View, annotation_split, decode_mask, encode_mask, mask_size, resolve_view
from egoexo_kit.timeline import FPS
from egoexo_kit.vocab import pointer, short_uid

__all__ = ["MaskFrame", "MaskTrack", "TakeRelations", "mask_track", "read_relations"]


@dataclass(frozen=True, slots=True)
class MaskFrame:
    """One annotated mask: its size and the release's encoded string."""

    frame: int
    """Aligned frame index (the JSON key)."""
    width: int
    height: int
    encoded: str
    """``encodedMask`` (URI-component LZString of the COCO compressed counts)."""
    clicks: dict[str, Any] = field(default_factory=dict)
    """``intSegClicks`` as read."""
    source: Path | None = field(default=None, repr=False, compare=False)
    """The file the mask was read from (locates decoding errors)."""
    where: str | None = field(default=None, repr=False, compare=False)
    """JSON pointer of the mask in :attr:`source`."""

    @property
    def t_s(self) -> float:
        """Seconds from take start of the frame."""
        return self.frame / FPS

    def decode(self) -> np.ndarray:
        """The ``(height, width)`` bool mask.

        Raises:
            FormatError: the string does not decode to a mask of this size (located in the file).
        """
        return decode_mask(
            self.encoded, height=self.height, width=self.width, path=self.source, pointer=self.where
        )


@dataclass(frozen=True)
class MaskTrack:
    """The mask track of one object instance in one camera."""

    object_name: str
    """``"<name>_<instance>"`` as keyed in the file (``stainless bowl_0``)."""
    camera: str
    """``aria01_214-1`` (ego) or ``cam04`` (exo)."""
    frames: dict[int, MaskFrame]
    """Frames where the object is visible, by aligned frame index."""
    annotated_frames: tuple[int, ...]
    """Every frame the annotator looked at (a superset of ``frames``)."""
    annotation_fps: float | None = None

    def __repr__(self) -> str:
        return (
            f"MaskTrack({self.object_name!r}, {self.camera!r}, {len(self.frames)} masked of "
            f"{len(self.annotated_frames)} annotated frames)"
        )

    @property
    def is_ego(self) -> bool:
        """Ego camera: its key contains ``aria`` (FORMAT §7.6)."""
        return "aria" in self.camera.lower()

    @property
    def cam_id(self) -> str:
        """The camera id without the stream suffix (``aria01``, ``cam04``)."""
        return self.camera.split("_", 1)[0]

    def visible(self, frame: int) -> bool:
        """Whether the object has a mask at ``frame``."""
        return frame in self.frames

    def mask(self, frame: int) -> np.ndarray:
        """The decoded ``(H, W)`` bool mask at an aligned frame; all-False when annotated but not visible."""
        if frame in self.frames:
            return self.frames[frame].decode()
        if frame in self.annotated_frames and self.frames:
            any_frame = next(iter(self.frames.values()))
            return np.zeros((any_frame.height, any_frame.width), dtype=bool)
        if frame in self.annotated_frames:
            raise KeyError(f"{self.object_name}/{self.camera} is never visible: no mask gives the image size")
        raise KeyError(f"frame {frame} of {self.object_name}/{self.camera} was not annotated")

    def to_json(self) -> dict[str, Any]:
        """The track as the release writes it (``annotation``, ``annotated_frames``, ``annotation_fps``)."""
        return {
            "annotation": {
                str(f): {
                    "width": m.width,
                    "height": m.height,
                    "encodedMask": m.encoded,
                    "intSegClicks": m.clicks,
                }
                for f, m in sorted(self.frames.items())
            },
            "annotation_fps": self.annotation_fps if self.annotation_fps is not None else 1,
            "annotated_frames": list(self.annotated_frames),
        }


def mask_track(
    object_name: str, camera: str, masks: Mapping[int, np.ndarray], *, annotated_frames: tuple[int, ...] = ()
) -> MaskTrack:
    """Build a track from ``{aligned frame: (H, W) bool mask}``, encoding each mask as the release does."""
    frames = {
        int(f): MaskFrame(frame=int(f), width=m.shape[1], height=m.shape[0], encoded=encode_mask(m))
        for f, m in masks.items()
    }
    annotated = tuple(sorted(set(annotated_frames) | set(frames)))
    return MaskTrack(object_name, camera, frames, annotated, annotation_fps=1)


@dataclass(frozen=True)
class TakeRelations:
    """A take's relations entry: object boxes on the ego clip and mask tracks by object and camera."""

    take_uid: str
    take_name: str | None
    scenario: str | None
    boxes: tuple[dict[str, Any], ...]
    """``object_names.annotation`` boxes, as read."""
    tracks: dict[str, dict[str, MaskTrack]]
    """``tracks[object_name][camera]``."""
    split: str | None
    views: tuple[View, ...] = field(default=(), repr=False, compare=False)
    """The take's views (set by ``take.annotations``), so :meth:`track` accepts every view spelling."""

    def __repr__(self) -> str:
        n_tracks = sum(len(c) for c in self.tracks.values())
        take = self.take_name or short_uid(self.take_uid)
        return (
            f"TakeRelations({take!r}, {len(self.tracks)} objects, {n_tracks} tracks, {len(self.boxes)} boxes)"
        )

    @property
    def objects(self) -> list[str]:
        """Object instance names."""
        return list(self.tracks)

    def track(self, object_name: str, camera: str | View) -> MaskTrack:
        """One track by object name and view, ``camera`` in any spelling (``aria01``, ``cam01_0`` …).

        Raises:
            KeyError: No such object or no track of it in that view (the message names what exists).
        """
        by_cam = self.tracks.get(object_name, {})
        if isinstance(camera, str) and camera in by_cam:
            return by_cam[camera]
        key = camera.key if isinstance(camera, View) else camera
        if self.views:
            try:
                key = resolve_view(self.views, camera, take=self.take_name or self.take_uid).key
            except EgoExoKitError:
                pass
        try:
            return self.tracks[object_name][key]
        except KeyError:
            known = {o: list(c) for o, c in self.tracks.items()}
            raise KeyError(f"no mask track {object_name!r}/{camera!r}; tracks: {known}") from None


def _track(obj: str, cam: str, raw: Any, *, path: Path, at: str) -> MaskTrack:
    if not isinstance(raw, dict):
        raise FormatError("expected a mask track object", path=path, pointer=at)
    frames = {}
    for key, m in as_object(raw.get("annotation"), path=path, pointer=at + "/annotation").items():
        fat = at + pointer("annotation", key)
        f = frame_key(key, path=path, pointer=fat)
        if not isinstance(m, dict) or not isinstance(m.get("encodedMask"), str):
            raise FormatError("expected a mask with width, height and encodedMask", path=path, pointer=fat)
        height, width = mask_size(m.get("height"), m.get("width"), path=path, pointer=fat)  # before any use
        clicks = as_object(m.get("intSegClicks"), path=path, pointer=fat + "/intSegClicks")
        frames[f] = MaskFrame(f, width, height, m["encodedMask"], dict(clicks), source=path, where=fat)
    aat = at + "/annotated_frames"
    listed = as_list(raw.get("annotated_frames"), path=path, pointer=aat)
    annotated = tuple(
        sorted({_frame_number(x, path=path, at=aat + pointer(i)) for i, x in enumerate(listed)} | set(frames))
    )
    fps = raw.get("annotation_fps")
    fps_value = None if fps is None else as_float(fps, path=path, pointer=at + "/annotation_fps")
    return MaskTrack(obj, cam, frames, annotated, fps_value)


def _frame_number(value: Any, *, path: Path, at: str) -> int:
    """An ``annotated_frames`` entry: an integer (or its string), a located error otherwise."""
    n = opt_int(value, path=path, pointer=at)
    if n is None:
        raise FormatError("expected a frame number, got null", path=path, pointer=at)
    FRAME_COUNT.check(abs(n), path=path, pointer=at)
    return n


def read_relations(path: str | Path, *, data: Any = None) -> dict[str, TakeRelations]:
    """Parse ``relations_<split>.json``: each take's boxes and mask tracks (masks stay encoded).

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    anns = annotations_member(load_object(path, data=data), path, kind=dict)
    split = annotation_split(path.name)
    out = {}
    for uid, entry in anns.items():
        at = pointer("annotations", uid)
        if not isinstance(entry, dict):
            raise FormatError("expected an object per take", path=path, pointer=at)
        masks = entry.get("object_masks") or {}
        if not isinstance(masks, dict):
            raise FormatError("object_masks must be an object", path=path, pointer=at + "/object_masks")
        tracks = {
            obj: {
                cam: _track(obj, cam, raw, path=path, at=at + pointer("object_masks", obj, cam))
                for cam, raw in as_object(cams, path=path, pointer=at + pointer("object_masks", obj)).items()
            }
            for obj, cams in masks.items()
        }
        names = entry.get("object_names") or {}
        boxes = names.get("annotation") if isinstance(names, dict) else None
        out[uid] = TakeRelations(
            take_uid=uid,
            take_name=opt_str(entry.get("take_name")),
            scenario=opt_str(entry.get("scenario")),
            boxes=tuple(b for b in (boxes if isinstance(boxes, list) else ()) if isinstance(b, dict)),
            tracks=tracks,
            split=split,
        )
    return out
