"""QA reports: the sync (per device its offset, drift, confidence and residuals) and the automatic pose.

For a synthetic capture also the errors against the generator's truth: its clocks
(``<release>/.synth/release.json``) and the body (``<capture>/.synth/body.npz``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit.builder._pose import BODY_TRUTH, body_at, pose_path
from egoexo_kit.builder._raw import read_raw_capture
from egoexo_kit.builder._unit import read_plan, state_dir
from egoexo_kit.release import load_json

__all__ = ["clock_truth", "pose_qa", "sync_qa"]


def clock_truth(truth: dict[str, Any], *, capture: str, reference: str) -> dict[str, tuple[float, float]]:
    """Device → (true offset s, true drift ppm) against ``reference``, in the build's terms.

    The build's capture time is the reference device's clock from its raw frame 0; the generator
    records each device's raw first-frame time on the common axis and its drift.
    """
    cap = truth["captures"][capture]
    clocks, first = cap["clocks"], cap["raw_first_frame_times"]

    def drift(dev: str) -> float:
        return clocks[dev if dev in clocks else f"{dev}_214-1"]["drift"]

    d_ref = drift(reference)
    return {
        dev: ((first[dev] - first[reference]) * (1 + d_ref), ((1 + drift(dev)) / (1 + d_ref) - 1) * 1e6)
        for dev in first
    }


def _truth_file(raw: Path) -> Path | None:
    for base in (raw.parent.parent, raw.parent):
        p = base / ".synth" / "release.json"
        if p.is_file():
            return p
    return None


def sync_qa(out: str | Path, *, captures: list[str]) -> list[dict[str, Any]]:
    """One row per (capture, device): the estimate, its quality and, for synthetic raw input, its error.

    Columns: ``capture``, ``device``, ``reliable``, ``confidence``, ``offset_ms``, ``drift_ppm``,
    ``flash_residual_ms`` (largest |chirp − flash window centre|; within half a frame when consistent),
    ``fit_residual_ms``, ``note``; with truth also ``true_offset_ms``, ``error_ms``, ``true_drift_ppm``.
    """
    out = Path(out)
    rows = []
    for name in captures:
        plan = read_plan(out, name)
        report = load_json(state_dir(out, name) / "sync.json")
        truth_path = _truth_file(Path(plan["raw"]))
        truth = (
            clock_truth(load_json(truth_path), capture=name, reference=report["reference"])
            if truth_path
            else {}
        )
        for dev, s in report["devices"].items():
            res = [abs(r) for r in s["flash_residual_ms"] if r == r]
            row: dict[str, Any] = {
                "capture": name,
                "device": dev,
                "reliable": s["reliable"],
                "confidence": round(s["confidence"], 3),
                "offset_ms": None if s["offset_s"] is None else s["offset_s"] * 1e3,
                "drift_ppm": s["drift_ppm"] if s["reliable"] else None,
                "flash_residual_ms": max(res) if res else None,
                "fit_residual_ms": s["fit_residual_ms"],
                "note": s["note"],
            }
            if dev in truth:
                off, ppm = truth[dev]
                row["true_offset_ms"] = off * 1e3
                row["true_drift_ppm"] = ppm
                row["error_ms"] = (
                    None if row["offset_ms"] is None else float(np.abs(row["offset_ms"] - off * 1e3))
                )
            rows.append(row)
    return rows


def pose_qa(out: str | Path, *, captures: list[str]) -> list[dict[str, Any]]:
    """One row per built take with an automatic body pose: frames and, with body truth, the MPJPE.

    The truth is the body at the device time of the Aria frame behind each aligned frame (no sync
    estimate involved). Columns: ``capture``, ``take``, ``frames``, ``joints`` (3D points written),
    ``mpjpe_cm`` (None without truth).
    """
    from egoexo_kit.annotations.pose import read_keypoints

    out = Path(out)
    takes = {t["take_name"]: t["take_uid"] for t in load_json(out / "takes.json")}
    rows = []
    for name in captures:
        plan = read_plan(out, name)
        raw = read_raw_capture(plan["raw"])
        truth = np.load(raw.root / BODY_TRUTH) if (raw.root / BODY_TRUTH).is_file() else None
        for w in plan["takes"]:
            path = pose_path(out, takes.get(w["take_name"], ""))
            if w["take_name"] not in takes or not path.is_file():
                continue
            pose = read_keypoints(path, part="body", source="automatic")
            row: dict[str, Any] = {
                "capture": name,
                "take": w["take_name"],
                "frames": len(pose),
                "joints": int(np.isfinite(pose.points_3d).all(-1).sum()),
                "mpjpe_cm": None,
            }
            if truth is not None:
                ns = raw.aria.frame_ns[np.asarray(w["frames"][raw.aria.device])[pose.frames]].astype(float)
                gt = body_at(truth, ns)
                row["mpjpe_cm"] = float(np.nanmean(np.linalg.norm(pose.points_3d - gt, axis=-1))) * 100
            rows.append(row)
    return rows
