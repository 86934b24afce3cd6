"""``export-rerun``: the .rrd loads back (rerun's own reader) and holds the expected entities and times."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("rerun")
import rerun as rr
from rerun.chunk import RrdReader
from tests.viz.conftest import TAKE

import egoexo_kit
from egoexo_kit.cli import app
from egoexo_kit.viz import export_rerun


def _contents(path):
    reader = RrdReader(path)
    columns, batches = defaultdict(set), defaultdict(list)
    for chunk in reader.stream():
        rb = chunk.to_record_batch()
        columns[chunk.entity_path].update(rb.schema.names)
        batches[chunk.entity_path].append(rb)
    return reader, columns, batches


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


def test_video_is_the_mp4_with_frame_references_on_take_time(rrd, synth_release):
    take = egoexo_kit.open_release(synth_release).take(TAKE)
    _, _, batches = _contents(rrd)
    video = take.view("cam01").path
    blobs = [rb for rb in batches["/world/cams/cam01"] if "AssetVideo:blob" in rb.schema.names]
    blob = blobs[0].column("AssetVideo:blob").to_pylist()[0][0]
    assert bytes(blob) == video.read_bytes()  # embedded as is, not re-encoded
    refs = [rb for rb in batches["/world/cams/cam01"] if "VideoFrameReference:timestamp" in rb.schema.names]
    t = np.concatenate([rb.column("t").to_numpy().astype("timedelta64[ns]").astype(np.int64) for rb in refs])
    ts = np.concatenate(
        [np.asarray(rb.column("VideoFrameReference:timestamp").to_pylist()).ravel() for rb in refs]
    )
    frames = np.arange(30, 60)  # [1, 2) s
    np.testing.assert_allclose(np.sort(t) / 1e9, take.timeline.to_time(frame=frames), atol=1e-6)
    pts = np.asarray(rr.AssetVideo(path=video).read_frame_timestamps_nanos())
    assert np.sort(ts).tolist() == pts[frames].tolist()


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
    from egoexo_kit.errors import EgoExoKitWarning

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
