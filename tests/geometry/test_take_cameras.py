"""Take-level cameras against the generator's exact ground truth and the EgoPose camera_pose files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from egoexo_kit import open_release
from egoexo_kit.errors import NotFoundError
from egoexo_kit.geometry import sensor_to_mp4_px, transform_points


def _truth(root: Path, take: str) -> dict[str, np.ndarray]:
    with np.load(root / ".synth" / "takes" / take / "truth.npz") as z:
        return {k: z[k] for k in z.files}


def _cams(root: Path, take: str) -> dict:
    return json.loads((root / ".synth" / "takes" / take / "cameras.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def take(synth_release):
    return open_release(synth_release).takes[0]


def test_poses_match_ground_truth_every_frame(take, synth_release):
    truth = _truth(synth_release, take.name)
    frames = np.arange(take.n_frames)
    for key in truth["view_keys"]:
        view = take.view(str(key))
        T = take.geometry.poses(view, frames=frames)
        expected = truth[f"{str(key).replace('/', '__')}__T_world_cam"]
        # Aria: the 1 kHz trajectory interpolated at the frame's device time (written at 1e-6 m / 1e-9).
        np.testing.assert_allclose(T, expected, rtol=0, atol=5e-5, err_msg=str(key))


def test_intrinsics_match_ground_truth(take, synth_release):
    cams = _cams(synth_release, take.name)
    for key in ("cam01", "aria01/rgb", "aria01/slam-left"):
        c = take.camera(key, frame=0, space="raw")
        assert c.camera.model == cams[key]["model"]
        assert (c.camera.width, c.camera.height) == (cams[key]["width"], cams[key]["height"])
        np.testing.assert_allclose(c.camera.params, cams[key]["params"], rtol=0, atol=1e-5)


def test_undistorted_space_matches_camera_pose_file(take, synth_release):
    """The EgoPose camera_pose file (K and world→camera extrinsics) gives the same pixels as take.project."""
    split = next((synth_release / "annotations" / "ego_pose").glob(f"*/camera_pose/{take.uid}.json"))
    cp = json.loads(split.read_text(encoding="utf-8"))
    body = _truth(synth_release, take.name)["body_world"]
    for key, frame in (("cam02", 5), ("aria01", 17)):
        entry = cp[key]
        ext = entry["camera_extrinsics"]
        ext = np.asarray(ext[str(frame)] if isinstance(ext, dict) else ext)
        K = np.asarray(entry["camera_intrinsics"])
        p = transform_points(np.vstack([ext, [0, 0, 0, 1]]), body[frame])
        expected = (p @ K.T)[:, :2] / p[:, 2:]
        uv, _ = take.project(body[frame], view=key, frame=frame, space="undistorted")
        front = p[:, 2] > 0  # the Aria wearer's own head joints are behind the headset camera
        assert front.sum() >= 10
        np.testing.assert_array_equal(np.isnan(uv[:, 0]), ~front)
        np.testing.assert_allclose(uv[front], expected[front], rtol=1e-5, atol=2e-3)  # file rounds to 1e-7


def test_mp4_space_is_rotated_raw_and_visible_flags(take):
    body = np.array([[0.0, 0.0, -50.0]])  # far below the floor: behind or outside every camera
    uv_raw, _ = take.project(body, view="aria01", t=1.0, space="raw")
    uv_mp4, vis = take.project(body, view="aria01", t=1.0, space="mp4")
    assert not vis.any()
    cam = take.camera("aria01", t=1.0, space="mp4")
    assert cam.rotated and cam.size == (cam.camera.height, cam.camera.width)
    rng = np.random.default_rng(0)
    origin, dirs, ok = take.camera("aria01", t=1.0, space="raw").rays(rng.uniform(10, 50, (20, 2)))
    pts = origin + 2.0 * dirs
    raw, vis_raw = take.project(pts, view="aria01", t=1.0, space="raw")
    mp4, vis_mp4 = take.project(pts, view="aria01", t=1.0, space="mp4")
    assert ok.all() and vis_raw.all() and vis_mp4.all()
    np.testing.assert_allclose(
        mp4, sensor_to_mp4_px(raw, sensor_size=(cam.camera.width, cam.camera.height)), atol=1e-9
    )
    exo_raw, _ = take.project(pts, view="cam01", t=1.0, space="raw")
    exo_mp4, _ = take.project(pts, view="cam01", t=1.0, space="mp4")
    np.testing.assert_array_equal(exo_raw, exo_mp4)  # exo MP4s are not rotated


def test_undistort_frame_keeps_points_on_their_pixels(take, synth_release):
    frame = take.frames(frame=10, views=["cam01"])["cam01"]
    image, cam = take.undistort(frame, view="cam01")
    assert image.shape == frame.shape and cam.model == "pinhole"
    aria = take.frames(frame=10, views=["aria01"])["aria01_214-1"]
    image, cam = take.undistort(aria, view="aria01")
    assert image.shape == (512, 512, 3) and cam.params.tolist() == [150.0, 150.0, 255.5, 255.5]
    assert image.mean() > 5  # the centre of the fisheye lands in the linear image


def test_errors_are_clear(take):
    with pytest.raises(NotFoundError, match="no view"):
        take.camera("cam99", t=0.0)
    with pytest.raises(ValueError, match="image space"):
        take.camera("cam01", t=0.0, space="warped")
    with pytest.raises(ValueError, match="exactly one"):
        take.camera("cam01")
    with pytest.raises(IndexError):
        take.camera("aria01", frame=10_000)


def test_gopro_pose_per_frame_range(tiny_release):
    """A camera moved mid-take has one gopro_calibs.csv row per frame range (FORMAT §6.3)."""
    take = open_release(tiny_release).takes[0]
    path = take.gopro_calibs_path
    lines = path.read_text(encoding="utf-8").splitlines()
    cam01 = next(line for line in lines if line.startswith("cam01,"))
    cells = cam01.split(",")
    moved = cells.copy()
    moved[2] = str(float(cells[2]) + 1.0)  # one metre along x from frame 10 on
    cells[-3:-1], moved[-3:-1] = ["0", "9"], ["10", "-1"]
    lines[lines.index(cam01)] = ",".join(cells)
    lines.append(",".join(moved))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    poses = take.geometry.poses(take.view("cam01"), frames=[0, 9, 10, 12])
    x = poses[:, 0, 3]
    np.testing.assert_allclose(x[2:] - x[:2], 1.0, atol=1e-9)
    assert take.camera("cam01", frame=11).T_world_cam[0, 3] == pytest.approx(x[2])
    lines[-1] = ",".join([*moved[:-3], "10", "11", moved[-1]])  # now nothing covers frame 12
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    take = open_release(tiny_release).takes[0]
    with pytest.raises(NotFoundError, match="covers frame 12"):
        take.camera("cam01", frame=12)


def test_device_pose_and_extrinsics_compose_to_the_camera(take, synth_release):
    cams = _cams(synth_release, take.name)
    view = take.view("aria01", "slam-left")
    T_dc = take.geometry.T_device_camera(view, t=1.0)
    np.testing.assert_allclose(T_dc, cams["aria"]["T_device_camera"]["slam-left"], atol=1e-6)
    t = np.array([0.5, 1.25, 2.0])
    T_wd = take.geometry.T_world_device(t=t)
    rgb = take.view("aria01")
    T_dc_rgb = take.geometry.T_device_camera(rgb, t=1.25)
    np.testing.assert_allclose(T_wd[1] @ T_dc_rgb, take.camera("aria01", t=1.25).T_world_cam, atol=1e-9)
    np.testing.assert_allclose(T_wd[:, 3], [[0, 0, 0, 1]] * 3)
