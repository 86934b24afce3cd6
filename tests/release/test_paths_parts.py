"""safe_join refuses escapes (property-tested); classify maps every FORMAT §1.4 path template to its part."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from egoexo_kit.errors import UnsafePathError
from egoexo_kit.release import classify_part, scan_parts
from egoexo_kit.release._paths import safe_join

segment = st.sampled_from(["..", ".", "a", "b", "takes", "x.mp4"])


@given(st.lists(segment, min_size=1, max_size=8))
def test_safe_join_never_leaves_root(tmp_path_factory, parts):
    root = Path("/tmp/egoexo-root-for-property")
    rel = "/".join(parts)
    depth, escapes = 0, False
    for p in parts:
        depth += -1 if p == ".." else (0 if p == "." else 1)
        escapes |= depth < 0
    if escapes:
        with pytest.raises(UnsafePathError, match="escapes the release root"):
            safe_join(root, rel)
    else:
        joined = safe_join(root, rel)
        assert joined.resolve().is_relative_to(root.resolve())


def test_safe_join_locates_its_error():
    with pytest.raises(UnsafePathError) as e:
        safe_join(Path("/r"), "/abs/file", source="takes.json", pointer="/0/root_dir")
    assert str(e.value) == "takes.json:/0/root_dir: absolute path not allowed: '/abs/file'"
    assert isinstance(e.value, ValueError)
    with pytest.raises(UnsafePathError, match="NUL"):
        safe_join(Path("/r"), "a\x00b")
    with pytest.raises(UnsafePathError, match="escapes"):
        safe_join(Path("/r"), "a\\..\\..\\b")  # Windows separators are normalised, not trusted


@pytest.mark.parametrize(
    ("path", "part"),
    [
        ("takes.json", "metadata"),
        ("metadata.json", "metadata"),
        ("annotations/splits.json", "annotations"),
        ("annotations/keystep_benchmark/label_mapping.csv", "annotations"),
        ("annotations/ego_pose/train/body/annotation/u.json", "annotations"),
        ("annotations/ego_pose/test/camera_pose/u.json", "annotations"),
        ("annotations/ego_pose/val/hand/automatic/u.json", "ego_pose_pseudo_gt"),
        ("annotations/expert_commentary/cmu_bike15_4/qfbn5o/data.json", "expert_commentary"),
        ("annotations/expert_commentary_train.json", "annotations"),
        ("takes/t/frame_aligned_videos/cam01.mp4", "takes"),
        ("takes/t/ego_preview.mp4", "takes"),
        ("takes/t/frame_aligned_videos/downscaled/448/aria01_214-1.mp4", "downscaled_takes/448"),
        ("takes/t/trajectory/closed_loop_trajectory.csv", "take_trajectory"),
        ("takes/t/trajectory/gopro_calibs.csv", "take_trajectory"),
        ("takes/t/trajectory/semidense_points.csv.gz", "take_point_cloud"),
        ("takes/t/trajectory/global_points.csv.gz", "take_point_cloud"),
        ("takes/t/eye_gaze/general_eye_gaze.csv", "take_eye_gaze"),
        ("takes/t/aria01_noimagestreams.vrs", "take_vrs_noimagestream"),
        ("takes/t/aria01.vrs", "take_vrs"),
        ("takes/t/audio/aria01.wav", "take_audio"),
        ("takes/t/audio/aria01_transcriptions.json", "take_transcription"),
        ("captures/c/timesync.csv", "captures"),
        ("captures/c/post_surveys.csv", "captures"),
        ("captures/c/trajectory/closed_loop_trajectory.csv", "capture_trajectory"),
        ("captures/c/trajectory/semidense_observations.csv.gz", "capture_point_cloud"),
        ("captures/c/eye_gaze/general_eye_gaze.csv", "capture_eye_gaze"),
        ("features/omnivore_video/u_aria01_rgb.pt", "features/omnivore_video"),
        ("features/maws_clip_2b/config.yaml", "features/maws_clip_2b"),
        ("features/mine/u_cam01_0.pt", "features/mine"),
        ("keystep_benchmark/clips_448p/train/t/start0.5_end1.5_cam01.mp4", "keystep_benchmark/clips_448p"),
        ("keystep_benchmark/label_mapping.csv", None),
        ("takes/takes/t/frame_aligned_videos/cam01.mp4", "takes"),
        ("captures/captures/c/timesync.csv", "captures"),
        (".egoexo-kit/catalog.duckdb", None),
        ("README.txt", None),
    ],
)
def test_classify(path, part):
    assert classify_part(path) == part


def test_scan_parts_counts_bytes(tiny_release_ro):
    parts = scan_parts(tiny_release_ro)
    assert parts.files["metadata"] == 6
    assert parts.files["takes"] == 3 * 7  # 6 views + collage per take
    assert parts.by_take_dir["upenn_0710_Guitar_1_1"] >= {"takes", "take_transcription", "take_audio"}
    assert "take_transcription" not in parts.by_take_dir["cmu_bike01_1"]
    total = sum(p.stat().st_size for p in (tiny_release_ro / "annotations").rglob("*") if p.is_file())
    assert parts.bytes["annotations"] == total


def test_present_parts_list_known_ones_in_order_then_others(tmp_path):
    for rel in (
        "features/mine/u_cam01_0.pt",
        "keystep_benchmark/clips_448p/val/t/start1_end2_cam01.mp4",
        "takes.json",
    ):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    assert scan_parts(tmp_path).present == ["metadata", "keystep_benchmark/clips_448p", "features/mine"]
