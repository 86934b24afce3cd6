"""``egoexo-kit calib`` and ``egoexo-kit project``: JSON output equal to the API, and located errors."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.cli import app

runner = CliRunner()


def test_calib_json_lists_every_calibrated_camera(synth_release):
    take = open_release(synth_release).takes[0]
    res = runner.invoke(app, ["calib", str(synth_release), take.name, "--t", "0.5", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    keys = {c["key"] for c in out["cameras"]}
    assert {v.key for v in take.exo_views} <= keys and f"{take.aria_id}_214-1" in keys
    cam = next(c for c in out["cameras"] if c["key"] == take.exo_views[0].key)
    expected = take.camera(take.exo_views[0].key, t=0.5)
    assert cam["model"] == "kb3"
    np.testing.assert_allclose(cam["params"], expected.camera.params)
    np.testing.assert_allclose(cam["t_world_cam"], expected.T_world_cam[:3, 3])
    res = runner.invoke(app, ["calib", str(synth_release), take.name])
    assert res.exit_code == 0 and "kb3" in res.stdout


def test_project_json_matches_api(synth_release):
    take = open_release(synth_release).takes[0]
    view = take.exo_views[0].key
    cam = take.camera(view, t=0.5, space="mp4")
    origin, dirs, _ = cam.rays(np.array([[10.0, 12.0], [40.0, 30.0]]))
    pts = origin + 2.0 * dirs
    args = ["project", str(synth_release), take.name, "--view", view, "--t", "0.5", "--json"]
    for p in pts:
        args += ["--xyz", ",".join(str(c) for c in p)]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["points"]
    np.testing.assert_allclose([r["uv"] for r in rows], [[10.0, 12.0], [40.0, 30.0]], atol=1e-6)
    assert all(r["visible"] for r in rows)


def test_cli_errors_are_one_line(tiny_release_ro, tmp_path):
    take = open_release(tiny_release_ro).takes[0]
    base = ["project", str(tiny_release_ro), take.name]
    res = runner.invoke(app, [*base, "--view", "cam99", "--t", "0", "--xyz", "0,0,1"])
    assert res.exit_code == 2 and "no view" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, [*base, "--view", "cam01", "--t", "0", "--xyz", "0,0"])
    assert res.exit_code != 0 and "Traceback" not in res.output
    bad = tmp_path / "p.json"
    bad.write_text("[[1, 2]]", encoding="utf-8")
    res = runner.invoke(app, [*base, "--view", take.exo_views[0].key, "--t", "0", "--points", str(bad)])
    assert res.exit_code == 2 and "(N, 3)" in res.output
    res = runner.invoke(app, ["calib", str(tiny_release_ro), take.name, "--space", "warped"])
    assert res.exit_code != 0 and "--space" in res.output
    # The tiny release's online calibration has no T_Device_Camera: a located error, not a KeyError.
    res = runner.invoke(app, ["calib", str(tiny_release_ro), take.name])
    assert res.exit_code == 2 and "T_Device_Camera" in res.output and "online_calibration" in res.output
