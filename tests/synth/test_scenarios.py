"""Scenario catalogue (FORMAT §2.7, §7.2), proficiency levels (FORMAT §7.5) and take planning."""

from __future__ import annotations

import numpy as np
import pytest

from egoexo_kit.synth.plan._scenarios import (
    PROFICIENCY_LEVELS,
    SCENARIOS,
    TASKS,
    get_task,
    plan_take,
    proficiency_profile,
)

# FORMAT §2.7: parent id → (scenario, allowed task ids).
FORMAT_SCENARIOS = {
    1000: ("Cooking", set(range(1001, 1019))),
    2000: ("Health", set(range(2001, 2006))),
    4000: ("Bike Repair", set(range(4001, 4007))),
    5000: ("Music", set(range(5001, 5022))),
    6000: ("Basketball", set(range(6001, 6004))),
    7000: ("Rock Climbing", set(range(7001, 7034)) | {7300, 7301}),
    8000: ("Soccer", set(range(8001, 8006))),
    9000: ("Dance", set(range(9001, 9008))),
}
FORMAT_TASK_NAMES = {
    2001: "Covid-19 Rapid Antigen Test",
    4001: "Remove a Wheel",
    4004: "Clean and Lubricate the Chain",
}
PROCEDURAL = [t for t in TASKS.values() if t.procedural]
PHYSICAL = [t for t in TASKS.values() if not t.procedural]


def test_proficiency_levels():
    assert PROFICIENCY_LEVELS == ("Novice", "Early Expert", "Intermediate Expert", "Late Expert")
    paces = [proficiency_profile(level).pace for level in PROFICIENCY_LEVELS]
    assert paces == sorted(paces, reverse=True) and paces[-1] == 1.0
    with pytest.raises(ValueError, match="unknown proficiency 'Expert'"):
        proficiency_profile("Expert")


def test_task_ids_follow_format():
    assert {t.scenario_id for t in TASKS.values()} == set(FORMAT_SCENARIOS)
    for task in TASKS.values():
        name, ids = FORMAT_SCENARIOS[task.scenario_id]
        assert task.scenario_name == name and task.task_id in ids
        assert task.procedural == (task.scenario_id in (1000, 2000, 4000))
    for task_id, name in FORMAT_TASK_NAMES.items():
        assert get_task(task_id).name == name
    for sid, (name, tasks) in SCENARIOS.items():
        assert all(t.scenario_id == sid and t.scenario_name == name for t in tasks)
    with pytest.raises(KeyError, match="unknown task_id 3001"):
        get_task(3001)


def test_unique_ids_are_global_and_stable():
    uids = [s.unique_id for t in TASKS.values() for s in t.steps]
    assert len(uids) == len(set(uids))
    covid = get_task(2001)
    assert covid.step("Unbox package").unique_id == 843  # FORMAT §7.2 example
    assert covid.step("Check the expiration date").unique_id == 818
    objects = [o.uid for t in TASKS.values() for o in t.objects]
    assert len(objects) == len(set(objects))


@pytest.mark.parametrize("task", PROCEDURAL, ids=lambda t: str(t.task_id))
def test_procedural_taxonomy(task):
    tax = task.taxonomy()
    assert tax["0"] == {
        "id": 0,
        "is_leafnode": False,
        "name": task.name,
        "parent_id": None,
        "parent_name": None,
    }
    assert all(key == str(node["id"]) for key, node in tax.items())
    groups = [n for n in tax.values() if n["parent_id"] == 0]
    leaves = [n for n in tax.values() if n["is_leafnode"]]
    assert 2 <= len(groups) <= 3 and 4 <= len(leaves) <= 8
    assert all(not g["is_leafnode"] and "unique_id" not in g for g in groups)
    group_names = {g["id"]: g["name"] for g in groups}
    for leaf in leaves:
        assert leaf["parent_id"] in group_names and leaf["parent_name"] == group_names[leaf["parent_id"]]
        assert isinstance(leaf["unique_id"], int)
    assert task.vocabulary() == {str(n["unique_id"]): n["name"] for n in leaves}
    assert any(not s.essential for s in task.steps) and any(s.essential for s in task.steps)
    names = {o.name for o in task.objects}
    for step in task.steps:
        assert step.objects and set(step.objects) <= names
        assert step.action in {"place", "use", "pour", "inspect", "face", "press", "wait"}
        assert step.description and step.seconds > 0


@pytest.mark.parametrize("task", PHYSICAL, ids=lambda t: str(t.task_id))
def test_physical_phrases(task):
    assert 2 <= len(task.steps) <= 6
    names = {o.name for o in task.objects}
    assert all(set(s.objects) <= names for s in task.steps if s.objects)
    assert all(node["is_leafnode"] for node in task.taxonomy().values() if node["id"] not in (0, 1, 2))


def check_plan_fits(plan):
    assert 0 < plan.task_start_sec <= plan.steps[0].start_sec
    assert plan.steps[-1].end_sec <= plan.task_end_sec + 1e-9 < plan.seconds
    t = plan.task_start_sec
    pauses = dict(plan.pauses)
    for ps in plan.steps:
        if ps.start_sec > t + 1e-9:
            assert pauses[t] == pytest.approx(ps.start_sec)  # the only gaps are pauses
        assert ps.start_sec == pytest.approx(t if t not in pauses else pauses[t])
        assert ps.end_sec > ps.start_sec
        t = ps.end_sec


@pytest.mark.parametrize("task", PROCEDURAL, ids=lambda t: str(t.task_id))
@pytest.mark.parametrize("seconds", [None, 10.0, 30.0, 240.0])
def test_procedural_plan_fits_and_respects_the_taxonomy(task, seconds):
    for seed in range(15):
        level = PROFICIENCY_LEVELS[seed % 4]
        plan = plan_take(task, proficiency=level, seconds=seconds, rng=seed)
        check_plan_fits(plan)
        if seconds is not None:
            assert plan.seconds == seconds
        performed = [ps.step for ps in plan.steps]
        assert len(set(performed)) == len(performed)
        assert set(performed) | set(plan.skipped) | set(plan.dropped) == set(task.steps)
        assert all(not s.essential for s in plan.skipped)
        if seconds is None:
            assert not plan.dropped
        # The performed order is the canonical one, except one adjacent swap whose early step is flagged.
        canonical = [s for s in task.steps if s in performed or s in plan.dropped][: len(performed)]
        swapped = [i for i, (a, b) in enumerate(zip(performed, canonical, strict=True)) if a is not b]
        assert [ps.step for ps in plan.mistakes] == [performed[i] for i in swapped[:1]]
        cut_after_swap = len(swapped) == 1 and swapped[0] == len(performed) - 1 and plan.dropped
        assert not swapped or cut_after_swap or (len(swapped) == 2 and swapped[1] == swapped[0] + 1)


@pytest.mark.parametrize("task", PHYSICAL, ids=lambda t: str(t.task_id))
def test_physical_plan_fills_the_window(task):
    for seed in range(10):
        plan = plan_take(task, proficiency=PROFICIENCY_LEVELS[seed % 4], seconds=20.0, rng=seed)
        check_plan_fits(plan)
        assert plan.steps[-1].end_sec == pytest.approx(plan.task_end_sec)
        assert not plan.mistakes and not plan.skipped
        if task.closing_step:
            assert plan.steps[-1].name == task.closing_step
            assert all(ps.name != task.closing_step for ps in plan.steps[:-1])
        assert all(a.step is not b.step for a, b in zip(plan.steps, plan.steps[1:], strict=False))


def test_plan_is_deterministic():
    a = plan_take(1001, proficiency="Novice", seconds=60.0, rng=3)
    b = plan_take(1001, proficiency="Novice", seconds=60.0, rng=np.random.default_rng(3))
    c = plan_take(1001, proficiency="Novice", seconds=60.0, rng=4)
    assert a == b and a != c


def test_plan_errors():
    with pytest.raises(ValueError, match="too short"):
        plan_take(1001, proficiency="Novice", seconds=2.0, rng=0)
    with pytest.raises(ValueError, match="unknown proficiency"):
        plan_take(1001, proficiency="Master", seconds=20.0, rng=0)


def _stats(level: str, *, seconds: float | None) -> dict[str, float]:
    ratio, mistakes, pauses = [], 0, 0
    for task in PROCEDURAL:
        for seed in range(40):
            plan = plan_take(task, proficiency=level, seconds=seconds, rng=seed)
            ratio += [(ps.end_sec - ps.start_sec) / ps.step.seconds for ps in plan.steps]
            mistakes += len(plan.mistakes)
            pauses += len(plan.pauses)
    return {"ratio": float(np.mean(ratio)), "mistakes": mistakes, "pauses": pauses}


@pytest.mark.parametrize("seconds", [None, 60.0])
def test_proficiency_is_learnable_from_plans(seconds):
    """Over many fixed seeds, Novices are slower, pause more and make more ordering mistakes."""
    novice, early, late = (
        _stats(level, seconds=seconds) for level in ("Novice", "Early Expert", "Late Expert")
    )
    assert novice["ratio"] > 1.3 * late["ratio"]
    assert novice["ratio"] > early["ratio"] > late["ratio"]
    assert novice["mistakes"] > 3 * max(late["mistakes"], 1) and novice["mistakes"] > early["mistakes"]
    assert novice["pauses"] > 3 * max(late["pauses"], 1)


def test_fixed_length_takes_keep_the_pace_difference():
    """With a fixed take length, Experts finish early instead of being stretched to fill it."""
    for seed in range(10):
        novice = plan_take(1001, proficiency="Novice", seconds=90.0, rng=seed)
        late = plan_take(1001, proficiency="Late Expert", seconds=90.0, rng=seed)
        assert late.task_end_sec < novice.task_end_sec


def test_short_take_ends_before_the_task():
    plan = plan_take(1001, proficiency="Novice", seconds=10.0, rng=1)
    check_plan_fits(plan)
    assert plan.dropped
    assert plan.steps[-1].end_sec < 10.0
