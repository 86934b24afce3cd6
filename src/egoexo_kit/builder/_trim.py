"""Per-take copies of a capture's Aria sensor files, cut to the take by the sync (FORMAT §6.1, §6.5).

Rows keep their text byte for byte; only the 2D gaze ``frame_num`` is renumbered to the take's aligned
frames. The raw capture's ``mps/eye_gaze/`` covers the whole recording on the Aria clock
(``tracking_timestamp_us``); a take keeps the rows inside its window, and the capture keeps the 3D
files whole (``captures/<c>/eye_gaze/`` has no 2D files, FORMAT §1.3).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np

from egoexo_kit._io import write_text
from egoexo_kit.builder._cut import nearest_index
from egoexo_kit.errors import FormatError

__all__ = ["copy_capture_eye_gaze", "trim_csv", "trim_eye_gaze", "trim_jsonl"]


def _lines(src: Path, column: str) -> tuple[list[str], int, np.ndarray]:
    """The file's lines (with their ends), the index of ``column`` and its values per data line."""
    lines = src.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader([lines[0]])) if lines else []
    if column not in header:
        raise FormatError(f"column {column!r} is missing", path=src, line=1)
    c = header.index(column)
    try:
        values = np.array([float(ln.split(",")[c]) for ln in lines[1:]], dtype=np.float64)
    except (IndexError, ValueError) as e:
        raise FormatError(f"column {column!r} must hold numbers: {e}", path=src) from None
    return lines, c, values


def trim_csv(src: Path, dst: Path, *, column: str, lo: float, hi: float) -> None:
    """Copy the rows of ``src`` whose ``column`` lies in ``[lo, hi]`` (text kept byte for byte)."""
    lines, _, values = _lines(src, column)
    keep = (values >= lo) & (values <= hi)
    write_text(dst, lines[0] + "".join(ln for ln, k in zip(lines[1:], keep, strict=True) if k))


def trim_jsonl(src: Path, dst: Path, *, key: str, lo: float, hi: float) -> bool:
    """Copy the JSON lines of ``src`` whose ``key`` lies in ``[lo, hi]`` (text kept byte for byte).

    For ``online_calibration.jsonl`` (one record per line, ``tracking_timestamp_us``; FORMAT §6.2). Writes
    nothing and returns False when no record is inside (an empty file is not a valid calibration file).

    Raises:
        FormatError: a line is not a JSON object with a numeric ``key``, with its line number.
    """
    keep = []
    for n, line in enumerate(src.read_text(encoding="utf-8").splitlines(keepends=True), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            raise FormatError(f"not a JSON record: {e}", path=src, line=n) from None
        value = record.get(key) if isinstance(record, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FormatError(f"record needs a numeric {key!r}, got {value!r}", path=src, line=n)
        if lo <= value <= hi:
            keep.append(line if line.endswith("\n") else line + "\n")
    if keep:
        write_text(dst, "".join(keep))
    return bool(keep)


def _gaze_files(src: Path, *, two_d: bool) -> list[Path]:
    return sorted(p for p in src.glob("*eye_gaze*.csv") if p.stem.endswith("_2d") == two_d)


def trim_eye_gaze(src: Path, dst: Path, *, aria_ns: tuple[int, int], frame_ns: np.ndarray) -> None:
    """Write a take's ``eye_gaze/`` from the capture's (general and personalized, 3D and 2D).

    Args:
        src: the raw capture's ``mps/eye_gaze/``.
        dst: the take's ``eye_gaze/``.
        aria_ns: Aria device ns of the take's first aligned frame and one frame period past its last.
        frame_ns: ``(n_frames,)`` Aria device ns of the native frame behind each aligned frame.

    A 2D row goes to the aligned frame whose Aria frame is nearest its timestamp and is kept when that
    frame is within half a frame period (the release's ``frame_num``, FORMAT §6.5).
    """
    lo, hi = aria_ns
    dst.mkdir(parents=True, exist_ok=True)
    for path in _gaze_files(src, two_d=False):
        trim_csv(path, dst / path.name, column="tracking_timestamp_us", lo=lo / 1000, hi=hi / 1000)
    half_us = float(np.median(np.diff(frame_ns))) / 2000 if len(frame_ns) > 1 else 1e9 / 60_000
    frame_us = np.asarray(frame_ns, dtype=np.float64) / 1000
    for path in _gaze_files(src, two_d=True):
        lines, _, us = _lines(path, "tracking_timestamp_us")
        header = next(csv.reader([lines[0]]))
        if "frame_num" not in header:
            raise FormatError("column 'frame_num' is missing", path=path, line=1)
        f = header.index("frame_num")
        i = nearest_index(frame_us, us)
        ok = np.abs(frame_us[i] - us) <= half_us
        out = [lines[0]]
        for ln, k, good in zip(lines[1:], i, ok, strict=True):
            if good:
                cells = ln.rstrip("\r\n").split(",")
                cells[f] = str(int(k))
                out.append(",".join(cells) + "\n")
        write_text(dst / path.name, "".join(out))
    if (src / "summary.json").is_file():
        shutil.copy2(src / "summary.json", dst / "summary.json")


def copy_capture_eye_gaze(src: Path, dst: Path) -> None:
    """The capture-level ``eye_gaze/``: the 3D files whole and ``summary.json`` (no 2D files)."""
    for path in [*_gaze_files(src, two_d=False), src / "summary.json"]:
        if path.is_file():
            dst.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst / path.name)
