"""A seeded fuzz harness over every file reader of egoexo-kit (issue 19 item 6).

Each :class:`~tests.fuzz.targets.Target` names one parser and the real-release files it starts
from; :func:`~tests.fuzz.mutations.mutate` derives hostile variants of them. The contract checked is
the one of DESIGN §6: reading a file either succeeds or raises an
:class:`~egoexo_kit.errors.EgoExoKitError` subclass. Anything else is a *foreign* outcome, reported
with the target, the seed and the input, so that :func:`case` replays it.

Used by ``tests/fuzz/test_readers.py`` (a bounded run in ``make test``) and ``perf/bench_fuzz.py``
(10⁵ inputs and more).
"""

from __future__ import annotations

import contextlib
import random
import shutil
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzz.mutations import mutate
from tests.fuzz.targets import BY_NAME, REAL, TARGETS, Target

from egoexo_kit.errors import EgoExoKitError

__all__ = ["BY_NAME", "TARGETS", "Foreign", "Scratch", "case", "outcome", "run"]


@dataclass
class Foreign:
    """An input whose reading raised something other than an egoexo-kit error."""

    target: str
    seed: int
    index: int
    error: str
    data: bytes = field(repr=False)

    def __str__(self) -> str:
        head = self.data[:160]
        return (
            f"{self.target} seed={self.seed} index={self.index}: {self.error}\n"
            f"    input ({len(self.data)} bytes): {head!r}{' …' if len(self.data) > 160 else ''}\n"
            f"    replay: tests.fuzz.harness.case({self.target!r}, seed={self.seed}, index={self.index})"
        )


def outcome(exc: BaseException | None) -> str:
    """The outcome class of one read: ``ok``, the egoexo-kit error class, or ``FOREIGN:<class>``."""
    if exc is None:
        return "ok"
    if isinstance(exc, EgoExoKitError):
        return type(exc).__name__
    return f"FOREIGN:{type(exc).__name__}"


def case(target: str | Target, *, seed: int, index: int) -> bytes:
    """The input number ``index`` of a run with ``seed`` (deterministic: replays a reported case)."""
    t = BY_NAME[target] if isinstance(target, str) else target
    return mutate(t, random.Random(f"{t.name}:{seed}:{index}"))


class Scratch:
    """A private copy of the real excerpt that inputs are written into, one target at a time."""

    def __init__(self, folder: Path) -> None:
        self.root = Path(folder) / "release"
        if not self.root.exists():
            shutil.copytree(REAL, self.root)

    @contextlib.contextmanager
    def placed(self, target: Target, data: bytes) -> Iterator[Path]:
        """Write ``data`` where ``target`` reads it; restore the original file afterwards."""
        path = self.root / target.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        original = path.read_bytes() if path.is_file() else None
        path.write_bytes(data)
        try:
            yield self.root if target.whole_release else path
        finally:
            if original is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(original)


def run(
    target: Target, *, seed: int, n: int, scratch: Scratch, start: int = 0
) -> tuple[Counter[str], list[Foreign]]:
    """Read ``n`` mutated inputs of ``target``: counts per outcome class, and every foreign outcome."""
    counts: Counter[str] = Counter()
    foreign: list[Foreign] = []
    for index in range(start, start + n):
        data = case(target, seed=seed, index=index)
        error: BaseException | None = None
        with scratch.placed(target, data) as where, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                target.read(where)
            except Exception as e:
                error = e
        kind = outcome(error)
        counts[kind] += 1
        if kind.startswith("FOREIGN:"):
            foreign.append(Foreign(target.name, seed, index, f"{type(error).__name__}: {error!s:.300}", data))
    return counts, foreign
