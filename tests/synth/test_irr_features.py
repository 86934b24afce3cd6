"""The synthetic release ships an official-style features folder: (N, 1, D) tensors, the official config."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml

import torch
from egoexo_kit import open_release
from egoexo_kit.features import FeatureSet, num_windows, read_config
from egoexo_kit.synth import SynthConfig
from egoexo_kit.synth.irregular import apply_irregularities
from egoexo_kit.synth.irregular._irr_features import FEATURE_DIM, FEATURE_FOLDER, write_official_features


def _records(root):
    return json.loads((root / ".synth" / "irregularities.json").read_text())


def test_default_release_has_official_n_1_d_features_read_through_the_facade(synth_release):
    folder = synth_release / FEATURE_FOLDER
    doc = yaml.safe_load((folder / "config.yaml").read_text())
    assert doc["inference_config"]["batch_size"] == 1 and doc["check_fv_count"] is False
    assert doc["synthetic"]["feature_dim"] == FEATURE_DIM  # the small width is said in the config
    cfg = read_config(folder)
    assert (cfg.window, cfg.stride, cfg.batch_size, cfg.check_fv_count) == (32, 16, 1, False)

    summary, odd = _records(synth_release)["features_official"]
    release = open_release(synth_release)
    n_views = sum(len(t.exo_views) + 1 for t in release.takes)
    assert summary["files"] == n_views == len(FeatureSet(folder).keys())
    for take in release.takes:
        n = num_windows(take.timeline.n_frames, window=32, stride=16)
        for view in (*take.exo_views, take.ego_views[0]):
            raw = torch.load(folder / f"{take.uid}_{view.cam_id}_{view.readable_stream_id}.pt")
            assert raw.ndim == 3 and raw.shape[1:] == (1, FEATURE_DIM) and raw.dtype == torch.float32
            rows = take.features("omnivore_video", view.key)
            assert rows.data.shape == (raw.shape[0], FEATURE_DIM)
            np.testing.assert_array_equal(rows.data, raw[:, 0].numpy())
            name = f"{FEATURE_FOLDER}/{take.uid}_{view.cam_id}_{view.readable_stream_id}.pt"
            if name == odd["file"]:  # the one file off the window formula: a located warning
                assert len(rows) == n + 3 == odd["rows"] and odd["expected_rows"] == n
                assert [w.path for w in rows.warnings] == [name]
                assert rows.t1_s.max() == pytest.approx(take.timeline.duration_s)
            else:
                assert len(rows) == n and rows.warnings == ()


def test_clean_leaves_the_features_out(tmp_path):
    takes = [{"take_uid": "t1", "timesync_start_idx": 0, "timesync_end_idx": 101, "frame_aligned_videos": {}}]
    (tmp_path / "takes.json").write_text(json.dumps(takes))
    apply_irregularities(tmp_path, SynthConfig(clean=True))
    assert not (tmp_path / "features").exists()
    assert _records(tmp_path) == {"clean": True}


def test_views_files_and_the_odd_count_follow_takes_json(tmp_path):
    fav = {
        "aria01": {"rgb": {"is_collage": False}, "slam-left": {"is_collage": False}},
        "cam01": {"0": {"is_collage": False}},
        "mobile": {"0": {"is_collage": False}},  # not a camera the official features cover
        "collage": {"0": {"is_collage": True}},
        "best_exo": {"0": {"is_collage": True}},
    }
    takes = [
        {"take_uid": "t1", "timesync_start_idx": 10, "timesync_end_idx": 111, "frame_aligned_videos": fav}
    ]
    summary, odd = write_official_features(tmp_path, takes, rng=np.random.default_rng(0), dim=4)
    names = sorted(p.name for p in (tmp_path / FEATURE_FOLDER).iterdir())
    assert names == ["config.yaml", "t1_aria01_rgb.pt", "t1_cam01_0.pt"] and summary["files"] == 2
    assert odd["file"] == f"{FEATURE_FOLDER}/t1_aria01_rgb.pt" and (odd["rows"], odd["expected_rows"]) == (
        9,
        6,
    )
    assert torch.load(tmp_path / FEATURE_FOLDER / "t1_cam01_0.pt").shape == (6, 1, 4)
    again = write_official_features(tmp_path / "again", takes, rng=np.random.default_rng(0), dim=4)
    assert again == [summary, odd]
    for name in names:  # the same seed writes the same bytes
        assert (tmp_path / "again" / FEATURE_FOLDER / name).read_bytes() == (
            tmp_path / FEATURE_FOLDER / name
        ).read_bytes()


def test_without_torch_the_step_writes_nothing_and_says_so(tmp_path):
    code = (
        "import sys, pathlib, numpy as np; sys.modules['torch'] = None\n"
        "from egoexo_kit.synth.irregular._irr_features import write_official_features\n"
        f"print(write_official_features(pathlib.Path({str(tmp_path)!r}), [], rng=np.random.default_rng(0)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "torch is not installed" in out and not (tmp_path / "features").exists()
