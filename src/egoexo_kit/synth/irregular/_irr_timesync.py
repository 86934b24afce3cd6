"""Irregularity ``timesync_gaps``: empty ``timesync.csv`` cells inside take windows, pandas float style.

Real ``timesync.csv`` files have empty cells inside take windows: Aria ``*_frame_number`` /
``*_capture_timestamp_ns`` and exo ``*_global_time`` (FORMAT §3.1; the official pose pipeline guards
against NaN frame numbers, ``facebookresearch/Ego4d: ego4d/internal/human_pose/main.py``). The files
are written by pandas, so an integer column holding a NaN is written as floats (``721.0``,
``1152056333333.0``). This step blanks, in every take window of each capture's ``timesync.csv``:

- the Aria RGB (``<aria>_214-1``) ``capture_timestamp_ns`` and ``frame_number`` of one row and of a
  run of two rows;
- one exo camera's ``global_time`` over a run of three rows;

then rewrites every integer column (``*_capture_timestamp_ns``, ``*_frame_number``, ``*_pts``) that
has an empty cell in pandas' float style. Records name the file, take, columns, rows and CSV lines.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from egoexo_kit._io import write_text
from egoexo_kit.synth.irregular._irr_registry import IrregularRelease, register

__all__ = ["INT_SUFFIXES", "timesync_gaps"]

INT_SUFFIXES = ("_capture_timestamp_ns", "_frame_number", "_pts")
"""Integer ``timesync.csv`` columns, written as ``721.0`` by pandas once they hold a NaN."""


def _window_rows(take: dict[str, Any]) -> range | None:
    """Rows ``start+1 … end-1`` of a take (FORMAT §3.2), or None when the window is too short to hole."""
    s, e = take.get("timesync_start_idx"), take.get("timesync_end_idx")
    if not isinstance(s, int) or not isinstance(e, int) or e - s - 1 < 12:
        return None
    return range(s + 1, e)


def _cameras(take: dict[str, Any]) -> tuple[str | None, list[str]]:
    """``(aria id, exo cam ids)`` of a take's capture, as listed in ``takes.json``."""
    cams = (take.get("capture") or {}).get("cameras") or []
    ego = [c["cam_id"] for c in cams if str(c.get("is_ego")).lower() == "true"]
    exo = [c["cam_id"] for c in cams if str(c.get("is_ego")).lower() != "true"]
    return (ego[0] if ego else None), exo


def _blank(rows: list[list[str]], header: list[str], *, columns: list[str], at: list[int]) -> list[str]:
    """Empty ``columns`` at data rows ``at``; return the columns that exist (and were blanked)."""
    done = []
    for name in columns:
        if name in header:
            j = header.index(name)
            for r in at:
                rows[r][j] = ""
            done.append(name)
    return done


def _pandas_float_style(rows: list[list[str]], header: list[str]) -> list[str]:
    """Rewrite integer columns that hold an empty cell as pandas does (``721`` → ``721.0``)."""
    changed = []
    for j, name in enumerate(header):
        if name.endswith(INT_SUFFIXES) and any(r[j] == "" for r in rows):
            for r in rows:
                if r[j] and "." not in r[j]:
                    r[j] += ".0"
            changed.append(name)
    return changed


def _record(file: str, take: str, *, columns: list[str], at: list[int], what: str) -> dict[str, Any]:
    """One record: where (file, take, columns, 0-based rows and their CSV lines) and what."""
    return {
        "file": file,
        "take": take,
        "columns": columns,
        "rows": at,
        "lines": [r + 2 for r in at],
        "what": what,
    }


@register("timesync_gaps")
def timesync_gaps(rel: IrregularRelease) -> list[dict[str, Any]]:
    """Blank a few cells inside every take window and write integer columns in pandas' float style."""
    by_file: dict[Path, list[dict[str, Any]]] = {}
    for take in rel.takes:
        cap_dir = (take.get("capture") or {}).get("root_dir")
        if cap_dir and _window_rows(take) is not None:
            by_file.setdefault(rel.root / cap_dir / "timesync.csv", []).append(take)
    records: list[dict[str, Any]] = []
    for path, takes in sorted(by_file.items()):
        if not path.is_file():
            continue
        lines = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        header, rows = lines[0], lines[1:]
        name = path.relative_to(rel.root).as_posix()
        for take in takes:
            window = _window_rows(take)
            aria, exo = _cameras(take)
            assert window is not None
            n = len(window)
            one = window[0] + int(rel.rng.integers(2, n // 3))
            pair = window[0] + int(rel.rng.integers(n // 2, n - 4))
            at = sorted({one, pair, pair + 1})
            if aria:
                cols = [f"{aria}_214-1_capture_timestamp_ns", f"{aria}_214-1_frame_number"]
                done = _blank(rows, header, columns=cols, at=at)
                if done:
                    what = "empty Aria cells in the window"
                    records.append(_record(name, take["take_name"], columns=done, at=at, what=what))
            if exo:
                cam = exo[int(rel.rng.integers(0, len(exo)))]
                start = window[0] + int(rel.rng.integers(n // 3, n // 2))
                run = [start, start + 1, start + 2]
                done = _blank(rows, header, columns=[f"{cam}_global_time"], at=run)
                if done:
                    what = "empty exo global_time run"
                    records.append(_record(name, take["take_name"], columns=done, at=run, what=what))
        floats = _pandas_float_style(rows, header)
        if floats:
            what = "integer columns with gaps written as floats (721.0)"
            records.append({"file": name, "columns": floats, "what": what})
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        write_text(path, out.getvalue())
    return records
