"""EgoPose keypoint files (FORMAT §7.9): 2D keypoints in, ``annotation3D`` out, as dense arrays.

Input: ``{frame: [{"annotation2D": {view: {joint: {"x", "y", ...}}}, ...}]}`` (the value may also be the
element itself). A joint may carry a ``confidence`` (detector output); missing joints are NaN. Output:
the same layout with ``annotation3D`` ``{joint: {x, y, z, num_views_for_3d}}`` in world metres.
Frames whose value is empty (``[]``, as real files have) hold no keypoints and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from egoexo_kit.errors import FormatError
from egoexo_kit.release import load_json
from egoexo_kit.vocab import BODY_BONES, BODY_JOINTS, HAND_BONES, HAND_JOINTS, is_empty_pose_frame, pointer

__all__ = [
    "Keypoints2D",
    "PoseKind",
    "annotation_3d",
    "joints_of",
    "keypoints_from_json",
    "read_keypoints_2d",
]

PoseKind = Literal["body", "hand"]


def joints_of(kind: str) -> tuple[tuple[str, ...], tuple[tuple[int, int], ...]]:
    """Joint names and bones of ``"body"`` (17 COCO) or ``"hand"`` (42, right hand first)."""
    if kind == "body":
        return BODY_JOINTS, BODY_BONES
    if kind == "hand":
        return HAND_JOINTS, HAND_BONES
    raise ValueError(f"kind must be 'body' or 'hand', got {kind!r}")


@dataclass(frozen=True, eq=False)
class Keypoints2D:
    """Dense 2D keypoints of several views over frames (undistorted EgoPose space unless said otherwise)."""

    frames: np.ndarray = field(repr=False)
    """``(F,)`` int64 aligned frame indices, increasing."""
    views: tuple[str, ...]
    """View keys as in the file (``cam01`` …, the Aria id)."""
    joints: tuple[str, ...]
    """Joint names, canonical order."""
    px: np.ndarray = field(repr=False)
    """``(F, V, J, 2)`` pixels; NaN where the joint is not annotated in that view."""
    confidence: np.ndarray = field(repr=False)
    """``(F, V, J)`` detector confidence (1 for annotations without one, NaN where missing)."""

    def __post_init__(self) -> None:
        f, v, j = len(self.frames), len(self.views), len(self.joints)
        if self.px.shape != (f, v, j, 2) or self.confidence.shape != (f, v, j):
            raise ValueError(f"px must be {(f, v, j, 2)} and confidence {(f, v, j)}; got {self.px.shape}")


def keypoints_from_json(data: Any, *, kind: str, path: str | Path | None = None) -> Keypoints2D:
    """Parse an EgoPose keypoint mapping into :class:`Keypoints2D` (unknown joint names are ignored).

    Raises:
        FormatError: The layout is not ``{frame: [element]}`` or a coordinate is not a number.
    """
    joints, _ = joints_of(kind)
    jidx = {n: i for i, n in enumerate(joints)}
    if not isinstance(data, dict):
        raise FormatError(
            f"expected an object keyed by frame, got {type(data).__name__}", path=path, pointer=""
        )
    entries: list[tuple[int, dict[str, Any]]] = []
    views: dict[str, None] = {}
    for key, value in data.items():
        try:
            frame = int(key)
        except ValueError:
            if key == "metadata":
                continue
            raise FormatError(
                f"frame key {key!r} is not an integer", path=path, pointer=pointer(key)
            ) from None
        if is_empty_pose_frame(value):  # no annotation: skipped, as the official loaders do
            continue
        elem = value[0] if isinstance(value, list) else value
        ann = elem.get("annotation2D", {}) if isinstance(elem, dict) else None
        if not isinstance(ann, dict):
            raise FormatError(
                "annotation2D must be an object keyed by view", path=path, pointer=pointer(key, 0)
            )
        entries.append((frame, ann))
        views.update(dict.fromkeys(ann))
    entries.sort(key=lambda e: e[0])
    vlist = tuple(views)
    vidx = {n: i for i, n in enumerate(vlist)}
    px = np.full((len(entries), len(vlist), len(joints), 2), np.nan)
    conf = np.full(px.shape[:-1], np.nan)
    for f, (frame, ann) in enumerate(entries):
        for view, kps in ann.items():
            if not isinstance(kps, dict):
                continue
            for name, kp in kps.items():
                j = jidx.get(name)
                if j is None or not isinstance(kp, dict):
                    continue
                try:
                    px[f, vidx[view], j] = (float(kp["x"]), float(kp["y"]))
                    conf[f, vidx[view], j] = float(kp.get("confidence", 1.0))
                except (KeyError, TypeError, ValueError):
                    raise FormatError(
                        "a keypoint needs numeric x and y",
                        path=path,
                        pointer=pointer(frame, 0, "annotation2D", view, name),
                    ) from None
    return Keypoints2D(
        frames=np.array([e[0] for e in entries], dtype=np.int64),
        views=vlist,
        joints=joints,
        px=px,
        confidence=conf,
    )


def read_keypoints_2d(path: str | Path, *, kind: str) -> Keypoints2D:
    """Read an EgoPose ``body|hand`` keypoint file (or a detections file of the same layout)."""
    return keypoints_from_json(load_json(path), kind=kind, path=path)


def annotation_3d(
    frames: np.ndarray,
    points: np.ndarray,
    n_views: np.ndarray,
    *,
    joints: tuple[str, ...],
    keypoints: Keypoints2D | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The EgoPose layout ``{frame: [{"annotation3D": …, "annotation2D": …}]}`` of a 3D track.

    Args:
        frames: ``(F,)`` aligned frame indices.
        points: ``(F, J, 3)`` world metres; NaN joints are omitted (FORMAT §7.9).
        n_views: ``(F, J)`` views behind each point (``num_views_for_3d``; 0 for interpolated joints).
        joints: Joint names.
        keypoints: The 2D input, written back as ``annotation2D`` (``placement: "auto"``).
    """
    out: dict[str, list[dict[str, Any]]] = {}
    row = {int(f): i for i, f in enumerate(keypoints.frames)} if keypoints is not None else {}
    for i, frame in enumerate(frames):
        ann3d = {
            joints[j]: {
                "x": round(float(points[i, j, 0]), 6),
                "y": round(float(points[i, j, 1]), 6),
                "z": round(float(points[i, j, 2]), 6),
                "num_views_for_3d": int(n_views[i, j]),
            }
            for j in range(len(joints))
            if np.isfinite(points[i, j]).all()
        }
        if not ann3d:
            continue
        elem: dict[str, Any] = {"annotation3D": ann3d}
        k = row.get(int(frame))
        if keypoints is not None and k is not None:
            elem["annotation2D"] = {
                view: {
                    joints[j]: {
                        "x": round(float(keypoints.px[k, v, j, 0]), 2),
                        "y": round(float(keypoints.px[k, v, j, 1]), 2),
                        "placement": "auto",
                    }
                    for j in range(len(joints))
                    if np.isfinite(keypoints.px[k, v, j]).all()
                }
                for v, view in enumerate(keypoints.views)
                if np.isfinite(keypoints.px[k, v]).any()
            }
        out[str(int(frame))] = [elem]
    return out
