"""Baselines' feature path: pre-extracted ``features/<name>/`` rows describe keystep clips and whole takes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.benchmarks import run_baseline
from egoexo_kit.benchmarks._source import feature_track, motion_stats
from egoexo_kit.benchmarks.keystep_recognition.baseline import segment_features
from egoexo_kit.benchmarks.keystep_recognition.gt import build_keystep_gt
from egoexo_kit.benchmarks.proficiency_demonstrator.baseline import take_vectors
from egoexo_kit.benchmarks.proficiency_demonstrator.submission import LABELS
from egoexo_kit.errors import NotFoundError
from egoexo_kit.features import extract_features
from egoexo_kit.release import read_closed_loop_trajectory


@pytest.fixture(scope="module")
def featured(synth_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("featured") / "release"
    shutil.copytree(synth_release, root, ignore=shutil.ignore_patterns(".egoexo-kit"))
    extract_features(root, backbone="stats", window=8, stride=4)
    return root


def _mean_rows(take, view: str, **span: float) -> np.ndarray:
    return np.asarray(take.features("stats", view, **span).data, np.float64).mean(axis=0)


def test_segment_features_use_the_extracted_rows(featured: Path) -> None:
    release = open_release(featured)
    segments = build_keystep_gt(release, split="val")["segments"]
    assert segments, "the bike repair take of the shared release has keystep clips"
    plain = segment_features(release, segments)
    with_feats = segment_features(release, segments, features="stats")
    assert plain.shape[1] == 3 and with_feats.shape[1] > 3
    np.testing.assert_array_equal(with_feats[:, :3], plain)
    seg = segments[0]
    take = release.take(seg["take_uid"])
    want = _mean_rows(take, take.ego_views[0].key, t0=seg["start_time"], t1=seg["end_time"])
    np.testing.assert_allclose(with_feats[0, 3:], want)


def test_motion_stats_follow_the_trajectory(featured: Path) -> None:
    take = open_release(featured).takes[0]
    traj = read_closed_loop_trajectory(take.closed_loop_trajectory_path)
    got = motion_stats(take)
    steps = np.linalg.norm(np.diff(traj.t_world_device, axis=0), axis=1)
    speed = steps / (np.diff(traj.tracking_timestamp_us) * 1e-6)
    assert got.shape == (6,) and np.all(np.isfinite(got))
    np.testing.assert_allclose(got[0], speed.mean())
    np.testing.assert_allclose(got[5], np.ptp(traj.t_world_device[:, 2]))
    assert 0.0 < got[0] < 5.0  # a person's head, m/s


def test_demonstrator_vectors_and_baseline_use_features(featured: Path) -> None:
    release = open_release(featured)
    takes = list(release.takes)
    names = [t.name for t in takes]
    plain = take_vectors(release, names)
    with_feats = take_vectors(release, names, features="stats")
    np.testing.assert_array_equal(with_feats[:, :6], plain)
    take = takes[0]
    dim = (with_feats.shape[1] - 6) // 2
    np.testing.assert_allclose(with_feats[0, 6 : 6 + dim], _mean_rows(take, take.ego_views[0].key))
    exo = np.mean([_mean_rows(take, v.key) for v in take.exo_views], axis=0)
    np.testing.assert_allclose(with_feats[0, 6 + dim :], exo)
    pred = run_baseline("proficiency-demonstrator", release, split="val", features="stats")
    assert pred["videos"] and set(pred["predictions"]) <= set(LABELS)


def test_demonstration_points_are_scored_from_the_feature_track(featured: Path) -> None:
    release = open_release(featured)
    take = next(t for t in release.takes if t.ego_views)
    rows = take.features("stats", take.ego_views[0].key)
    times = np.array([0.2, 1.0, 50.0])  # 50 s is past the take: the nearest window stands in
    track = feature_track(take, "stats", times, half_s=0.3)
    keep = (rows.t1_s > 0.7) & (rows.t0_s < 1.3)
    np.testing.assert_allclose(track[1], np.asarray(rows.data, np.float64)[keep].mean(axis=0))
    np.testing.assert_allclose(track[2], np.asarray(rows.data, np.float64)[-1])
    plain = run_baseline("proficiency-demonstration", release, split="val")
    with_feats = run_baseline("proficiency-demonstration", release, split="val", features="stats")
    assert [(p["video-id"], p["times"], p["label"]) for p in plain] == [
        (p["video-id"], p["times"], p["label"]) for p in with_feats
    ]
    assert plain and all(0.0 <= p["score"] <= 1.0 for p in with_feats)


def test_only_some_baselines_take_features(synth_release: Path) -> None:
    takers = "keystep-recognition, proficiency-demonstrator, proficiency-demonstration"
    with pytest.raises(NotFoundError, match=f"only {takers} do"):
        run_baseline("body-pose", open_release(synth_release), split="val", features="stats")


def test_baselines_read_the_official_n_1_d_folder_with_its_odd_row_count(
    synth_release: Path, tmp_path
) -> None:
    """The synthetic release ships features/omnivore_video as released: (N, 1, D), one file 3 rows long."""
    import json

    from typer.testing import CliRunner

    from egoexo_kit.cli import app

    release = open_release(synth_release)
    odd = json.loads((synth_release / ".synth" / "irregularities.json").read_text())["features_official"][1]
    take = release.take(odd["take_uid"])
    rows = take.features("omnivore_video", odd["cam_id"])
    assert rows.warnings and rows.data.ndim == 2  # squeezed, warned, still used
    segments = build_keystep_gt(release, split="val")["segments"]
    with_feats = segment_features(release, segments, features="omnivore_video")
    assert with_feats.shape == (len(segments), 3 + rows.data.shape[1]) and np.isfinite(with_feats).all()
    vectors = take_vectors(release, [t.name for t in release.takes], features="omnivore_video")
    assert np.isfinite(vectors).all()
    for task in ("proficiency-demonstrator", "proficiency-demonstration"):  # keystep: no train clips here
        out = tmp_path / f"{task}.json"
        args = ["baseline", str(synth_release), task, "--out", str(out), "--features", "omnivore_video"]
        res = CliRunner().invoke(app, args)
        assert res.exit_code == 0, res.output
        assert out.is_file()
