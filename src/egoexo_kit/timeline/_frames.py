"""Annotation frame keys and 10 Hz gaze rows → aligned 30 fps frame indices (FORMAT §6.5, §7.9)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from egoexo_kit.errors import FormatError

__all__ = ["annotation_frame_to_frame", "gaze2d_row_for_frame"]


def _int_or_none(k: object) -> int | None:
    try:
        return int(str(k))
    except ValueError:
        return None


def _parse_keys(keys: npt.ArrayLike) -> np.ndarray:
    a = np.asarray(list(keys) if isinstance(keys, (dict, set, frozenset)) else keys)
    if a.dtype.kind in "iu":
        return a.astype(np.int64)
    if a.dtype.kind == "f" and np.all(a == np.rint(a)):
        return a.astype(np.int64)
    if a.dtype.kind in "USO":
        try:
            return a.astype(np.int64)
        except (ValueError, TypeError, OverflowError):
            pass
    bad = next((k for k in a.ravel().tolist() if _int_or_none(k) is None), a.ravel()[:1].tolist())
    raise FormatError(f"annotation frame key {bad!r} is not an integer frame number")


def annotation_frame_to_frame(keys: npt.ArrayLike, *, rate: int = 30, offset: int = 0) -> np.ndarray:
    """Convert EgoPose-style frame keys to aligned 30 fps frame indices (FORMAT §7.9).

    Keys are taken per key: they need not start at 0 nor be contiguous
    (https://github.com/EGO4D/ego-exo4d-egopose/issues/6), so nothing is subtracted unless
    ``offset`` says so. The result is ``floor((key - offset) * 30 / rate)``.

    FORMAT §11 U13: issue #6 says automatic (pseudo ground truth) poses are "at 60 FPS", while the
    keys look like aligned-video indices. The recommended reading is ``rate=30`` for manual *and*
    automatic files; pass ``rate=60`` only when a file's keys demonstrably count 60 fps frames
    (e.g. they run to twice the take's frame count), giving ``key // 2``.

    Args:
        keys: Frame keys as strings (``"123"``, the JSON object keys) or integers; a dict gives its keys.
        rate: Frame rate, in fps, the keys count at (30 aligned; 60 for 60 fps-labelled poses).
        offset: Key of aligned frame 0 at that rate, when a file counts from a known non-zero origin.

    Returns:
        int64 aligned frame indices, one per key, in key order (shape of ``keys``).

    Raises:
        FormatError: A key is not an integer.
        ValueError: ``rate`` is not a positive integer.
    """
    if not (isinstance(rate, (int, np.integer)) and rate > 0):
        raise ValueError(f"rate must be a positive integer fps, got {rate!r}")
    k = _parse_keys(keys) - int(offset)
    return ((k * 30) // int(rate))[()]


def gaze2d_row_for_frame(frame: npt.ArrayLike) -> np.ndarray:
    """Row of a 10 Hz ``*_eye_gaze_2d.csv`` shown on aligned frame ``k`` when ``frame_num`` is absent.

    The gaze tutorial repeats each 10 Hz row three times and drops the first element, so element
    ``k`` belongs to 30 fps frame ``k``: frame ``k`` ↔ row ``(k + 1) // 3`` (FORMAT §6.5). Prefer the
    file's ``frame_num`` column when present. The caller checks the row against the file length.

    Args:
        frame: Aligned 30 fps frame indices (int, >= 0), scalar or array.

    Returns:
        int64 row indices (0-based data rows, header excluded), the shape of ``frame``.

    Raises:
        ValueError: A negative frame.
    """
    f = np.asarray(frame).astype(np.int64)
    if np.any(f < 0):
        raise ValueError(f"frame must be >= 0, got {f[f < 0].ravel()[0]}")
    return ((f + 1) // 3)[()]
