"""Contiguous keystep class indices for training heads: ``step_unique_id`` → ``0..K-1`` (FORMAT §7.2, §7.3).

Keystep segments carry a global ``step_unique_id`` (``843``), sparse over a few thousand; a
classifier needs ``K`` contiguous classes. :func:`keystep_label_map` numbers them from either
source the release ships:

- ``"taxonomy"``: every leaf of the ``taxonomy`` of ``keystep_{train,val}.json``, by ascending
  ``step_unique_id`` (the label space the keystep benchmarks of :mod:`egoexo_kit.benchmarks` use);
- ``"benchmark"``: the keystep-recognition classes of ``keystep_benchmark/label_mapping.csv``, by
  ``label_id`` (so index ``i`` is the official ``label_id`` ``i`` when no scenario is chosen).

An id outside the map is :data:`IGNORE_INDEX` (``-1``), the value to pass as
``torch.nn.CrossEntropyLoss(ignore_index=-1)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from egoexo_kit.annotations._take import release_annotations
from egoexo_kit.errors import ArgumentError, NotFoundError
from egoexo_kit.release import ReleaseIndex

__all__ = ["IGNORE_INDEX", "KeystepLabelMap", "LabelSource", "keystep_label_map"]

IGNORE_INDEX = -1
"""The class index of a step outside the map, or of a clip without a keystep."""

LabelSource = Literal["taxonomy", "benchmark"]
"""Where the classes come from: the keystep taxonomy, or the benchmark's ``label_mapping.csv``."""


@dataclass(frozen=True, eq=False)
class KeystepLabelMap(Mapping[int, int]):
    """``step_unique_id`` → class index ``0..K-1``, with each class's step id and name in index order.

    A read-only mapping (``label_map[843]``, ``len(label_map)`` is ``K``); :meth:`index_of` answers
    :data:`IGNORE_INDEX` for an unknown or missing id. Picklable, so a dataset holding one can go to
    ``DataLoader`` workers.
    """

    step_ids: tuple[int, ...]
    """Class index → ``step_unique_id``."""
    names: tuple[str, ...]
    """Class index → step name (for a classifier head's labels)."""
    scenarios: tuple[str, ...]
    """Class index → scenario (taxonomy key, or ``scenario_name`` of the benchmark file)."""
    source: LabelSource
    _index: dict[int, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {s: i for i, s in enumerate(self.step_ids)})

    def __getitem__(self, step_unique_id: int) -> int:
        return self._index[step_unique_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.step_ids)

    def __len__(self) -> int:
        return len(self.step_ids)

    def __repr__(self) -> str:
        scenarios = len(set(self.scenarios))
        return f"KeystepLabelMap(source={self.source!r}, classes={len(self)}, scenarios={scenarios})"

    def index_of(self, step_unique_id: int | None) -> int:
        """The class of ``step_unique_id``; :data:`IGNORE_INDEX` when it is ``None`` or not in the map."""
        return IGNORE_INDEX if step_unique_id is None else self._index.get(step_unique_id, IGNORE_INDEX)


def keystep_label_map(
    release: str | Path | ReleaseIndex,
    *,
    scenario: str | Iterable[str] | None = None,
    source: LabelSource = "taxonomy",
) -> KeystepLabelMap:
    """Contiguous class indices for the keysteps of a release (see the module docstring for the order).

    Example:
        ``labels = keystep_label_map(release.index)`` then ``nn.Linear(d, len(labels))`` and
        ``labels.names[k]`` for class ``k``; ``release.keystep_labels()`` is the same from the facade.

    Args:
        release: a release folder, its :class:`~egoexo_kit.release.ReleaseIndex`, or an opened
            :class:`egoexo_kit.Release`.
        scenario: keep only the classes of these scenarios (case-insensitive): the keystep taxonomy's
            scenario names (``"Remove a Wheel"``) for ``"taxonomy"``, ``scenario_name``
            (``"bike repair"``) for ``"benchmark"``. Indices stay contiguous over what is kept.
        source: ``"taxonomy"`` or ``"benchmark"``.

    Returns:
        The map; empty when the release has no keystep annotations of that source.

    Raises:
        ArgumentError: ``source`` is neither ``"taxonomy"`` nor ``"benchmark"``.
        NotFoundError: ``scenario`` matches no scenario of the source (the message lists them).
    """
    if source not in ("taxonomy", "benchmark"):
        raise ArgumentError(f"source must be 'taxonomy' or 'benchmark', got {source!r}")
    if isinstance(release, str | Path):
        release = ReleaseIndex.open(release)
    ann = release_annotations(release)
    rows: list[tuple[int, str, str]]  # (step_unique_id, name, scenario) in class order
    if source == "taxonomy":
        leaves: dict[int, tuple[int, str, str]] = {}
        for tax in ann.taxonomies.values():
            for n in tax.nodes.values():
                if n.unique_id is not None:
                    leaves.setdefault(n.unique_id, (n.unique_id, n.name, tax.scenario))
        rows = [leaves[k] for k in sorted(leaves)]
    else:
        rows = [(lab.step_unique_id, lab.step_name, lab.scenario_name) for lab in ann.label_mapping]
    if scenario is not None:
        wanted = {scenario.lower()} if isinstance(scenario, str) else {s.lower() for s in scenario}
        kept = [r for r in rows if r[2].lower() in wanted]
        if not kept:
            known = ", ".join(sorted({r[2] for r in rows})) or "none"
            raise NotFoundError(f"no keystep scenario {sorted(wanted)} in the {source}; scenarios: {known}")
        rows = kept
    return KeystepLabelMap(
        step_ids=tuple(r[0] for r in rows),
        names=tuple(r[1] for r in rows),
        scenarios=tuple(r[2] for r in rows),
        source=source,
    )
