"""Annotation writers of the synthetic release: format, cross-references, geometry, withholding, determinism.

The fixture builds ground truth by hand (plan, scene, performance, cameras, rectangle masks, depth maps)
so that these tests do not depend on the full generator.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np
import pytest

from egoexo_kit.geometry import invert_pose, sensor_to_mp4_px, transform_points
from egoexo_kit.release import decode_mask
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth.annotations import write_annotations
from egoexo_kit.synth.capture import TakeTruth, ViewTruth
from egoexo_kit.synth.capture._rig import make_aria_rig, make_exo_cameras
from egoexo_kit.synth.motion import BODY_JOINTS, HAND_JOINTS, Body, Performance, Scene, make_scene, perform
from egoexo_kit.synth.motion._choreo import Contact
from egoexo_kit.synth.plan import FPS, PROFICIENCY_LEVELS, CapturePlan, TakePlan, plan_release, plan_take
from egoexo_kit.validate import validate_release

CONFIG = SynthConfig(captures=2, takes_per_capture=2, seconds=8.0, scenarios=("bike repair", "basketball"))
SEED = 7
OCCLUDED_CAM = "cam02"
"""Its depth maps put a wall 30 cm in front of the lens: no manual keypoint may come from it."""
ARIA_K = np.array([[150.0, 0.0, 255.5], [0.0, 150.0, 255.5], [0.0, 0.0, 1.0]])


# -- fixture: ground truth built by hand ------------------------------------------------------------------


def _static_performance(plan: TakePlan, body: Body, scene: Scene) -> Performance:
    """A standing participant (for physical tasks while their choreographer is unavailable)."""
    n = plan.n_frames
    rest = body.rest_pose()
    T = scene.T_world_stand
    body_world = np.repeat(transform_points(T, rest.body_world[0])[None], n, axis=0)
    hands_world = np.repeat(transform_points(T, rest.hands_world[0])[None], n, axis=0)
    steps = plan_take(plan.task, proficiency=plan.proficiency, rng=plan.seed, seconds=plan.seconds)
    ball = scene.objects[0].name
    return Performance(
        fps=float(FPS),
        t=np.arange(n) / FPS,
        body_world=body_world,
        hands_world=hands_world,
        T_world_head=np.repeat((T @ rest.T_world_head[0])[None], n, axis=0),
        T_world_pelvis=np.repeat((T @ rest.T_world_pelvis[0])[None], n, axis=0),
        objects_T_world={o.name: np.repeat(o.T_world_object[None], n, axis=0) for o in scene.objects},
        attended=np.full(n, ""),
        gaze_world=np.zeros((n, 3)),
        contacts=(
            Contact(1.0, ball, "grasp"),
            Contact(2.5, "floor", "impact"),
            Contact(3.0, ball, "release"),
        ),
        segments=steps.steps,
        pauses=steps.pauses,
        narration=(),
        proficiency=plan.proficiency,
        task=plan.task,
        body=body,
    )


def _views(cap: CapturePlan, plan: TakePlan, perf: Performance, scene: Scene) -> dict[str, ViewTruth]:
    rng = np.random.default_rng(cap.seed)
    n = plan.n_frames
    times = plan.start + np.arange(n) / FPS
    target = scene.T_world_stand[:3, 3] + [0.0, 0.0, 1.0]
    exo = make_exo_cameras(list(cap.exo_ids), size=CONFIG.exo_size, target=target, rng=rng)
    rig = make_aria_rig(
        cap.aria_id, rgb_size=CONFIG.ego_size, slam_size=CONFIG.slam_size, et_size=CONFIG.et_size, rng=rng
    )
    views = {}
    for stream, (cam, T_device_cam) in rig.cameras.items():
        poses = perf.T_world_head @ rig.T_head_device @ T_device_cam
        views[f"{cap.aria_id}/{stream}"] = ViewTruth(cap.aria_id, stream, cam, poses, times, rotated=True)
    for e in exo:
        poses = np.repeat(e.T_world_cam[None], n, axis=0)
        views[e.cam_id] = ViewTruth(e.cam_id, "0", e.camera, poses, times, rotated=False)
    return views


def _mp4_px(view: ViewTruth, frame: int, point: np.ndarray) -> tuple[np.ndarray, bool]:
    """A world point in the view's MP4 image."""
    px, ok = view.camera.project(transform_points(invert_pose(view.T_world_cam[frame]), point[None]))
    if view.rotated:
        px = sensor_to_mp4_px(px, sensor_size=(view.camera.width, view.camera.height))
    return px[0], bool(ok[0])


def _rect_masks(
    views: dict[str, ViewTruth], points: dict[str, np.ndarray], frames: tuple[int, ...]
) -> dict[str, dict[str, dict[int, np.ndarray]]]:
    """A 13×13 px square around each tracked point, in every RGB/exo view that sees it."""
    out: dict[str, dict[str, dict[int, np.ndarray]]] = {}
    for track, pts in points.items():
        for key, view in views.items():
            if view.stream not in ("rgb", "0"):
                continue
            w, h = view.mp4_size
            for f in frames:
                px, ok = _mp4_px(view, f, pts[f])
                if not ok:
                    continue
                x, y = np.rint(px).astype(int)
                m = np.zeros((h, w), bool)
                m[max(0, y - 6) : y + 7, max(0, x - 6) : x + 7] = True
                if m.any():
                    out.setdefault(track, {}).setdefault(key, {})[f] = m
    return out


def _truth(cap: CapturePlan, plan: TakePlan) -> TakeTruth:
    body = Body.from_height(cap.participant_height)
    scene = make_scene(plan.task, rng=plan.seed, body=body)
    if plan.task.procedural:
        steps = plan_take(plan.task, proficiency=plan.proficiency, rng=plan.seed, seconds=plan.seconds)
        perf = perform(steps, body=body, scene=scene, rng=plan.seed, seconds=plan.seconds)
    else:
        perf = _static_performance(plan, body, scene)
    views = _views(cap, plan, perf, scene)
    n = plan.n_frames
    mask_frames = tuple(range(0, n, 30))
    tracked = {f"{o.name}_0": perf.objects_T_world[o.name][:, :3, 3] for o in scene.objects}
    tracked["right hand_0"] = perf.hands_world[:, 0]
    depth_frames = tuple(range(0, n, 15))
    depth = {}
    for key, v in views.items():
        if v.stream in ("rgb", "0"):
            w, h = v.mp4_size
            value = 0.3 if v.cam_id == OCCLUDED_CAM else np.inf
            depth[key] = {f: np.full((h, w), value, np.float32) for f in depth_frames}
    return TakeTruth(
        plan=plan,
        capture=cap,
        scene=scene,
        perf=perf,
        body_world=perf.body_world,
        hands_world=perf.hands_world,
        objects_world=perf.objects_T_world,
        views=views,
        masks=_rect_masks(views, tracked, mask_frames),
        mask_frames=mask_frames,
        depth=depth,
        depth_frames=depth_frames,
    )


def _takes_json(truths: list[TakeTruth]) -> list[dict[str, Any]]:
    return [
        {
            "take_uid": t.plan.take_uid,
            "take_name": t.plan.take_name,
            "root_dir": f"takes/{t.plan.take_name}",
            "capture_uid": t.capture.capture_uid,
            "timesync_start_idx": t.plan.start_idx,
            "timesync_end_idx": t.plan.end_idx,
            "frame_aligned_videos": {},
        }
        for t in truths
    ]


@pytest.fixture(scope="module")
def world() -> tuple[list[TakeTruth], list[TakePlan]]:
    release = plan_release(CONFIG)
    truths = [_truth(cap, plan) for cap in release.captures for plan in cap.takes]
    return truths, release.takes


def _write(root: Path, truths: list[TakeTruth], plans: list[TakePlan]) -> Path:
    root.mkdir(parents=True)
    (root / "takes.json").write_text(json.dumps(_takes_json(truths)), encoding="utf-8")
    write_annotations(root, truths=truths, all_takes=plans, rng_seed=SEED)
    return root


@pytest.fixture(scope="module")
def release(world: tuple[list[TakeTruth], list[TakePlan]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("ann") / "release", *world)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _by_split(truths: list[TakeTruth], split: str) -> list[TakeTruth]:
    return [t for t in truths if t.plan.split == split]


# -- tests ---------------------------------------------------------------------------------------------------


def test_fixture_covers_every_case(world):
    truths, _ = world
    splits = {(t.plan.split, t.plan.task.procedural) for t in truths}
    assert ("train", True) in splits and ("test", True) in splits
    assert {"train", "val", "test"} <= {s for s, _ in splits}


def test_validator_reports_no_annotation_errors(release):
    report = validate_release(release, check_videos=False)
    errors = [p for p in report.errors if p.path.startswith("annotations")]
    assert errors == []
    warnings = [p for p in report.warnings if p.path.startswith("annotations")]
    assert warnings == []


def test_splits_json(release, world):
    _, plans = world
    s = _load(release / "annotations" / "splits.json")
    assert set(s) == {"split_to_take_uids", "take_uid_to_split", "take_uid_to_benchmark"}
    for t in plans:
        assert s["take_uid_to_split"][t.take_uid] == t.split
        assert t.take_uid in s["split_to_take_uids"][t.split]
        assert s["take_uid_to_benchmark"][t.take_uid] == list(t.benchmarks)


def test_test_split_is_withheld(release, world):
    truths, _ = world
    ann = release / "annotations"
    for family in ("keystep", "atomic_descriptions", "expert_commentary"):
        assert not (ann / f"{family}_test.json").exists()
    for family in ("proficiency_demonstrator", "proficiency_demonstration"):
        assert not (ann / f"{family}_test.json").exists()
    test_uids = {t.plan.take_uid for t in _by_split(truths, "test")}
    for path in ann.glob("*_train.json"):
        assert not test_uids & set(json.dumps(_load(path)).split('"')), path.name
    for t in _by_split(truths, "test"):
        assert not (ann / "expert_commentary" / t.plan.take_name).exists()
        assert (ann / "ego_pose" / "test" / "camera_pose" / f"{t.plan.take_uid}.json").is_file()
    assert sorted(p.name for p in (ann / "ego_pose" / "test").iterdir()) == ["camera_pose"]
    rel = _load(ann / "relations_test.json")["annotations"]
    assert rel, "the procedural test take must appear in relations_test.json"
    for entry in rel.values():
        for cams in entry["object_masks"].values():
            for track in cams.values():
                assert "annotation" not in track and track["annotated_frames"]
    bench = _load(ann / "keystep_benchmark" / "keystep_segment_test_unannotated.json")
    assert bench["splits"] == "test" and bench["segments"]
    for seg in bench["segments"]:
        assert not {"step_unique_id", "label_id", "step_name"} & set(seg)
    proc = _load(ann / "procedure_understanding_test_unannotated.json")
    assert proc["synthetic_placeholder"] is True
    for entry in proc["annotations"].values():
        assert set(entry) == {"take_name", "task_id"}


def test_keystep_segments_are_human_but_sane(release, world):
    truths, _ = world
    data = _load(release / "annotations" / "keystep_train.json")
    vocab = data["vocabulary"]
    for t in _by_split(truths, "train"):
        if not t.plan.task.procedural:
            assert t.plan.take_uid not in data["annotations"]
            continue
        entry = data["annotations"][t.plan.take_uid]
        assert entry["take_name"] == t.plan.take_name and entry["scenario"] == t.plan.task.name
        assert isinstance(entry["annotation_meta"]["annotator_id"], int)
        taxonomy = data["taxonomy"][t.plan.task.name]
        segs = entry["segments"]
        assert len(segs) == len(t.perf.segments)
        prev_end = 0.0
        for seg, ps in zip(segs, t.perf.segments, strict=True):
            assert prev_end <= seg["start_time"] < seg["end_time"] <= t.n_frames / FPS
            assert abs(seg["start_time"] - ps.start_sec) <= 0.3 + 1e-6
            assert seg["step_unique_id"] == ps.unique_id and vocab[str(ps.unique_id)] == ps.name
            node = taxonomy[str(seg["step_id"])]
            assert node["is_leafnode"] and node["unique_id"] == seg["step_unique_id"]
            prev_end = seg["end_time"]
        assert {str(s.unique_id) for s in t.plan.task.steps} <= set(vocab)


def test_keystep_benchmark_labels_and_clip_names(release, world):
    truths, _ = world
    folder = release / "annotations" / "keystep_benchmark"
    with (folder / "label_mapping.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["label_id"]) for r in rows] == list(range(len(rows)))
    label_of = {int(r["step_unique_id"]): int(r["label_id"]) for r in rows}
    keystep = _load(release / "annotations" / "keystep_train.json")["annotations"]
    bench = _load(folder / "keystep_segment_train.json")
    assert bench["splits"] == "train" and bench["description"]
    for seg in bench["segments"]:
        assert label_of[seg["step_unique_id"]] == seg["label_id"]
        t = next(t for t in truths if t.plan.take_uid == seg["take_uid"])
        stem = f"train/{t.plan.take_name}/start{seg['start_time']}_end{seg['end_time']}"
        assert seg["ego_segment_name"] == f"{stem}_{t.capture.aria_id}_214-1.mp4"
        assert seg["segment_name_list"][1:] == [f"{stem}_{c}.mp4" for c in t.capture.exo_ids]
        times = [(s["start_time"], s["end_time"]) for s in keystep[seg["take_uid"]]["segments"]]
        assert (seg["start_time"], seg["end_time"]) in times


def test_relation_masks_round_trip(release, world):
    truths, _ = world
    rel = _load(release / "annotations" / "relations_train.json")["annotations"]
    checked = 0
    for t in _by_split(truths, "train"):
        if not t.plan.task.procedural:
            continue
        entry = rel[t.plan.take_uid]
        key_of = {v.relation_key: k for k, v in t.views.items() if v.stream in ("rgb", "0")}
        assert set(entry["object_masks"]) == set(t.masks)
        for track, cams in entry["object_masks"].items():
            assert set(cams) == set(key_of)
            for cam, track_entry in cams.items():
                assert track_entry["annotated_frames"] == list(t.mask_frames)
                assert isinstance(track_entry["annotation_metadata"]["annotator_id"], str)
                truth_masks = t.masks[track].get(key_of[cam], {})
                assert set(track_entry["annotation"]) == {str(f) for f in truth_masks}
                for frame, m in track_entry["annotation"].items():
                    decoded = decode_mask(m["encodedMask"], height=m["height"], width=m["width"])
                    np.testing.assert_array_equal(decoded, truth_masks[int(frame)])
                    click = m["intSegClicks"]["positive"][0]
                    assert decoded[round(click["y"]), round(click["x"])]
                    checked += 1
        aria_key = f"{t.capture.aria_id}/rgb"
        for box in entry["object_names"]["annotation"]:
            m = t.masks[box["track_id"]][aria_key][box["frameNumber"]]
            ys, xs = np.nonzero(m)
            assert abs(box["x"] - (xs.min() - 0.5)) <= 1.0 + 1e-6
            assert abs(box["x"] + box["width"] - (xs.max() + 0.5)) <= 1.0 + 1e-6
            assert (box["original_width"], box["original_height"]) == t.aria.mp4_size
    assert checked > 0


def _exo_K_new(view: ViewTruth) -> np.ndarray:
    fx, fy, cx, cy, *d = view.camera.params
    K = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1.0]])
    return cv2.fisheye.estimateNewCameraMatrixForUndistortRectify(
        K, np.array(d).reshape(4, 1), view.mp4_size, np.eye(3), balance=0.8
    )


def _pinhole(K: np.ndarray, T_world_cam: np.ndarray, points: np.ndarray) -> np.ndarray:
    p = transform_points(invert_pose(T_world_cam), points)
    return (p[:, :2] / p[:, 2:]) * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]


@pytest.mark.parametrize("part", ["body", "hand"])
@pytest.mark.parametrize(("kind", "sigma_px"), [("annotation", 2.0), ("automatic", 4.0)])
def test_keypoints_reproject(release, world, part, kind, sigma_px):
    truths, _ = world
    names = BODY_JOINTS if part == "body" else HAND_JOINTS
    n_points = 0
    for t in _by_split(truths, "train") + _by_split(truths, "val"):
        data = _load(
            release / "annotations" / "ego_pose" / t.plan.split / part / kind / f"{t.plan.take_uid}.json"
        )
        frames = [int(f) for f in data]
        assert frames == sorted(frames)
        if kind == "annotation":
            assert all(f % 15 == 0 for f in frames) and frames[1] - frames[0] == 15
        else:
            assert frames == list(range(frames[0], frames[-1] + 1))
        gt = t.body_world if part == "body" else t.hands_world
        cams = {v.cam_id: (_exo_K_new(v), v) for v in t.exo_views}
        if part == "hand":
            cams[t.capture.aria_id] = (ARIA_K, t.aria)
        else:
            assert t.capture.aria_id not in json.dumps(data)
        for key, value in data.items():
            f = int(key)
            ann = value[0]
            assert set(ann) == {"annotation3D", "annotation2D"}
            for cam, joints in ann["annotation2D"].items():
                if kind == "annotation":
                    assert cam != OCCLUDED_CAM
                K, view = cams[cam]
                idx = [names.index(j) for j in joints]
                expected = _pinhole(K, view.T_world_cam[f], gt[f, idx])
                got = np.array([[joints[j]["x"], joints[j]["y"]] for j in joints])
                assert np.abs(got - expected).max() <= 4 * sigma_px
                n_points += len(idx)
            for j, p in ann["annotation3D"].items():
                views = sum(j in joints for joints in ann["annotation2D"].values())
                assert p["num_views_for_3d"] == views
                if kind == "annotation":
                    assert views >= 2
                err = np.abs(np.array([p["x"], p["y"], p["z"]]) - gt[f, names.index(j)])
                assert err.max() <= 4 * (0.005 if kind == "annotation" else 0.01)
    assert n_points > 0


def test_automatic_keeps_joints_the_depth_hides(release, world):
    truths, _ = world
    t = _by_split(truths, "train")[0]
    auto = _load(
        release / "annotations" / "ego_pose" / "train" / "body" / "automatic" / f"{t.plan.take_uid}.json"
    )
    assert any(OCCLUDED_CAM in v[0]["annotation2D"] for v in auto.values())


def test_camera_pose_inverts_view_poses(release, world):
    truths, _ = world
    for t in truths:
        data = _load(
            release / "annotations" / "ego_pose" / t.plan.split / "camera_pose" / f"{t.plan.take_uid}.json"
        )
        assert data["metadata"] == {"take_uid": t.plan.take_uid, "take_name": t.plan.take_name}
        aria = data[t.capture.aria_id]
        np.testing.assert_allclose(aria["camera_intrinsics"], ARIA_K)
        assert set(aria["camera_extrinsics"]) == {str(f) for f in range(t.n_frames)}
        for f in (0, t.n_frames // 2, t.n_frames - 1):
            E = np.array(aria["camera_extrinsics"][str(f)])
            np.testing.assert_allclose(E, invert_pose(t.aria.T_world_cam[f])[:3], atol=1e-6)
        for v in t.exo_views:
            np.testing.assert_allclose(data[v.cam_id]["camera_intrinsics"], _exo_K_new(v), atol=1e-4)
            np.testing.assert_allclose(
                data[v.cam_id]["camera_extrinsics"], invert_pose(v.T_world_cam[0])[:3], atol=1e-6
            )


def test_atomic_descriptions(release, world):
    truths, _ = world
    for split in ("train", "val"):
        data = _load(release / "annotations" / f"atomic_descriptions_{split}.json")["annotations"]
        for t in _by_split(truths, split):
            entries = data[t.plan.take_uid]
            assert 1 <= len(entries) <= 2
            for e in entries:
                assert (
                    isinstance(e["annotator_id"], str)
                    and e["rejected"] is False
                    and e["reject_reason"] is None
                )
                stamps = [d["timestamp"] for d in e["descriptions"]]
                assert stamps == sorted(stamps) and 0 <= stamps[0] and stamps[-1] < t.n_frames / FPS
                for d in e["descriptions"]:
                    assert d["text"].startswith("C ") and d["text"].endswith(".") and "{" not in d["text"]
                    assert d["narration_subject"] == "C"
                    assert isinstance(d["ego_visible"], bool) and isinstance(d["unsure"], bool)
                    if d["best_exo"] is not None:
                        assert d["best_exo"]["cam_id"] in t.capture.exo_ids
                        assert d["best_exo"]["raw_cam_id"] == str(int(d["best_exo"]["cam_id"][-2:]))
            first = entries[0]["descriptions"]
            assert len(first) >= len([s for s in t.perf.segments if s.start_sec < t.n_frames / FPS])


def test_expert_commentary_both_forms_and_proficiency(release, world):
    truths, _ = world
    ann = release / "annotations"
    for split in ("train", "val"):
        path = ann / f"expert_commentary_{split}.json"
        assert path.read_text(encoding="utf-8").startswith('{\n  "ds": ')
        form1 = _load(path)
        assert re.fullmatch(r"\d{8}_\d\d:\d\d:\d\d", form1["ds"])
        demo = {
            d["take_uid"]: d for d in _load(ann / f"proficiency_demonstration_{split}.json")["annotations"]
        }
        demonstrator = _load(ann / f"proficiency_demonstrator_{split}.json")["annotations"]
        for t in _by_split(truths, split):
            experts = form1["annotations"][t.plan.take_uid]
            assert 1 <= len(experts) <= 2
            praise = tips = 0
            for e in experts:
                expert = e["commentary"].split("/")[1]
                assert re.fullmatch(r"[a-z0-9]{6}", expert) and e["take_name"] == t.plan.take_name
                folder = ann / "expert_commentary" / t.plan.take_name / expert
                data = _load(folder / "data.json")
                assert data["ds"] == form1["ds"] and data["video_name"] == t.plan.take_name
                lo, hi = {"Novice": (1, 3), "Early Expert": (3, 5)}.get(t.plan.proficiency, (5, 10))
                assert lo <= data["proficiency"]["rating"] <= hi
                trans_text = (folder / "transcriptions.json").read_text(encoding="utf-8")
                assert trans_text.startswith('{\n    "0.webm"')
                trans = json.loads(trans_text)
                assert 1 <= len(e["commentary_data"]) <= 4
                for c, a in zip(e["commentary_data"], data["annotations"], strict=True):
                    assert 0 < c["video_time"] < t.n_frames / FPS and c["video_time"] == a["video_time"]
                    assert c["recording"] == a["recording_path"] and c["_error_desc"] is None
                    assert trans[c["recording"]]["text"] == c["text"]
                    assert trans[c["recording"]]["_error_desc"] is None
                    with av.open(str(folder / "recordings" / c["recording"])) as box:
                        assert box.streams.audio[0].codec_context.name == "opus"
                        samples = sum(fr.samples for fr in box.decode(audio=0))
                    assert abs(samples / 48_000 - c["duration_approx"]) < 0.1
            items = demo[t.plan.take_uid]
            praise = len(items["good_executions"])
            tips = len(items["tips_for_improvement"])
            assert praise + tips == sum(len(e["commentary_data"]) for e in experts)
            assert items["video_paths"]["ego"] == (
                f"takes/{t.plan.take_name}/frame_aligned_videos/{t.capture.aria_id}_214-1.mp4"
            )
            assert [k for k in items["video_paths"] if k != "ego"] == [f"exo{i + 1}" for i in range(4)]
            mine = next(d for d in demonstrator if d["take_uid"] == t.plan.take_uid)
            assert mine["proficiency_score"] == t.plan.proficiency in PROFICIENCY_LEVELS
            assert mine["university_id"] == f"ego4d-{t.capture.university}"


def test_writes_are_deterministic(release, world, tmp_path):
    truths, plans = world
    again = _write(tmp_path / "again", list(reversed(truths)), plans)
    files = sorted(p.relative_to(release) for p in (release / "annotations").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in (again / "annotations").rglob("*") if p.is_file())
    assert any(p.suffix == ".webm" for p in files)
    for rel in files:
        assert (release / rel).read_bytes() == (again / rel).read_bytes(), rel
