"""Redacted takes and empty EgoPose frames (issue 16 items 3, 4): noted, located, never refused.

The default synthetic release carries both (``.synth/irregularities.json`` says where); the
loaders, ``ReleaseAnnotations.warnings`` and the catalog's ``catalog_warnings`` must find exactly
those, and everything else must read as if they were not there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tests.annotations.conftest import catalogued_copy

from egoexo_kit import open_release
from egoexo_kit.annotations import (
    EMPTY_POSE_FRAME,
    build_catalog,
    connect_catalog,
    read_keypoints,
    release_annotations,
    summarize_keypoints,
    unknown_take,
)


def raw(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def irregular(root: Path, name: str) -> list[dict]:
    return raw(root / ".synth" / "irregularities.json")[name]


def test_empty_frames_are_skipped_not_refused(tmp_path: Path) -> None:
    item = {"annotation3D": {"nose": {"x": 1, "y": 2, "z": 3, "num_views_for_3d": 3}}, "annotation2D": {}}
    path = tmp_path / "u1.json"
    path.write_text(json.dumps({"3": [item], "4": [], "5": {}, "6": [item]}), encoding="utf-8")
    p = read_keypoints(path, part="body")
    np.testing.assert_array_equal(p.frames, [3, 6])
    assert (p.skipped_frames, p.skipped_keys) == ((4, 5), ("4", "5"))
    np.testing.assert_allclose(p.points_3d[:, 0], [[1, 2, 3], [1, 2, 3]])
    s = summarize_keypoints(path)
    np.testing.assert_array_equal(s.frames, p.frames)
    assert s.skipped_keys == ("4", "5")
    only_empty = tmp_path / "u2.json"
    only_empty.write_text(json.dumps({"0": []}), encoding="utf-8")
    assert len(read_keypoints(only_empty, part="hand")) == 0


def test_release_annotations_note_exactly_the_irregularities(ann_release: Path) -> None:
    redacted, empty = irregular(ann_release, "redacted_take"), irregular(ann_release, "empty_pose_frames")
    assert len({r["family"] for r in redacted}) >= 6 and {(r["part"], r["source"]) for r in empty} == {
        ("body", "annotation"),
        ("body", "automatic"),
        ("hand", "annotation"),
        ("hand", "automatic"),
    }
    release = open_release(ann_release)
    ghost = redacted[0]["take_uid"]
    assert ghost not in release.takes.uids
    ra = release_annotations(release)
    warnings = ra.check_all()
    assert sorted((w.path, w.where, w.message) for w in warnings) == sorted(
        [(r["file"], r["pointer"], unknown_take(ghost)) for r in redacted]
        + [(r["file"], r["pointer"], EMPTY_POSE_FRAME) for r in empty]
    )
    # the real takes whose entries were copied keep exactly their own annotations
    src = release.take(next(r["copied_from"] for r in redacted if r["family"] == "keystep"))
    ks = raw(ann_release / "annotations" / "keystep_train.json")["annotations"]
    assert len(src.annotations.keysteps) == len(ks[src.uid]["segments"])
    # a take with an emptied pose frame reads the other frames
    e = next(r for r in empty if r["part"] == "body" and r["source"] == "annotation")
    pose = release.take(e["take_uid"]).annotations.pose("body")
    assert pose is not None and len(pose) == len(raw(ann_release / e["file"])) - 1
    assert pose.skipped_keys == (e["frame_key"],)


def test_catalog_keeps_redacted_rows_and_lists_warnings(ann_release: Path, tmp_path_factory) -> None:
    rel = catalogued_copy(ann_release, tmp_path_factory, "lenient-cat")
    con = connect_catalog(open_release(rel))
    redacted, empty = irregular(rel, "redacted_take"), irregular(rel, "empty_pose_frames")
    ghost = redacted[0]["take_uid"]
    got = con.execute("SELECT path, pointer, message FROM catalog_warnings").fetchall()
    kept = unknown_take(ghost, then="its rows are kept, they join no take")
    assert sorted(got) == sorted(
        [(r["file"], r["pointer"], kept) for r in redacted]
        + [(r["file"], r["pointer"], EMPTY_POSE_FRAME) for r in empty]
    )
    assert con.execute("SELECT count(*) FROM catalog_errors").fetchone()[0] == 0
    ks = raw(rel / "annotations" / "keystep_train.json")["annotations"][ghost]["segments"]
    q = "SELECT count(*) FROM keysteps k {} WHERE k.take_uid = ?"
    assert con.execute(q.format(""), [ghost]).fetchone()[0] == len(ks)  # kept
    assert con.execute(q.format("JOIN takes t USING (take_uid)"), [ghost]).fetchone()[0] == 0  # joins none


def test_catalog_leaves_out_an_odd_takes_record(tiny_release: Path) -> None:
    takes = raw(tiny_release / "takes.json")
    bad_uid = takes[1]["take_uid"]
    takes[1]["frame_aligned_videos"] = "oops"
    (tiny_release / "takes.json").write_text(json.dumps(takes), encoding="utf-8")
    stats = build_catalog(open_release(tiny_release), workers=1)
    assert stats.errors == {}
    con = connect_catalog(open_release(tiny_release))
    uids = {r[0] for r in con.execute("SELECT take_uid FROM takes").fetchall()}
    assert uids == {t["take_uid"] for t in takes} - {bad_uid}
    notes = con.execute("SELECT path, pointer FROM catalog_warnings WHERE path = 'takes.json'").fetchall()
    assert notes == [("takes.json", "/1/frame_aligned_videos")]
    # the left-out take's annotations now name a take the catalog lacks: warned, not refused
    refs = con.execute("SELECT count(*) FROM catalog_warnings WHERE message LIKE ?", [f"%{bad_uid}%"])
    assert refs.fetchone()[0] > 0
