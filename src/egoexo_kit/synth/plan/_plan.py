"""The release plan: captures, participants, takes, windows, splits and benchmarks, all from the seed.

Nothing is rendered here; the plan fixes every name, uid and time so that later stages (video,
sensors, annotations) can run in any order, or not at all (``annotations_only``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth._metadata import UidSource
from egoexo_kit.synth.plan._scenarios import PROFICIENCY_LEVELS, SCENARIOS
from egoexo_kit.synth.plan._taxonomy import TaxonomyTask
from egoexo_kit.vocab import FPS

__all__ = ["CapturePlan", "ReleasePlan", "TakePlan", "plan_release"]

UNIVERSITIES = (
    "cmu",
    "upenn",
    "unc",
    "sfu",
    "georgiatech",
    "iiith",
    "uniandes",
    "indiana",
    "utokyo",
    "fair",
    "minnesota",
    "nus",
)
"""Universities of the official downloader (FORMAT §2.7); UPenn names its GoPros ``gpNN``."""
LEAD_IN = 2.0
"""Seconds of capture before the first take (the sync flash and chirp happen at 1 s)."""
GAP = 1.5
"""Seconds between consecutive takes of a capture."""
_SLUGS = {"Bike Repair": "bike", "Rock Climbing": "bouldering", "Health": "covid"}
"""Capture-name words in the style of real names (``cmu_bike01``, ``uniandes_bouldering_028``)."""
SCALE_ROUND_S = 30.0
"""Annotation-scale mode: length of one round of a procedural task (steps are scaled to fit it)."""
SCALE_ROUNDS = (12, 17)
"""Annotation-scale mode: rounds of a procedural take (inclusive range): takes of 6–9 minutes."""
SCALE_PHYSICAL_S = (30.0, 80.0)
"""Annotation-scale mode: range of physical take lengths, seconds."""
SCALE_MASK_EVERY = 40
"""Annotation-scale mode: every this-many-th procedural take (and the first of each split) has masks…"""
SCALE_MASK_S = 20.0
"""…on its first this-many seconds (masks are the one family that needs rendering)."""
SCALE_POSE_EVERY = 3
"""Annotation-scale mode: every this-many-th take is in the EgoPose benchmarks…"""
SCALE_POSE_S = 4.0
"""…with keypoints and camera poses on this many seconds from its task start."""
SYNC_EVENT_TIME = 1.0
"""Common time (s) of the flash + chirp every device records (FORMAT-free: the raw captures' sync event)."""


@dataclass(frozen=True)
class TakePlan:
    """One take: identity, task, participant skill, window on the capture's timesync rows."""

    take_uid: str
    take_name: str
    take_idx: int
    task: TaxonomyTask
    proficiency: str
    narrated: bool
    split: str
    benchmarks: tuple[str, ...]
    start: float
    """Common time (s) of aligned frame 0."""
    n_frames: int
    start_idx: int
    """``timesync_start_idx``: frame ``i`` ↔ row ``start_idx + 1 + i`` (FORMAT §3.2)."""
    seed: int
    rounds: int = 1
    """Times the task is performed back to back, each round :attr:`seconds` / ``rounds`` long
    (annotation-scale procedural takes: a cook preparing several portions)."""
    mask_frames: int | None = None
    """Relation masks only on aligned frames below this (0: none); None: the whole take."""
    pose_frames: tuple[int, int] | None = None
    """EgoPose files cover only aligned frames ``[a, b)``; None: the whole take."""

    @property
    def end_idx(self) -> int:
        """``timesync_end_idx`` (exclusive end row)."""
        return self.start_idx + self.n_frames + 1

    @property
    def seconds(self) -> float:
        """Length of the take."""
        return self.n_frames / FPS


@dataclass(frozen=True)
class CapturePlan:
    """One capture session: devices, participant, and its takes back to back on one timeline."""

    capture_uid: str
    capture_name: str
    university: str
    aria_id: str
    exo_ids: tuple[str, ...]
    participant_uid: int
    participant_height: float
    setting_uid: int
    takes: tuple[TakePlan, ...]
    duration: float
    """Length of the capture's common timeline (s)."""
    seed: int


@dataclass(frozen=True)
class ReleasePlan:
    """Every capture of the release, plus the uid source the writers keep drawing from."""

    captures: tuple[CapturePlan, ...]
    uid: UidSource

    @property
    def takes(self) -> list[TakePlan]:
        """All takes in capture order."""
        return [t for c in self.captures for t in c.takes]


def _tasks_for(config: SynthConfig) -> list[TaxonomyTask]:
    wanted = {s.lower() for s in config.scenarios}
    known = {name.lower(): tasks for name, tasks in SCENARIOS.values()}
    unknown = wanted - set(known)
    if unknown:
        raise ValueError(f"unknown scenarios {sorted(unknown)}; known: {sorted(known)}")
    names = sorted(wanted) if wanted else sorted(known)
    return [t for n in names for t in known[n]]


def _splits(n: int, rng: np.random.Generator) -> list[str]:
    """About 60/20/20 train/val/test, each present once there are three takes."""
    base = ["train", "val", "test"][: min(n, 3)]
    rest = rng.choice(["train", "train", "train", "val", "test"], size=max(0, n - len(base))).tolist()
    out = base + rest
    rng.shuffle(out)
    return out


def _benchmarks(task: TaxonomyTask) -> tuple[str, ...]:
    names = [
        "ego_pose",
        "body_pose",
        "hand_pose",
        "proficiency_demonstrator",
        "proficiency_demonstration",
        "atomic_action_descriptions",
    ]
    if task.procedural:
        names += ["keystep", "correspondence", "translation"]
    return tuple(names)


_POSE_BENCHMARKS = ("ego_pose", "body_pose", "hand_pose")


def _scale_takes(captures: list[CapturePlan], seed: int) -> list[CapturePlan]:
    """Annotation-scale mode: give the planned takes minutes-long durations, rounds and annotation windows.

    Durations come from a generator of their own, so the rest of the plan is the same as without scale.
    """
    rng = np.random.default_rng([seed, 2])
    out, n, n_proc, masked_splits = [], 0, 0, set()
    for cap in captures:
        takes, start = [], LEAD_IN
        for t in cap.takes:
            if t.task.procedural:
                rounds = int(rng.integers(SCALE_ROUNDS[0], SCALE_ROUNDS[1] + 1))
                n_frames = int(round(rounds * SCALE_ROUND_S * FPS))
                first = t.split not in masked_splits and bool(t.task.objects)
                masks = int(SCALE_MASK_S * FPS) if first or n_proc % SCALE_MASK_EVERY == 0 else 0
                masked_splits |= {t.split} if masks and t.task.objects else set()
                n_proc += 1
            else:
                rounds, masks = 1, 0
                n_frames = int(round(rng.uniform(*SCALE_PHYSICAL_S) * FPS))
            pose_start = int(round(float(rng.uniform(0.5, 2.0)) * FPS))
            benchmarks = tuple(
                b for b in t.benchmarks if n % SCALE_POSE_EVERY == 0 or b not in _POSE_BENCHMARKS
            )
            start_idx = int(round(start * FPS)) - 1
            takes.append(
                replace(
                    t,
                    benchmarks=benchmarks,
                    start=(start_idx + 1) / FPS,
                    start_idx=start_idx,
                    n_frames=n_frames,
                    rounds=rounds,
                    mask_frames=masks,
                    pose_frames=(pose_start, pose_start + int(SCALE_POSE_S * FPS)),
                )
            )
            start = (start_idx + 1) / FPS + n_frames / FPS + GAP
            n += 1
        out.append(replace(cap, takes=tuple(takes), duration=start - GAP + 1.0))
    return out


def plan_release(config: SynthConfig) -> ReleasePlan:
    """Decide every capture and take of the release from ``config`` (deterministic in ``config.seed``)."""
    rng = np.random.default_rng([config.seed, 1])
    uid = UidSource(config.seed)
    tasks = _tasks_for(config)
    if config.takes is not None:
        n_caps = -(-config.takes // config.takes_per_capture)
        per_cap = [
            min(config.takes_per_capture, config.takes - i * config.takes_per_capture) for i in range(n_caps)
        ]
    else:
        per_cap = [config.takes_per_capture] * config.captures
    splits = _splits(sum(per_cap), rng)  # drawn even when given, so the rest of the plan stays the same
    if config.splits:
        splits = [config.splits[i % len(config.splits)] for i in range(len(splits))]
    n_frames = int(round((config.seconds or 4.0) * FPS))
    captures = []
    counters: dict[str, int] = {}
    for c, n_takes in enumerate(per_cap):
        task = tasks[c % len(tasks)] if c < len(tasks) else tasks[int(rng.integers(len(tasks)))]
        univ = UNIVERSITIES[int(rng.integers(len(UNIVERSITIES)))] if c else UNIVERSITIES[0]
        slug = _SLUGS.get(task.scenario_name, task.scenario_name.split()[0].lower())
        counters[slug] = counters.get(slug, 0) + 1
        name = (
            f"{univ}_{slug}_{counters[slug]:02d}_{c + 1:03d}"
            if config.takes
            else f"{univ}_{slug}_{c + 1:02d}"
        )
        prefix = "gp" if univ == "upenn" else "cam"
        exo_ids = tuple(f"{prefix}{j + 1:02d}" for j in range(config.exo_cams))
        aria_id = "aria02" if c % 3 == 2 else "aria01"
        level = PROFICIENCY_LEVELS[(c + int(rng.integers(4))) % len(PROFICIENCY_LEVELS)]
        capture_uid = uid()
        takes = []
        start = LEAD_IN
        for k in range(n_takes):
            i = len([t for cap in captures for t in cap.takes]) + k
            start_idx = int(round(start * FPS)) - 1
            takes.append(
                TakePlan(
                    take_uid=uid(),
                    take_name=f"{name}_{k + 1}",
                    take_idx=k + 1,
                    task=task,
                    proficiency=level,
                    narrated=bool(task.procedural and (k + c) % 3 == 0),
                    split=splits[i],
                    benchmarks=_benchmarks(task),
                    start=(start_idx + 1) / FPS,
                    n_frames=n_frames,
                    start_idx=start_idx,
                    seed=int(rng.integers(2**31)),
                )
            )
            start = (start_idx + 1) / FPS + n_frames / FPS + GAP
        captures.append(
            CapturePlan(
                capture_uid=capture_uid,
                capture_name=name,
                university=univ,
                aria_id=aria_id,
                exo_ids=exo_ids,
                participant_uid=600 + c,
                participant_height=float(rng.uniform(1.58, 1.9)),
                setting_uid=90 + c,
                takes=tuple(takes),
                duration=start - GAP + 1.0,
                seed=int(rng.integers(2**31)),
            )
        )
    if config.scale:
        captures = _scale_takes(captures, config.seed)
    return ReleasePlan(captures=tuple(captures), uid=uid)
