"""An official-style pre-extracted features folder (FORMAT §8), as the release ships it.

The released ``features/omnivore_video/`` holds one ``.pt`` per (take, camera, stream) of shape
``(N, 1, D)``: the official extractor runs with ``batch_size: 1`` and stacks one ``(1, D)`` output
per window (facebookresearch/Ego4d: ego4d/features/extract_features.py). Its ``config.yaml`` is the
extractor's own (ego4d/features/configs/egoexo_omnivore.yaml), with ``check_fv_count: false``
"due to variable frame rate", so a file may have rows off the window formula by more than one; one
file here gets three extra rows for that. The rows are seeded noise of a small width (said in the
config), not Omnivore embeddings. Without torch nothing is written and the record says so.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from egoexo_kit._io import atomic_path, write_text
from egoexo_kit.features import CONFIG_NAME, FeatureKey, num_windows
from egoexo_kit.synth.irregular._irr_registry import IrregularRelease, register

__all__ = ["FEATURE_DIM", "FEATURE_FOLDER", "official_config", "write_official_features"]

FEATURE_FOLDER = "features/omnivore_video"
FEATURE_DIM = 16
"""Row width of the synthetic stand-in (the real Omnivore Swin-L rows are 1536 wide)."""
WINDOW, STRIDE = 32, 16
EXTRA_ROWS = 3
"""Rows added to one file beyond the window formula (variable frame rate)."""


def official_config(*, dim: int = FEATURE_DIM) -> dict[str, Any]:
    """The key layout of the official ``egoexo_omnivore.yaml``, with a note on what is synthetic."""
    return {
        "fps": 30,
        "force_yes": False,
        "io": {
            "filter_completed": True,
            "egoexo_data_dir": "synthetic",
            "eligible_cam_prefixes": None,
            "dataset_version": "egoexo",
            "uid_list": None,
            "video_limit": -1,
            "out_path": FEATURE_FOLDER,
            "debug_mode": False,
            "exclude_no_audio": False,
        },
        "inference_config": {
            "device": "cuda",
            "batch_size": 1,
            "num_workers": 9,
            "prefetch_factor": None,
            "fps": 30,
            "frame_window": WINDOW,
            "stride": STRIDE,
            "include_audio": False,
            "include_video": True,
        },
        "model_config": {
            "model_name": "omnivore_swinL_imagenet21k",
            "input_type": "video",
            "side_size": 256,
            "crop_size": 224,
        },
        "model_module_str": "ego4d.features.models.omnivore",
        "check_fv_count": False,
        "synthetic": {
            "feature_dim": dim,
            "note": f"egoexo-kit synth: seeded noise rows of width {dim} (real Omnivore rows are 1536 wide), "
            "stored (N, 1, D) float32 as the official extractor stores them",
        },
    }


def _views(take: dict[str, Any]) -> list[tuple[str, str]]:
    """``(cam_id, stream key)`` with official features: Aria ``rgb`` and every GoPro's ``0`` (FORMAT §8)."""
    out = []
    for cam_id, streams in (take.get("frame_aligned_videos") or {}).items():
        if not any(k in cam_id for k in ("aria", "cam", "gp")) or not isinstance(streams, dict):
            continue
        key = "rgb" if "aria" in cam_id else "0"
        if isinstance(streams.get(key), dict) and not streams[key].get("is_collage"):
            out.append((cam_id, key))
    return sorted(out)


def write_official_features(
    root: Path, takes: list[dict[str, Any]], *, rng: np.random.Generator, dim: int = FEATURE_DIM
) -> list[dict[str, Any]]:
    """Write ``features/omnivore_video/`` for every take and view; one record per folder and odd file."""
    try:
        import torch
    except ImportError:
        return [{"folder": FEATURE_FOLDER, "skipped": "torch is not installed: no .pt files written"}]
    folder = root / FEATURE_FOLDER
    header = "# Synthetic stand-in with the key layout of the official egoexo_omnivore.yaml (FORMAT §8).\n"
    write_text(folder / CONFIG_NAME, header + yaml.safe_dump(official_config(dim=dim), sort_keys=False))
    records: list[dict[str, Any]] = []
    files = 0
    for take in takes:
        n_frames = int(take["timesync_end_idx"]) - int(take["timesync_start_idx"]) - 1
        expected = num_windows(n_frames, window=WINDOW, stride=STRIDE)
        for cam_id, stream in _views(take):
            key = FeatureKey(take["take_uid"], cam_id, stream)
            n = expected + (EXTRA_ROWS if not records else 0)
            rows = rng.standard_normal((n, 1, dim)).astype(np.float32)
            # saved from memory: the archive's inner name is then fixed, the bytes repeatable
            buf = io.BytesIO()
            torch.save(torch.from_numpy(rows), buf)
            with atomic_path(folder / key.filename) as tmp:
                tmp.write_bytes(buf.getvalue())
            files += 1
            if n != expected:
                records.append(
                    {
                        "file": f"{FEATURE_FOLDER}/{key.filename}",
                        "take_uid": key.take_uid,
                        "cam_id": cam_id,
                        "rows": n,
                        "expected_rows": expected,
                        "n_frames": n_frames,
                        "what": f"{n - expected} rows more than the window formula (check_fv_count: false)",
                    }
                )
    summary = {
        "folder": FEATURE_FOLDER,
        "files": files,
        "shape": f"(N, 1, {dim})",
        "dtype": "float32",
        "config": f"{FEATURE_FOLDER}/{CONFIG_NAME}",
        "what": "official layout: (N, 1, D) tensors, batch_size 1, check_fv_count false",
    }
    return [summary, *records]


@register("features_official")
def features_official(rel: IrregularRelease) -> list[dict[str, Any]]:
    """Official-style ``(N, 1, D)`` features for a rendered release (none for annotation-only ones)."""
    if rel.config.annotations_only:
        return [{"folder": FEATURE_FOLDER, "skipped": "annotation-only release: no videos, no features"}]
    takes = [
        t
        for t in rel.takes
        if isinstance(t, dict)
        and isinstance(t.get("take_uid"), str)
        and all(isinstance(t.get(k), int) for k in ("timesync_start_idx", "timesync_end_idx"))
    ]
    return write_official_features(rel.root, takes, rng=rel.rng)
