"""EgoPose (FORMAT §7.9): body and hand keypoints and ``camera_pose`` files, as numpy arrays.

Keypoints come manual and automatic, 3D and 2D per camera, in the canonical joint order.

Keypoint frame keys are aligned-video frame indices for manual *and* automatic files (FORMAT §7.9,
§11 U13), converted with :func:`egoexo_kit.timeline.annotation_frame_to_frame`. Missing joints are
NaN. 2D points are in the undistorted image space of each camera (exo: balance-0.8 fisheye
undistortion; Aria: the 512×512 linear camera); 3D points are world metres.

A frame whose value is an empty list (or object) holds no annotation: the official hand and body
loaders guard ``len(frame_anno) == 0`` and skip it (``EGO4D/ego-exo4d-egopose:
handpose/data_preparation/dataloader.py``, and the same guard in the body-pose data preparation).
Such frames are left out of the arrays and listed in ``skipped_frames`` (a note, not an error).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from egoexo_kit.annotations._common import as_object, frame_key, load_object, opt_int, opt_str
from egoexo_kit.errors import FormatError
from egoexo_kit.timeline import FPS, annotation_frame_to_frame
from egoexo_kit.vocab import BODY_JOINTS, HAND_JOINTS, is_empty_pose_frame, pointer, short_uid

__all__ = [
    "CameraPose",
    "CameraPoseEntry",
    "PoseAnnotation",
    "PoseFrameSummary",
    "read_camera_pose",
    "read_keypoints",
    "summarize_keypoints",
]

Part = Literal["body", "hand"]
Source = Literal["annotation", "automatic"]


@dataclass(frozen=True, eq=False)
class PoseAnnotation:
    """The keypoints of one take, one part (body/hand) and one source (manual/automatic)."""

    take_uid: str
    part: str
    """``body`` (17 COCO joints) or ``hand`` (42 joints, right hand first)."""
    source: str
    """``annotation`` (manual ground truth) or ``automatic`` (pseudo ground truth)."""
    split: str | None
    joints: tuple[str, ...]
    frames: np.ndarray
    """(N,) int64 aligned frame indices, increasing."""
    points_3d: np.ndarray
    """(N, J, 3) float64 world metres; NaN where a joint is missing."""
    num_views: np.ndarray
    """(N, J) int64 ``num_views_for_3d``; -1 where missing."""
    points_2d: dict[str, np.ndarray]
    """Camera key (``cam01``, ``aria01``) → (N, J, 2) float64 undistorted pixels; NaN where missing."""
    manual_2d: dict[str, np.ndarray]
    """Camera key → (N, J) bool: the point was placed by hand (``placement == "manual"``)."""
    skipped_frames: tuple[int, ...] = ()
    """Aligned frames whose value in the file is empty (``[]``): no annotation, left out of ``frames``."""
    skipped_keys: tuple[str, ...] = ()
    """The file's keys of those frames (JSON pointer ``/<key>``), to locate the note."""

    def __repr__(self) -> str:
        return (
            f"PoseAnnotation({self.part} {self.source}, take={short_uid(self.take_uid)!r}, "
            f"{len(self.frames)} frames, {len(self.joints)} joints, split={self.split!r})"
        )

    @property
    def t_s(self) -> np.ndarray:
        """(N,) seconds from take start of each frame."""
        return self.frames / FPS

    def __len__(self) -> int:
        return len(self.frames)


def _xy(entry: Any, keys: str, *, path: Path, at: str) -> list[float]:
    if not isinstance(entry, dict):
        raise FormatError("expected a joint object", path=path, pointer=at)
    try:
        return [float(entry[k]) for k in keys]
    except (KeyError, TypeError, ValueError):
        raise FormatError(f"joint needs numeric {', '.join(keys)}", path=path, pointer=at) from None


def _frame_items(data: dict[str, Any], path: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """``(frame key, annotation object)`` in frame order, and the keys of the (skipped) empty frames.

    The object is element 0 of a list value (FORMAT §7.9).
    """
    number = {k: frame_key(k, path=path, pointer=pointer(k)) for k in data}
    keys = sorted(data, key=number.__getitem__)
    out, empty = [], []
    for key in keys:
        value = data[key]
        if is_empty_pose_frame(value):
            empty.append(key)
            continue
        item = value[0] if isinstance(value, list) else value
        if not isinstance(item, dict):
            raise FormatError(
                "expected a list holding one annotation object", path=path, pointer=pointer(key)
            )
        for member in ("annotation3D", "annotation2D"):
            as_object(item.get(member), path=path, pointer=pointer(key, 0, member))
        out.append((key, item))
    return out, empty


def _aligned(keys: list[str]) -> np.ndarray:
    """Aligned frame indices (int64) of keypoint-file frame keys."""
    return np.asarray(
        annotation_frame_to_frame(np.array([int(k) for k in keys], dtype=np.int64)), dtype=np.int64
    ).reshape(-1)


@dataclass(frozen=True, eq=False)
class PoseFrameSummary:
    """What each frame of a keypoint file holds, without parsing the points (the catalog's view)."""

    frames: np.ndarray
    """(N,) int64 aligned frame indices."""
    n_joints_3d: np.ndarray
    """(N,) int64 joints with a 3D point."""
    cameras: list[list[str]]
    """Per frame, the cameras with at least one 2D point."""
    skipped_keys: tuple[str, ...] = ()
    """File keys of empty frames (left out, as the official loaders do)."""

    def __repr__(self) -> str:
        return f"PoseFrameSummary({len(self.frames)} frames, {len(self.skipped_keys)} empty skipped)"


def summarize_keypoints(path: str | Path, *, data: Any = None) -> PoseFrameSummary:
    """Frames, 3D joint counts and 2D cameras of a keypoint file (fast: points are not converted).

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    items, empty = _frame_items(load_object(path, data=data), path)
    return PoseFrameSummary(
        frames=_aligned([k for k, _ in items]),
        n_joints_3d=np.array([len(item.get("annotation3D") or {}) for _, item in items], dtype=np.int64),
        cameras=[[c for c, pts in (item.get("annotation2D") or {}).items() if pts] for _, item in items],
        skipped_keys=tuple(empty),
    )


def read_keypoints(
    path: str | Path, *, part: Part, source: Source = "annotation", split: str | None = None
) -> PoseAnnotation:
    """Parse ``ego_pose/<split>/<part>/<source>/<take_uid>.json`` (FORMAT §7.9)."""
    path = Path(path)
    data = load_object(path)
    joints = BODY_JOINTS if part == "body" else HAND_JOINTS
    index = {j: i for i, j in enumerate(joints)}
    items, empty = _frame_items(data, path)
    keys = [k for k, _ in items]
    n, nj = len(keys), len(joints)
    p3 = np.full((n, nj, 3), np.nan)
    views = np.full((n, nj), -1, dtype=np.int64)
    p2: dict[str, np.ndarray] = {}
    manual: dict[str, np.ndarray] = {}
    for i, (key, item) in enumerate(items):
        for name, j3 in (item.get("annotation3D") or {}).items():
            if name in index:
                at = pointer(key, 0, "annotation3D", name)
                p3[i, index[name]] = _xy(j3, "xyz", path=path, at=at)
                n_views = opt_int(j3.get("num_views_for_3d"), path=path, pointer=at + "/num_views_for_3d")
                views[i, index[name]] = n_views or -1
        for cam, pts in (item.get("annotation2D") or {}).items():
            if cam not in p2:
                p2[cam] = np.full((n, nj, 2), np.nan)
                manual[cam] = np.zeros((n, nj), dtype=bool)
            for name, j2 in as_object(pts, path=path, pointer=pointer(key, 0, "annotation2D", cam)).items():
                if name in index:
                    at = pointer(key, 0, "annotation2D", cam, name)
                    p2[cam][i, index[name]] = _xy(j2, "xy", path=path, at=at)
                    manual[cam][i, index[name]] = j2.get("placement") == "manual"
    return PoseAnnotation(
        path.stem,
        part,
        source,
        split,
        joints,
        _aligned(keys),
        p3,
        views,
        p2,
        manual,
        skipped_frames=tuple(_aligned(empty).tolist()),
        skipped_keys=tuple(empty),
    )


@dataclass(frozen=True, eq=False)
class CameraPoseEntry:
    """One camera of a ``camera_pose`` file: intrinsics and world → camera extrinsics."""

    K: np.ndarray
    """(3, 3) intrinsics of the undistorted camera."""
    T_camera_world: np.ndarray | None
    """(3, 4) static world → camera ``[R|t]`` (exo cameras); None when per frame."""
    per_frame: dict[int, np.ndarray]
    """Aligned frame → (3, 4) world → camera (the Aria); empty for static cameras."""

    def at(self, frame: int) -> np.ndarray:
        """The (3, 4) world → camera matrix at an aligned frame."""
        if self.T_camera_world is not None:
            return self.T_camera_world
        if frame not in self.per_frame:
            raise KeyError(f"no extrinsics at frame {frame} ({len(self.per_frame)} frames)")
        return self.per_frame[frame]


@dataclass(frozen=True, eq=False)
class CameraPose:
    """A take's ``camera_pose/<take_uid>.json``: cameras by key (``aria01``, ``cam01`` …)."""

    take_uid: str
    take_name: str | None
    split: str | None
    cameras: dict[str, CameraPoseEntry]

    def __repr__(self) -> str:
        cams = ", ".join(self.cameras)
        cams = cams if len(cams) <= 40 else f"{len(self.cameras)} cameras"
        return (
            f"CameraPose(take={self.take_name or short_uid(self.take_uid)!r}, {cams}, split={self.split!r})"
        )


def _matrix(raw: Any, shape: tuple[int, int], *, path: Path, at: str) -> np.ndarray:
    try:
        m = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        m = np.empty(0)
    if m.shape != shape:
        raise FormatError(f"expected a {shape[0]}x{shape[1]} matrix", path=path, pointer=at)
    return m


def _camera(raw: Any, *, path: Path, at: str) -> CameraPoseEntry:
    if not isinstance(raw, dict) or "camera_intrinsics" not in raw or "camera_extrinsics" not in raw:
        raise FormatError("camera needs camera_intrinsics and camera_extrinsics", path=path, pointer=at)
    K = _matrix(raw["camera_intrinsics"], (3, 3), path=path, at=at + "/camera_intrinsics")
    ext = raw["camera_extrinsics"]
    if isinstance(ext, dict):
        per = {
            frame_key(f, path=path, pointer=at + pointer("camera_extrinsics", f)): _matrix(
                m, (3, 4), path=path, at=at + pointer("camera_extrinsics", f)
            )
            for f, m in ext.items()
        }
        return CameraPoseEntry(K, None, per)
    return CameraPoseEntry(K, _matrix(ext, (3, 4), path=path, at=at + "/camera_extrinsics"), {})


def read_camera_pose(path: str | Path, *, split: str | None = None, data: Any = None) -> CameraPose:
    """Parse ``ego_pose/<split>/camera_pose/<take_uid>.json`` (camera-major or the docs' frame-major).

    ``data``: the file's JSON when already parsed (see :func:`~egoexo_kit.annotations.read_keystep`).
    """
    path = Path(path)
    data = load_object(path, data=data)
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    if data and all(str(k).isdigit() for k in data):  # frame-major docs variant (FORMAT §7.9)
        merged: dict[str, dict[str, Any]] = {}
        for f, cams in data.items():
            for cam, raw in as_object(cams, path=path, pointer=pointer(f)).items():
                if cam == "metadata":
                    meta = raw if isinstance(raw, dict) else meta
                    continue
                if not isinstance(raw, dict):
                    raise FormatError("expected a camera object", path=path, pointer=pointer(f, cam))
                m = merged.setdefault(
                    cam, {"camera_intrinsics": raw.get("camera_intrinsics"), "camera_extrinsics": {}}
                )
                m["camera_extrinsics"][f] = raw.get("camera_extrinsics")
        data = merged
    cameras = {
        cam: _camera(raw, path=path, at=pointer(cam)) for cam, raw in data.items() if cam != "metadata"
    }
    return CameraPose(
        take_uid=str(meta.get("take_uid") or path.stem),
        take_name=opt_str(meta.get("take_name")),
        split=split,
        cameras=cameras,
    )
