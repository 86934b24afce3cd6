"""Procedure-understanding GT from a release (BENCHMARKS §9; toolkit format, the hosted one is not public).

The real ``procedure_understanding_*.json`` schema is unknown (FORMAT §7.4), so the five targets are
derived from the keystep annotations, per segment ``s_i`` of a take (steps in performed order), over
the release's sorted keystep vocabulary (the file's ``keysteps``):

- ``previous[k]``: step k was performed before ``s_i``;
- ``optional``: ``s_i``'s step is not essential (``is_essential`` false);
- ``mistake``: the take's procedure entry lists ``s_i`` among its ``mistakes`` (same step and start
  time), else 0;
- ``missing[k]``: k is an essential step of the take that comes before ``s_i``'s step in the
  canonical order (taxonomy node order, an assumption) but was not performed before ``s_i``;
- ``future[k]``: step k is performed after ``s_i`` in the take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._keysteps import keystep_vocabulary, step_rank
from egoexo_kit.benchmarks._source import annotations_of, split_takes

if TYPE_CHECKING:
    from egoexo_kit.annotations import KeystepSegment
    from egoexo_kit.facade import Release

__all__ = ["build_procedure_gt", "is_mistake"]


def is_mistake(seg: KeystepSegment, entry: Any) -> bool:
    """Whether the procedure entry's ``mistakes`` names this segment (by step id, and start time if given)."""
    mistakes = entry.get("mistakes") if isinstance(entry, dict) else None
    for m in mistakes if isinstance(mistakes, list) else ():
        if isinstance(m, dict) and m.get("step_unique_id") == seg.step_unique_id:
            start = m.get("start_time")
            if not isinstance(start, int | float) or abs(float(start) - seg.start_s) < 1e-3:
                return True
        elif isinstance(m, int) and m == seg.step_unique_id:
            return True
    return False


def build_procedure_gt(release: Release, *, split: str = "val") -> dict[str, Any]:
    """``{"keysteps": [step_unique_id…], "segments": {"<take_uid>_<i>": {previous, optional, …}}}``."""
    ann = annotations_of(release)
    vocab = keystep_vocabulary(release)
    index = {u: i for i, u in enumerate(vocab)}
    segments: dict[str, Any] = {}
    for take in split_takes(release, split):
        segs = [s for s in ann.keysteps(take.uid) if s.step_unique_id in index]
        entry = ann.procedure(take.uid)
        essential = {s.step_unique_id: step_rank(s) for s in segs if s.is_essential is not False}
        for i, seg in enumerate(segs):
            done = {s.step_unique_id for s in segs[:i]}
            rank = step_rank(seg)
            vec = {key: np.zeros(len(vocab), dtype=int) for key in ("previous", "missing", "future")}
            for u in done:
                vec["previous"][index[u]] = 1
            for u, r in essential.items():
                if r < rank and u not in done:
                    vec["missing"][index[u]] = 1
            for s in segs[i + 1 :]:
                vec["future"][index[s.step_unique_id]] = 1
            segments[f"{take.uid}_{i}"] = {
                **{k: v.tolist() for k, v in vec.items()},
                "optional": int(seg.is_essential is False),
                "mistake": int(is_mistake(seg, entry)),
            }
    return {"keysteps": vocab, "segments": segments}
