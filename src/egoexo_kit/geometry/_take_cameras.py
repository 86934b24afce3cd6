"""Every camera of a take at any instant: GoPro calibration, Aria trajectory + device calibration, spaces.

Sources (FORMAT §5, §6): exo intrinsics and ``T_world_cam`` from ``trajectory/gopro_calibs.csv`` (one row
per camera, or several rows with frame ranges); the Aria ``T_world_device`` from the ~1 kHz
``closed_loop_trajectory.csv`` interpolated (slerp + linear) at the device-clock time of the instant;
``T_device_camera`` and the Fisheye624 intrinsics from ``online_calibration.jsonl`` (the record nearest
in time), else from the VRS ``calib_json`` through projectaria-tools (``[aria]`` extra).
``T_world_cam = T_world_device(t) @ T_device_camera`` (FORMAT §6.6).

Raw images are the frame-aligned MP4s (sensor orientation for Aria): the calibration is brought to the
MP4 size as the official tooling does (:mod:`egoexo_kit.geometry.calibration`: portrait GoPros swap the
nominal size and scale by one factor; Aria RGB goes 2880² → 1408² by projectaria's crop-and-scale).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.extras import require
from egoexo_kit.geometry.calibration import aria_recorded_camera, gopro_camera
from egoexo_kit.geometry.camera import Camera
from egoexo_kit.geometry.posed import PosedCamera, Space
from egoexo_kit.geometry.spaces import aria_linear_camera, exo_undistorted_camera
from egoexo_kit.geometry.transforms import interpolate_poses, invert_pose, pose_from_quat_t
from egoexo_kit.release import read_closed_loop_trajectory, read_gopro_calibs, read_online_calibration
from egoexo_kit.video import probe_video

if TYPE_CHECKING:
    from egoexo_kit.release import TakeEntry, View
    from egoexo_kit.timeline import TakeTimeline

__all__ = ["SPACES", "TakeCameras"]

SPACES: tuple[str, ...] = ("raw", "undistorted", "mp4")
_ARIA_LABELS = {"rgb": "camera-rgb", "slam-left": "camera-slam-left", "slam-right": "camera-slam-right"}


def _check_space(space: str) -> None:
    if space not in SPACES:
        raise ValueError(f"unknown image space {space!r}; use one of {', '.join(SPACES)}")


def _calib_pose(entry: Any, *, path: Path, line: int, label: str) -> np.ndarray:
    """``{"Translation": [x,y,z], "UnitQuaternion": [w, [x,y,z]]}`` → 4×4 (FORMAT §5 layout)."""
    try:
        w, xyz = entry["UnitQuaternion"]
        return pose_from_quat_t([*xyz, w], entry["Translation"])
    except (KeyError, TypeError, ValueError) as e:
        raise FormatError(
            f"camera {label!r} has no valid T_Device_Camera "
            '({"Translation": [x, y, z], "UnitQuaternion": [w, [x, y, z]]})',
            path=path,
            line=line,
        ) from e


@dataclass(frozen=True)
class _AriaCalib:
    """One Aria camera of the device calibration: Fisheye624 params (sensor image) and T_device_camera.

    ``calib_size`` is the image size the params are valid for when the source says it (a VRS read
    through projectaria-tools); ``None`` for calibration JSON, which has none (projectaria's per-label
    size applies, :data:`egoexo_kit.geometry.calibration.ARIA_CALIB_SIZES`).
    """

    params: np.ndarray
    T_device_camera: np.ndarray
    calib_size: tuple[int, int] | None = None


@dataclass(eq=False)
class TakeCameras:
    """Lazy, cached access to every calibrated camera of one take (files are read once, on first use)."""

    take: TakeEntry
    timeline: TakeTimeline
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, init=False, repr=False)

    def _cached(self, key: str, make: Any) -> Any:
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]

    # ---- sources -----------------------------------------------------------------------------------
    def _gopro(self) -> Any:
        path = self.take.gopro_calibs_path
        if not path.is_file():
            raise NotFoundError("no trajectory/gopro_calibs.csv (part 'take_trajectory')", path=path)
        return self._cached("gopro", lambda: read_gopro_calibs(path))

    def _trajectory(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ns, T_world_device)`` of the closed-loop trajectory, sorted, duplicates dropped."""

        def load() -> tuple[np.ndarray, np.ndarray]:
            path = self.take.closed_loop_trajectory_path
            if not path.is_file():
                raise NotFoundError("no closed_loop_trajectory.csv (part 'take_trajectory')", path=path)
            traj = read_closed_loop_trajectory(path)
            ns = np.asarray(traj.tracking_timestamp_us, np.int64) * 1000
            order = np.argsort(ns, kind="stable")
            ns, keep = np.unique(ns[order], return_index=True)
            T = pose_from_quat_t(traj.q_world_device[order][keep], traj.t_world_device[order][keep])
            if ns.size == 0:
                raise FormatError("closed_loop_trajectory.csv has no rows", path=path)
            return ns, T

        return self._cached("trajectory", load)

    def _aria_calibs(self) -> tuple[np.ndarray, list[dict[str, _AriaCalib]]]:
        """``(record ns, [label → calibration])`` from online calibration, else from the VRS."""

        def load() -> tuple[np.ndarray, list[dict[str, _AriaCalib]]]:
            path = self.take.online_calibration_path
            if path.is_file():
                oc = read_online_calibration(path)
                out = []
                for i, rec in enumerate(oc.records):
                    cams = {}
                    for cam in rec["CameraCalibrations"]:
                        line = int(oc.lines[i])
                        params = np.asarray(cam.get("Projection", {}).get("Params", []), np.float64)
                        if params.shape != (15,):
                            raise FormatError(
                                f"camera {cam.get('Label')!r} needs 15 Fisheye624 params, got {params.shape}",
                                path=path,
                                line=line,
                            )
                        cams[cam.get("Label")] = _AriaCalib(
                            params,
                            _calib_pose(
                                cam.get("T_Device_Camera"), path=path, line=line, label=cam.get("Label")
                            ),
                        )
                    out.append(cams)
                return np.asarray(oc.tracking_timestamp_us, np.int64) * 1000, out
            return np.zeros(1, np.int64), [self._vrs_calib()]

        return self._cached("aria_calib", load)

    def _vrs_calib(self) -> dict[str, _AriaCalib]:
        """Device calibration from the take's VRS through projectaria-tools (``[aria]`` extra)."""
        vrs = self.take.vrs_path or self.take.vrs_all_streams_path
        if vrs is None or not vrs.is_file():
            raise NotFoundError(
                "no Aria calibration: neither trajectory/online_calibration.jsonl nor a VRS file is present",
                path=self.take.online_calibration_path,
            )
        data_provider = require(
            "projectaria_tools.core.data_provider", extra="aria", what="reading the Aria calibration from VRS"
        )
        calib = data_provider.create_vrs_data_provider(str(vrs)).get_device_calibration()
        out = {}
        for label in _ARIA_LABELS.values():
            cam = calib.get_camera_calib(label)
            if cam is not None:
                T = np.asarray(cam.get_transform_device_camera().to_matrix(), np.float64)
                size = tuple(int(v) for v in cam.get_image_size())
                out[label] = _AriaCalib(np.asarray(cam.get_projection_params(), np.float64), T, size)
        return out

    def mp4_size(self, view: View) -> tuple[int, int] | None:
        """``(width, height)`` of the view's full-resolution MP4 as stored (probed once); None if absent."""
        if not view.exists:
            return None
        return self._cached(
            f"size:{view.path}", lambda: (lambda i: (i.width, i.height))(probe_video(view.path))
        )

    # ---- per view --------------------------------------------------------------------------------------
    def _exo_rows(self, view: View) -> np.ndarray:
        g = self._gopro()
        rows = g.indices(view.cam_id)
        if not len(rows):
            raise NotFoundError(
                f"camera {view.cam_id!r} has no row in gopro_calibs.csv; cameras: "
                f"{', '.join(dict.fromkeys(g.cam_uid.tolist()))}",
                path=g.path,
            )
        return rows

    def raw_camera(self, view: View) -> Camera:
        """The raw (distorted, sensor-orientation) camera of a view at its MP4's resolution.

        Sizes come from the video container; without a video, from the calibration (the CSV's
        ``image_width/height``; Aria: the recorded size). Never from the principal point.
        """
        size = self.mp4_size(view)
        if not view.is_ego or view.readable_stream_id == "0":
            g = self._gopro()
            r = self._exo_rows(view)[0]
            try:
                return gopro_camera(
                    g.intrinsics[r], size, calib_size=(int(g.image_width[r]), int(g.image_height[r]))
                )
            except ValueError as e:
                raise FormatError(f"camera {view.cam_id}: {e}", path=g.path) from e
        calib = self._aria_calib(view, 0)
        label = _ARIA_LABELS[view.readable_stream_id]
        sensor = None if size is None else (size[1], size[0])  # the MP4 is the sensor image turned 90° cw
        return aria_recorded_camera(label, calib.params, sensor, calib_size=calib.calib_size)

    def _nearest_records(self, view: View, ns: np.ndarray) -> tuple[str, np.ndarray]:
        """Calibration label of an Aria view and, per device time, the index of the nearest record."""
        label = _ARIA_LABELS.get(view.readable_stream_id)
        if label is None:
            raise NotFoundError(
                f"view {view.key} has no geometric calibration (only rgb and slam streams do)"
            )
        times, records = self._aria_calibs()
        i = np.clip(np.searchsorted(times, ns), 0, len(times) - 1)
        prev = np.maximum(i - 1, 0)
        i = np.where((i > 0) & (np.abs(ns - times[prev]) <= np.abs(times[i] - ns)), prev, i)
        missing = [k for k in np.unique(i) if label not in records[k]]
        if missing:
            raise NotFoundError(
                f"the Aria calibration has no {label!r}; it has {', '.join(records[missing[0]])}",
                path=self.take.online_calibration_path,
            )
        return label, i

    def _aria_calib(self, view: View, ns: int) -> _AriaCalib:
        label, i = self._nearest_records(view, np.array([ns], np.int64))
        return self._aria_calibs()[1][int(i[0])][label]

    def _stream(self, view: View) -> str:
        return view.stream_id

    def poses(self, view: View, *, frames: ArrayLike | None = None, t: ArrayLike | None = None) -> np.ndarray:
        """``T_world_cam`` ``(M, 4, 4)`` of a view at aligned frames or at seconds from take start.

        Exo cameras use the ``gopro_calibs.csv`` row whose frame range holds the frame (``-1`` = all);
        Aria cameras interpolate the trajectory at the stream's device time and apply ``T_device_camera``.
        """
        if (frames is None) == (t is None):
            raise ValueError("poses() takes exactly one of frames= or t=")
        if view.is_ego and view.readable_stream_id != "0":
            stream = self._stream(view)
            if frames is not None:
                ns = np.atleast_1d(self.timeline.to_device_ns(frame=frames, stream=stream))
            else:
                ns = np.atleast_1d(self.timeline.to_device_ns(t=t, stream=stream))
            traj_ns, T_wd = self._trajectory()
            if ns.min() < traj_ns[0] - 5_000_000 or ns.max() > traj_ns[-1] + 5_000_000:
                raise NotFoundError(
                    f"the trajectory covers device ns {traj_ns[0]}..{traj_ns[-1]}, "
                    f"not {ns.min()}..{ns.max()}",
                    path=self.take.closed_loop_trajectory_path,
                )
            T_world_device = interpolate_poses(ns, traj_ns, T_wd)
            label, rec = self._nearest_records(view, ns)
            records = self._aria_calibs()[1]
            used = np.unique(rec)
            T_dc = np.stack([records[k][label].T_device_camera for k in used])
            return T_world_device @ T_dc[np.searchsorted(used, rec)]
        f = np.atleast_1d(
            np.asarray(frames, np.int64) if frames is not None else self.timeline.to_frame(t=t)
        ).astype(np.int64)
        g = self._gopro()
        rows = self._exo_rows(view)
        start, end = g.start_frame_idx[rows], g.end_frame_idx[rows]
        covers = ((start[None] < 0) | (f[:, None] >= start[None])) & (
            (end[None] < 0) | (f[:, None] <= end[None])
        )
        if not covers.any(axis=1).all():
            bad = int(f[~covers.any(axis=1)][0])
            raise NotFoundError(f"no gopro_calibs.csv row of {view.cam_id} covers frame {bad}", path=g.path)
        r = rows[np.argmax(covers, axis=1)]
        return pose_from_quat_t(g.q_world_cam[r], g.t_world_cam[r])

    def T_world_device(self, *, t: ArrayLike) -> np.ndarray:
        """Aria ``T_world_device`` ``(M, 4, 4)`` at seconds from take start (trajectory slerp + lerp)."""
        ns = np.atleast_1d(self.timeline.to_device_ns(t=t))
        traj_ns, T_wd = self._trajectory()
        return interpolate_poses(ns, traj_ns, T_wd)

    def T_device_camera(self, view: View, *, t: float = 0.0) -> np.ndarray:
        """``(4, 4)`` device → camera extrinsics of an Aria view (calibration record nearest to ``t``)."""
        ns = int(np.atleast_1d(self.timeline.to_device_ns(t=t, stream=self._stream(view)))[0])
        return self._aria_calib(view, ns).T_device_camera.copy()

    def intrinsics(self, view: View, *, space: Space) -> tuple[Camera, bool]:
        """The camera of a view's image space and whether its pixels are turned 90° cw (Aria ``mp4``)."""
        _check_space(space)
        raw = self._cached(f"raw:{view.key}", lambda: self.raw_camera(view))
        aria = view.is_ego and view.readable_stream_id != "0"
        if space == "undistorted":
            if aria:
                return aria_linear_camera(), False
            return self._cached(f"und:{view.key}", lambda: exo_undistorted_camera(raw)), False
        return raw, space == "mp4" and aria

    def camera(
        self, view: View, *, t: float | None = None, frame: int | None = None, space: Space = "raw"
    ) -> PosedCamera:
        """The calibrated camera of ``view`` at one instant (exactly one of ``t`` and ``frame``)."""
        T = self.poses(view, frames=None if frame is None else [frame], t=None if t is None else [t])[0]
        cam, rotated = self.intrinsics(view, space=space)
        return PosedCamera(view=view.key, space=space, camera=cam, T_world_cam=T, rotated=rotated)

    def extrinsics(self, view: View, *, frames: ArrayLike) -> np.ndarray:
        """``T_cam_world`` ``(M, 4, 4)`` (world → camera) at aligned frames, for batched projection."""
        return invert_pose(self.poses(view, frames=frames))
