"""Procedure-understanding baselines (BENCHMARKS §9): a keystep graph counted on the train split.

``graph`` (instance-level supervision: the labels of ``s_1 … s_i`` are inputs): ``previous`` is the
labelled history itself; ``optional`` is ``P(optional | step)``; ``mistake`` is
``P(mistake | previous step, step)``; ``missing[k]`` is ``P(k done before step)`` over train takes
holding the step, for steps not yet done; ``future[k]`` is ``P(k done after step)``, the transitive
closure of the transition graph ``P(B | A)``. Counts are Laplace-smoothed. Trivial: ``uniform``
(every score 0.5) and ``random`` (seeded uniform scores).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

import numpy as np

from egoexo_kit.benchmarks._keysteps import keystep_vocabulary
from egoexo_kit.benchmarks._source import annotations_of, check_method, split_takes
from egoexo_kit.benchmarks.procedure_understanding.gt import build_procedure_gt, is_mistake

if TYPE_CHECKING:
    from egoexo_kit.facade import Release

__all__ = ["PROCEDURE_BASELINES", "procedure_baseline"]

PROCEDURE_BASELINES = ("graph", "uniform", "random")


def _rate(hits: Counter, totals: Counter, key: Any) -> float:
    return (hits[key] + 1) / (totals[key] + 2)


def procedure_baseline(
    release: Release, *, split: str = "val", method: str = "graph", train_split: str = "train", seed: int = 0
) -> dict[str, Any]:
    """Scores for every segment of ``split`` in the procedure-understanding layout."""
    check_method("procedure", method, PROCEDURE_BASELINES)
    ann = annotations_of(release)
    vocab = keystep_vocabulary(release)
    index = {u: i for i, u in enumerate(vocab)}
    k = len(vocab)
    step_n, opt_n, pair_n, mis_n = Counter(), Counter(), Counter(), Counter()
    before, after = defaultdict(lambda: np.zeros(k)), defaultdict(lambda: np.zeros(k))
    for take in split_takes(release, train_split):
        segs = [s for s in ann.keysteps(take.uid) if s.step_unique_id in index]
        entry = ann.procedure(take.uid)
        seen: set[int] = set()
        for i, seg in enumerate(segs):
            u = seg.step_unique_id
            prev = segs[i - 1].step_unique_id if i else None
            step_n[u] += 1
            opt_n[u] += seg.is_essential is False
            pair_n[(prev, u)] += 1
            mis_n[(prev, u)] += is_mistake(seg, entry)
            if u not in seen:
                before[u][[index[s.step_unique_id] for s in segs[:i]]] += 1
                after[u][[index[s.step_unique_id] for s in segs[i + 1 :]]] += 1
            seen.add(u)
    gt = build_procedure_gt(release, split=split)
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {}
    for take in split_takes(release, split):
        segs = [s for s in ann.keysteps(take.uid) if s.step_unique_id in index]
        for i, seg in enumerate(segs):
            sid = f"{take.uid}_{i}"
            if sid not in gt["segments"]:
                continue
            if method == "uniform":
                out[sid] = {key: [0.5] * k for key in ("previous", "missing", "future")} | {
                    "optional": 0.5,
                    "mistake": 0.5,
                }
                continue
            if method == "random":
                out[sid] = {key: rng.random(k).round(6).tolist() for key in ("previous", "missing", "future")}
                out[sid] |= {"optional": float(rng.random()), "mistake": float(rng.random())}
                continue
            u = seg.step_unique_id
            prev = segs[i - 1].step_unique_id if i else None
            done = np.zeros(k)
            done[[index[s.step_unique_id] for s in segs[:i]]] = 1.0
            n = step_n[u] + 2
            out[sid] = {
                "previous": done.tolist(),
                "optional": _rate(opt_n, step_n, u),
                "mistake": _rate(mis_n, pair_n, (prev, u)),
                "missing": (((before[u] + 1) / n) * (1 - done)).round(6).tolist(),
                "future": ((after[u] + 1) / n).round(6).tolist(),
            }
    return {"segments": out}
