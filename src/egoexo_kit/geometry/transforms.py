"""Rigid transforms: quaternions, 4x4 poses, point transforms, look-at and pose interpolation.

Conventions (DESIGN §2, FORMAT §6.6): a pose ``T_a_b`` maps points from frame ``b`` to frame ``a``
(``p_a = T_a_b @ p_b``), as a float64 ``(..., 4, 4)`` matrix (``(..., 3, 4)`` is accepted where noted);
translations are in metres. Quaternions are ``(..., 4)`` in **x, y, z, w** order, the column order of the
MPS CSVs (FORMAT §6.1, §6.3); the calibration JSON writes ``[w, [x, y, z]]`` (FORMAT §5), reorder it first.
Camera frames follow OpenCV: x right, y down, z forward.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "interpolate_poses",
    "invert_pose",
    "look_at",
    "make_pose",
    "matrix_to_quat",
    "pose_from_quat_t",
    "quat_to_matrix",
    "slerp",
    "transform_points",
]


def _as_array(x: ArrayLike, *, name: str, tail: tuple[int, ...] | tuple[tuple[int, ...], ...]) -> np.ndarray:
    """Convert to float64 and check the trailing shape (one allowed tail, or several)."""
    arr = np.asarray(x, dtype=np.float64)
    tails = tail if isinstance(tail[0], tuple) else (tail,)
    for t in tails:
        if arr.ndim >= len(t) and arr.shape[arr.ndim - len(t) :] == t:
            return arr
    allowed = " or ".join("(..., " + ", ".join(map(str, t)) + ")" for t in tails)
    raise ValueError(f"{name} must have shape {allowed}; got shape {arr.shape}")


def _as_pose(T: ArrayLike, *, name: str = "T") -> np.ndarray:
    return _as_array(T, name=name, tail=((4, 4), (3, 4)))


def quat_to_matrix(q_xyzw: ArrayLike) -> np.ndarray:
    """Rotation matrices from quaternions.

    Args:
        q_xyzw: Quaternions ``(x, y, z, w)``, shape ``(..., 4)``; normalized here, so any non-zero
            scale works (a zero quaternion gives NaN).

    Returns:
        Rotation matrices, shape ``(..., 3, 3)``.

    Raises:
        ValueError: If the last axis is not 4.

    Example:
        >>> quat_to_matrix([0.0, 0.0, np.sqrt(0.5), np.sqrt(0.5)]).round(12) + 0.0  # 90° about z
        array([[ 0., -1.,  0.],
               [ 1.,  0.,  0.],
               [ 0.,  0.,  1.]])
    """
    q = _as_array(q_xyzw, name="q_xyzw", tail=(4,))
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    rows = [
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ]
    return np.stack([np.stack(r, axis=-1) for r in rows], axis=-2)


def matrix_to_quat(R: ArrayLike) -> np.ndarray:
    """Quaternions from rotation matrices, canonical with ``w >= 0``.

    Uses Shepperd's method: for each matrix the largest of ``w, x, y, z`` is computed from the diagonal
    and the others from off-diagonal sums, which is stable for every rotation (including 180°).

    Args:
        R: Rotation matrices, shape ``(..., 3, 3)``; should be orthonormal with determinant +1.

    Returns:
        Unit quaternions ``(x, y, z, w)``, shape ``(..., 4)``, with ``w >= 0``.

    Raises:
        ValueError: If the trailing shape is not ``(3, 3)``.

    Example:
        >>> matrix_to_quat(np.eye(3)).tolist()
        [0.0, 0.0, 0.0, 1.0]
    """
    m = _as_array(R, name="R", tail=(3, 3))
    m00, m01, m02 = m[..., 0, 0], m[..., 0, 1], m[..., 0, 2]
    m10, m11, m12 = m[..., 1, 0], m[..., 1, 1], m[..., 1, 2]
    m20, m21, m22 = m[..., 2, 0], m[..., 2, 1], m[..., 2, 2]
    # Four candidate (unnormalized) quaternions, each 4*q_i * q; candidate i is exact when q_i is largest.
    cands = np.stack(
        [
            np.stack([1 + m00 - m11 - m22, m01 + m10, m02 + m20, m21 - m12], axis=-1),
            np.stack([m01 + m10, 1 - m00 + m11 - m22, m12 + m21, m02 - m20], axis=-1),
            np.stack([m02 + m20, m12 + m21, 1 - m00 - m11 + m22, m10 - m01], axis=-1),
            np.stack([m21 - m12, m02 - m20, m10 - m01, 1 + m00 + m11 + m22], axis=-1),
        ],
        axis=-2,
    )
    diag = np.stack([m00 - m11 - m22, m11 - m00 - m22, m22 - m00 - m11, m00 + m11 + m22], axis=-1)
    best = np.argmax(diag, axis=-1)[..., None, None]
    q = np.take_along_axis(cands, best, axis=-2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return np.where(q[..., 3:4] < 0, -q, q)


def make_pose(R: ArrayLike, t: ArrayLike) -> np.ndarray:
    """Homogeneous poses from rotations and translations.

    Args:
        R: Rotation matrices, shape ``(..., 3, 3)``.
        t: Translations in metres, shape ``(..., 3)``; batch axes broadcast with ``R``'s.

    Returns:
        Poses, shape ``(..., 4, 4)``.

    Raises:
        ValueError: If the shapes are wrong or do not broadcast.
    """
    rot = _as_array(R, name="R", tail=(3, 3))
    trans = _as_array(t, name="t", tail=(3,))
    batch = np.broadcast_shapes(rot.shape[:-2], trans.shape[:-1])
    T = np.zeros((*batch, 4, 4))
    T[..., :3, :3] = rot
    T[..., :3, 3] = trans
    T[..., 3, 3] = 1.0
    return T


def pose_from_quat_t(q_xyzw: ArrayLike, t: ArrayLike) -> np.ndarray:
    """Homogeneous poses from ``x, y, z, w`` quaternions and translations (an MPS CSV row, FORMAT §6.1).

    Args:
        q_xyzw: Quaternions ``(x, y, z, w)``, shape ``(..., 4)`` (normalized here).
        t: Translations in metres, shape ``(..., 3)``.

    Returns:
        Poses, shape ``(..., 4, 4)``.

    Raises:
        ValueError: If the shapes are wrong or do not broadcast.
    """
    return make_pose(quat_to_matrix(q_xyzw), t)


def invert_pose(T: ArrayLike) -> np.ndarray:
    """Invert rigid poses (``T_a_b`` -> ``T_b_a``) using ``R^T`` rather than a general inverse.

    Args:
        T: Poses, shape ``(..., 4, 4)`` or ``(..., 3, 4)``.

    Returns:
        Inverse poses, the same shape as ``T``.

    Raises:
        ValueError: If the trailing shape is neither ``(4, 4)`` nor ``(3, 4)``.
    """
    pose = _as_pose(T)
    rot_t = np.swapaxes(pose[..., :3, :3], -1, -2)
    out = np.zeros(pose.shape)
    out[..., :3, :3] = rot_t
    out[..., :3, 3] = -np.einsum("...ij,...j->...i", rot_t, pose[..., :3, 3])
    if pose.shape[-2] == 4:
        out[..., 3, 3] = 1.0
    return out


def transform_points(T: ArrayLike, points: ArrayLike) -> np.ndarray:
    """Apply rigid poses to points: ``p_a = R p_b + t`` for ``T = T_a_b``.

    Args:
        T: Poses ``T_a_b``, shape ``(..., 4, 4)`` or ``(..., 3, 4)``.
        points: Points in frame ``b``, shape ``(..., N, 3)``, metres; batch axes broadcast with ``T``'s.

    Returns:
        Points in frame ``a``, shape ``(..., N, 3)``.

    Raises:
        ValueError: If the shapes are wrong or do not broadcast.

    Example:
        >>> T = make_pose(np.eye(3), [1.0, 2.0, 3.0])
        >>> transform_points(T, [[0.0, 0.0, 0.0]]).tolist()
        [[1.0, 2.0, 3.0]]
    """
    pose = _as_pose(T)
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim < 2 or pts.shape[-1] != 3:
        raise ValueError(f"points must have shape (..., N, 3); got shape {pts.shape}")
    rot = pose[..., None, :3, :3]
    return np.einsum("...ij,...j->...i", rot, pts) + pose[..., None, :3, 3]


def look_at(eye: ArrayLike, target: ArrayLike, *, up: ArrayLike = (0.0, 0.0, 1.0)) -> np.ndarray:
    """Camera pose ``T_world_cam`` looking from ``eye`` at ``target`` (OpenCV camera axes).

    The camera z axis points from ``eye`` to ``target``, x points to the image right and y to the image
    bottom, so ``up`` (world z by default: the MPS world is z-up, FORMAT §6.6) appears upwards in the
    image. ``target`` projects to the principal point.

    Args:
        eye: Camera centre in world coordinates, metres, shape ``(3,)`` or ``(..., 3)``.
        target: Point to look at, metres, shape ``(3,)`` or ``(..., 3)``.
        up: World direction shown as image-up, shape ``(3,)`` or ``(..., 3)``.

    Returns:
        ``T_world_cam``, shape ``(..., 4, 4)``.

    Raises:
        ValueError: If a shape is wrong, ``eye == target``, or the view direction is parallel to ``up``.

    Example:
        >>> T = look_at([0.0, 0.0, 0.0], [1.0, 0.0, 0.0])
        >>> T[:3, :3].round(12).tolist()  # columns: cam x = -world y, cam y = -world z, cam z = world x
        [[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]]
    """
    eye_w = _as_array(eye, name="eye", tail=(3,))
    target_w = _as_array(target, name="target", tail=(3,))
    up_w = _as_array(up, name="up", tail=(3,))
    forward = target_w - eye_w
    f_norm = np.linalg.norm(forward, axis=-1, keepdims=True)
    right = np.cross(forward, up_w)
    r_norm = np.linalg.norm(right, axis=-1, keepdims=True)
    if np.any(f_norm == 0):
        raise ValueError("look_at: eye and target must differ")
    if np.any(r_norm <= 1e-12 * f_norm * np.linalg.norm(up_w, axis=-1, keepdims=True)):
        raise ValueError(f"look_at: the view direction is parallel to up={up_w.tolist()}")
    z = forward / f_norm
    x = right / r_norm
    y = np.cross(z, x)
    return make_pose(np.stack([x, y, z], axis=-1), eye_w)


def slerp(q0: ArrayLike, q1: ArrayLike, w: ArrayLike) -> np.ndarray:
    """Spherical linear interpolation between unit quaternions, along the shorter arc.

    Args:
        q0: Start quaternions ``(x, y, z, w)``, shape ``(..., 4)`` (normalized here).
        q1: End quaternions, shape ``(..., 4)``.
        w: Interpolation weights (0 gives ``q0``, 1 gives ``q1``), shape ``(...)``; all three broadcast.

    Returns:
        Unit quaternions, shape ``(..., 4)``.

    Raises:
        ValueError: If a quaternion's last axis is not 4.
    """
    a = _as_array(q0, name="q0", tail=(4,))
    b = _as_array(q1, name="q1", tail=(4,))
    wt = np.asarray(w, dtype=np.float64)[..., None]
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0, -b, b)
    dot = np.abs(dot)
    angle = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_angle = np.sin(angle)
    # Close quaternions: sin(angle) ~ 0, fall back to normalized linear interpolation.
    near = sin_angle < 1e-9
    safe = np.where(near, 1.0, sin_angle)
    c0 = np.where(near, 1.0 - wt, np.sin((1.0 - wt) * angle) / safe)
    c1 = np.where(near, wt, np.sin(wt * angle) / safe)
    q = c0 * a + c1 * b
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def interpolate_poses(times_query: ArrayLike, times: ArrayLike, T: ArrayLike) -> np.ndarray:
    """Poses at query times: linear in translation, slerp in rotation, clamped outside the samples.

    The bracketing samples are found with ``np.searchsorted``. Integer times (e.g. ``*_ns``) stay
    integer for the search and the differences, so nanosecond timestamps keep full precision.

    Args:
        times_query: Query times, shape ``(M,)``, same unit and clock as ``times``.
        times: Sample times, strictly increasing, shape ``(N,)`` with ``N >= 1``.
        T: Sampled poses, shape ``(N, 4, 4)`` or ``(N, 3, 4)``.

    Returns:
        Interpolated poses, shape ``(M, 4, 4)``; a query before the first (after the last) sample gets
        the first (last) pose.

    Raises:
        ValueError: If shapes disagree or ``times`` is not strictly increasing.
    """
    tq = np.asarray(times_query)
    ts = np.asarray(times)
    poses = _as_pose(T)
    if tq.ndim != 1 or ts.ndim != 1:
        raise ValueError(f"times_query and times must be 1-D; got shapes {tq.shape} and {ts.shape}")
    if poses.ndim != 3 or poses.shape[0] != ts.shape[0] or ts.shape[0] == 0:
        raise ValueError(
            f"T must have shape (N, 4, 4) or (N, 3, 4) with N = len(times) = {ts.shape[0]} >= 1; "
            f"got shape {poses.shape}"
        )
    if np.any(np.diff(ts) <= 0):
        bad = int(np.argmax(np.diff(ts) <= 0))
        raise ValueError(
            f"times must be strictly increasing; times[{bad}] = {ts[bad]} >= times[{bad + 1}] = {ts[bad + 1]}"
        )
    if ts.shape[0] == 1:
        return np.broadcast_to(make_pose(poses[0, :3, :3], poses[0, :3, 3]), (tq.shape[0], 4, 4)).copy()
    i0 = np.clip(np.searchsorted(ts, tq, side="right") - 1, 0, ts.shape[0] - 2)
    w = np.clip((tq - ts[i0]).astype(np.float64) / (ts[i0 + 1] - ts[i0]).astype(np.float64), 0.0, 1.0)
    quats = matrix_to_quat(poses[:, :3, :3])
    rot = quat_to_matrix(slerp(quats[i0], quats[i0 + 1], w))
    trans = (1.0 - w)[:, None] * poses[i0, :3, 3] + w[:, None] * poses[i0 + 1, :3, 3]
    return make_pose(rot, trans)
