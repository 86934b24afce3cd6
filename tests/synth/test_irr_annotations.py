"""The annotation irregularity steps (issue 16 items 3, 4): what they change, what they record, --clean."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from egoexo_kit.synth import SynthConfig
from egoexo_kit.synth.irregular import IRREGULARITIES, IrregularRelease, apply_irregularities
from egoexo_kit.synth.irregular._irr_annotations import empty_pose_frames, redacted_take
from egoexo_kit.validate import validate_release


def _read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _add_pose_file(root: Path) -> Path:
    """A four-frame body keypoint file of a real take (the tiny release's have one frame)."""
    src = next((root / "annotations/ego_pose/train/body/annotation").glob("*.json"))
    (entry,) = _read(src).values()
    path = root / "annotations/ego_pose/train/body/automatic" / src.name
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({str(k): entry for k in (0, 1, 2, 3)}), encoding="utf-8")
    return path


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in (root / "annotations").rglob("*.json")}


def test_steps_record_what_they_change_and_validate_as_warnings(tiny_release: Path) -> None:
    pose = _add_pose_file(tiny_release)
    rel = IrregularRelease(
        root=tiny_release,
        config=SynthConfig(),
        rng=np.random.default_rng(0),
        takes=_read(tiny_release / "takes.json"),
    )
    redacted, empty = redacted_take(rel), empty_pose_frames(rel)  # just these steps: the rest is clean
    takes = {t["take_uid"] for t in _read(tiny_release / "takes.json")}
    ghost = redacted[0]["take_uid"]
    assert ghost not in takes and {r["take_uid"] for r in redacted} == {ghost}
    assert {r["family"] for r in redacted} == {
        "keystep",
        "atomic_descriptions",
        "expert_commentary",
        "relations",
        "proficiency_demonstrator",
    }  # every family the tiny release has that names takes
    for r in redacted:
        data = _read(tiny_release / r["file"])
        if r["pointer"].startswith("/annotations/") and r["pointer"].count("/") == 2:
            assert ghost in data["annotations"]
            assert r["copied_from"] in data["annotations"]  # the real take's entry is still there
    assert [(e["file"], e["frame_key"]) for e in empty] == [(pose.relative_to(tiny_release).as_posix(), "3")]
    assert _read(pose)["3"] == [] and all(_read(pose)[k] for k in "012")
    report = validate_release(tiny_release, check_videos=False)
    assert report.errors == []
    assert {(w.path, w.where) for w in report.warnings} == {
        (r["file"], r["pointer"]) for r in redacted + empty
    }


def test_steps_are_registered() -> None:
    from egoexo_kit.synth.irregular import _irregular_steps  # noqa: F401  (what apply_irregularities imports)

    assert IRREGULARITIES["redacted_take"] is redacted_take
    assert IRREGULARITIES["empty_pose_frames"] is empty_pose_frames


def test_clean_leaves_annotations_alone(tiny_release: Path) -> None:
    _add_pose_file(tiny_release)
    before = _snapshot(tiny_release)
    assert apply_irregularities(tiny_release, SynthConfig(clean=True)) == {}
    assert _snapshot(tiny_release) == before
    assert _read(tiny_release / ".synth/irregularities.json") == {"clean": True}
