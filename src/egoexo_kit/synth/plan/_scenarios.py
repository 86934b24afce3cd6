"""Scenario catalogue (FORMAT §2.7 ids), proficiency levels (FORMAT §7.5) and take planning.

Task ids and scenario names follow FORMAT §2.7. Where FORMAT names a task (2001, 4001, 4004) the name
is used verbatim. FORMAT gives only id ranges for Cooking (1001–1018), Music, Basketball, Rock
Climbing, Soccer and Dance, so the names of 1001, 1002, 5001, 6001, 7001, 8001 and 9001 below are
invented (plausible, not the official mapping). Keystep unique ids are invented too, except 843
"Unbox package" and 818 "Check the expiration date", which come from the FORMAT §7.2 example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egoexo_kit.synth._config import MIN_TAKE_SECONDS
from egoexo_kit.synth.plan._taxonomy import ObjectSpec, Step, StepGroup, TaxonomyTask

__all__ = [
    "PROFICIENCY_LEVELS",
    "SCENARIOS",
    "TASKS",
    "StepSchedule",
    "PlannedStep",
    "ProficiencyProfile",
    "get_task",
    "plan_take",
    "proficiency_profile",
]

PROFICIENCY_LEVELS: tuple[str, ...] = ("Novice", "Early Expert", "Intermediate Expert", "Late Expert")
"""``proficiency_score`` values (FORMAT §7.5), least to most proficient."""


def _objects(rows: tuple[tuple, ...]) -> tuple[ObjectSpec, ...]:
    return tuple(ObjectSpec(n, uid, shape, size, rgb, fixed) for n, uid, shape, size, rgb, fixed in rows)


def _steps(rows: tuple[tuple, ...]) -> tuple[Step, ...]:
    """Rows ``(node, unique_id, parent, name, description, action, "obj,obj", seconds, essential, style)``."""
    return tuple(
        Step(node, uid, name, desc, parent, action, tuple(objs.split(",")) if objs else (), secs, ess, style)
        for node, uid, parent, name, desc, action, objs, secs, ess, style in rows
    )


def _groups(*names: str) -> tuple[StepGroup, ...]:
    return tuple(StepGroup(i + 1, n) for i, n in enumerate(names))


_BOX, _CYL, _SPH = "box", "cylinder", "sphere"
_SALAD = TaxonomyTask(
    1001, "Making Cucumber & Tomato Salad", "Cooking", True,
    _objects((
        ("cutting board", 101, _BOX, (0.30, 0.20, 0.02), (181, 136, 90), False),
        ("knife", 102, _BOX, (0.25, 0.03, 0.02), (190, 190, 200), False),
        ("tomato", 103, _SPH, (0.07, 0.07, 0.07), (200, 40, 30), False),
        ("cucumber", 104, _BOX, (0.20, 0.045, 0.045), (60, 130, 50), False),
        ("salad bowl", 105, _CYL, (0.20, 0.20, 0.09), (235, 235, 225), False),
        ("olive oil", 106, _CYL, (0.06, 0.06, 0.22), (150, 160, 40), False),
        ("salt shaker", 107, _CYL, (0.04, 0.04, 0.09), (240, 240, 240), False),
        ("spoon", 108, _BOX, (0.20, 0.04, 0.02), (200, 200, 205), False),
    )),
    _groups("Prepare the workspace", "Cut the vegetables", "Dress and mix"),
    _steps((
        (4, 1501, 1, "Place the cutting board", "Move the cutting board in front of you",
         "place", "cutting board", 2.5, True, ""),
        (5, 1502, 1, "Get the tomato", "Bring the tomato to the work area", "place", "tomato", 2.5, True, ""),
        (6, 1503, 2, "Slice the tomato", "Cut the tomato into slices with the knife",
         "use", "knife,tomato", 5.0, True, "cut"),
        (7, 1504, 2, "Slice the cucumber", "Cut the cucumber into rounds",
         "use", "knife,cucumber", 5.0, True, "cut"),
        (8, 1505, 3, "Add olive oil", "Drizzle olive oil over the salad",
         "pour", "olive oil,salad bowl", 3.5, True, ""),
        (9, 1506, 3, "Season with salt", "Sprinkle salt over the salad",
         "pour", "salt shaker,salad bowl", 3.0, False, ""),
        (10, 1507, 3, "Mix the salad", "Toss the salad with a spoon",
         "use", "spoon,salad bowl", 4.0, True, "stir"),
        (11, 1508, 3, "Check the salad", "Lift the bowl and look at the salad",
         "inspect", "salad bowl", 3.0, False, ""),
    )),
)  # fmt: skip
_EGGS = TaxonomyTask(
    1002, "Cooking Scrambled Eggs", "Cooking", True,
    _objects((
        ("egg", 111, _SPH, (0.05, 0.05, 0.06), (240, 225, 200), False),
        ("mixing bowl", 112, _CYL, (0.16, 0.16, 0.07), (90, 140, 200), False),
        ("whisk", 113, _BOX, (0.25, 0.05, 0.05), (200, 200, 205), False),
        ("frying pan", 114, _CYL, (0.26, 0.26, 0.05), (40, 40, 45), False),
        ("spatula", 115, _BOX, (0.28, 0.06, 0.02), (30, 30, 30), False),
        ("salt shaker", 116, _CYL, (0.04, 0.04, 0.09), (240, 240, 240), False),
    )),
    _groups("Prepare the eggs", "Cook the eggs"),
    _steps((
        (3, 1511, 1, "Crack the egg", "Crack the egg on the rim of the bowl",
         "use", "egg,mixing bowl", 3.5, True, "tap"),
        (4, 1512, 1, "Whisk the eggs", "Beat the eggs with the whisk",
         "use", "whisk,mixing bowl", 5.0, True, "stir"),
        (5, 1513, 1, "Season the eggs", "Add a pinch of salt to the eggs",
         "pour", "salt shaker,mixing bowl", 3.0, False, ""),
        (6, 1514, 2, "Place the pan", "Put the frying pan in front of you",
         "place", "frying pan", 2.5, True, ""),
        (7, 1515, 2, "Pour the eggs into the pan", "Pour the beaten eggs into the pan",
         "pour", "mixing bowl,frying pan", 4.0, True, ""),
        (8, 1516, 2, "Stir the eggs", "Stir the eggs with the spatula",
         "use", "spatula,frying pan", 5.0, True, "stir"),
        (9, 1517, 2, "Taste the eggs", "Taste a bit of egg from the spatula",
         "face", "spatula", 3.0, False, ""),
    )),
)  # fmt: skip
_COVID = TaxonomyTask(
    2001, "Covid-19 Rapid Antigen Test", "Health", True,
    _objects((
        ("test kit", 201, _BOX, (0.18, 0.12, 0.05), (230, 230, 240), False),
        ("swab", 202, _BOX, (0.15, 0.01, 0.01), (250, 250, 250), False),
        ("extraction tube", 203, _CYL, (0.015, 0.015, 0.08), (200, 220, 255), False),
        ("test card", 204, _BOX, (0.08, 0.025, 0.005), (255, 255, 255), False),
        ("phone", 205, _BOX, (0.15, 0.07, 0.01), (20, 20, 25), False),
    )),
    _groups("Preparation", "Sample collection", "Testing"),
    _steps((
        (4, 843, 1, "Unbox package", "Unbox covid19 test package", "place", "test kit", 3.0, True, ""),
        (5, 818, 1, "Check the expiration date", "Read the expiration date on the box",
         "inspect", "test kit", 3.0, False, ""),
        (6, 844, 2, "Swab the nostrils", "Rotate the swab inside each nostril",
         "face", "swab", 5.0, True, ""),
        (7, 845, 2, "Mix the swab in the tube", "Swirl the swab in the extraction buffer",
         "use", "swab,extraction tube", 4.0, True, "stir"),
        (8, 846, 3, "Add drops to the test card", "Squeeze drops from the tube onto the card",
         "pour", "extraction tube,test card", 3.5, True, ""),
        (9, 847, 3, "Start the timer", "Start a timer on the phone", "press", "phone", 1.5, False, ""),
        (10, 849, 3, "Wait for the result", "Wait for the test line to appear",
         "wait", "test card", 3.0, False, ""),
        (11, 848, 3, "Read the result", "Read the lines on the test card",
         "inspect", "test card", 3.0, True, ""),
    )),
)  # fmt: skip
_WHEEL = TaxonomyTask(
    4001, "Remove a Wheel", "Bike Repair", True,
    _objects((
        ("wheel", 401, _CYL, (0.62, 0.62, 0.05), (30, 30, 30), False),
        ("wrench", 402, _BOX, (0.20, 0.04, 0.01), (160, 160, 170), False),
        ("shifter", 403, _BOX, (0.06, 0.03, 0.03), (50, 50, 55), False),
        ("brake caliper", 404, _BOX, (0.08, 0.05, 0.04), (120, 120, 130), False),
    )),
    _groups("Preparation", "Wheel removal"),
    _steps((
        (3, 301, 1, "Shift to the smallest cog", "Move the chain to the smallest cog",
         "press", "shifter", 1.5, False, ""),
        (4, 302, 1, "Open the brake", "Open the brake quick release",
         "press", "brake caliper", 2.0, True, ""),
        (5, 303, 2, "Loosen the axle nuts", "Loosen the axle nuts with the wrench",
         "use", "wrench,wheel", 5.0, True, "turn"),
        (6, 304, 2, "Remove the wheel", "Take the wheel out of the frame", "place", "wheel", 3.0, True, ""),
        (7, 305, 2, "Inspect the tire", "Look over the tire for damage", "inspect", "wheel", 3.0, False, ""),
        (8, 306, 2, "Put the wrench away", "Put the wrench back", "place", "wrench", 2.0, True, ""),
    )),
    table_size_m=(1.8, 1.0, 0.9),
)  # fmt: skip
_CHAIN = TaxonomyTask(
    4004, "Clean and Lubricate the Chain", "Bike Repair", True,
    _objects((
        ("chain", 411, _BOX, (0.40, 0.03, 0.015), (90, 90, 95), False),
        ("degreaser", 412, _CYL, (0.07, 0.07, 0.20), (40, 120, 200), False),
        ("brush", 413, _BOX, (0.18, 0.04, 0.03), (200, 60, 60), False),
        ("rag", 414, _BOX, (0.20, 0.20, 0.01), (210, 200, 170), False),
        ("chain lube", 415, _CYL, (0.04, 0.04, 0.12), (220, 200, 40), False),
    )),
    _groups("Cleaning", "Lubrication"),
    _steps((
        (3, 311, 1, "Apply degreaser", "Spray degreaser on the chain",
         "pour", "degreaser,chain", 3.5, True, ""),
        (4, 312, 1, "Scrub the chain", "Scrub the chain with the brush",
         "use", "brush,chain", 5.0, True, "scrub"),
        (5, 313, 1, "Wipe the chain", "Wipe the chain dry with the rag",
         "use", "rag,chain", 4.0, True, "scrub"),
        (6, 314, 2, "Apply chain lube", "Apply lube to every link",
         "pour", "chain lube,chain", 3.5, True, ""),
        (7, 315, 2, "Wipe off excess lube", "Wipe the excess lube off",
         "use", "rag,chain", 3.5, False, "scrub"),
        (8, 316, 2, "Check the chain", "Look at the chain", "inspect", "chain", 3.0, False, ""),
    )),
    table_size_m=(1.6, 0.9, 0.9),
)  # fmt: skip
_GUITAR = TaxonomyTask(
    5001, "Play a Song", "Music", False,
    _objects((("guitar", 501, _BOX, (1.0, 0.36, 0.10), (160, 82, 45), True),)),
    _groups("Playing"),
    _steps((
        (2, 901, 1, "Tune the guitar", "Turn a tuning peg while plucking a string",
         "tune", "guitar", 4.0, True, ""),
        (3, 902, 1, "Strum chords", "Strum a chord progression", "strum", "guitar", 4.0, True, ""),
        (4, 903, 1, "Pick a melody", "Pick single notes along the neck", "pick", "guitar", 4.0, True, ""),
    )),
)  # fmt: skip
_BASKETBALL = TaxonomyTask(
    6001, "Basketball Drills - Mid-Range Jump Shooting", "Basketball", False,
    _objects((
        ("basketball", 601, _SPH, (0.24, 0.24, 0.24), (210, 100, 30), False),
        ("hoop", 602, _CYL, (0.45, 0.45, 0.02), (220, 60, 30), True),
    )),
    _groups("Ball handling", "Shooting"),
    _steps((
        (3, 911, 1, "Dribble the ball", "Dribble with the right hand",
         "dribble", "basketball", 4.0, True, ""),
        (4, 913, 1, "Chest pass", "Pass the ball from the chest and catch it back",
         "chest_pass", "basketball", 3.0, True, ""),
        (5, 912, 2, "Jump shot", "Jump and shoot at the hoop", "jump_shot", "basketball,hoop", 3.0, True, ""),
    )),
    room_size_m=(15.0, 14.0, 7.0),
)  # fmt: skip
_CLIMBING = TaxonomyTask(
    7001, "Bouldering - Easy Route", "Rock Climbing", False,
    _objects((("climbing wall", 701, _BOX, (3.0, 0.2, 4.0), (170, 150, 120), True),)),
    _groups("Climbing"),
    _steps((
        (2, 921, 1, "Climb up", "Move up the wall hold by hold", "climb_up", "climbing wall", 5.0, True, ""),
        (3, 922, 1, "Rest on the wall", "Hang and shake out one arm",
         "climb_rest", "climbing wall", 3.0, True, ""),
        (4, 923, 1, "Climb down", "Climb back down to the floor",
         "climb_down", "climbing wall", 5.0, True, ""),
    )),
    room_size_m=(8.0, 8.0, 5.0),
    closing_step="Climb down",
)  # fmt: skip
_SOCCER = TaxonomyTask(
    8001, "Soccer Drills - Inside Trap and Outside Play", "Soccer", False,
    _objects((("soccer ball", 801, _SPH, (0.22, 0.22, 0.22), (245, 245, 245), False),)),
    _groups("Ball control", "Passing"),
    _steps((
        (3, 931, 1, "Toe taps", "Tap the top of the ball with alternate feet",
         "toe_taps", "soccer ball", 4.0, True, ""),
        (4, 932, 1, "Juggle the ball", "Keep the ball up with the right foot",
         "juggle", "soccer ball", 4.0, True, ""),
        (5, 933, 2, "Pass and trap", "Pass the ball and trap the return",
         "pass_trap", "soccer ball", 4.0, True, ""),
    )),
    room_size_m=(20.0, 20.0, 8.0),
)  # fmt: skip
_DANCE = TaxonomyTask(
    9001, "Performing the Basic Choreography", "Dance", False,
    (),
    _groups("Choreography"),
    _steps((
        (2, 941, 1, "Step touch", "Step to the side and bring the other foot in",
         "step_touch", "", 4.0, True, ""),
        (3, 942, 1, "Arm waves", "Wave the arms overhead", "arm_wave", "", 3.0, True, ""),
        (4, 943, 1, "Spin", "Turn a full circle in small steps", "spin", "", 2.5, True, ""),
        (5, 944, 1, "Jump", "Jump with both feet", "jump", "", 2.5, True, ""),
    )),
)  # fmt: skip

TASKS: dict[int, TaxonomyTask] = {
    t.task_id: t
    for t in (_SALAD, _EGGS, _COVID, _WHEEL, _CHAIN, _GUITAR, _BASKETBALL, _CLIMBING, _SOCCER, _DANCE)
}
"""Every task of the catalogue by ``task_id``."""
SCENARIOS: dict[int, tuple[str, tuple[TaxonomyTask, ...]]] = {
    sid: (next(t.scenario_name for t in TASKS.values() if t.scenario_id == sid),
          tuple(t for t in TASKS.values() if t.scenario_id == sid))
    for sid in sorted({t.scenario_id for t in TASKS.values()})
}  # fmt: skip
"""Scenario id (``parent_task_id``) → (scenario name, its tasks)."""


def get_task(task_id: int) -> TaxonomyTask:
    """The catalogue task with this id.

    Raises:
        KeyError: naming the known ids.
    """
    try:
        return TASKS[task_id]
    except KeyError:
        raise KeyError(f"unknown task_id {task_id}; the catalogue has {sorted(TASKS)}") from None


@dataclass(frozen=True)
class ProficiencyProfile:
    """How a proficiency level shows in a performance."""

    level: str
    pace: float
    """Step duration multiplier relative to a Late Expert (≥ 1: slower)."""
    pace_jitter: float
    """Relative spread (log-normal sigma) of step durations."""
    swap_prob: float
    """Probability that a take contains an ordering mistake (two adjacent steps swapped)."""
    hesitation_prob: float
    """Probability of a pause before each step."""
    hesitation_s: tuple[float, float]
    """Range of pause lengths, seconds (at nominal pace)."""
    tremor_m: float
    """RMS amplitude of the low-frequency hand jitter, metres."""
    correction_prob: float
    """Probability that a reach misses and ends with a corrective sub-movement."""
    skip_optional_prob: float
    """Probability of skipping each optional step."""


_PROFILES = {
    "Novice": ProficiencyProfile("Novice", 1.7, 0.20, 0.7, 0.45, (0.8, 2.5), 0.008, 0.6, 0.25),
    "Early Expert": ProficiencyProfile("Early Expert", 1.4, 0.14, 0.35, 0.25, (0.5, 1.8), 0.005, 0.35, 0.3),
    "Intermediate Expert": ProficiencyProfile(
        "Intermediate Expert", 1.18, 0.09, 0.12, 0.12, (0.4, 1.2), 0.003, 0.15, 0.35
    ),
    "Late Expert": ProficiencyProfile("Late Expert", 1.0, 0.05, 0.03, 0.04, (0.3, 0.8), 0.0015, 0.05, 0.4),
}  # fmt: skip
_PLAN_BUDGET = 2.2
"""Slowest expected pace (Novice pace × pauses): the plan time scale lets a Novice fit the take, so
Experts finish early and the speed difference survives any take length."""
_MIN_SECONDS = MIN_TAKE_SECONDS
_PHYSICAL_SECONDS = 20.0


def proficiency_profile(level: str) -> ProficiencyProfile:
    """The :class:`ProficiencyProfile` of a level.

    Raises:
        ValueError: if ``level`` is not one of :data:`PROFICIENCY_LEVELS`.
    """
    try:
        return _PROFILES[level]
    except KeyError:
        raise ValueError(f"unknown proficiency {level!r}; expected one of {PROFICIENCY_LEVELS}") from None


@dataclass(frozen=True)
class PlannedStep:
    """One step (or phrase) placed in time."""

    step: Step
    start_sec: float
    """Start, seconds from take start."""
    end_sec: float
    """End, seconds from take start."""
    mistake: bool = False
    """Performed out of the canonical order (an ordering mistake)."""

    @property
    def name(self) -> str:
        """Step name."""
        return self.step.name

    @property
    def unique_id(self) -> int:
        """Global ``step_unique_id``."""
        return self.step.unique_id

    @property
    def node_id(self) -> int:
        """``step_id`` within the task taxonomy."""
        return self.step.node_id

    @property
    def essential(self) -> bool:
        """``is_essential``."""
        return self.step.essential


@dataclass(frozen=True)
class StepSchedule:
    """What a participant will do in one take, and when."""

    task: TaxonomyTask
    proficiency: str
    seconds: float
    """Take length, seconds."""
    task_start_sec: float
    task_end_sec: float
    steps: tuple[PlannedStep, ...]
    """In performed order, back to back except for :attr:`pauses`."""
    pauses: tuple[tuple[float, float], ...]
    """Hesitations ``(start_sec, end_sec)`` between steps."""
    skipped: tuple[Step, ...]
    """Optional steps left out."""
    dropped: tuple[Step, ...]
    """Steps not reached because the take ended first (fixed, short ``seconds``)."""

    @property
    def mistakes(self) -> tuple[PlannedStep, ...]:
        """Steps performed out of order."""
        return tuple(s for s in self.steps if s.mistake)


def plan_take(
    task: TaxonomyTask | int,
    *,
    proficiency: str,
    rng: np.random.Generator | int,
    seconds: float | None = None,
) -> StepSchedule:
    """Plan a take: which steps, in which order, with which timing.

    Procedural tasks: the canonical keysteps, optional ones sometimes skipped, at most one ordering
    mistake (two adjacent steps swapped; the one done early is flagged), pauses before some steps, step
    durations from the nominal ones times the proficiency pace. With ``seconds=None`` the take lasts as
    long as the participant needs (so less proficient participants make longer takes). With a fixed
    ``seconds`` the durations are scaled by a factor common to all proficiency levels (chosen so that a
    Novice fits, clipped to [0.6, 2]), so Experts finish early; if the steps still do not fit, the take
    ends before the task is done (trailing steps in :attr:`StepSchedule.dropped`).
    Physical tasks: phrases drawn from the repertoire until the task window is full (the closing phrase,
    if any, last); ``seconds=None`` means about 20 s.

    Args:
        task: a catalogue :class:`TaxonomyTask` or its ``task_id``.
        proficiency: one of :data:`PROFICIENCY_LEVELS`.
        rng: generator or integer seed.
        seconds: take length, seconds (≥ 4), or None to fit the plan.

    Returns:
        The :class:`StepSchedule`; ``0 < task_start_sec < task_end_sec < seconds``.

    Raises:
        ValueError: for an unknown proficiency or a take shorter than 4 s.
    """
    task = get_task(task) if isinstance(task, int) else task
    prof = proficiency_profile(proficiency)
    if seconds is not None and not seconds >= _MIN_SECONDS:
        raise ValueError(f"seconds={seconds} is too short; a take needs at least {_MIN_SECONDS} s")
    rng = np.random.default_rng(rng)
    lead, tail = rng.uniform(0.4, 1.0), rng.uniform(0.3, 0.8)
    if seconds is None and not task.procedural:
        seconds = _PHYSICAL_SECONDS
    if seconds is not None:
        lead, tail = min(lead, 0.1 * seconds), min(tail, 0.08 * seconds)
    if task.procedural:
        return _plan_procedural(task, prof, margins=(lead, tail), rng=rng, seconds=seconds)
    return _plan_physical(task, prof, window=(lead, seconds - tail), rng=rng, seconds=seconds)


def _plan_procedural(
    task: TaxonomyTask,
    prof: ProficiencyProfile,
    *,
    margins: tuple[float, float],
    rng: np.random.Generator,
    seconds: float | None,
) -> StepSchedule:
    start, tail = margins
    keep = [s for s in task.steps if s.essential or rng.random() >= prof.skip_optional_prob]
    skipped = tuple(s for s in task.steps if s not in keep)
    early = None
    if len(keep) >= 2 and rng.random() < prof.swap_prob:
        i = int(rng.integers(len(keep) - 1))
        keep[i], keep[i + 1] = keep[i + 1], keep[i]
        early = keep[i]
    durations = (
        np.array([s.seconds for s in keep]) * prof.pace * rng.lognormal(0.0, prof.pace_jitter, len(keep))
    )
    pauses = np.where(
        rng.random(len(keep)) < prof.hesitation_prob, rng.uniform(*prof.hesitation_s, len(keep)), 0.0
    )
    pauses[0] = 0.0
    dropped: tuple[Step, ...] = ()
    if seconds is None:
        seconds = start + float(durations.sum() + pauses.sum()) + tail
    else:
        available = seconds - start - tail
        scale = float(np.clip(available / (_PLAN_BUDGET * sum(s.seconds for s in task.steps)), 0.6, 2.0))
        durations, pauses = durations * scale, pauses * scale
        ends = np.cumsum(durations + pauses)
        n = max(1, int(np.searchsorted(ends, available, side="right")))
        dropped, keep, durations, pauses = tuple(keep[n:]), keep[:n], durations[:n], pauses[:n]
        if ends[n - 1] > available:  # a single step longer than the take: squeeze it
            durations *= available / ends[n - 1]
    t, steps, pause_list = start, [], []
    for s, d, p in zip(keep, durations, pauses, strict=True):
        if p > 0:
            pause_list.append((t, t + float(p)))
            t += float(p)
        steps.append(PlannedStep(s, t, t + float(d), mistake=s is early))
        t += float(d)
    return StepSchedule(
        task, prof.level, seconds, start, t, tuple(steps), tuple(pause_list), skipped, dropped
    )


def _plan_physical(
    task: TaxonomyTask,
    prof: ProficiencyProfile,
    *,
    window: tuple[float, float],
    rng: np.random.Generator,
    seconds: float,
) -> StepSchedule:
    start, end = window
    available = end - start
    closing = task.step(task.closing_step) if task.closing_step else None
    repertoire = [s for s in task.steps if s is not closing] or list(task.steps)
    seq: list[Step] = []
    lengths: list[float] = []
    gaps: list[float] = []
    reserve = closing.seconds if closing else 0.0
    while True:
        options = [s for s in repertoire if not seq or s is not seq[-1]] or repertoire
        s = options[int(rng.integers(len(options)))]
        d = s.seconds * rng.uniform(0.8, 1.3)
        g = rng.uniform(*prof.hesitation_s) if seq and rng.random() < prof.hesitation_prob else 0.0
        if seq and sum(lengths) + sum(gaps) + d + g + reserve > available:
            break
        seq.append(s)
        lengths.append(d)
        gaps.append(g)
    if closing is not None:
        seq.append(closing)
        lengths.append(closing.seconds)
        gaps.append(0.0)
    scale = available / (sum(lengths) + sum(gaps))
    t, steps, pauses = start, [], []
    for s, d, g in zip(seq, lengths, gaps, strict=True):
        if g > 0:
            pauses.append((t, t + g * scale))
            t += g * scale
        steps.append(PlannedStep(s, t, t + d * scale))
        t += d * scale
    return StepSchedule(task, prof.level, seconds, start, end, tuple(steps), tuple(pauses), (), ())
