"""Every capability on the hand-made real-format corpus ``tests/fixtures/real_release`` (issue 16).

The corpus is typed from the official docs samples and loader layouts (``SOURCES.md`` names the
source of each file), not written by our generator, and carries every irregularity issue 16 lists.
Each test is narrow (one capability or one irregularity), so a regression names what broke.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.cli import app
from egoexo_kit.validate import validate_release

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = FIXTURES / "real_release"
GT_DIR = FIXTURES / "real_release_gt"
T1, T2 = "13f01c79-5bfd-42f5-90ce-ee350aa1c3ad", "5f4e3d2c-1b0a-4f9e-8d7c-6b5a4f3e2d1c"
T1_NAME, T2_NAME = "cmu_bike01_2", "uniandes_bouldering_028_7"
REDACTED = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"  # named by annotation files, absent from takes.json
NS1, STEP = 1152023000000, 33333000  # cmu_bike01 Aria device clock: row r at NS1 + r * STEP
MANIFEST_PARTS = [
    "metadata",
    "annotations",
    "takes",
    "captures",
    "take_trajectory",
    "take_eye_gaze",
    "take_transcription",
    "take_vrs_noimagestream",
    "ego_pose_pseudo_gt",
    "expert_commentary",
    "features/omnivore_video",
    "keystep_benchmark/clips_448p",
]
runner = CliRunner()


def grey(i: int) -> int:
    """The flat level of frame ``i`` in every corpus MP4 (``make_binaries.py``)."""
    return 10 + 15 * i


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A private copy: the catalog and frame indexes write caches under ``<root>/.egoexo-kit``."""
    dst = tmp_path_factory.mktemp("corpus") / "real_release"
    shutil.copytree(CORPUS, dst)
    return dst


@pytest.fixture(scope="module")
def rel(corpus):
    return open_release(corpus)


def cli(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def load(rel_path: str):
    return json.loads((CORPUS / rel_path).read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# The corpus itself


def test_corpus_is_small_and_every_file_has_a_source():
    files = [p for p in CORPUS.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) < 1_000_000
    assert all(p.stat().st_size < 100_000 for p in files)
    sources = (CORPUS / "SOURCES.md").read_text(encoding="utf-8")
    undocumented = [
        p.relative_to(CORPUS).as_posix()
        for p in files
        if p.name not in ("SOURCES.md", "manifest.json") and p.relative_to(CORPUS).as_posix() not in sources
    ]
    assert undocumented == []


def test_corpus_carries_the_irregularities():
    """Guard the fixture: each issue-16 irregularity is really in the files (not fixed away by hand)."""
    ts = (CORPUS / "captures/cmu_bike01/timesync.csv").read_text().splitlines()
    header = ts[0].split(",")
    row6 = dict(zip(header, ts[1 + 6].split(","), strict=True))  # take window rows 3..14
    assert row6["aria01_214-1_capture_timestamp_ns"] == "" and row6["aria01_214-1_frame_number"] == ""
    row9 = dict(zip(header, ts[1 + 9].split(","), strict=True))
    assert row9["cam02_global_time"] == "" and row9["cam02_frame_number"] == "738.0"  # pandas float ints
    assert REDACTED not in {t["take_uid"] for t in load("takes.json")}
    assert REDACTED in load("annotations/keystep_train.json")["annotations"]
    assert load(f"annotations/ego_pose/train/body/annotation/{T1}.json")["6"] == []
    assert load(f"annotations/ego_pose/train/hand/automatic/{T1}.json")["1"] == []
    import torch

    t = torch.load(CORPUS / f"features/omnivore_video/{T1}_cam01_0.pt")
    assert tuple(t.shape) == (4, 1, 1536)  # (N, 1, D); 12 frames give 1 window: off by 3
    cfg = (CORPUS / "features/omnivore_video/config.yaml").read_text()
    assert "batch_size: 1" in cfg and "check_fv_count: false" in cfg
    assert (CORPUS / "keystep_benchmark/clips_448p/manifest.json").is_file()
    assert "database" in json.loads((GT_DIR / "proficiency_demonstration_gt.json").read_text())


def test_manifests_match_the_files():
    for part in MANIFEST_PARTS:
        entries = json.loads((CORPUS / part / "manifest.json").read_text(encoding="utf-8"))
        for e in entries:
            assert set(e) == {"uid", "paths", "splits", "benchmarks"}
            for p in e["paths"]:
                assert set(p) == {
                    "source_path",
                    "relative_path",
                    "views",
                    "universities",
                    "file_type",
                    "size",
                    "checksum",
                }
                assert p["source_path"].startswith("s3://") and p["checksum"] is None
                assert (CORPUS / p["relative_path"]).stat().st_size == p["size"], p["relative_path"]


# ---------------------------------------------------------------------------------------------
# validate


def test_validate_reports_no_errors(corpus):
    rep = validate_release(corpus)
    assert rep.errors == [], rep.errors
    assert rep.warnings  # the irregularities are reported, located


def test_validate_timesync_gaps_are_located_warnings(corpus):
    rep = validate_release(corpus)
    ts = [p for p in rep.errors + rep.warnings if p.path.endswith("captures/cmu_bike01/timesync.csv")]
    assert {(p.where, p.message.split(" ")[0].rstrip(":")) for p in ts} == {
        ("line 8", "aria01_214-1_capture_timestamp_ns"),
        ("line 8", "aria01_214-1_frame_number"),
        ("line 11", "cam02_global_time"),
    }
    assert not [p for p in rep.errors if "timesync" in p.path]


def test_validate_redacted_takes_are_warnings(corpus):
    rep = validate_release(corpus)
    dangling = [p for p in rep.errors + rep.warnings if REDACTED in p.message or REDACTED in p.where]
    files = {Path(p.path).name for p in dangling}
    assert {"keystep_train.json", "atomic_descriptions_train.json", "relations_train.json"} <= files
    assert not [p for p in rep.errors if REDACTED in p.message]


def test_validate_accepts_non_canonical_rle(corpus):
    rep = validate_release(corpus)
    assert not [p for p in rep.errors if "mask" in p.message]


def test_validate_notes_empty_pose_frames(corpus):
    rep = validate_release(corpus)
    notes = {(Path(p.path).parent.parent.name, Path(p.path).parent.name, p.where) for p in rep.warnings}
    assert ("body", "annotation", "/6") in notes and ("hand", "automatic", "/1") in notes


def test_validate_cli_json(corpus):
    res = cli("validate", corpus, "--json")
    out = json.loads(res.stdout)
    assert set(out) == {"ok", "errors", "warnings"}
    assert all(set(p) == {"path", "where", "message"} and p["where"] for p in out["errors"] + out["warnings"])


# ---------------------------------------------------------------------------------------------
# open_release, metadata, frames


def test_open_release_metadata(rel, corpus):
    assert [t.name for t in rel.takes] == [T1_NAME, T2_NAME]
    t = rel.take(T1)
    assert t is rel.take(T1_NAME)
    assert t.n_frames == 15 - 2 - 1 == 12 and t.duration_s == 13 / 30
    assert t.record.is_narrated is True and t.best_exo == "cam01"
    assert [v.key for v in t.views] == [
        "aria01_214-1",
        "aria01_1201-1",
        "aria01_1201-2",
        "aria01_211-1",
        "cam01",
        "cam02",
    ]
    assert all(v.exists for v in t.views)
    assert (
        t.capture.capture_name == "cmu_bike01"
        and t.timesync_path == corpus / "captures/cmu_bike01/timesync.csv"
    )
    assert t.split == "train" and rel.take(T2).split == "val"
    assert rel.take(T2).scenario == "Rock Climbing"
    assert rel.tasks == {"4001": "Remove a Wheel", "7001": "Bouldering"}


def test_frames_read_the_right_pictures(rel):
    t = rel.take(T1)
    got = t.frames(frame=5, views=["aria01", "cam01", "cam02"])
    assert {k: v.shape for k, v in got.items()} == {
        "aria01_214-1": (64, 64, 3),
        "cam01": (54, 96, 3),
        "cam02": (54, 96, 3),
    }
    assert all(abs(float(v.mean()) - grey(5)) < 3 for v in got.values())
    clip = t.clip(0.0, 0.2, views=["aria01"])["aria01_214-1"]
    assert clip.shape[0] == 6 and [round(float(f.mean())) for f in clip] == pytest.approx(
        [grey(i) for i in range(6)], abs=3
    )


def test_frames_portrait_gopro(rel):
    got = rel.take(T2).frames(frame=9, views=["cam01", "cam02"])
    assert got["cam01"].shape == (96, 54, 3) and got["cam02"].shape == (54, 96, 3)
    assert abs(float(got["cam01"].mean()) - grey(9)) < 3


def test_info_cli(corpus):
    res = cli("info", corpus, "--json")
    assert res.exit_code == 0, res.output
    info = json.loads(res.stdout)
    assert (info["takes"], info["captures"]) == (2, 2)
    res = cli("info", corpus, T1_NAME, "--json")
    assert res.exit_code == 0, res.output
    take = json.loads(res.stdout)
    assert [v["view"] for v in take["views"] if v["exists"]][-2:] == ["cam01", "cam02"]
    assert "manifest" not in take["annotations"]  # the mirror's annotations/manifest.json is no family
    assert {"keystep_train", "relations_train", "ego_pose/train/camera_pose"} <= set(take["annotations"])
    # item 6: the frame-0 row measured from the trajectory against the released camera_pose
    offset = take["row_offset"]
    assert (offset["used"], offset["best"], offset["decisive"]) == (1, 1, True)
    assert offset["median_error_m"]["1"] < 1e-6 < 0.01 < offset["median_error_m"]["0"]


def test_frames_cli(corpus, tmp_path):
    res = cli("frames", corpus, T2_NAME, "--frame", 3, "--out", tmp_path)
    assert res.exit_code == 0, res.output
    import av

    with av.open(str(tmp_path / f"{T2_NAME}_000003_cam01.png")) as f:
        img = next(f.decode(video=0)).to_ndarray(format="rgb24")
    assert img.shape == (96, 54, 3) and abs(float(img.mean()) - grey(3)) < 3


def test_annotations_cli(corpus):
    fams = ["keystep", "atomic_descriptions", "expert_commentary", "narrations", "proficiency", "relations"]
    res = cli("annotations", corpus, T1_NAME, *[a for f in fams for a in ("--family", f)], "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["family"] for r in rows} == {
        "narration",
        "relations",
        "keystep",
        "atomic",
        "commentary",
        "proficiency",
    }
    assert [r["start_frame"] for r in rows if r["family"] == "keystep"] == [0, 6]  # int(t * 30)


def test_annotations_cli_pose(corpus):
    res = cli("annotations", corpus, T1_NAME, "--family", "pose", "--json")
    assert res.exit_code == 0, res.output


# ---------------------------------------------------------------------------------------------
# timeline and sensors at timesync gaps (item 2)


def test_window_convention_from_video_frame_counts(rel):
    from egoexo_kit.release import read_timesync
    from egoexo_kit.timeline import RECOMMENDED, detect_window_convention
    from egoexo_kit.video import probe_video

    for take, n in ((T1, 12), (T2, 10)):
        t = rel.take(take)
        frames = probe_video(t.view("cam01").path).num_frames
        check = detect_window_convention(
            read_timesync(t.timesync_path),
            t.record.timesync_start_idx,
            t.record.timesync_end_idx,
            video_frames=frames,
        )
        assert (frames, check.convention, check.first_row) == (
            n,
            RECOMMENDED,
            t.record.timesync_start_idx + 1,
        )


def test_timeline_outside_gaps(rel):
    tl = rel.take(T1).timeline
    assert tl.n_frames == 12
    assert int(tl.to_device_ns(frame=0)) == NS1 + 3 * STEP  # docs convention: row start + 1 + i


def test_timeline_answers_at_an_empty_cell(rel):
    tl = rel.take(T1).timeline
    # frame 3 is row 6, whose aria01_214-1 timestamp is empty: interpolated from rows 5 and 7
    assert int(tl.to_device_ns(frame=3)) == pytest.approx(NS1 + 6 * STEP, abs=1000)
    assert np.all(np.isfinite(np.asarray(tl.to_device_ns(frame=np.arange(12)), dtype=float)))


def test_trajectory_and_gaze_files(rel):
    from egoexo_kit.release import read_closed_loop_trajectory, read_eye_gaze

    t = rel.take(T1)
    traj = read_closed_loop_trajectory(t.dir / "trajectory/closed_loop_trajectory.csv")
    assert len(traj.tracking_timestamp_us) == 34 and int(traj.tracking_timestamp_us[0]) == NS1 // 1000
    gaze = read_eye_gaze(t.dir / "eye_gaze/general_eye_gaze.csv")
    assert len(gaze) == 5


def test_sensors_answer_at_an_empty_cell(rel):
    import warnings

    from egoexo_kit.errors import EgoExoKitWarning

    t = rel.take(T1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EgoExoKitWarning)
        filled = int(t.timeline.to_device_ns(frame=3))  # row 6: empty aria01_214-1 timestamp
    with pytest.warns(EgoExoKitWarning, match="interpolated"):
        pose = t.pose_at(3 / 30)
    assert int(pose.device_ns) == filled and pose.T_world_device.shape == (4, 4)
    gaze = t.gaze()
    assert len(gaze) == 5 and np.all(np.diff(gaze.device_ns) > 0)


# ---------------------------------------------------------------------------------------------
# calibration (item 8)


def test_landscape_gopro_intrinsics_scale_to_the_video(rel):
    cam = rel.take(T1).camera("cam01", frame=0, space="raw").camera
    assert (cam.model, cam.width, cam.height) == ("kb3", 96, 54)
    assert cam.params[:2] == pytest.approx([1761.275757 * 96 / 3840] * 2)


def test_portrait_gopro_calibration(rel):
    """The CSV keeps the nominal 3840x2160; the video is 54x96: swap, then scale by one factor."""
    cam = rel.take(T2).camera("cam01", frame=0, space="raw").camera
    assert (cam.width, cam.height) == (54, 96)
    scale = 54 / 2160
    fx, fy, cx, cy = cam.params[:4]
    assert (fx, fy) == pytest.approx((1772.418701 * scale, 1772.418701 * scale))
    assert (cx, cy) == pytest.approx((1080 * scale, 1920 * scale), abs=0.5)


def test_aria_calibration_uses_the_calibrated_image_size(rel):
    """A JSON camera-rgb calibration is for the 2880x2880 sensor; its principal point is off-centre."""
    cam = rel.take(T1).camera("aria01", frame=0, space="raw").camera
    assert (cam.model, cam.width, cam.height) == ("fisheye624", 64, 64)

    # projectaria's RGB 2880 -> 1408 (crop 32 px, scale 0.5, pixel centres kept), then 1408 -> 64
    def centre(c: float) -> float:
        recorded = (c - 32 + 0.5) * 0.5 - 0.5
        return (recorded + 0.5) * 64 / 1408 - 0.5

    s = 0.5 * 64 / 1408
    assert cam.params[:3] == pytest.approx([1216.68 * s, centre(1459.52), centre(1441.73)])


def test_calib_cli(corpus):
    res = cli("calib", corpus, T1_NAME, "--json")
    assert res.exit_code == 0, res.output or repr(res.exception)
    views = {c["view"] for c in json.loads(res.stdout)["cameras"]}
    assert {"aria01_214-1", "cam01", "cam02"} <= views


# ---------------------------------------------------------------------------------------------
# annotation loaders, one per family


def test_keysteps(rel):
    t = rel.take(T1)
    segs = t.annotations.keysteps
    assert [(s.step_unique_id, s.step_name) for s in segs] == [
        (1203, "Open the brake caliper"),
        (1201, "Loosen the quick release"),
    ]
    assert [s.step_unique_id for s in t.annotations.keystep_benchmark] == [1203, 1201]
    labels = t.annotations.release.label_mapping() if hasattr(t.annotations, "release") else None
    from egoexo_kit.annotations import read_label_mapping

    labels = read_label_mapping(CORPUS / "annotations/keystep_benchmark/label_mapping.csv")
    assert [(x.label_id, x.step_unique_id) for x in labels] == [(0, 1201), (1, 1202), (2, 1203)]


def test_procedure_understanding(rel):
    proc = rel.take(T1).annotations.procedure
    assert proc["keystep_sequence"] == [1203, 1201]


def test_atomic_descriptions(rel):
    ds = rel.take(T1).annotations.atomic_descriptions
    assert [d.text for d in ds] == [
        "C opens the brake caliper with his right hand.",
        "C loosens the quick release lever.",
    ]


def test_expert_commentary(rel):
    t = rel.take(T1)
    com = t.annotations.expert_commentary
    assert any("brake is opened" in c.text for c in com)
    assert [r.rating for r in t.annotations.expert_ratings] == [7]


def test_narrate_and_act_transcription(rel):
    nar = rel.take(T1).annotations.narrations
    assert [n.text.strip() for n in nar] == ["Now I open the brake.", "Then the quick release."]


def test_proficiency(rel):
    assert rel.take(T2).annotations.proficiency_demonstrator.proficiency_score == "Intermediate Expert"
    demo = rel.take(T1).annotations.proficiency_demonstration
    assert demo is not None and demo.take_uid == T1


def test_relations_canonical_masks(rel):
    r = rel.take(T1).annotations.relations
    assert (r.take_name, r.scenario) == (T1_NAME, "Bike Repair")
    assert sorted(r.tracks["wrench_0"]) == ["aria01_214-1", "cam01"]
    exo = r.tracks["wrench_0"]["cam01"]
    assert exo.annotated_frames == (0, 30)
    m = exo.mask(0)
    assert m.shape == (2160, 3840) and int(m.sum()) == 200 * 300 and bool(m[1000:1200, 1800:2100].all())
    assert not exo.mask(30).any()  # annotated, not visible
    ego = r.tracks["wrench_0"]["aria01_214-1"]
    assert int(ego.mask(0)[600:700, 500:640].sum()) == 14000


def test_relations_non_canonical_mask_decodes():
    from egoexo_kit.release import decode_mask

    e = load("annotations/relations_train.json")["annotations"][T1]["object_masks"]["wrench_0"][
        "aria01_214-1"
    ]
    m = decode_mask(e["annotation"]["30"]["encodedMask"], width=1408, height=1408)
    assert m.shape == (1408, 1408) and int(m.sum()) == 100 * 140 and int(m[600:700, 500:640].sum()) == 14000


def test_pose_skips_empty_frames(rel):
    t = rel.take(T1)
    body = t.annotations.pose("body")
    assert list(body.frames) == [0, 3]
    hand_auto = t.annotations.pose("hand", source="automatic")
    assert list(hand_auto.frames) == [0, 2]


def test_camera_pose(rel):
    cp = rel.take(T1).annotations.camera_pose
    assert sorted(cp.cameras) == ["aria01", "cam01", "cam02"]
    aria = cp.cameras["aria01"]
    assert aria.K.tolist() == [[150.0, 0.0, 255.5], [0.0, 150.0, 255.5], [0.0, 0.0, 1.0]]
    assert sorted(aria.per_frame) == list(range(12))
    assert cp.cameras["cam01"].T_camera_world.shape == (3, 4)


def test_camera_pose_follows_the_trajectory_at_row_start_plus_one():
    """Item 6 evidence: Aria centres move as the trajectory at rows start+1+i, not start+i."""
    import csv

    cp = load(f"annotations/ego_pose/train/camera_pose/{T1}.json")["aria01"]["camera_extrinsics"]
    centres = []
    for i in range(12):
        m = np.asarray(cp[str(i)])
        centres.append(-m[:, :3].T @ m[:, 3])
    with open(CORPUS / f"takes/{T1_NAME}/trajectory/closed_loop_trajectory.csv") as f:
        traj = {int(r["tracking_timestamp_us"]): r for r in csv.DictReader(f)}

    def device_positions(first_row: int) -> np.ndarray:
        rows = [traj[(NS1 + (first_row + i) * STEP) // 1000] for i in range(12)]
        return np.asarray([[float(r[f"t{a}_world_device"]) for a in "xyz"] for r in rows])

    start = 2
    for first_row, agrees in ((start + 1, True), (start, False)):
        d_cam, d_dev = np.diff(np.asarray(centres), axis=0), np.diff(device_positions(first_row), axis=0)
        assert bool(np.allclose(d_cam, d_dev, atol=1e-6)) is agrees


# ---------------------------------------------------------------------------------------------
# catalog + query


def query(corpus: Path, sql: str) -> list[dict]:
    res = cli("query", corpus, sql, "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout[res.stdout.index("[") :])


def test_catalog_query(corpus):
    rows = query(corpus, "SELECT take_uid, count(*) AS n FROM keysteps GROUP BY ALL ORDER BY take_uid")
    counts = {r["take_uid"]: r["n"] for r in rows}
    assert counts[T1] == 2 and counts.get(REDACTED, 0) in (0, 1)  # a redacted take never blocks the file
    assert query(corpus, "SELECT count(*) AS n FROM mask_frames") == [{"n": 6}]
    moments = query(corpus, "SELECT kind, frame FROM proficiency_moments ORDER BY frame")
    assert moments == [{"kind": "good_execution", "frame": 3}, {"kind": "tip", "frame": 9}]


def test_catalog_pose_frames(corpus):
    rows = query(corpus, "SELECT take_uid, part, source, frame FROM pose_frames ORDER BY ALL")
    got: dict[tuple, list] = {}
    for r in rows:
        got.setdefault((r["take_uid"], r["part"], r["source"]), []).append(r["frame"])
    assert got == {
        (T1, "body", "annotation"): [0, 3],
        (T1, "body", "automatic"): [0, 2],
        (T1, "hand", "annotation"): [0, 9],
        (T1, "hand", "automatic"): [0, 2],
        (T2, "body", "annotation"): [4],
    }


# ---------------------------------------------------------------------------------------------
# benchmark GT builders and eval


def test_keystep_and_proficiency_gt(rel):
    from egoexo_kit.benchmarks import build_gt

    keystep = build_gt("keystep-recognition", rel, split="train")
    assert [(s["take_uid"], s["label_id"]) for s in keystep["segments"] if s["take_uid"] == T1] == [
        (T1, 2),
        (T1, 0),
    ]
    demonstrator = build_gt("proficiency-demonstrator", rel, split="val")
    assert demonstrator == {"videos": [T2_NAME], "gt_annotations": [2], "scenario_names": ["Rock Climbing"]}


DEMO_PRED = [
    {"video-id": T1_NAME, "times": 0.1, "label": 0, "score": 0.9},
    {"video-id": T1_NAME, "times": 0.3, "label": 1, "score": 0.8},
]


def test_eval_demonstration_with_built_gt(rel, tmp_path):
    from egoexo_kit.benchmarks import build_gt

    (tmp_path / "gt.json").write_text(json.dumps(build_gt("proficiency-demonstration", rel, split="train")))
    (tmp_path / "pred.json").write_text(json.dumps(DEMO_PRED))
    res = cli(
        "eval",
        "proficiency-demonstration",
        "--gt",
        tmp_path / "gt.json",
        "--pred",
        tmp_path / "pred.json",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["metrics"]


@pytest.fixture
def no_empty_pose_frames(tmp_path) -> Path:
    """A copy without the empty EgoPose frames (item 4), so a GT test fails only for its own item."""
    dst = tmp_path / "no_empty"
    shutil.copytree(CORPUS, dst)
    for f in (dst / "annotations/ego_pose").rglob("*.json"):
        data = json.loads(f.read_text())
        f.write_text(json.dumps({k: v for k, v in data.items() if v != []}))
    return dst


def test_body_gt(no_empty_pose_frames):
    from egoexo_kit.benchmarks import build_gt

    gt = build_gt("body-pose", open_release(no_empty_pose_frames), split="train")
    assert gt[T1]["take_name"] == T1_NAME and sorted(gt[T1]["body"]) == ["0", "3"]
    assert gt[T1]["body"]["0"][0] == pytest.approx([0.5, 1.0, 1.7])  # nose, world metres


def test_hand_gt_from_manual_annotations(no_empty_pose_frames):
    from egoexo_kit.benchmarks import build_gt

    gt = build_gt("hand-pose", open_release(no_empty_pose_frames), split="train")
    assert sorted(gt[T1]) == ["0", "9"]
    wrist = np.asarray(gt[T1]["0"]["right_hand_3d"])[0]  # in the Aria camera frame at frame 0
    assert wrist == pytest.approx([0.0, 0.06, 0.4], abs=1e-4)


def test_hand_gt_keeps_automatic_annotations(no_empty_pose_frames):
    """Every automatic hand joint has num_views_for_3d 2; the official builder keeps them anyway."""
    from egoexo_kit.benchmarks.hand_pose.gt import build_hand_gt

    gt = build_hand_gt(open_release(no_empty_pose_frames), split="train", source="automatic")
    assert sorted(gt.get(T1, {})) == ["0", "2"]


def test_eval_demonstration_with_official_gt(tmp_path):
    """The ``{"database": …}`` file that the official ``ANETdetection`` evaluator reads."""
    (tmp_path / "pred.json").write_text(json.dumps(DEMO_PRED))
    res = cli(
        "eval",
        "proficiency-demonstration",
        "--gt",
        GT_DIR / "proficiency_demonstration_gt.json",
        "--pred",
        tmp_path / "pred.json",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["metrics"]


# ---------------------------------------------------------------------------------------------
# features (item 1)


def test_features_official_shape(rel):
    """``(N, 1, D)`` rows are squeezed; cam01 has 4 rows where 12 frames give 1 window (a warning)."""
    rows = rel.take(T1).features("omnivore_video", "cam01")
    assert rows.data.shape == (4, 1536)
    assert rows.data[:, 0].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert rel.take(T1).features("omnivore_video", "aria01").data.shape == (1, 1536)


def test_features_official_config(rel):
    from egoexo_kit.features import read_config

    cfg = read_config(rel.root / "features" / "omnivore_video")
    assert (cfg.window, cfg.stride, cfg.fps, cfg.backbone) == (32, 16, 30.0, "omnivore_swinL_imagenet21k")


# ---------------------------------------------------------------------------------------------
# download with the corpus as the source (item 5)


def test_download_default_parts(tmp_path):
    out = tmp_path / "dl"
    res = cli(
        "download",
        out,
        "--source",
        FIXTURES,
        "--release",
        "real_release",
        "--parts",
        "metadata",
        "annotations",
        "takes",
        "captures",
        "-y",
    )
    assert res.exit_code == 0, res.output
    assert json.loads((out / "takes.json").read_text()) == load("takes.json")
    assert (out / "takes" / T1_NAME / "frame_aligned_videos" / "cam01.mp4").read_bytes() == (
        CORPUS / "takes" / T1_NAME / "frame_aligned_videos" / "cam01.mp4"
    ).read_bytes()


def test_download_nested_part(tmp_path):
    out = tmp_path / "dl"
    res = cli(
        "download",
        out,
        "--source",
        FIXTURES,
        "--release",
        "real_release",
        "--parts",
        "keystep_benchmark/clips_448p",
        "features/omnivore_video",
        "-y",
    )
    assert res.exit_code == 0, res.output
    clip = "keystep_benchmark/clips_448p/train/cmu_bike01_2/start0.03333_end0.2_cam01.mp4"
    assert (out / clip).read_bytes() == (CORPUS / clip).read_bytes()
    assert (out / "features/omnivore_video/config.yaml").is_file()


# ---------------------------------------------------------------------------------------------
# one record of takes.json that does not parse (item 7)


@pytest.fixture
def bad_record(tmp_path) -> Path:
    """A copy whose second takes.json record does not parse (also a download source: base = parent)."""
    dst = tmp_path / "bad" / "real_release"
    shutil.copytree(CORPUS, dst)
    takes = json.loads((dst / "takes.json").read_text())
    takes[1]["timesync_start_idx"] = "not a number"
    (dst / "takes.json").write_text(json.dumps(takes, indent=2))
    return dst


BAD_AT = "/1/timesync_start_idx"


def test_bad_record_is_left_out_with_a_warning(bad_record):
    rel = open_release(bad_record)
    assert [t.name for t in rel.takes] == [T1_NAME]
    assert any(BAD_AT in str(w) for w in rel.warnings)
    assert rel.take(T1).frames(frame=2, views=["cam01"])["cam01"].shape == (54, 96, 3)


def test_bad_record_strict_open_raises(bad_record):
    from egoexo_kit import FormatError

    with pytest.raises(FormatError, match="timesync_start_idx") as err:
        open_release(bad_record, strict=True)
    assert err.value.where == BAD_AT


def test_bad_record_is_an_error_in_validate(bad_record):
    rep = validate_release(bad_record)
    assert any(p.path == "takes.json" and p.where.startswith("/1") for p in rep.errors), rep.errors


def test_bad_record_catalog(bad_record):
    assert query(bad_record, "SELECT take_name FROM takes") == [{"take_name": T1_NAME}]


def test_bad_record_download_camera_index(bad_record, tmp_path):
    out = tmp_path / "dl"
    res = cli(
        "download",
        out,
        "--source",
        bad_record.parent,
        "--release",
        "real_release",
        "--parts",
        "takes",
        "--cams",
        "cam01",
        "-y",
    )
    assert res.exit_code == 0, res.output
    assert (out / "takes" / T1_NAME / "frame_aligned_videos" / "cam01.mp4").is_file()
    assert not (out / "takes" / T1_NAME / "frame_aligned_videos" / "cam02.mp4").exists()
