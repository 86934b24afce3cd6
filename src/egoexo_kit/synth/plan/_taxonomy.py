"""Types of the scenario catalogue: objects, keystep taxonomies (FORMAT §7.2) and tasks (FORMAT §2.7).

A procedural task has a three-level taxonomy: the root node ``0`` (the task itself), intermediate
group nodes, and leaf keysteps. Only leaves carry a ``unique_id``, which is global across every
scenario and is the ``vocabulary`` key of ``keystep_*.json``. A physical task uses the same shape for
its movement phrases, so that they can be annotated (atomic descriptions) like keysteps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

__all__ = ["ObjectSpec", "Step", "StepGroup", "TaxonomyTask", "find_named"]


class _Named(Protocol):
    name: str


N = TypeVar("N", bound=_Named)


def find_named(items: Iterable[N], name: str, *, error: str) -> N:
    """The first item whose ``.name`` is ``name``; ``KeyError(error)`` when there is none."""
    for item in items:
        if item.name == name:
            return item
    raise KeyError(error)


Shape = Literal["box", "cylinder", "sphere"]


@dataclass(frozen=True)
class ObjectSpec:
    """A rigid object of a scenario (a ``visual_objects.json`` entry plus its geometry)."""

    name: str
    """Object name, as in ``visual_objects.json`` and ``take["objects"]``."""
    uid: int
    """Stable object uid (unique across the catalogue)."""
    shape: Shape
    """Primitive used for rendering and for the grasp point."""
    size_m: tuple[float, float, float]
    """Extents along the object's x, y, z, metres (a cylinder's x = y = diameter; z is its height)."""
    color_rgb: tuple[int, int, int]
    """Base colour, 0–255."""
    fixed: bool = False
    """Mounted in the room (a hoop); never picked up."""


@dataclass(frozen=True)
class StepGroup:
    """An intermediate taxonomy node (parent: the root)."""

    node_id: int
    name: str


@dataclass(frozen=True)
class Step:
    """A leaf of a task's taxonomy: a keystep (procedural) or a movement phrase (physical)."""

    node_id: int
    """Node id within the task's taxonomy (``step_id`` in keystep segments)."""
    unique_id: int
    """Global id (``step_unique_id``; ``vocabulary`` key)."""
    name: str
    description: str
    parent_id: int
    """The :class:`StepGroup` node id."""
    action: str
    """Motion template: procedural ``place|use|pour|inspect|face|press|wait``; physical primitives
    (``dribble``, ``jump_shot``, ``step_touch`` …, see ``_physical.py``)."""
    objects: tuple[str, ...] = ()
    """Objects involved: the manipulated one first, then the target (``use``, ``pour``)."""
    seconds: float = 3.0
    """Nominal duration at Late Expert pace, seconds."""
    essential: bool = True
    """False for optional steps (sometimes skipped)."""
    style: str = ""
    """Variant of the action (``use``: ``cut|stir|scrub|turn|tap``)."""


@dataclass(frozen=True)
class TaxonomyTask:
    """A task (``task_id``, ``task_name`` in ``takes.json``) with its objects and taxonomy."""

    task_id: int
    name: str
    scenario_name: str
    procedural: bool
    objects: tuple[ObjectSpec, ...]
    groups: tuple[StepGroup, ...]
    steps: tuple[Step, ...]
    """Leaves in canonical order (procedural) or the phrase repertoire (physical)."""
    table_size_m: tuple[float, float, float] = (1.4, 0.8, 0.9)
    """Table width (across the participant), depth and height, metres."""
    room_size_m: tuple[float, float, float] = (6.0, 6.0, 3.0)
    """Room extents x, y, z, metres (floor centred on the world origin)."""
    closing_step: str = ""
    """Physical tasks: the phrase that must end every take (e.g. climbing down), or ``""``."""

    @property
    def scenario_id(self) -> int:
        """Parent task id (``task_id // 1000 * 1000``, FORMAT §2.7)."""
        return self.task_id // 1000 * 1000

    def step(self, name: str) -> Step:
        """The leaf called ``name``.

        Raises:
            KeyError: if there is none.
        """
        return find_named(self.steps, name, error=f"task {self.task_id} {self.name!r} has no step {name!r}")

    def object(self, name: str) -> ObjectSpec:
        """The object called ``name``.

        Raises:
            KeyError: if there is none.
        """
        return find_named(
            self.objects, name, error=f"task {self.task_id} {self.name!r} has no object {name!r}"
        )

    def taxonomy(self) -> dict[str, dict[str, Any]]:
        """The task's taxonomy as in ``keystep_*.json`` (FORMAT §7.2): string node id → node."""
        names = {0: self.name} | {g.node_id: g.name for g in self.groups}
        nodes: dict[str, dict[str, Any]] = {
            "0": {"id": 0, "is_leafnode": False, "name": self.name, "parent_id": None, "parent_name": None}
        }
        for g in self.groups:
            nodes[str(g.node_id)] = {
                "id": g.node_id,
                "is_leafnode": False,
                "name": g.name,
                "parent_id": 0,
                "parent_name": self.name,
            }
        for s in self.steps:
            nodes[str(s.node_id)] = {
                "id": s.node_id,
                "is_leafnode": True,
                "name": s.name,
                "parent_id": s.parent_id,
                "parent_name": names[s.parent_id],
                "unique_id": s.unique_id,
            }
        return nodes

    def vocabulary(self) -> dict[str, str]:
        """``str(unique_id)`` → step name for every leaf (FORMAT §7.2 ``vocabulary``)."""
        return {str(s.unique_id): s.name for s in self.steps}
