"""Every family round-trips: what the synthetic writer put in the JSON is what the loaders return."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lzstring
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from egoexo_kit import open_release
from egoexo_kit.annotations import (
    mask_track,
    read_atomic_descriptions,
    read_camera_pose,
    read_commentary_folder,
    read_expert_commentary,
    read_keypoints,
    read_keystep,
    read_keystep_benchmark,
    read_label_mapping,
    read_proficiency_demonstration,
    read_proficiency_demonstrator,
    read_relations,
    read_transcription,
    release_annotations,
    summarize_keypoints,
)
from egoexo_kit.errors import FormatError
from egoexo_kit.vocab import BODY_JOINTS, HAND_JOINTS


def raw(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_keystep_round_trip(ann_release: Path) -> None:
    path = ann_release / "annotations" / "keystep_train.json"
    data, k = raw(path), read_keystep(path)
    assert set(k.segments) == set(data["annotations"])
    n = 0
    for uid, entry in data["annotations"].items():
        tax = data["taxonomy"][entry["scenario"]]
        for seg, got in zip(entry["segments"], k.segments[uid], strict=True):
            node = tax[str(seg["step_id"])]
            assert (got.start_s, got.end_s, got.step_id, got.step_unique_id) == (
                seg["start_time"],
                seg["end_time"],
                seg["step_id"],
                seg["step_unique_id"],
            )
            assert (got.step_name, got.is_essential, got.is_optional) == (
                seg["step_name"],
                seg["is_essential"],
                not seg["is_essential"],
            )
            assert (got.parent_id, got.parent_name, got.split) == (
                node["parent_id"],
                node["parent_name"],
                "train",
            )
            assert got.start_frame == int(seg["start_time"] * 30)
            n += 1
    assert n > 0
    scenario, nodes = next(iter(data["taxonomy"].items()))
    tree = k.taxonomies[scenario]
    leaf = next(v for v in nodes.values() if v["is_leafnode"])
    path_ids = [node.id for node in tree.path(leaf["id"])]
    assert path_ids[-1] == leaf["id"] and tree.nodes[path_ids[0]].parent_id is None
    assert leaf["id"] in [c.id for c in tree.children(leaf["parent_id"])]
    assert k.vocabulary[leaf["unique_id"]] == data["vocabulary"][str(leaf["unique_id"])]


def test_keystep_benchmark_and_labels(ann_release: Path) -> None:
    bench = ann_release / "annotations" / "keystep_benchmark"
    for split in ("train", "test_unannotated"):
        path = bench / f"keystep_segment_{split}.json"
        segs, data = read_keystep_benchmark(path), raw(path)["segments"]
        assert [(s.take_uid, s.start_s, s.label_id) for s in segs] == [
            (d["take_uid"], d["start_time"], d.get("label_id")) for d in data
        ]


def test_label_mapping_round_trip(ann_release: Path) -> None:
    bench = ann_release / "annotations" / "keystep_benchmark"
    lines = (bench / "label_mapping.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label_id,step_unique_id,step_name,scenario_name"
    labels = read_label_mapping(bench / "label_mapping.csv")
    assert [f"{x.label_id},{x.step_unique_id},{x.step_name},{x.scenario_name}" for x in labels] == lines[1:]
    assert [x.label_id for x in labels] == list(range(len(labels)))
    by_label = {x.label_id: x for x in labels}
    segs = read_keystep_benchmark(bench / "keystep_segment_train.json")
    assert segs and all(
        (by_label[s.label_id].step_unique_id, by_label[s.label_id].step_name)
        == (s.step_unique_id, s.step_name)
        for s in segs
    )
    assert release_annotations(open_release(ann_release)).label_mapping == labels


@pytest.mark.parametrize(
    ("text", "match", "line"),
    [
        ("label_id,step_unique_id,step_name\n0,5,Cut\n", "scenario_name", 1),
        ("label_id,step_unique_id,step_name,scenario_name\n0,5,Cut,cooking\n0,6,Stir,cooking\n", "twice", 3),
        ("label_id,step_unique_id,step_name,scenario_name\n0,5,Cut,cooking\n1,,Stir,cooking\n", "empty", 3),
        (
            "label_id,step_unique_id,step_name,scenario_name\n0,5,Cut,cooking\nx,6,Stir,cooking\n",
            "label_id",
            3,
        ),
    ],
)
def test_label_mapping_errors_are_located(tmp_path: Path, text: str, match: str, line: int) -> None:
    path = tmp_path / "label_mapping.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError, match=match) as e:
        read_label_mapping(path)
    assert e.value.path == str(path) and e.value.line == line


def test_atomic_descriptions_round_trip(ann_release: Path) -> None:
    path = ann_release / "annotations" / "atomic_descriptions_train.json"
    got, data = read_atomic_descriptions(path), raw(path)["annotations"]
    for uid, anns in data.items():
        want = sorted(
            (
                (d["timestamp"], d["text"], (d["best_exo"] or {}).get("cam_id"), d["ego_visible"])
                for a in anns
                for d in a["descriptions"]
            ),
        )
        assert sorted((d.t_s, d.text, d.best_exo, d.ego_visible) for d in got[uid]) == want
        assert all(d.frame == int(d.t_s * 30) for d in got[uid])


def test_commentary_both_forms(ann_release: Path) -> None:
    path = ann_release / "annotations" / "expert_commentary_train.json"
    got, data = read_expert_commentary(path), raw(path)["annotations"]
    uid, entries = next(iter(data.items()))
    want = sorted((c["video_time"], c["text"].strip()) for e in entries for c in e["commentary_data"])
    assert sorted((c.t_s, c.text) for c in got[uid]) == want
    first = got[uid][0]
    assert first.audio_path is not None and first.audio_path.is_file()
    folder = first.audio_path.parent.parent
    rating, comments = read_commentary_folder(folder)
    assert rating.rating == raw(folder / "data.json")["proficiency"]["rating"]
    assert {c.text for c in comments} <= {c.text for c in got[uid]}


def test_proficiency_round_trip(ann_release: Path) -> None:
    ann = ann_release / "annotations"
    demo = read_proficiency_demonstrator(ann / "proficiency_demonstrator_train.json")
    assert [(d.take_uid, d.proficiency_score) for d in demo] == [
        (x["take_uid"], x["proficiency_score"])
        for x in raw(ann / "proficiency_demonstrator_train.json")["annotations"]
    ]
    items = raw(ann / "proficiency_demonstration_train.json")["annotations"]
    got = read_proficiency_demonstration(ann / "proficiency_demonstration_train.json")
    for item, g in zip(items, got, strict=True):
        assert sum(m.kind == "good_execution" for m in g.moments) == len(item["good_executions"])
        assert sorted(m.t_s for m in g.moments if m.kind == "tip") == sorted(
            x["video_time"] for x in item["tips_for_improvement"]
        )


def test_relation_masks_match_pycocotools(ann_release: Path) -> None:
    path = ann_release / "annotations" / "relations_train.json"
    data, got = raw(path)["annotations"], read_relations(path)
    lz = lzstring.LZString()
    checked = 0
    for uid, entry in data.items():
        for obj, cams in entry["object_masks"].items():
            for cam, track in cams.items():
                t = got[uid].track(obj, cam)
                assert t.annotated_frames == tuple(track["annotated_frames"])
                assert t.is_ego == ("aria" in cam)
                for key, m in list(track["annotation"].items())[:2]:
                    counts = lz.decompressFromEncodedURIComponent(m["encodedMask"])
                    want = mask_utils.decode({"size": [m["height"], m["width"]], "counts": counts.encode()})
                    np.testing.assert_array_equal(t.mask(int(key)), want.astype(bool))
                    checked += 1
                hidden = set(track["annotated_frames"]) - {int(k) for k in track["annotation"]}
                for f in hidden:
                    assert not t.visible(f)
                    if t.frames:  # the size comes from a visible frame
                        assert not t.mask(f).any()
    assert checked > 0


def test_mask_track_encode_round_trip() -> None:
    rng = np.random.default_rng(0)
    masks = {0: rng.random((40, 30)) > 0.7, 30: np.zeros((40, 30), bool)}
    t = mask_track("bowl_0", "cam01", masks, annotated_frames=(0, 30, 60))
    for f, m in masks.items():
        rle = mask_utils.encode(np.asfortranarray(m.astype(np.uint8)))
        assert (
            lzstring.LZString().decompressFromEncodedURIComponent(t.frames[f].encoded)
            == rle["counts"].decode()
        )
        np.testing.assert_array_equal(t.mask(f), m)
    assert t.to_json()["annotated_frames"] == [0, 30, 60]


def test_pose_round_trip(ann_release: Path) -> None:
    files = sorted((ann_release / "annotations" / "ego_pose").glob("*/hand/annotation/*.json"))
    assert files
    path = files[0]
    data = raw(path)
    p = read_keypoints(path, part="hand", source="annotation")
    keys = sorted((k for k, v in data.items() if v != []), key=int)  # empty frames are skipped
    assert p.skipped_keys == tuple(sorted((k for k, v in data.items() if v == []), key=int))
    np.testing.assert_array_equal(p.frames, [int(k) for k in keys])
    np.testing.assert_allclose(p.t_s, np.array([int(k) for k in keys]) / 30)
    item = data[keys[0]][0]
    for name, j in item["annotation3D"].items():
        np.testing.assert_allclose(p.points_3d[0, HAND_JOINTS.index(name)], [j["x"], j["y"], j["z"]])
    for cam, pts in item["annotation2D"].items():
        for name, j in pts.items():
            np.testing.assert_allclose(p.points_2d[cam][0, HAND_JOINTS.index(name)], [j["x"], j["y"]])
    summary = summarize_keypoints(path)  # the catalog's fast path agrees with the full parse
    np.testing.assert_array_equal(summary.frames, p.frames)
    np.testing.assert_array_equal(summary.n_joints_3d, (~np.isnan(p.points_3d[..., 0])).sum(axis=1))
    assert summary.cameras[0] == [c for c in p.points_2d if not np.isnan(p.points_2d[c][0]).all()]
    missing = set(HAND_JOINTS) - set(item["annotation3D"])
    assert all(np.isnan(p.points_3d[0, HAND_JOINTS.index(n)]).all() for n in missing)
    body = sorted((ann_release / "annotations" / "ego_pose").glob("*/body/automatic/*.json"))[0]
    assert read_keypoints(body, part="body", source="automatic").points_3d.shape[1:] == (len(BODY_JOINTS), 3)
    cp_path = path.parents[2] / "camera_pose" / path.name
    cp, cdata = read_camera_pose(cp_path), raw(cp_path)
    aria = next(k for k in cdata if k.startswith("aria"))
    frame = next(iter(cdata[aria]["camera_extrinsics"]))
    np.testing.assert_allclose(cp.cameras[aria].at(int(frame)), cdata[aria]["camera_extrinsics"][frame])
    exo = next(k for k in cdata if k.startswith("cam"))
    np.testing.assert_allclose(cp.cameras[exo].at(0), cdata[exo]["camera_extrinsics"])


def test_frame_major_camera_pose_variant(tmp_path: Path) -> None:
    K = [[150.0, 0, 255.5], [0, 150.0, 255.5], [0, 0, 1]]
    E = [[1.0, 0, 0, 0.5], [0, 1, 0, 0], [0, 0, 1, 0]]
    doc = {"7": {"metadata": {"take_uid": "u1"}, "aria": {"camera_intrinsics": K, "camera_extrinsics": E}}}
    path = tmp_path / "u1.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    cp = read_camera_pose(path)
    assert cp.take_uid == "u1"
    np.testing.assert_allclose(cp.cameras["aria"].at(7), E)


def test_variants_are_read(tmp_path: Path) -> None:
    atomic = {
        "annotations": {
            "u1": [
                {
                    "annotation_uid": "a",
                    "annotator_id": 5,
                    "rejected": "0",
                    "descriptions": [
                        {
                            "text": "C cuts.",
                            "timestamp": "1.5",
                            "subject": "C",
                            "ego_visible": "1",
                            "best_exo": None,
                            "unsure": "0",
                        }
                    ],
                }
            ]
        }
    }
    p = tmp_path / "atomic_descriptions_val.json"
    p.write_text(json.dumps(atomic), encoding="utf-8")
    d = read_atomic_descriptions(p)["u1"][0]
    assert (d.ego_visible, d.unsure, d.subject, d.best_exo, d.t_s, d.frame, d.split) == (
        True,
        False,
        "C",
        None,
        1.5,
        45,
        "val",
    )
    prof = tmp_path / "proficiency_demonstrator_val.json"
    prof.write_text(json.dumps([{"take_uid": "u1", "proficiency_score": "Novice"}]), encoding="utf-8")
    assert read_proficiency_demonstrator(prof)[0].proficiency_score == "Novice"
    ks = {
        "annotations": {
            "u1": {
                "take_uid": "u1",
                "scenario": "S",
                "annotation_metadata": {"annotator_id": "x"},
                "segments": [
                    {
                        "start_time": 1,
                        "end_time": 2,
                        "step_id": 2,
                        "step_unique_id": 9,
                        "is_essential": "true",
                    }
                ],
            }
        },
        "taxonomy": {
            "S": {
                "2": {
                    "id": 2,
                    "name": "Cut",
                    "parent_id": None,
                    "parent_name": None,
                    "is_leafnode": True,
                    "unique_id": 9,
                }
            }
        },
        "vocabulary": {"9": "Cut"},
    }
    p = tmp_path / "keystep_val.json"
    p.write_text(json.dumps(ks), encoding="utf-8")
    k = read_keystep(p)
    seg = k.segments["u1"][0]
    assert (seg.step_name, seg.is_essential, k.annotation_meta["u1"]["annotator_id"]) == ("Cut", True, "x")


def test_malformed_files_give_located_errors(tmp_path: Path) -> None:
    p = tmp_path / "atomic_descriptions_train.json"
    p.write_text(
        json.dumps({"annotations": {"u1": [{"descriptions": [{"text": "x", "timestamp": "soon"}]}]}})
    )
    with pytest.raises(FormatError, match="expected a number") as e:
        read_atomic_descriptions(p)
    assert e.value.pointer == "/annotations/u1/0/descriptions/0/timestamp" and e.value.path == str(p)
    p.write_text('{"annotations": {"u1": [')
    with pytest.raises(FormatError, match="invalid JSON") as e:
        read_atomic_descriptions(p)
    assert e.value.line == 1
    bad = tmp_path / "u.json"
    bad.write_text(json.dumps({"12a": [{}]}))
    with pytest.raises(FormatError, match="not a frame number"):
        read_keypoints(bad, part="body")


def test_narrations_and_timeline_alignment(tiny_release_ro: Path) -> None:
    release = open_release(tiny_release_ro)
    take = next(t for t in release.takes if t.transcription_paths)
    path = take.transcription_paths[0]
    segs = raw(path)["segments"]
    got = read_transcription(path, take_uid=take.uid)
    assert [(n.start_s, n.end_s, n.text) for n in got] == [
        (s["start"], s["end"], s["text"].strip()) for s in segs
    ]
    assert [n.text for n in take.annotations.narrations] == [n.text for n in got]
    # record frames follow the timeline's rule, and take.annotations converts through the timeline itself
    times = np.array([n.start_s for n in got] + [0.0, 1 / 30, 0.5])
    times = times[times < (take.n_frames - 1) / 30]
    want = take.timeline.to_frame(t=times)
    np.testing.assert_array_equal(take.annotations.frame_of(times), want)
    np.testing.assert_array_equal([n.start_frame for n in got if n.start_s in times], want[: len(want) - 3])
    assert take.annotations._timeline is not None


def test_take_annotations_facade(ann_release: Path) -> None:
    release = open_release(ann_release)
    data = raw(ann_release / "annotations" / "keystep_train.json")["annotations"]
    uid = next(iter(data))
    take = release.take(uid)
    a = take.annotations
    assert [s.start_s for s in a.keysteps] == [s["start_time"] for s in data[uid]["segments"]]
    assert a.keystep_taxonomy is not None and a.keystep_taxonomy.scenario == data[uid]["scenario"]
    assert a.split == "train" and "keystep" in a.benchmarks
    body = a.pose("body", source="automatic")
    assert body is not None and a.pose("body", source="automatic") is body  # parsed once, then cached
    rows = a.timeline_rows(["keystep"])
    assert [r["start_s"] for r in rows] == sorted(s["start_time"] for s in data[uid]["segments"])
    assert all(r["start_frame"] == int(r["start_s"] * 30) for r in rows)


def test_commentary_falls_back_to_form_2(ann_release: Path, tmp_path: Path) -> None:
    dst = tmp_path / "release"
    shutil.copytree(ann_release, dst, ignore=shutil.ignore_patterns("ego_pose", "relations_*"))
    form1 = raw(dst / "annotations" / "expert_commentary_train.json")["annotations"]
    uid = next(iter(form1))
    for p in (dst / "annotations").glob("expert_commentary_*.json"):
        p.unlink()
    take = open_release(dst).take(uid)
    want = sorted((c["video_time"], c["text"].strip()) for e in form1[uid] for c in e["commentary_data"])
    got = take.annotations.expert_commentary
    assert sorted((c.t_s, c.text) for c in got) == want
    assert all(c.audio_path is not None and c.audio_path.is_file() for c in got)
    assert {r.expert_uid for r in take.annotations.expert_ratings} == {c.expert_uid for c in got}
