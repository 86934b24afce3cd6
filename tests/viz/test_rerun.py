"""``export-rerun``: the .rrd loads back (rerun's own reader) and holds the expected entities and times.

Each video is embedded as the groups of pictures covering the range; decoding that excerpt (plain PyAV)
at the timestamps the recording references gives exactly the take's frames.
"""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("rerun")
import rerun as rr
from tests.video.test_reader import read_stamp, write_video
from tests.viz.conftest import TAKE, decode_at, embedded_video
from tests.viz.conftest import rrd_contents as _contents

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.errors import EgoExoKitWarning
from egoexo_kit.viz import export_rerun


@pytest.fixture(scope="module")
def rrd(synth_release, tmp_path_factory):
    out = tmp_path_factory.mktemp("rrd") / "take.rrd"
    res = CliRunner().invoke(
        app, ["export-rerun", str(synth_release), TAKE, "--out", str(out), "--t0", "1", "--t1", "2"]
    )
    assert res.exit_code == 0, res.output
    return out


def test_entities(rrd, synth_release):
    reader, columns, _ = _contents(rrd)
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    assert [r.recording_id for r in reader.recordings()] == [take.uid]
    assert len(reader.blueprints()) == 1
    views = ["aria01_214-1", "cam01", "cam02", "cam03", "cam04"]
    for v in views:
        cols = columns[f"/world/cams/{v}"]
        assert {"AssetVideo:blob", "VideoFrameReference:timestamp", "Pinhole:image_from_camera"} <= cols, v
        assert "Points2D:positions" in columns[f"/world/cams/{v}/body"]
        assert "SegmentationImage:buffer" in columns[f"/world/cams/{v}/masks"]
    assert "Transform3D:translation" in columns["/world/cams/cam01"]
    for e in ("/world/aria/path", "/world/aria/points", "/world/aria/gaze", "/world/pose/automatic_body"):
        assert columns[e], e
    assert "TextLog:text" in columns["/annotations/keystep"]
    assert "Image:buffer" not in {c for cols in columns.values() for c in cols}  # no decoded frames


def test_videos_are_excerpts_whose_referenced_frames_are_the_take_frames(rrd, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    _, _, batches = _contents(rrd)
    frames = np.arange(30, 60)  # [1, 2) s
    for view in ("cam01", "aria01_214-1"):
        mp4, t, ts = embedded_video(batches, f"/world/cams/{view}")
        np.testing.assert_allclose(t / 1e9, take.timeline.to_time(frame=frames), atol=1e-6)
        assert set(ts) <= set(rr.AssetVideo(contents=mp4).read_frame_timestamps_nanos())
        np.testing.assert_array_equal(decode_at(mp4, ts), take.frames_at(frames=frames, views=[view])[view])
        assert len(mp4) <= take.view(view).path.stat().st_size  # the video stream only, from a keyframe on


def test_b_frames_open_gops_and_an_edit_list_are_referenced_exactly(tiny_release, tmp_path):
    take = egoexo_kit.open_release(tiny_release).takes[0]
    n = take.timeline.n_frames
    params = {
        "cam01": dict(params="bframes=3:b-pyramid=normal:keyint=8:min-keyint=8:open-gop=1:scenecut=0"),
        "cam02": dict(params="bframes=3:keyint=10", start_pts=1000),  # shown from 33.3 s: an edit list
    }
    for view, spec in params.items():
        write_video(take.view(view).path, n, **spec)  # frame i stamps i into its pixels
    with pytest.warns(EgoExoKitWarning, match="camera pose"):  # 96x64 stamps, 128x72 calibration
        out = export_rerun(take, tmp_path / "b.rrd", t0=0.4, t1=0.7, views=list(params))
    _, _, batches = _contents(out)
    frames = np.arange(12, 21)
    for view in params:
        mp4, _, ts = embedded_video(batches, f"/world/cams/{view}")
        got = decode_at(mp4, ts)
        assert [read_stamp(f) for f in got] == frames.tolist(), view
        np.testing.assert_array_equal(got, take.frames_at(frames=frames, views=[view])[view])
        shown = rr.AssetVideo(contents=mp4).read_frame_timestamps_nanos()
        assert 9 <= len(shown) <= 17 < n, view  # the two or three groups that cover frames 12..20 only


def test_text_annotations_at_their_times(rrd, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    _, _, batches = _contents(rrd)
    rows = batches["/annotations/keystep"]
    texts = [x for rb in rows for x in rb.column("TextLog:text").to_pylist()]
    assert [s.step_name in str(texts) for s in take.annotations.keysteps] == [True] * len(
        take.annotations.keysteps
    )


def test_empty_range_is_an_error(synth_release, tmp_path):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    with pytest.raises(ValueError, match="empty time range"):
        export_rerun(take, tmp_path / "x.rrd", t0=2.0, t1=2.0)
    assert not (tmp_path / "x.rrd").exists()


def test_release_without_calibration_exports_with_warnings(tiny_release_ro, tmp_path):
    take = egoexo_kit.open_release(tiny_release_ro).takes[0]
    with pytest.warns(EgoExoKitWarning, match="skipped"):
        out = export_rerun(take, tmp_path / "tiny.rrd")
    _, columns, _ = _contents(out)
    assert "VideoFrameReference:timestamp" in columns["/world/cams/cam01"]  # the videos are still there
    assert "TextLog:text" in columns["/annotations/keystep"]


def test_prediction_file_is_logged_beside_the_annotations(synth_release, tmp_path):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    pred = synth_release / "annotations/ego_pose" / take.split / "body/automatic" / f"{take.uid}.json"
    out = tmp_path / "p.rrd"
    args = ["export-rerun", str(synth_release), TAKE, "--out", str(out), "--t1", "0.5", "--views", "cam01"]
    res = CliRunner().invoke(app, [*args, "--pose-file", str(pred), "--pose-part", "body"])
    assert res.exit_code == 0, res.output
    _, columns, batches = _contents(out)
    assert "LineStrips3D:strips" in columns["/world/pose/prediction_body"]
    assert sum(rb.num_rows for rb in batches["/world/pose/prediction_body"]) == 15  # frames 0..14
    assert not any(k.startswith("/world/cams/cam02") for k in columns)
    res = CliRunner().invoke(app, [*args, "--pose-file", str(pred), "--pose-part", "feet"])
    assert res.exit_code == 2
