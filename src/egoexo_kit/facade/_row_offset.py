"""``detect_row_offset(take)``: which ``timesync.csv`` row is frame 0, measured on a take (FORMAT §11 C1).

It needs the take's ``closed_loop_trajectory.csv`` (part ``take_trajectory``), the Aria device → RGB
camera calibration (``online_calibration.jsonl`` or the VRS, as :class:`~egoexo_kit.geometry.TakeCameras`
reads it) and the EgoPose ``camera_pose/<take_uid>.json`` (annotations; Aria extrinsics per frame,
world → RGB camera, FORMAT §7.9). The comparison itself is
:func:`egoexo_kit.timeline.compare_row_offsets`; this module only gathers its inputs, which live in
layers above the timeline.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from egoexo_kit import sensors
from egoexo_kit.errors import EgoExoKitError
from egoexo_kit.geometry import TakeCameras, interpolate_poses
from egoexo_kit.release import read_timesync
from egoexo_kit.timeline import (
    DEFAULT_ROW_OFFSET,
    ROW_OFFSET_CANDIDATES,
    RowOffsetCheck,
    TakeTimeline,
    camera_centers,
    compare_row_offsets,
)

if TYPE_CHECKING:
    from egoexo_kit.facade._take import Take

__all__ = ["detect_row_offset"]

_SLACK_NS = 5_000_000
"""A device time this close outside the trajectory still gets its end pose (as TakeCameras allows)."""


def _no(reason: str) -> RowOffsetCheck:
    return RowOffsetCheck(None, reason=reason)


def detect_row_offset(take: Take, *, candidates: tuple[int, ...] = ROW_OFFSET_CANDIDATES) -> RowOffsetCheck:
    """Measure which timesync row a take's frame 0 is, from its trajectory and EgoPose camera poses.

    For each candidate offset ``k`` the RGB camera centre of the trajectory at the device time of row
    ``start + k + i`` is compared with the centre of the released ``camera_pose`` extrinsics of frame
    ``i``; the offset with the smallest median distance wins. Never raises for missing inputs: the
    check then has ``best=None`` and a ``reason``.

    Args:
        take: A take of :func:`egoexo_kit.open_release`.
        candidates: Offsets to try (default ``-1, 0, +1, +2``).
    """
    r = take.record
    if r.timesync_start_idx is None or r.timesync_end_idx is None or not take.aria_id:
        return _no("the take has no timesync window or no Aria")
    try:
        pose = take.annotations.camera_pose
    except EgoExoKitError as e:
        return _no(f"camera_pose unreadable: {e}")
    if pose is None:
        return _no("no EgoPose camera_pose file for this take")
    entry = pose.cameras.get(take.aria_id) or pose.cameras.get("aria")
    if entry is None or not entry.per_frame:
        return _no("camera_pose has no per-frame Aria extrinsics")
    frames = sorted(entry.per_frame)
    centers = dict(zip(frames, camera_centers(np.stack([entry.per_frame[f] for f in frames])), strict=True))
    if not take.closed_loop_trajectory_path.is_file():
        return _no("no closed_loop_trajectory.csv (part 'take_trajectory')")
    rgb = next((v for v in take.ego_views if v.readable_stream_id == "rgb"), None)
    try:
        ts = read_timesync(take.timesync_path)
        # a fixed +1 timeline: the facade's own may be the "auto" one this function decides
        timeline = TakeTimeline.from_take(take.entry, timesync=ts, row_offset=DEFAULT_ROW_OFFSET)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # timesync gaps: filled and warned about elsewhere
            traj = sensors.trajectory(sensors.TakeSensors.from_take(take.entry, timeline=timeline))
            T_dc = TakeCameras(take.entry, timeline).T_device_camera(rgb) if rgb is not None else np.eye(4)
    except EgoExoKitError as e:
        return _no(f"{type(e).__name__}: {e}")
    ns, T_wd = traj.device_ns, traj.T_world_device

    def center_at(q: np.ndarray) -> np.ndarray:
        out = (interpolate_poses(q, ns, T_wd) @ T_dc)[:, :3, 3]
        out[(q < ns[0] - _SLACK_NS) | (q > ns[-1] + _SLACK_NS)] = np.nan
        return out

    try:
        return compare_row_offsets(
            ts,
            r.timesync_start_idx,
            r.timesync_end_idx,
            stream=f"{take.aria_id}_214-1",
            centers=centers,
            center_at=center_at,
            candidates=candidates,
        )
    except EgoExoKitError as e:
        return _no(f"{type(e).__name__}: {e}")
