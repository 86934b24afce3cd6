"""Portrait GoPros (rock climbing, by default in synth): video taller than wide, calibration as released.

The official undistortion swaps the nominal 3840x2160 for portrait frames and keeps the intrinsics
(``facebookresearch/Ego4d: ego4d/internal/human_pose/undistort_to_halo.py``); the synthetic release
writes the portrait intrinsics with the nominal landscape ``image_width/height``.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.synth import SynthConfig, generate_release
from egoexo_kit.synth.capture._capture import build_capture, portrait_cameras
from egoexo_kit.synth.capture._rig import make_exo_cameras
from egoexo_kit.synth.plan import plan_release
from egoexo_kit.validate import validate_release
from egoexo_kit.video import probe_video

CLIMB = {"captures": 1, "takes_per_capture": 1, "scenarios": ("rock climbing",), "exo_size": (96, 54)}
SMALL = {"ego_size": 64, "seconds": 4.0, "workers": 1}


@pytest.fixture(scope="module")
def climbing(shared) -> Path:
    return shared("climbing", lambda out: generate_release(out, SynthConfig(**CLIMB, **SMALL)))


@pytest.fixture(scope="module")
def take(climbing):
    return open_release(climbing).takes[0]


def test_climbing_capture_has_portrait_gopros_recorded(climbing, take) -> None:
    recs = json.loads((climbing / ".synth" / "irregularities.json").read_text())["portrait_gopro"]
    assert [r["cam_id"] for r in recs] == ["cam01", "cam04"]
    rows = {r["cam_uid"]: r for r in csv.DictReader((climbing / recs[0]["file"]).open())}
    for cam in ("cam01", "cam02", "cam04"):
        info = probe_video(take.view(cam).path)
        portrait = cam in ("cam01", "cam04")
        assert (info.width, info.height) == ((54, 96) if portrait else (96, 54)), cam
        assert (rows[cam]["image_width"], rows[cam]["image_height"]) == ("96", "54")  # nominal landscape
    report = validate_release(climbing)  # only the default irregularities are noted (issue 16)
    assert not report.errors, report.errors
    noted = [w for w in report.warnings if not w.path.endswith("timesync.csv")]
    assert all(w.path.startswith("annotations/") for w in noted), noted  # redacted take, empty frames


def test_portrait_camera_matches_ground_truth_in_every_space(climbing, take) -> None:
    cams = json.loads((climbing / ".synth" / "takes" / take.name / "cameras.json").read_text())
    raw = take.camera("cam01", frame=0, space="raw")
    assert (
        (raw.camera.width, raw.camera.height) == (54, 96) == (cams["cam01"]["width"], cams["cam01"]["height"])
    )
    np.testing.assert_allclose(raw.camera.params, cams["cam01"]["params"], rtol=0, atol=1e-5)
    und = take.camera("cam01", frame=0, space="undistorted")
    assert (und.camera.width, und.camera.height) == (54, 96)
    split = next((climbing / "annotations" / "ego_pose").glob(f"*/camera_pose/{take.uid}.json"), None)
    if split is not None:  # the EgoPose camera_pose K was made from the true portrait camera
        K = np.asarray(json.loads(split.read_text())["cam01"]["camera_intrinsics"])
        np.testing.assert_allclose(und.camera.params, K[[0, 1, 0, 1], [0, 1, 2, 2]], rtol=1e-5, atol=1e-3)


def test_portrait_frames_project_and_undistort(take) -> None:
    frame = take.frames(frame=10, views=["cam01"])["cam01"]
    assert frame.shape[:2] == (96, 54)
    image, cam = take.undistort(frame, view="cam01")
    assert image.shape == frame.shape and (cam.width, cam.height) == (54, 96)
    origin, dirs, ok = take.camera("cam01", frame=10, space="raw").rays(np.array([[10.0, 80.0], [40.0, 5.0]]))
    pts = origin + 3.0 * dirs
    uv, visible = take.project(pts, view="cam01", frame=10, space="raw")
    assert ok.all() and visible.all()
    np.testing.assert_allclose(uv, [[10.0, 80.0], [40.0, 5.0]], atol=1e-6)


def test_clean_keeps_every_gopro_landscape() -> None:
    assert portrait_cameras("Rock Climbing", ["cam01", "cam02", "cam03", "cam04"]) == ("cam01", "cam04")
    assert portrait_cameras("Cooking", ["cam01", "cam04"]) == ()
    rng = np.random.default_rng(0)
    cams = make_exo_cameras(
        ["cam01", "cam02"], size=(96, 54), target=np.zeros(3), rng=rng, portrait=["cam01"]
    )
    assert [(c.camera.width, c.camera.height) for c in cams] == [(54, 96), (96, 54)]


def test_clean_climbing_capture_is_landscape() -> None:
    config = SynthConfig(**CLIMB, **SMALL, clean=True)
    world = build_capture(plan_release(config).captures[0], config=config)
    assert {(c.camera.width, c.camera.height) for c in world.exo} == {(96, 54)}
