"""Printing what users print (release, take, annotations, eval results) gives one short line each."""

from __future__ import annotations

import egoexo_kit as ek
from egoexo_kit.annotations import keystep_label_map
from egoexo_kit.benchmarks import EvalResult

MAX = 120


def short(obj: object) -> str:
    text = repr(obj)
    assert "\n" not in text and len(text) <= MAX, text
    return text


def test_release_take_and_entry(tiny_release_ro):
    rel = ek.open_release(tiny_release_ro)
    take = rel.take("cmu_bike01_1")
    assert short(take) == (
        f"Take('cmu_bike01_1', uid='{take.uid[:8]}…', scenario='Bike Repair', 1.0 s, {len(take.views)} views)"
    )
    assert short(take.entry).startswith("TakeEntry('cmu_bike01_1', uid=")
    assert short(rel).startswith("Release(") and short(rel.takes).startswith("Takes(3:")


def test_annotations_of_a_take(tiny_release_ro):
    rel = ek.open_release(tiny_release_ro)
    seen = set()
    for take in rel.takes:
        ann = take.annotations
        short(ann)
        values = [
            ann.keystep_taxonomy,
            ann.relations,
            ann.camera_pose,
            ann.proficiency_demonstrator,
            ann.proficiency_demonstration,
            ann.pose("body"),
            ann.pose("hand"),
            *ann.keysteps,
            *ann.keystep_benchmark,
        ]
        if ann.relations is not None:
            values += [t for cams in ann.relations.tracks.values() for t in cams.values()]
        for v in values:
            if v is not None:
                seen.add(short(v).split("(")[0])
    assert {"Taxonomy", "TakeRelations", "MaskTrack", "PoseAnnotation", "KeystepSegment"} <= seen
    assert short(keystep_label_map(tiny_release_ro)).startswith("KeystepLabelMap(")


def test_eval_result_shows_task_and_headline_metrics():
    result = EvalResult(
        "body-pose",
        {"mpjpe": 123.456789, "pa_mpjpe": 80.0, "pck": 0.5, "n": 12},
        {"per_take": {f"take{i}": float(i) for i in range(500)}},
    )
    assert short(result) == "EvalResult('body-pose', mpjpe=123.5, pa_mpjpe=80, pck=0.5, +1 metrics)"
