"""publish → manifests as the official generator fills them; download from a folder mirror, every filter."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from egoexo_kit.download import (
    DEFAULT_PARTS,
    Selection,
    download,
    open_source,
    parse_manifest,
    plan_download,
    publish,
)

from .conftest import make_mirror

TRAIN = "f0f5e664-bfd8-4edb-9f95-e78d73109908"  # cmu_bike01_1: aria01, cam01 (best_exo), cam02
VAL = "bca51ed7-800b-4eb0-af69-39b4bc5a9063"  # cmu_bike01_2
TEST = "6c5591b4-285e-4b3b-88bd-5ac49a44510d"  # upenn_0710_Guitar_1_1: aria02, gp01, gp02


def manifest(mirror: Path, part: str):
    return parse_manifest((mirror / "v2" / part / "manifest.json").read_text(), source=part)


def by_path(mirror: Path, part: str):
    return {p.relative_path: (e, p) for e in manifest(mirror, part) for p in e.paths}


def rel_files(root: Path) -> set[str]:
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not any(x.startswith(".egoexo-kit") for x in p.relative_to(root).parts)
    }


def test_manifests_hold_every_file_with_exact_size_and_sha256(mirror, tiny_release_ro):
    listed = {}
    for part_dir in (mirror / "v2").rglob("manifest.json"):
        for e in parse_manifest(part_dir.read_text(), source=str(part_dir)):
            for p in e.paths:
                listed[p.relative_path] = p
    on_disk = rel_files(tiny_release_ro) - {p for p in rel_files(tiny_release_ro) if p.startswith(".")}
    assert set(listed) == on_disk
    for rel, p in listed.items():
        data = (tiny_release_ro / rel).read_bytes()
        assert p.size == len(data)
        assert p.checksum == "sha256:" + hashlib.sha256(data).hexdigest()
        assert (mirror / "v2" / rel).read_bytes() == data
    for part in DEFAULT_PARTS:  # the official client needs a manifest for each default part
        assert (mirror / "v2" / part / "manifest.json").is_file()
    assert json.loads((mirror / "v2/take_vrs_noimagestream/manifest.json").read_text()) == []


def test_manifest_fields_follow_the_official_generator(mirror):
    takes = by_path(mirror, "takes")
    e, p = takes["takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4"]
    assert (e.uid, e.splits, p.views, p.universities, p.file_type) == (
        TRAIN,
        ("train",),
        ("exo",),
        ("cmu",),
        "mp4",
    )
    assert "keystep" in e.benchmarks
    assert takes["takes/cmu_bike01_1/frame_aligned_videos/aria01_214-1.mp4"][1].views == ("ego",)
    assert takes["takes/cmu_bike01_1/ego_preview.mp4"][1].views is None  # collage: no view
    meta = by_path(mirror, "metadata")
    e, p = meta["takes.json"]
    assert (e.uid, e.splits, e.benchmarks, p.views) == ("takes", None, None, None)
    ann = by_path(mirror, "annotations")
    e, _ = ann["annotations/keystep_train.json"]
    assert (e.uid, e.benchmarks) == ("keystep", ("keystep",))
    e, _ = ann["annotations/proficiency_demonstrator_train.json"]
    assert e.benchmarks == ("proficiency_demonstrator", "proficiency")
    e, _ = ann[f"annotations/ego_pose/train/body/annotation/{TRAIN}.json"]
    assert (
        e.uid == TRAIN
        and e.splits == ("train",)
        and "body_pose" in e.benchmarks
        and "hand_pose" not in e.benchmarks
    )
    e, _ = ann[f"annotations/ego_pose/test/camera_pose/{TEST}.json"]
    assert e.splits == ("test",) and {"camera_pose", "body_pose", "hand_pose"} <= set(e.benchmarks)
    caps = by_path(mirror, "captures")
    e, p = caps["captures/cmu_bike01/timesync.csv"]
    assert e.splits == ("train", "val") and e.benchmarks == () and p.universities == ("cmu",)
    traj = by_path(mirror, "take_point_cloud")
    assert traj["takes/cmu_bike01_1/trajectory/semidense_points.csv.gz"][1].file_type == "gz"


def plan(mirror, out, **sel):
    return plan_download(out, source=open_source(str(mirror), release="v2"), selection=Selection(**sel))


def selected(mirror, tmp_path, **sel) -> set[str]:
    return {f.relative_path for f in plan(mirror, tmp_path / "out", **sel).files}


def test_official_filters(mirror, tmp_path):
    # --uids drops metadata entries (uid "takes" …) but keeps the take's EgoPose files (issue 295)
    got = selected(mirror, tmp_path, parts=("metadata", "annotations"), uids=frozenset({TRAIN}))
    assert got == {
        f"annotations/ego_pose/train/body/annotation/{TRAIN}.json",
        f"annotations/ego_pose/train/camera_pose/{TRAIN}.json",
    }
    # --views ego keeps ego videos and files of no view (the collage)
    got = selected(mirror, tmp_path, parts=("takes",), uids=frozenset({TRAIN}), views=frozenset({"ego"}))
    assert got == {f"takes/cmu_bike01_1/{n}" for n in ("ego_preview.mp4",)} | {
        f"takes/cmu_bike01_1/frame_aligned_videos/aria01_{s}.mp4"
        for s in ("214-1", "1201-1", "1201-2", "211-1")
    }
    got = selected(mirror, tmp_path, parts=("takes",), splits=frozenset({"test"}))
    assert got and all(p.startswith("takes/upenn_0710_Guitar_1_1/") for p in got)
    got = selected(mirror, tmp_path, parts=("takes",), universities=frozenset({"upenn"}))
    assert got == selected(mirror, tmp_path, parts=("takes",), splits=frozenset({"test"}))
    # benchmarks: entries with null benchmarks (metadata) stay; annotation files of other benchmarks go
    got = selected(mirror, tmp_path, parts=("metadata", "annotations"), benchmarks=frozenset({"relations"}))
    assert {"takes.json", "annotations/relations_train.json", "annotations/relations_test.json"} <= got
    assert "annotations/keystep_train.json" not in got


def test_camera_selection(mirror, tmp_path):
    vids = "takes/cmu_bike01_1/frame_aligned_videos"
    one = {"uids": frozenset({TRAIN}), "parts": ("takes",)}
    assert selected(mirror, tmp_path, cams=frozenset({"cam02"}), **one) == {f"{vids}/cam02.mp4"}
    assert selected(mirror, tmp_path, cams=frozenset({"best_exo", "aria01"}), **one) == {
        f"{vids}/cam01.mp4",
        *(f"{vids}/aria01_{s}.mp4" for s in ("214-1", "1201-1", "1201-2", "211-1")),
    }
    assert selected(mirror, tmp_path, best_exo_only=True, **one) == selected(
        mirror, tmp_path, cams=frozenset({"ego", "best_exo"}), **one
    )
    # other parts are untouched by a camera filter
    got = selected(
        mirror, tmp_path, parts=("take_trajectory",), uids=frozenset({TRAIN}), cams=frozenset({"cam02"})
    )
    assert "takes/cmu_bike01_1/trajectory/closed_loop_trajectory.csv" in got


def test_dry_run_plan_writes_nothing(mirror, tmp_path):
    p = plan(mirror, tmp_path / "out", parts=("default",), best_exo_only=True)
    assert not (tmp_path / "out").exists()
    assert p.parts["takes"].files == 3 * 5  # per take: 4 Aria streams + the best exo (no collage)
    assert p.total_bytes == sum(f.size for f in p.files) and p.to_fetch_bytes == p.total_bytes


def test_round_trip_is_byte_identical_and_rerun_is_free(mirror, tiny_release_ro, tmp_path):
    out = tmp_path / "out"
    report = download(plan(mirror, out, parts=("all",)), workers=4)
    assert report.ok and report.counts() == {"sha256": len(report.results)}
    assert rel_files(out) == {r.relative_path for r in report.results}
    for r in report.results:
        assert (out / r.relative_path).read_bytes() == (tiny_release_ro / r.relative_path).read_bytes()
    again = download(plan(mirror, out, parts=("all",)), workers=4)
    assert again.ok and again.fetched_bytes == 0 and all(r.cached for r in again.results)
    # a damaged file is noticed (size equal, bytes not) and fetched again
    victim = out / "takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4"
    data = bytearray(victim.read_bytes())
    data[100] ^= 0xFF
    victim.write_bytes(bytes(data))
    fixed = download(plan(mirror, out, parts=("takes",)), workers=2)
    assert fixed.ok and fixed.fetched_bytes == len(data)
    assert victim.read_bytes() == (tiny_release_ro / victim.relative_to(out)).read_bytes()


def test_missing_file_at_the_source_is_reported_not_skipped(tmp_path):
    base = make_mirror(tmp_path / "m", {"takes/a.mp4": b"a" * 10, "takes/b.mp4": b"b" * 10})
    (base / "v2/takes/b.mp4").unlink()
    report = download(plan(base, tmp_path / "out", parts=("takes",)), workers=2)
    assert not report.ok
    assert [(r.relative_path, r.reason) for r in report.failed] == [("takes/b.mp4", "does not exist")]


def test_publish_is_idempotent(tiny_release_ro, tmp_path):
    first = publish(tiny_release_ro, tmp_path / "m", workers=2)
    second = publish(tiny_release_ro, tmp_path / "m", workers=2)
    assert first.uploaded > 0 and first.unchanged == 0
    assert second.uploaded == 0 and second.unchanged == first.uploaded


def test_publish_leaves_out_partial_downloads_and_unknown_files(tiny_release, tmp_path):
    (tiny_release / "takes/cmu_bike01_1/frame_aligned_videos/cam03.mp4.part").write_bytes(b"x")
    (tiny_release / "takes/cmu_bike01_1/frame_aligned_videos/cam03.mp4.part.16777216").write_bytes(b"x")
    (tiny_release / "notes.txt").write_text("mine")
    report = publish(tiny_release, tmp_path / "m", workers=2)
    assert sorted(report.ignored) == [
        "notes.txt",
        "takes/cmu_bike01_1/frame_aligned_videos/cam03.mp4.part",
        "takes/cmu_bike01_1/frame_aligned_videos/cam03.mp4.part.16777216",
    ]
    assert not any(".part" in rel for rel in by_path(tmp_path / "m", "takes"))
