"""Written annotations: atomic action descriptions (FORMAT §7.7) and expert commentary (§7.8).

Atomic descriptions: one sentence per step start and per contact (a run of tool strokes on the same
target counts once), from templates with several phrasings, time-stamped a little after the event (a
human reacts late). ``ego_visible`` says whether the acting hand or the object is inside the Aria RGB
frame at the event; ``best_exo`` is the exo camera that shows the acting hand nearest its image centre.
Some takes have a second annotator with other phrasings and delays, who skips a few events.

Expert commentary: 1–2 experts per train/val take, 2–4 comments each: praise for steps done without
hesitation or mistake, tips at ordering mistakes and hesitations, a 1–10 rating that follows the
participant's proficiency. Each comment is also a short WebM (Opus) voice recording and its
transcription; experts sometimes draw a circle around the acting hand on the best exo view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import av
import numpy as np

from egoexo_kit._io import atomic_path, write_json
from egoexo_kit.geometry import invert_pose, transform_points
from egoexo_kit.synth.annotations._ann_common import (
    LABELLED_SPLITS,
    best_exo_view,
    export_time,
    frame_at,
    new_uid,
    object_centre_world,
    palm_world,
    pick,
    pronouns,
    take_rng,
)
from egoexo_kit.synth.capture import TakeTruth, ViewTruth
from egoexo_kit.synth.plan import FPS, PlannedStep, TakePlan

if TYPE_CHECKING:
    from egoexo_kit.synth.annotations._annotations import TakeAnnotationParts

__all__ = [
    "Comment",
    "Commentary",
    "atomic_descriptions",
    "commentary_for",
    "write_atomic_descriptions",
    "write_expert_commentary",
    "write_take_commentary",
]

_ANKLES = [15, 16]
_SIDES = ("right", "left")
_NOT_VERBS = {"the", "a", "an", "each", "every", "one", "both", "it", "its", "some", "single", "back"}

_GRASP = (
    "C picks up the {obj} with {poss} {side} hand.",
    "C picks up the {obj} with the {side} hand.",
    "C grabs the {obj} with {poss} {side} hand.",
    "C takes the {obj} in {poss} {side} hand.",
    "C lifts the {obj} with the {side} hand.",
)
_RELEASE = (
    "C places the {obj} on the table.",
    "C puts the {obj} down with {poss} {side} hand.",
    "C sets the {obj} down.",
    "C releases the {obj} from {poss} {side} hand.",
    "C puts down the {obj}.",
)
_IMPACT = {
    "cut": ("C cuts the {target} with the {tool}.", "C slices the {target} with the {tool} in {poss} hand."),
    "scrub": ("C scrubs the {target} with the {tool}.", "C rubs the {target} with the {tool}."),
    "tap": ("C taps the {tool} against the {target}.", "C knocks the {tool} on the {target}."),
    "press": ("C presses the {obj} with {poss} {side} hand.", "C pushes the {obj} with a finger."),
    "dribble": ("C dribbles the {obj} with {poss} {side} hand.", "C bounces the {obj} on the floor."),
    "floor": ("C lands on the floor.", "C lands back on {poss} feet."),
    "": ("C touches the {obj} with {poss} {side} hand.", "C hits the {obj}.", "C taps the {obj}."),
}
_STEP = ("C {does}.", "C {does}.", "C starts to {do}.", "C begins to {do}.")


def _verb_s(verb: str) -> str:
    """Third-person singular of an English verb (regular rules plus have/do/go)."""
    irregular = {"have": "has", "do": "does", "go": "goes"}
    if verb in irregular:
        return irregular[verb]
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        return verb + "es"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ies"
    return verb + "s"


def _infinitive(phrase: str, truth: TakeTruth) -> str:
    """An imperative step phrase as a lowercase infinitive about the participant ("you" → "her")."""
    _, obj, poss = pronouns(truth)
    text = phrase[:1].lower() + phrase[1:]
    return re.sub(r"\byour\b", poss, re.sub(r"\byou\b", obj, text))


def third_person(phrase: str, truth: TakeTruth) -> str:
    """Third-person form of an imperative phrase: "Lift the bowl and look" → "lifts the bowl and looks"."""
    words = _infinitive(phrase, truth).split()
    words[0] = _verb_s(words[0])
    for i in range(1, len(words) - 1):
        if words[i] == "and" and words[i + 1] not in _NOT_VERBS:
            words[i + 1] = _verb_s(words[i + 1])
    return " ".join(words)


def _step_phrase(ps: PlannedStep, truth: TakeTruth, *, rng: np.random.Generator) -> str:
    """Imperative phrase of a step: name or description (keysteps), description (physical phrases).

    Physical phrase names are nouns ("Jump shot"), so only their descriptions read as actions.
    """
    return (
        pick(rng, (ps.step.name, ps.step.description)) if truth.plan.task.procedural else ps.step.description
    )


def _raw_cam_id(cam_id: str) -> str:
    """``cam01`` → ``"1"`` (``best_exo.raw_cam_id``)."""
    digits = re.sub(r"\D", "", cam_id)
    return str(int(digits)) if digits else cam_id


# -- atomic descriptions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Event:
    """Something an annotator describes: a step start or a contact."""

    t: float
    kind: str
    """``step``, ``grasp``, ``release`` or ``impact``."""
    step: PlannedStep | None
    obj: str
    side: int | None
    """Acting hand (0 right, 1 left), None for a landing."""
    point: np.ndarray
    """World point of the action (palm of the acting hand, or the ankles)."""


def _segment_at(truth: TakeTruth, t: float) -> PlannedStep | None:
    for ps in truth.perf.segments:
        if ps.start_sec <= t <= ps.end_sec:
            return ps
    return None


def _events(truth: TakeTruth) -> list[_Event]:
    """Step starts and contacts inside the take, stroke runs collapsed, sorted by time."""
    duration = truth.n_frames / FPS
    out: list[_Event] = []
    last_impact: tuple[str, PlannedStep | None] | None = None
    contacts = [c for c in truth.perf.contacts if 0.0 <= c.t_sec < duration]
    for c in contacts:
        ps = _segment_at(truth, c.t_sec)
        if c.kind == "impact" and last_impact == (c.object_name, ps):
            continue
        last_impact = (c.object_name, ps) if c.kind == "impact" else None
        f = frame_at(truth, c.t_sec)
        tool = ps.step.objects[0] if ps and ps.step.action == "use" and c.kind == "impact" else c.object_name
        ref = object_centre_world(truth, tool, f)
        if ref is None:  # the floor: a landing
            out.append(_Event(c.t_sec, c.kind, ps, c.object_name, None, truth.body_world[f, _ANKLES].mean(0)))
            continue
        side = int(np.argmin([np.linalg.norm(palm_world(truth, f, s) - ref) for s in (0, 1)]))
        out.append(_Event(c.t_sec, c.kind, ps, c.object_name, side, palm_world(truth, f, side)))
    for ps in truth.perf.segments:
        if not 0.0 <= ps.start_sec < duration:
            continue
        first = next((e for e in out if e.step is ps and e.side is not None), None)
        side = first.side if first else 0
        obj = ps.step.objects[0] if ps.step.objects else ""
        out.append(
            _Event(
                ps.start_sec, "step", ps, obj, side, palm_world(truth, frame_at(truth, ps.start_sec), side)
            )
        )
    return sorted(out, key=lambda e: (e.t, e.kind))


def _describe(event: _Event, truth: TakeTruth, *, rng: np.random.Generator) -> str:
    """One sentence about ``event``, phrased at random among the templates."""
    _, _, poss = pronouns(truth)
    ps = event.step
    fields = {"obj": event.obj, "poss": poss, "side": _SIDES[event.side or 0]}
    if event.kind == "step" and ps is not None:
        phrase = _step_phrase(ps, truth, rng=rng)
        return pick(rng, _STEP).format(does=third_person(phrase, truth), do=_infinitive(phrase, truth))
    if event.kind == "grasp":
        return pick(rng, _GRASP).format(**fields)
    if event.kind == "release":
        return pick(rng, _RELEASE).format(**fields)
    style = ""
    if event.side is None:
        style = "floor"
    elif ps is not None and ps.step.action == "use" and len(ps.step.objects) >= 2:
        style = ps.step.style if ps.step.style in _IMPACT else ""
        fields |= {"tool": ps.step.objects[0], "target": ps.step.objects[1]}
    elif ps is not None and ps.step.action in _IMPACT:
        style = ps.step.action
    return pick(rng, _IMPACT[style]).format(**fields)


def _views_of(truth: TakeTruth, events: list[_Event]) -> list[tuple[bool, ViewTruth | None]]:
    """Per event: whether the Aria sees the acting point or the object, and the best exo view (or None).

    The best exo view shows the acting point nearest its image centre (as :func:`best_exo_view`).
    """
    if not events:
        return []
    frames = np.array([frame_at(truth, e.t) for e in events])
    acting = np.stack([e.point for e in events])
    objs = [object_centre_world(truth, e.obj, int(f)) for e, f in zip(events, frames, strict=True)]
    has_obj = np.array([c is not None for c in objs])
    centres = np.stack([acting[i] if c is None else c for i, c in enumerate(objs)])
    ego = _seen(truth.aria, frames, acting)[1] | (has_obj & _seen(truth.aria, frames, centres)[1])
    exo = truth.exo_views
    dist = np.full((len(exo), len(events)), np.inf)
    for k, view in enumerate(exo):
        px, ok = _seen(view, frames, acting)
        half = np.array([view.camera.width - 1, view.camera.height - 1]) / 2
        dist[k, ok] = np.hypot(*((px[ok] - half) / half).T)
    best = np.argmin(dist, axis=0)
    return [
        (bool(ego[i]), exo[best[i]] if np.isfinite(dist[best[i], i]) else None) for i in range(len(events))
    ]


def _seen(view: ViewTruth, frames: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World points (E, 3), one per aligned frame, in a view: pixels (E, 2) and in front and inside (E,)."""
    p_cam = transform_points(invert_pose(view.T_world_cam[frames]), points[:, None])[:, 0]
    return view.camera.project(p_cam)


def _descriptions(
    truth: TakeTruth,
    events: list[_Event],
    *,
    views: list[tuple[bool, ViewTruth | None]],
    rng: np.random.Generator,
    skip_p: float,
) -> list[dict[str, Any]]:
    """One annotator's descriptions of ``events`` (``views``: from :func:`_views_of`)."""
    duration = truth.n_frames / FPS
    out = []
    for e, (ego_visible, best) in zip(events, views, strict=True):
        if rng.random() < skip_p:
            continue
        delay = rng.uniform(0.15, 0.9) if e.kind == "step" else rng.uniform(0.05, 0.5)
        out.append(
            {
                "text": _describe(e, truth, rng=rng),
                "timestamp": round(float(min(e.t + delay, duration - 1.0 / FPS)), 5),
                "narration_subject": "C",
                "ego_visible": ego_visible,
                "best_exo": None
                if best is None
                else {"raw_cam_id": _raw_cam_id(best.cam_id), "cam_id": best.cam_id},
                "unsure": bool(rng.random() < 0.05 or (best is None and not ego_visible)),
            }
        )
    return sorted(out, key=lambda d: d["timestamp"])


def atomic_descriptions(truth: TakeTruth, *, seed: int) -> list[dict[str, Any]]:
    """One take's entry of ``atomic_descriptions_<split>.json``: one or two annotators' descriptions."""
    rng = take_rng(seed, truth.plan, "atomic-descriptions")
    events = _events(truth)
    views = _views_of(truth, events)
    return [
        {
            "annotation_uid": new_uid(rng),
            "annotator_id": str(int(rng.integers(10**15, 10**16))),
            "rejected": False,
            "reject_reason": None,
            "descriptions": _descriptions(truth, events, views=views, rng=rng, skip_p=0.1 * k),
        }
        for k in range(1 + int(rng.random() < 0.35))
    ]


def write_atomic_descriptions(ann: Path, *, takes: list[TakeAnnotationParts]) -> None:
    """Write ``atomic_descriptions_{train,val}.json`` (FORMAT §7.7); test is withheld.

    Args:
        ann: the ``annotations`` folder.
        takes: every annotated take.
    """
    for split in LABELLED_SPLITS:
        annotations = {t.plan.take_uid: t.atomic for t in takes if t.plan.split == split}
        write_json(ann / f"atomic_descriptions_{split}.json", {"annotations": annotations})


# -- expert commentary ----------------------------------------------------------------------------------

_ROLES = {
    "Bike Repair": "our mechanic",
    "Cooking": "our cook",
    "Basketball": "the player",
    "Soccer": "the player",
    "Dance": "the dancer",
    "Music": "the musician",
    "Rock Climbing": "the climber",
}
_PRAISE = (
    "{Subj} {does} nice and smoothly here, no wasted motion.",
    "Good job here. {Subj} {does} with confidence.",
    "I like this part: {subj} {does} efficiently and stays in control.",
    "This is a good example of how to {do}: calm and steady.",
)
_TIP_ORDER = (
    "{Subj} {does} a little too early here. It is better to finish the previous step first.",
    "Careful with the order: it is better to {do} later in the procedure.",
    "Here the steps are out of order. {Subj} should {do} only after the earlier steps are done.",
)
_TIP_PAUSE = (
    "{Subj} pauses here and seems unsure what comes next. Knowing the sequence ahead of time saves time.",
    "There is a hesitation here. With more practice {subj} would go straight into the next step.",
    "Here {subj} stops to think. Planning the next move earlier would keep the flow going.",
)
_TIP_FORM = (
    "When {subj} {does}, the hands are a bit shaky. Slowing down slightly would give more control.",
    "{Subj} could {do} more efficiently by keeping the elbows closer to the body.",
)
_LABELS = {
    "praise": ("smooth execution", "good control", "efficient movement"),
    "order": ("follow the procedure order",),
    "pause": ("avoid hesitation", "plan the next step"),
    "form": ("steadier hands", "more efficient movement"),
}
_FORM_REMARK_P = {"Novice": 0.7, "Early Expert": 0.45, "Intermediate Expert": 0.15}
"""Chance that an expert remarks on the form of a clean step rather than praising it."""
_RATINGS = {"Novice": (1, 3), "Early Expert": (3, 5), "Intermediate Expert": (5, 7), "Late Expert": (8, 10)}
_WHY = {
    "Novice": (
        "{Subj} is still learning this task: several pauses, and the order is not always right.",
        "Clearly a beginner. The basics are there but every step takes a lot of thought.",
    ),
    "Early Expert": (
        "{Subj} knows the basic steps but still hesitates at times.",
        "Decent work overall, with some uncertainty and a few unnecessary movements.",
    ),
    "Intermediate Expert": (
        "Mostly fluent, with a few small inefficiencies.",
        "{Subj} is comfortable with the task; only minor details to improve.",
    ),
    "Late Expert": (
        "Confident and efficient throughout; this is expert-level work.",
        "{Subj} works like a professional: fluid, precise and well organized.",
    ),
}


@dataclass(frozen=True)
class Comment:
    """One spoken comment of an expert."""

    video_time: float
    """Seconds from take start."""
    kind: str
    """``praise`` or ``tip``."""
    text: str
    """Transcription (with Whisper's leading space)."""
    labels: tuple[str, ...]
    """Short tags (the ``list`` of proficiency-demonstration items)."""
    duration_approx: float
    """Length of the recording, seconds."""
    drawing: tuple[float, float] | None
    """Centre of a circle drawn on the best exo frame, normalized [0, 1] image coordinates."""


@dataclass(frozen=True)
class Commentary:
    """One expert's commentary of a take."""

    expert_uid: str
    rating: int
    """1–10, following the participant's proficiency."""
    why: str
    comments: tuple[Comment, ...]
    """Sorted by ``video_time``."""


_Moment = tuple[str, float, float, PlannedStep | None]
"""``(reason, t0, t1, step)``: what an expert may comment on, and when."""


def _moments(truth: TakeTruth, *, rng: np.random.Generator) -> list[_Moment]:
    """What experts may remark on: order mistakes, pauses, and the other steps.

    A step done without mistake or hesitation earns praise, or a remark on form (the likelier, the less
    proficient the participant).
    """
    pause_ends = [b for _, b in truth.perf.pauses]
    form_p = _FORM_REMARK_P.get(truth.plan.proficiency, 0.0)
    out: list[_Moment] = [("pause", a, b, None) for a, b in truth.perf.pauses]
    for ps in truth.perf.segments:
        if ps.mistake:
            out.append(("order", ps.start_sec, ps.end_sec, ps))
        elif not any(abs(ps.start_sec - b) < 1e-6 for b in pause_ends):
            out.append(("form" if rng.random() < form_p else "praise", ps.start_sec, ps.end_sec, ps))
    return sorted(out, key=lambda m: m[1])


def _comment(truth: TakeTruth, moment: _Moment, *, rng: np.random.Generator) -> Comment:
    """Phrase one moment as a comment at a time inside it (and inside the take)."""
    reason, t0, t1, ps = moment
    duration = truth.n_frames / FPS
    video_time = round(float(np.clip(rng.uniform(t0 + 0.3 * (t1 - t0), t1), 0.05, duration - 0.05)), 6)
    role = _ROLES.get(truth.plan.task.scenario_name, "the participant")
    subj = pick(rng, ("the participant", pronouns(truth)[0], role))
    phrase = "" if ps is None else (ps.step.name if truth.plan.task.procedural else ps.step.description)
    templates = {"praise": _PRAISE, "order": _TIP_ORDER, "pause": _TIP_PAUSE, "form": _TIP_FORM}[reason]
    text = pick(rng, templates).format(
        Subj=subj[:1].upper() + subj[1:],
        subj=subj,
        does=third_person(phrase, truth) if phrase else "",
        do=_infinitive(phrase, truth) if phrase else "",
    )
    labels = ((ps.step.name,) if ps is not None else ()) + (pick(rng, _LABELS[reason]),)
    f = frame_at(truth, video_time)
    best = best_exo_view(truth, f, palm_world(truth, f, 0))
    drawing = None
    if best is not None and rng.random() < 0.5:
        view, px = best
        drawing = (round(float(px[0] / view.camera.width), 4), round(float(px[1] / view.camera.height), 4))
    return Comment(
        video_time=video_time,
        kind="praise" if reason == "praise" else "tip",
        text=" " + text,
        labels=labels,
        duration_approx=round(0.38 * len(text.split()) + float(rng.uniform(0.8, 2.5)), 6),
        drawing=drawing,
    )


def commentary_for(truth: TakeTruth, *, seed: int) -> list[Commentary]:
    """The experts' commentaries of a take: 1–2 experts, 2–4 comments each (fewer on a bare take)."""
    rng = take_rng(seed, truth.plan, "expert-commentary")
    moments = _moments(truth, rng=rng)
    level = truth.plan.proficiency
    out = []
    for _ in range(1 + int(rng.random() < 0.4)):
        expert = "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz0123456789"), size=6))
        k = min(len(moments), int(rng.integers(2, 5)))
        chosen = sorted(rng.choice(len(moments), size=k, replace=False)) if moments else []
        comments = sorted((_comment(truth, moments[i], rng=rng) for i in chosen), key=lambda c: c.video_time)
        why = pick(rng, _WHY[level]).format(
            Subj=pick(rng, ("The participant", pronouns(truth)[0].capitalize()))
        )
        rating = int(rng.integers(_RATINGS[level][0], _RATINGS[level][1] + 1))
        out.append(Commentary(expert, rating, why, tuple(comments)))
    return out


def _speech(text: str, *, seconds: float, rng: np.random.Generator, rate: int = 48_000) -> np.ndarray:
    """A voice-like mono signal, ``seconds`` long: one vowel-coloured harmonic burst per word."""
    out = np.zeros(int(round(seconds * rate)))
    f0 = rng.uniform(95.0, 210.0)
    n_word = int(0.28 * rate)
    tau = np.arange(n_word) / n_word
    harmonics = np.arange(1, 9)
    phase = 2 * np.pi * f0 * (1.0 + 0.06 * (0.5 - tau)) * tau * n_word / rate
    for i in range(len(text.split())):
        start = int((0.3 + 0.36 * i) * rate)
        if start + n_word > out.size:
            break
        gain = 1.0 / (1.0 + ((harmonics * f0 - rng.uniform(500.0, 1500.0)) / 250.0) ** 2)
        tone = (gain[:, None] * np.sin(harmonics[:, None] * phase)).sum(axis=0) / gain.sum()
        out[start : start + n_word] += 0.3 * np.sin(np.pi * tau) ** 2 * tone
    return out


def _write_webm(path: Path, samples: np.ndarray, *, rate: int = 48_000, fast: bool = False) -> None:
    """Mono Opus in WebM, bit-exact: the same samples give the same bytes.

    ``fast``: the lowest encoder complexity (about 3× quicker; other bytes, as good for a placeholder voice).
    Opus takes 48, 24, 16, 12 or 8 kHz input.
    """
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype(np.int16)[None]
    with (
        atomic_path(path) as tmp,
        av.open(str(tmp), "w", format="webm", options={"fflags": "+bitexact"}) as c,
    ):
        stream = c.add_stream("libopus", rate=rate, options={"compression_level": "0"} if fast else None)
        stream.layout = "mono"
        stream.bit_rate = 24_000
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = rate
        frame.pts = 0
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            c.mux(packet)


def _drawing_events(comment: Comment, *, start_ms: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """A circle drawn around ``comment.drawing`` (8 strokes, 16 ms apart), cleared when the comment ends."""
    if comment.drawing is None:
        return []
    t0 = start_ms + int(rng.integers(300, 1500))
    angles = np.linspace(0.0, 2 * np.pi, 9)
    xs, ys = comment.drawing[0] + 0.04 * np.cos(angles), comment.drawing[1] + 0.06 * np.sin(angles)
    pts = [
        {"x": round(float(x), 4), "y": round(float(y), 4), "t": t0 + 16 * i}
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    ]
    strokes = [{"from": a, "to": b} for a, b in zip(pts[:-1], pts[1:], strict=True)]
    clear_ms = start_ms + int(1000 * comment.duration_approx)
    return [
        {"type": "path", "action": "draw", "global_time": t0, "paths": strokes},
        {"type": "path", "action": "clear", "global_time": clear_ms, "paths": []},
    ]


def _write_form2(
    folder: Path, truth: TakeTruth, expert: Commentary, *, ds: str, seed: int, fast: bool = False
) -> None:
    """``expert_commentary/<take>/<expert>/``: ``data.json``, ``transcriptions.json``, ``recordings/``."""
    rng = take_rng(seed, truth.plan, f"expert-recordings-{expert.expert_uid}")
    clock_ms = int(export_time(seed).timestamp() * 1000) - int(rng.integers(2, 20)) * 86_400_000
    annotations, transcriptions = [], {}
    for n, c in enumerate(expert.comments):
        clock_ms += int(1000 * (c.duration_approx + rng.uniform(3.0, 20.0)))
        annotations.append(
            {
                "recording_path": f"{n}.webm",
                "duration_approx": c.duration_approx,
                "video_time": c.video_time,
                "start_global_time": clock_ms,
                "events": _drawing_events(c, start_ms=clock_ms, rng=rng),
            }
        )
        transcriptions[f"{n}.webm"] = {"text": c.text, "language": "en", "error": False, "_error_desc": None}
        rate = 16_000 if fast else 48_000
        speech = _speech(c.text, seconds=c.duration_approx, rng=rng, rate=rate)
        _write_webm(folder / "recordings" / f"{n}.webm", speech, rate=rate, fast=fast)
    write_json(folder / "transcriptions.json", transcriptions, indent=4)
    data = {"user_id": expert.expert_uid, "video_name": truth.plan.take_name, "ds": ds}
    proficiency = {"rating": expert.rating, "why": expert.why}
    write_json(folder / "data.json", data | {"annotations": annotations, "proficiency": proficiency})


def _form1_entry(plan: TakePlan, expert: Commentary, *, index: int) -> dict[str, Any]:
    """One expert's item of ``expert_commentary_*.json`` (FORMAT §7.8, form 1)."""
    name = plan.take_name
    data = [
        {
            "recording": f"{n}.webm",
            "video_time": c.video_time,
            "text": c.text,
            "error": False,
            "_error_desc": None,
            "duration_approx": c.duration_approx,
        }
        for n, c in enumerate(expert.comments)
    ]
    return {
        "take_name": name,
        "take_uid": plan.take_uid,
        "task_id": plan.task.task_id,
        "task_name": plan.task.name,
        "commentary": f"{name}/{expert.expert_uid}",
        "commentary_data": data,
        "_debug_commentary_name": f"{expert.expert_uid}_{name}_{index}",
    }


def _commentary_ds(seed: int) -> str:
    """The ``ds`` export stamp of the commentary files."""
    return export_time(seed).strftime("%Y%m%d_%H:%M:%S")


def write_take_commentary(
    ann: Path, truth: TakeTruth, *, seed: int, fast_audio: bool = False
) -> list[Commentary]:
    """One take's experts: writes ``expert_commentary/<take>/<expert>/`` (form 2) and returns them.

    ``fast_audio``: 16 kHz recordings at the lowest Opus complexity (annotation-scale releases).
    """
    experts = commentary_for(truth, seed=seed)
    for e in experts:
        folder = ann / "expert_commentary" / truth.plan.take_name / e.expert_uid
        _write_form2(folder, truth, e, ds=_commentary_ds(seed), seed=seed, fast=fast_audio)
    return experts


def write_expert_commentary(ann: Path, *, takes: list[TakeAnnotationParts], seed: int) -> None:
    """Write ``expert_commentary_{train,val}.json`` (FORMAT §7.8, form 1); test is withheld.

    The per-take folders (form 2) are written by :func:`write_take_commentary`.

    Args:
        ann: the ``annotations`` folder.
        takes: every annotated take.
        seed: the release seed.
    """
    for split in LABELLED_SPLITS:
        annotations = {
            t.plan.take_uid: [_form1_entry(t.plan, e, index=k) for k, e in enumerate(t.commentary)]
            for t in takes
            if t.plan.split == split
        }
        write_json(
            ann / f"expert_commentary_{split}.json",
            {"ds": _commentary_ds(seed), "annotations": annotations},
            indent=2,
        )
