"""``egoexo-kit eval``: JSON shape, every problem listed with exit 2, task list, option checks."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from egoexo_kit.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def body_files(tmp_path, *, bad=False):
    frames = range(0, 120, 3)
    joints = np.zeros((17, 3)).tolist()
    gt = {"u": {"take_name": "cmu_soccer_1", "body": {str(f): joints for f in frames}}}
    pred_body = {str(f): np.full((17, 3), 0.01).tolist() for f in frames}
    if bad:
        del pred_body["3"]
        pred_body["6"] = [[0, 0]] * 17
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "pred.json").write_text(json.dumps({"u": {"take_name": "x", "body": pred_body}}))
    return tmp_path / "gt.json", tmp_path / "pred.json"


def test_eval_json_shape(tmp_path):
    gt, pred = body_files(tmp_path)
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"task", "metrics", "breakdown", "notes"} and out["task"] == "body-pose"
    assert out["notes"] == []  # scored: nothing to explain
    assert set(out["metrics"]) == {"mpjpe_cm", "mpjve_mps"}
    assert abs(out["metrics"]["mpjpe_cm"] - 100 * np.sqrt(3 * 0.01**2)) < 1e-9
    assert out["breakdown"]["groups"]["procedural"]["mpjpe_cm"] is None  # NaN -> null


def test_eval_table(tmp_path):
    gt, pred = body_files(tmp_path)
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred)
    assert res.exit_code == 0 and "mpjpe_cm" in res.output and "scenarios.soccer.mpjpe_cm" in res.output


def test_eval_invalid_submission_lists_every_problem(tmp_path):
    gt, pred = body_files(tmp_path, bad=True)
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred, "--json")
    assert res.exit_code == 2
    out = json.loads(res.stdout)
    assert out["error"] == "invalid submission"
    assert {p["where"] for p in out["problems"]} == {"/u/body/3", "/u/body/6"}
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "/u/body/3" in res.output and "2 problem(s)" in res.output


def test_eval_bad_json_unknown_task_and_wrong_option(tmp_path):
    gt, pred = body_files(tmp_path)
    pred.write_text("{")
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred)
    assert res.exit_code == 2 and "invalid JSON" in res.output and "line 1" in res.output
    res = run("eval", "nope", "--gt", gt, "--pred", pred)
    assert res.exit_code == 2 and "unknown task" in res.output
    res = run("eval", "body-pose", "--gt", gt, "--pred", gt, "--offset")
    assert res.exit_code == 2 and "does not take" in res.output


def test_eval_list_json():
    res = run("eval", "--list", "--json")
    assert res.exit_code == 0
    tasks = json.loads(res.stdout)
    assert [t["task"] for t in tasks] == [
        "body-pose",
        "hand-pose",
        "correspondence",
        "translation",
        "keystep-recognition",
        "energy-efficient-keystep",
        "procedure-understanding",
        "proficiency-demonstrator",
        "proficiency-demonstration",
    ]
    assert "offset" in next(t for t in tasks if t["task"] == "hand-pose")["options"]


def test_eval_reads_the_official_anet_demonstration_gt(tmp_path):
    """``egoexo-kit eval`` takes the ``{"database": …}`` file the official ANETdetection reads."""
    gt = {"database": {"takeA": {"subset": "validation", "annotations": [{"label_id": 0, "segment": 3.0}]}}}
    pred = [{"video-id": "takeA", "times": 3.1, "label": 0, "score": 1.0}]
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "pred.json").write_text(json.dumps(pred))
    res = run(
        "eval",
        "proficiency-demonstration",
        "--gt",
        tmp_path / "gt.json",
        "--pred",
        tmp_path / "pred.json",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["metrics"]["map_avg"] == 1.0


def test_an_invalid_submission_is_one_error_line_then_the_problems(tmp_path):
    """Like every refusal of the CLI: one ``error:`` line (then the table, or the JSON on stdout)."""
    gt, pred = body_files(tmp_path, bad=True)
    for extra in ([], ["--json"]):
        res = run("eval", "body-pose", "--gt", gt, "--pred", pred, *extra)
        errors = [line for line in res.stderr.splitlines() if line.startswith("error:")]
        assert res.exit_code == 2 and errors == [
            f"error: {pred}: invalid submission, 2 problems "
            + ("(in the JSON on stdout)" if extra else "(listed below)")
        ]
