"""Shared plumbing of the benchmark tasks: results, problem collection, typed JSON checks.

A task's ``submission.py`` walks the ground truth and the prediction once, records *every*
problem it sees in a :class:`Problems` collector (each with its JSON pointer) and only then
raises, so a user fixes a submission in one round instead of one error per run.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import json_ready
from egoexo_kit.errors import EgoExoKitError, FormatError, SubmissionError
from egoexo_kit.release import load_json
from egoexo_kit.vocab import pointer

__all__ = [
    "MAX_COORDINATE_M",
    "EvalResult",
    "ScoreNote",
    "balanced_accuracy",
    "InvalidGroundTruth",
    "InvalidSubmission",
    "Problems",
    "as_array",
    "as_number",
    "as_object",
    "load_pair",
    "nan_notes",
    "safe_ratio",
]


@dataclass(frozen=True)
class ScoreNote:
    """Why metrics of an :class:`EvalResult` are NaN: nothing was left to score (not an error).

    A valid submission can score nothing (every clip shorter than the short-clip filter, a ground
    truth without segments); the note names that cause and the option that changes it, so that a
    bare ``nan`` is never the whole answer, in a notebook as on the command line.
    """

    metrics: tuple[str, ...]
    """The NaN metrics it explains: the note's place in the result."""
    message: str
    """The cause, then after a colon what to change when an option controls it."""
    option: str | None = None
    """That option in CLI spelling (``--min-clip-len``; the keyword ``min_clip_len`` in Python)."""

    @property
    def path(self) -> str:
        """No file: a note is about the result (the CLI prints notes and file problems alike)."""
        return ""

    @property
    def where(self) -> str:
        """The metrics it explains, comma-separated."""
        return ", ".join(self.metrics)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        """``{"metrics", "message", "option"}``."""
        return {"metrics": list(self.metrics), "message": self.message, "option": self.option}


def nan_notes(
    metrics: dict[str, Any], message: str, *, names: Iterable[str] | None = None, option: str | None = None
) -> list[ScoreNote]:
    """One note for the metrics among ``names`` (default: all) that are NaN; none when all are scored.

    Tasks call it with the cause they found, so a note never claims a metric that has a value.
    """
    chosen = metrics if names is None else names
    nan = tuple(n for n in chosen if isinstance(metrics.get(n), float) and math.isnan(metrics[n]))
    return [ScoreNote(nan, message, option)] if nan else []


@dataclass(frozen=True)
class EvalResult:
    """What ``egoexo-kit eval`` prints: the task, its headline metrics, a nested breakdown, notes.

    ``notes`` explain the metrics that are NaN because nothing was scored (:class:`ScoreNote`).
    """

    task: str
    metrics: dict[str, float]
    breakdown: dict[str, Any] = field(default_factory=dict)
    notes: tuple[ScoreNote, ...] = ()

    def __repr__(self) -> str:
        explained = {m for n in self.notes for m in n.metrics}
        scored = [(k, v) for k, v in self.metrics.items() if k not in explained]
        parts = [f"{k}={_number(v)}" for k, v in scored[:HEADLINE_METRICS]]
        if len(scored) > HEADLINE_METRICS:
            parts.append(f"+{len(scored) - HEADLINE_METRICS} metrics")
        if self.notes:  # the NaN metrics give way to the first reason why
            parts.append(f"NaN: {self.notes[0].message}")
        if len(self.notes) > 1:
            parts.append(f"+{len(self.notes) - 1} notes")
        text = f"EvalResult({self.task!r}, {', '.join(parts)})"
        return text if len(text) <= REPR_WIDTH else text[: REPR_WIDTH - 2] + "…)"

    def to_json(self) -> dict[str, Any]:
        """``{"task", "metrics", "breakdown", "notes"}`` with NaN rendered as ``null`` (strict JSON)."""
        return {
            "task": self.task,
            "metrics": json_ready(self.metrics),
            "breakdown": json_ready(self.breakdown),
            "notes": [n.to_json() for n in self.notes],
        }


HEADLINE_METRICS = 3
"""Metrics an :class:`EvalResult` repr shows (the headline metric comes first in every task)."""
REPR_WIDTH = 120
"""An :class:`EvalResult` repr is one line of at most this many characters (a long note is cut)."""


def _number(value: Any) -> str:
    """A metric for a repr: 4 significant digits for floats."""
    return f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)


class _ProblemsError(EgoExoKitError):
    """Several located problems in one file; ``str()`` lists every one, one per line."""

    def __init__(self, problems: list[EgoExoKitError], *, path: str | Path | None, what: str) -> None:
        n = len(problems)
        lines = "\n".join(f"  {p.where or '/'}: {p.message}" for p in problems)
        super().__init__(f"{what} has {n} problem{'s' if n != 1 else ''}:\n{lines}", path=path)
        self.problems = problems


class InvalidSubmission(_ProblemsError, SubmissionError):
    """The prediction file cannot be scored; ``problems`` holds every located problem."""


class InvalidGroundTruth(_ProblemsError, FormatError):
    """The ground-truth file is malformed; ``problems`` holds every located problem."""


class Problems:
    """Collects located problems of one file, then raises them together.

    Args:
        path: the file the pointers refer to.
        kind: ``"submission"`` (raises :class:`InvalidSubmission`) or ``"ground truth"``.
    """

    def __init__(self, path: str | Path | None, *, kind: str = "submission") -> None:
        self.path = str(path) if path is not None else None
        self.kind = kind
        self.items: list[EgoExoKitError] = []

    def add(self, ptr: str, message: str) -> None:
        """Record one problem at JSON pointer ``ptr``."""
        cls = SubmissionError if self.kind == "submission" else FormatError
        self.items.append(cls(message, path=self.path, pointer=ptr))

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def raise_if_any(self) -> None:
        """Raise every recorded problem as one error (no-op when there are none)."""
        if not self.items:
            return
        if self.kind == "submission":
            raise InvalidSubmission(self.items, path=self.path, what="submission")
        raise InvalidGroundTruth(self.items, path=self.path, what="ground truth")


def load_pair(gt: str | Path | Any, pred: str | Path | Any) -> tuple[Any, Any, str | None, str | None]:
    """Load GT and prediction JSON (paths) or pass parsed objects through, with their paths."""
    gt_path = str(gt) if isinstance(gt, str | Path) else None
    pred_path = str(pred) if isinstance(pred, str | Path) else None
    gt_obj = load_json(gt) if gt_path is not None else gt
    pred_obj = load_pair_pred(pred) if pred_path is not None else pred
    return gt_obj, pred_obj, gt_path, pred_path


def load_pair_pred(path: str | Path) -> Any:
    """Parse a prediction file; a syntax error is a located :class:`SubmissionError`."""
    try:
        return load_json(path)
    except FormatError as e:
        raise SubmissionError(e.message, path=e.path, line=e.line, column=e.column) from None


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def as_object(value: Any, probs: Problems, ptr: str, *, what: str = "an object") -> dict[str, Any] | None:
    """``value`` if it is a JSON object, else record a problem and return ``None``."""
    if isinstance(value, dict):
        return value
    probs.add(ptr, f"expected {what}, got {_type_name(value)}")
    return None


def as_number(
    value: Any,
    probs: Problems,
    ptr: str,
    *,
    what: str = "a number",
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    """A finite JSON number as float, else record a problem (NaN/inf/bool/string refused).

    ``low``/``high`` bound the value (inclusive); an integer too large for a float is refused too.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        probs.add(ptr, f"expected {what}, got {_type_name(value)}")
        return None
    try:
        number = float(value)
    except OverflowError:
        probs.add(ptr, f"expected {what}, got an integer too large for a 64-bit float")
        return None
    if not math.isfinite(number):
        probs.add(ptr, f"expected {what}, got {value}")
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        span = f"{low:g}..{high:g}" if low is not None and high is not None else None
        bound = span or (f">= {low:g}" if low is not None else f"<= {high:g}")
        probs.add(ptr, f"expected {what} {bound}, got {number:g}")
        return None
    return number


MAX_COORDINATE_M = 1e6
"""Largest coordinate (metres, either sign) a pose file may hold: 1,000 km, beyond any capture.

Far below where squared errors overflow a float (about 1e154), so every pose metric stays finite.
"""

_FLOAT_INT_MAX = int(sys.float_info.max)


def _leaf_ok(value: Any, *, nulls: bool, bools: bool) -> bool:
    """Is ``value`` a number a float64 array may hold (bools and nulls only when allowed)?"""
    kind = type(value)
    if kind is float:
        return True
    if kind is int:
        return -_FLOAT_INT_MAX <= value <= _FLOAT_INT_MAX
    return (bools and kind is bool) or (nulls and value is None)


def _bad_leaf(value: Any, depth: int, *, nulls: bool, bools: bool) -> tuple[list[int], Any] | None:
    """The index path and value of the first element that breaks a ``depth``-deep numeric list."""
    if depth == 0:
        return None if _leaf_ok(value, nulls=nulls, bools=bools) else ([], value)
    if not isinstance(value, list):
        return [], value
    for i, v in enumerate(value):
        if depth == 1 and (type(v) is float or _leaf_ok(v, nulls=nulls, bools=bools)):
            continue  # the hot case, without the recursion
        bad = _bad_leaf(v, depth - 1, nulls=nulls, bools=bools)
        if bad is not None:
            return [i, *bad[0]], bad[1]
    return None


def _leaf_problem(index: list[int], value: Any, shape: tuple[int, ...]) -> str:
    """Why the element at ``index`` of an array of ``shape`` is refused."""
    array = f"a numeric array of shape {list(shape)}"
    if len(index) < len(shape):
        return f"expected a list ({array}), got {_type_name(value)}"
    if isinstance(value, list | dict):
        return f"expected a number ({array}), got {_type_name(value)}: nested too deep"
    if type(value) is int:
        return "integer too large for a 64-bit float"
    return f"expected a number, got {_type_name(value)} {value!r:.40}"


def as_array(
    value: Any,
    probs: Problems,
    ptr: str,
    *,
    shape: tuple[int, ...],
    allow_nan: bool = False,
    bools: bool = False,
    max_abs: float | None = None,
) -> np.ndarray | None:
    """A numeric nested list of exactly ``shape`` as float64, else record one located problem.

    Every element must be a JSON number: a string (``"1"``), a boolean or a list at the wrong
    depth is refused where it stands, never converted. ``allow_nan`` (ground truth only) also reads
    ``null`` as NaN; predictions must be finite. ``bools`` reads ``true``/``false`` as 1/0 (binary
    ground truth); ``max_abs`` bounds every finite value (see :data:`MAX_COORDINATE_M`).
    """
    bad = _bad_leaf(value, len(shape), nulls=allow_nan, bools=bools)
    if bad is not None:
        probs.add(ptr + pointer(*bad[0]), _leaf_problem(bad[0], bad[1], shape))
        return None
    try:
        arr = np.asarray(value, dtype=np.float64)  # a null reads as NaN
    except ValueError:  # lists of unequal lengths
        probs.add(ptr, f"expected a numeric array of shape {list(shape)}, got a ragged list")
        return None
    if arr.shape != shape:
        probs.add(ptr, f"wrong shape: expected {list(shape)}, got {list(arr.shape)}")
        return None
    if not allow_nan and not np.isfinite(arr).all():
        bad_at = np.argwhere(~np.isfinite(arr))[0].tolist()
        probs.add(ptr + pointer(*bad_at), "value is NaN or infinite")
        return None
    if max_abs is not None and (np.abs(arr) > max_abs).any():
        bad_at = np.argwhere(np.abs(arr) > max_abs)[0].tolist()
        shown = float(arr[tuple(bad_at)])
        probs.add(ptr + pointer(*bad_at), f"value {shown:g} is beyond ±{max_abs:g}")
        return None
    return arr


def safe_ratio(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0 (a group without samples)."""
    return float(num) / float(den) if den else math.nan


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean recall over the classes present in ``y_true`` (scikit-learn's ``balanced_accuracy_score``)."""
    y_true = np.asarray(y_true, dtype=bool)
    y_pred = np.asarray(y_pred, dtype=bool)
    recalls = [float((y_pred[y_true == c] == c).mean()) for c in (False, True) if (y_true == c).any()]
    return float(np.mean(recalls)) if recalls else math.nan
