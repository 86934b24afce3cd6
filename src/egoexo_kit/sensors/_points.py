"""The MPS semidense point cloud of a take (FORMAT §6.4), filtered by its uncertainty columns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egoexo_kit.release import read_semidense_points
from egoexo_kit.sensors._source import SensorSource, sensors_of

__all__ = ["MAX_DIST_STD", "MAX_INV_DIST_STD", "PointCloud", "point_cloud"]

MAX_INV_DIST_STD = 0.005
"""Suggested upper bound on ``inv_dist_std`` (1/m) of a kept point (FORMAT §6.4, projectaria's filter)."""
MAX_DIST_STD = 0.01
"""Suggested upper bound on ``dist_std`` (m) of a kept point (FORMAT §6.4)."""


@dataclass(frozen=True, eq=False)
class PointCloud:
    """3D points in the MPS world (the trajectory's frame), one per row kept."""

    uid: np.ndarray
    """(N,) int64 point id (shared with ``semidense_observations.csv.gz``)."""
    points_world: np.ndarray
    """(N, 3) float64 position in the world, metres."""
    inv_dist_std: np.ndarray
    """(N,) float64 standard deviation of the inverse distance, 1/m."""
    dist_std: np.ndarray
    """(N,) float64 standard deviation of the distance, metres."""

    def __post_init__(self) -> None:
        n = self.uid.shape
        if self.points_world.shape != (*n, 3) or self.inv_dist_std.shape != n or self.dist_std.shape != n:
            raise ValueError(f"PointCloud fields disagree with (N,) = {n}")

    def __len__(self) -> int:
        return int(self.uid.shape[0])

    def __repr__(self) -> str:
        return f"PointCloud(points={len(self)})"


def point_cloud(
    src: SensorSource,
    *,
    max_inv_dist_std: float | None = MAX_INV_DIST_STD,
    max_dist_std: float | None = MAX_DIST_STD,
) -> PointCloud:
    """The take's semidense points whose uncertainties are within the bounds (``None``: no bound).

    Raises:
        NotFoundError: No ``semidense_points.csv.gz`` (part ``take_trajectory``).
        FormatError: The file is malformed.
    """
    s = sensors_of(src)
    path = s.require_file(s.take.point_cloud_path, what="semidense_points.csv.gz", part="take_trajectory")
    pts = s.cached("points", lambda: read_semidense_points(path))
    good = np.ones(len(pts.uid), dtype=bool)
    if max_inv_dist_std is not None:
        good &= pts.inv_dist_std <= max_inv_dist_std
    if max_dist_std is not None:
        good &= pts.dist_std <= max_dist_std
    return PointCloud(
        uid=np.asarray(pts.uid)[good],
        points_world=np.asarray(pts.points_world)[good],
        inv_dist_std=np.asarray(pts.inv_dist_std)[good],
        dist_std=np.asarray(pts.dist_std)[good],
    )
