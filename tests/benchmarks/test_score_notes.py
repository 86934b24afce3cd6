"""Empty scores explained: a valid submission that scores nothing gets a note naming the cause.

The library result carries :class:`ScoreNote` s (repr, ``to_json``), the CLI prints them as
``note:`` lines on stderr and under ``"notes"`` in ``--json``, and still exits 0.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image
from tests.benchmarks.test_correspondence import one_pair_files, rect
from typer.testing import CliRunner

from egoexo_kit.benchmarks import TASKS, EvalResult, ScoreNote, evaluate
from egoexo_kit.cli import app

SHORT_CLIPS = "no clip is at least --min-clip-len=120 frames (7 clips skipped): lower --min-clip-len"


def short_clip_files(tmp_path):
    """Body-pose GT and a valid prediction: 7 takes of one 60-frame clip each (all under 120)."""
    gt, pred = {}, {}
    for i in range(7):
        frames = range(0, 60, 3)
        gt[f"u{i}"] = {
            "take_name": "cmu_soccer_1",
            "body": {str(f): np.zeros((17, 3)).tolist() for f in frames},
        }
        pred[f"u{i}"] = {"take_name": "", "body": {str(f): np.full((17, 3), 0.01).tolist() for f in frames}}
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "pred.json").write_text(json.dumps(pred))
    return tmp_path / "gt.json", tmp_path / "pred.json"


def test_body_pose_all_clips_short_result_names_min_clip_len(tmp_path):
    gt, pred = short_clip_files(tmp_path)
    res = evaluate("body-pose", gt, pred)
    assert math.isnan(res.metrics["mpjpe_cm"]) and math.isnan(res.metrics["mpjve_mps"])
    assert res.notes == (ScoreNote(("mpjpe_cm", "mpjve_mps"), SHORT_CLIPS, "--min-clip-len"),)
    assert repr(res) == f"EvalResult('body-pose', NaN: {SHORT_CLIPS})"
    assert len(repr(res)) <= 120
    assert res.to_json()["notes"] == [
        {"metrics": ["mpjpe_cm", "mpjve_mps"], "message": SHORT_CLIPS, "option": "--min-clip-len"}
    ]
    scored = evaluate("body-pose", gt, pred, min_clip_len=60)  # the remedy the note names works
    assert scored.notes == () and scored.metrics["mpjpe_cm"] == pytest.approx(100 * np.sqrt(3e-4))


def test_body_pose_single_frames_explain_only_the_velocity(tmp_path):
    frames = [0, 100, 200]
    gt = {"u": {"take_name": "cmu_soccer_1", "body": {str(f): np.zeros((17, 3)).tolist() for f in frames}}}
    res = evaluate("body-pose", gt, gt, min_clip_len=0)
    assert res.metrics["mpjpe_cm"] == 0.0 and math.isnan(res.metrics["mpjve_mps"])
    assert [n.metrics for n in res.notes] == [("mpjve_mps",)]
    assert "fewer than 10 apart" in res.notes[0].message
    assert repr(res).startswith("EvalResult('body-pose', mpjpe_cm=0, NaN: no joint is annotated")


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_eval_cli_prints_the_note_on_stderr_and_in_json_and_exits_0(tmp_path):
    gt, pred = short_clip_files(tmp_path)
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred)
    assert res.exit_code == 0, res.output
    assert f"note: mpjpe_cm, mpjve_mps: {SHORT_CLIPS}" in res.stderr.splitlines()
    assert "note:" not in res.stdout
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred, "--json")
    assert res.exit_code == 0
    out = json.loads(res.stdout)  # stdout stays pure JSON
    assert out["metrics"] == {"mpjpe_cm": None, "mpjve_mps": None}
    assert out["notes"] == [
        {"metrics": ["mpjpe_cm", "mpjve_mps"], "message": SHORT_CLIPS, "option": "--min-clip-len"}
    ]
    assert f"note: mpjpe_cm, mpjve_mps: {SHORT_CLIPS}" in res.stderr
    res = run("eval", "body-pose", "--gt", gt, "--pred", pred, "--min-clip-len", "60")
    assert res.exit_code == 0 and "note:" not in res.output


def test_eval_help_documents_exit_0_for_an_empty_score():
    res = run("eval", "--help")
    assert "scores nothing" in " ".join(res.output.split())


def test_hand_pose_without_hands_or_valid_joints():
    res = evaluate("hand-pose", {"u": {"0": {}}}, {"u": {"0": {}}})
    assert [(n.metrics, n.message) for n in res.notes] == [
        (("mpjpe_mm", "pa_mpjpe_mm"), "the ground truth has no hand to evaluate (every *_hand_3d is empty)")
    ]
    joints = np.zeros((21, 3))
    joints[1:] = 0.1
    gt = {"u": {"7": {"right_hand_3d": joints.tolist(), "right_hand_valid_3d": [False] * 21}}}
    with np.errstate(all="ignore"):
        res = evaluate("hand-pose", gt, {"u": {"7": {"right_hand_3d": joints.tolist()}}})
    assert math.isnan(res.metrics["mpjpe_mm"])  # the official NaN (was an SVD crash)
    assert res.notes[0].message.endswith("first at /u/7/right_hand_valid_3d")


def test_correspondence_no_annotated_frame_and_no_visible_mask():
    box = rect(480, 480, 0, 10, 0, 10)
    res = evaluate("correspondence", *one_pair_files(box, box, annotated=(30,)))
    assert len(res.notes) == 1 and set(res.notes[0].metrics) == {m for m in res.metrics}
    assert "annotated_frames" in res.notes[0].message
    res = evaluate("correspondence", *one_pair_files(box, box, with_gt=False))
    assert res.notes[0].metrics == ("ego-exo/iou", "ego-exo/location_error", "ego-exo/contour_accuracy")
    assert "visibility only" in res.notes[0].message
    assert "ego-exo/visibility_balanced_accuracy=0, NaN: no target frame" in repr(res)  # scored one


def test_procedure_understanding_empty_gt_and_macro_present_names_averaging():
    res = evaluate("procedure-understanding", {"segments": {}}, {"segments": {}})  # was an IndexError
    assert res.notes[0].message == "the ground truth has no segment"
    assert set(res.notes[0].metrics) == set(res.metrics)
    seg = {"previous": [0, 0], "optional": 0, "mistake": False, "missing": [0, 0], "future": [1, 0]}
    score = {
        "previous": [0.1, 0.2],
        "optional": 0.3,
        "mistake": 0.1,
        "missing": [0.1, 0.1],
        "future": [0.9, 0.1],
    }
    res = evaluate(
        "procedure-understanding",
        {"segments": {"s": seg}},
        {"segments": {"s": score}},
        averaging="macro-present",
    )
    (note,) = res.notes
    assert note.metrics == ("cap_previous", "cap_missing") and note.option == "--averaging"
    assert res.metrics["cap_future"] == 1.0


def test_translation_empty_folder_and_empty_masks(tmp_path):
    (tmp_path / "gt").mkdir()
    (tmp_path / "pred").mkdir()
    res = evaluate("translation", tmp_path / "gt", tmp_path / "pred", clip=True)
    assert res.notes == (ScoreNote(("ssim", "psnr"), "the ground-truth folder has no .png file"),)
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(tmp_path / "gt" / "a.png")
    res = evaluate("translation", tmp_path / "gt", tmp_path / "pred")
    assert res.notes[0].metrics == ("iou", "location_error", "contour_accuracy")
    assert res.metrics["visibility_balanced_accuracy"] == 1.0


EMPTY = {
    "body-pose": ({}, {}),
    "hand-pose": ({}, {}),
    "keystep-recognition": ({}, {}),
    "energy-efficient-keystep": ({"takes": {}}, {"mean_power_mw": 1, "takes": {}}),
    "procedure-understanding": ({"segments": {}}, {"segments": {}}),
    "proficiency-demonstrator": ({"annotations": []}, {"videos": [], "predictions": []}),
    "proficiency-demonstration": ({"annotations": []}, []),
}


@pytest.mark.parametrize("task", sorted(EMPTY))
def test_every_nan_metric_of_an_empty_gt_is_explained(task):
    res = evaluate(task, *EMPTY[task])
    assert isinstance(res, EvalResult) and res.notes
    explained = {m for n in res.notes for m in n.metrics}
    assert {k for k, v in res.metrics.items() if math.isnan(v)} == explained
    assert all(n.message and n.metrics for n in res.notes)


def test_the_empty_cases_cover_every_json_task():
    assert set(EMPTY) == set(TASKS) - {"correspondence", "translation"}  # those two: tests above
