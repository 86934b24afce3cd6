"""The keystep baseline's feature path: pre-extracted ``features/<name>/`` rows describe each clip."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.benchmarks.keystep_recognition.baseline import segment_features
from egoexo_kit.benchmarks.keystep_recognition.gt import build_keystep_gt
from egoexo_kit.features import extract_features


def test_segment_features_use_the_extracted_rows(synth_release: Path, tmp_path: Path) -> None:
    root = tmp_path / "release"
    shutil.copytree(synth_release, root, ignore=shutil.ignore_patterns(".egoexo-kit"))
    extract_features(root, backbone="stats", window=8, stride=4)
    release = open_release(root)
    segments = build_keystep_gt(release, split="val")["segments"]
    assert segments, "the bike repair take of the shared release has keystep clips"
    plain = segment_features(release, segments)
    with_feats = segment_features(release, segments, features="stats")
    assert plain.shape[1] == 3 and with_feats.shape[1] > 3
    np.testing.assert_array_equal(with_feats[:, :3], plain)
    seg = segments[0]
    take = release.take(seg["take_uid"])
    rows = take.features("stats", take.ego_views[0].key, t0=seg["start_time"], t1=seg["end_time"])
    np.testing.assert_allclose(with_feats[0, 3:], np.asarray(rows.data, np.float64).mean(axis=0))


def test_only_keystep_baselines_take_features(synth_release: Path) -> None:
    from egoexo_kit.benchmarks import run_baseline
    from egoexo_kit.errors import NotFoundError

    with pytest.raises(NotFoundError, match="only keystep-recognition"):
        run_baseline("body-pose", open_release(synth_release), split="val", features="stats")
