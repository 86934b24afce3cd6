"""Overlays: drawing primitives against hand-built cases, and gathered data against the annotations."""

from __future__ import annotations

import numpy as np
import pytest
from tests.viz.conftest import TAKE
from typer.testing import CliRunner

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.viz import (
    BONES,
    ViewOverlay,
    composite,
    draw_overlay,
    overlay_frames,
    parse_layers,
    pose_tracks,
    view_overlay,
)

FRAME = 60


def test_parse_layers():
    assert parse_layers("pose, masks") == ("pose", "masks")
    assert parse_layers(["gaze", "pose,masks"]) == ("gaze", "pose", "masks")
    with pytest.raises(ValueError, match="unknown overlay 'depth'"):
        parse_layers("pose,depth")


def test_mask_is_blended_at_alpha_only_inside():
    mask = np.zeros((10, 20), bool)
    mask[2:5, 3:9] = True
    layer = draw_overlay(np.zeros((10, 20, 4), np.uint8), ViewOverlay(size=(20, 10), masks={"cup": mask}))
    assert (layer[..., 3] > 0).tolist() == mask.tolist()
    image = np.full((10, 20, 3), 100, np.uint8)
    out = composite(image, layer)
    a = layer[3, 4, 3] / 255
    expected = np.round(100 * (1 - a) + layer[3, 4, :3].astype(float) * a)
    assert out[3, 4].tolist() == expected.tolist()
    assert (out[~mask] == 100).all()


def test_mask_and_skeleton_scale_to_the_picture():
    mask = np.zeros((10, 20), bool)
    mask[:5, :10] = True  # top-left quarter
    uv = np.full((17, 2), np.nan)
    uv[5], uv[6] = (2.0, 8.0), (18.0, 8.0)  # the shoulders: one bone (5, 6)
    ov = ViewOverlay(size=(20, 10), masks={"m": mask}, skeletons={"body": uv})
    layer = draw_overlay(np.zeros((40, 80, 4), np.uint8), ov)
    assert layer[:20, :40, 3].min() > 0 and layer[:20, 40:, 3].max() == 0  # the mask, scaled 4x
    # the bone runs along y = 32 from x = 8 to x = 72 in the 4x picture
    assert (layer[32, 12:68, 3] >= 200).all()
    assert layer[37:, :, 3].max() == 0 and layer[21:27, :, 3].max() == 0


def test_gaze_marker_centre():
    layer = draw_overlay(
        np.zeros((64, 64, 4), np.uint8), ViewOverlay(size=(64, 64), gaze=np.array([20.0, 30.0]))
    )
    ys, xs = np.nonzero(layer[..., 3])
    assert abs(xs.mean() - 20) < 1 and abs(ys.mean() - 30) < 1


def test_view_overlay_matches_annotations(synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    ov = view_overlay(take, "cam01", frame=FRAME, pose_source="annotation")
    rel = take.annotations.relations
    visible = {o for o, cams in rel.tracks.items() if "cam01" in cams and cams["cam01"].visible(FRAME)}
    assert set(ov.masks) == visible and visible
    for obj, m in ov.masks.items():
        assert (m == rel.tracks[obj]["cam01"].mask(FRAME)).all()
    body = take.annotations.pose("body")
    i = list(body.frames).index(FRAME)
    ok = np.isfinite(body.points_3d[i]).all(axis=1)
    uv, vis = take.project(body.points_3d[i][ok], view="cam01", frame=FRAME, space="mp4")
    np.testing.assert_allclose(ov.skeletons["body"][np.flatnonzero(ok)[vis]], uv[vis])
    assert ov.gaze is None  # gaze is drawn on the Aria RGB view only
    ego = view_overlay(take, "aria01_214-1", frame=FRAME, layers=("gaze",))
    assert ego.gaze is not None and not ego.masks and not ego.skeletons
    assert ego.size == (64, 64)


def test_pose_tracks_choose_one_source_per_part(synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    tracks = pose_tracks(take)
    for part in ("body", "hand"):
        manual, auto = take.annotations.pose(part), take.annotations.pose(part, source="automatic")
        assert len(auto) > len(manual) > 0
        assert tracks[part].source == "automatic" and tracks[part].pose is auto  # the denser source
    body = pose_tracks(take, source="annotation")["body"]
    manual = take.annotations.pose("body")
    ever = np.isfinite(manual.points_3d).all(axis=2).any(axis=0)
    assert not ever.all()  # the synthetic manual body annotation leaves leg joints out
    assert body.joints == tuple(np.flatnonzero(ever))
    assert body.bones == tuple((a, b) for a, b in BONES["body"] if ever[a] and ever[b])
    np.testing.assert_array_equal(body.points_3d(int(manual.frames[0])), manual.points_3d[0])
    assert body.points_3d(int(manual.frames[0]) + 1) is None  # not an annotated frame
    with pytest.raises(ValueError, match="unknown pose source 'manual'"):
        pose_tracks(take, source="manual")


@pytest.mark.parametrize("source", [None, "automatic"])
def test_skeleton_bones_are_the_same_on_consecutive_frames(synth_release, source):
    """Played frames 10-34 span manual body frames (every 15th): the drawn bones must not change."""
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    frames = range(10, 35)
    assert {15, 30} <= set(take.annotations.pose("body").frames.tolist())
    tracks = pose_tracks(take, source=source)
    drawn = set()
    for f in frames:
        ov = view_overlay(take, "cam01", frame=f, layers=("pose",), pose_source=source)
        assert ov.bones == {part: t.bones for part, t in tracks.items()}
        assert ov.to_json()["bones"]["body"] == [list(b) for b in tracks["body"].bones]
        ok = np.isfinite(ov.skeletons["body"]).all(axis=1)
        drawn.add(frozenset((a, b) for a, b in ov.bones_of("body") if ok[a] and ok[b]))
    assert drawn == {frozenset(BONES["body"])}  # full body on every frame, legs included


def test_draw_overlay_draws_only_the_track_bones():
    uv = np.full((17, 2), np.nan)
    uv[5], uv[6], uv[11] = (2.0, 8.0), (18.0, 8.0), (2.0, 2.0)
    full = ViewOverlay(size=(20, 10), skeletons={"body": uv})
    shoulders = ViewOverlay(size=(20, 10), skeletons={"body": uv}, bones={"body": ((5, 6),)})
    a = draw_overlay(np.zeros((40, 80, 4), np.uint8), full)
    b = draw_overlay(np.zeros((40, 80, 4), np.uint8), shoulders)
    assert a[14:28, 8, 3].min() > 0  # bone (5, 11) drawn by the full definition
    assert b[14:28, 8, 3].max() == 0 and b[32, 12:68, 3].min() >= 200  # only (5, 6)


def test_overlay_frames_change_only_overlaid_pixels(synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    plain = take.frames(frame=FRAME, views=["cam01"])["cam01"]
    drawn = overlay_frames(take, frame=FRAME, views=["cam01"], layers=("masks",))["cam01"]
    union = np.zeros(plain.shape[:2], bool)
    for m in view_overlay(take, "cam01", frame=FRAME, layers=("masks",)).masks.values():
        union |= m
    changed = (drawn != plain).any(axis=2)
    assert changed.any() and not changed[~union].any()


def test_frames_cli_overlay(synth_release, tmp_path):
    runner = CliRunner()
    args = ["frames", str(synth_release), TAKE, "--frame", str(FRAME), "--views", "cam01"]
    res = runner.invoke(app, [*args, "--overlay", "pose,masks,gaze", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, [*args, "--out", str(tmp_path / "p")])
    assert res.exit_code == 0, res.output
    import cv2

    a = cv2.imread(str(tmp_path / "o" / f"{TAKE}_{FRAME:06d}_cam01.png"))
    b = cv2.imread(str(tmp_path / "p" / f"{TAKE}_{FRAME:06d}_cam01.png"))
    assert (a != b).any()
    res = runner.invoke(app, [*args, "--overlay", "pose,depth", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2 and "unknown overlay 'depth'" in res.output
