"""``triangulate_take`` and ``egoexo-kit triangulate`` on a generated release against its ground truth."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.cli import app
from egoexo_kit.errors import NotFoundError
from egoexo_kit.pose import Keypoints2D, annotation_3d, synthetic_keypoints, triangulate_take
from egoexo_kit.pose._take import take_views_cameras
from egoexo_kit.vocab import BODY_JOINTS


def _truth(root, take):
    with np.load(root / ".synth" / "takes" / take / "truth.npz") as z:
        return z["body_world"]


def test_take_body_from_keypoint_file(synth_release, tmp_path):
    take = open_release(synth_release).takes[0]
    gt = _truth(synth_release, take.name)
    frames = np.arange(take.n_frames)
    views = tuple(v.cam_id for v in take.exo_views)
    empty = Keypoints2D(
        frames=frames, views=views, joints=BODY_JOINTS,
        px=np.zeros((len(frames), len(views), 17, 2)), confidence=np.ones((len(frames), len(views), 17)),
    )  # fmt: skip
    cams, T = take_views_cameras(take, empty)
    px = synthetic_keypoints(gt, cameras=cams, T_cam_world=T, rng=np.random.default_rng(0), noise_px=0.2)
    kp = Keypoints2D(frames=frames, views=views, joints=BODY_JOINTS, px=px, confidence=np.ones(px.shape[:-1]))
    path = tmp_path / "kp.json"
    path.write_text(
        json.dumps(annotation_3d(frames, gt, np.zeros((len(frames), 17)), joints=BODY_JOINTS, keypoints=kp))
    )
    track, ann = triangulate_take(take, kind="body", keypoints=path)
    assert float(np.nanmean(np.linalg.norm(track.points - gt, axis=-1))) < 0.03
    assert set(ann) == {str(f) for f in frames}
    nose = ann["10"][0]["annotation3D"]["nose"]
    assert set(nose) == {"x", "y", "z", "num_views_for_3d"} and nose["num_views_for_3d"] >= 2

    out = tmp_path / "body3d.json"
    res = CliRunner().invoke(
        app,
        ["triangulate", str(synth_release), take.name, "--keypoints", str(path), "--out", str(out), "--json"],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["frames_written"] == len(frames)
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["10"][0]["annotation3D"]["nose"] == nose


def test_take_default_file_and_errors(synth_release, tmp_path):
    rel = open_release(synth_release)
    take = next(
        t
        for t in rel.takes
        if list((synth_release / "annotations/ego_pose").glob(f"*/hand/automatic/{t.uid}.json"))
    )
    track, ann = triangulate_take(
        take, kind="hand"
    )  # the take's own (noisy) automatic file, Aria view included
    (src,) = (synth_release / "annotations/ego_pose").glob(f"*/hand/automatic/{take.uid}.json")
    empty = [k for k, v in json.loads(src.read_text()).items() if v == []]  # skipped (issue 16 item 4)
    assert len(ann) == take.n_frames - len(empty) and not set(empty) & set(ann) and track.n_views.max() >= 3
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"0": [{"annotation2D": {"cam01": {"nose": {"x": 1, "y": 2}}}}]}))
    with pytest.raises(NotFoundError, match="at least 2 views"):
        triangulate_take(take, kind="body", keypoints=one)
    res = CliRunner().invoke(
        app,
        [
            "triangulate",
            str(synth_release),
            take.name,
            "--keypoints",
            str(tmp_path / "none.json"),
            "--out",
            str(tmp_path / "o.json"),
        ],
    )
    assert res.exit_code == 2 and "does not exist" in res.output


def test_demo_step_writes_the_skeleton_sheet(synth_release, tmp_path):
    from egoexo_kit.demo import draw_skeleton, triangulation_step

    triangulation_step(open_release(synth_release), tmp_path)
    sheets = list(tmp_path.glob("*_skeleton.png"))
    assert len(sheets) == 1 and sheets[0].stat().st_size > 1000
    image = np.zeros((100, 100, 3), np.uint8)
    uv = np.full((17, 2), 50.0)
    uv[6] = [90.0, 90.0]
    out = draw_skeleton(image, uv, np.ones(17, bool))
    assert out.shape == (640, 640, 3) and out[..., 0].max() == 255  # enlarged, joints drawn
    assert (draw_skeleton(image, uv, np.zeros(17, bool)) == 0).all()  # nothing visible, nothing drawn


def test_detector_interface_runs_on_undistorted_frames(synth_release):
    from egoexo_kit.pose import KeypointDetector, detect_keypoints

    class CentreDetector:
        """Puts every joint at the image centre; remembers the image sizes it was given."""

        joints = BODY_JOINTS

        def __init__(self) -> None:
            self.sizes: list[tuple[int, int]] = []

        def detect(self, image: np.ndarray) -> np.ndarray:
            h, w = image.shape[:2]
            self.sizes.append((w, h))
            return np.tile([(w - 1) / 2, (h - 1) / 2, 0.9], (17, 1))

    take = open_release(synth_release).takes[0]
    det = CentreDetector()
    assert isinstance(det, KeypointDetector)
    kp = detect_keypoints(take, det, frames=[3, 4], views=["cam01", "aria01"])
    assert kp.px.shape == (2, 2, 17, 2) and kp.views == ("cam01", "aria01")
    assert det.sizes == [take.camera("cam01", frame=3).size, (512, 512)] * 2  # exo MP4 size, Aria 512²
    np.testing.assert_allclose(kp.px[:, 1], 255.5)
    np.testing.assert_allclose(kp.confidence, 0.9)
