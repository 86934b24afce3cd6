"""One unit of build work and where the build keeps a capture's state (its cut plan and sync report).

Shared by the stage modules (``_stages``, ``_pose``, ``_features``) and the runner, so that none of
them imports another for these names (no import cycle between files).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egoexo_kit.builder._config import BuildConfig
from egoexo_kit.errors import FormatError
from egoexo_kit.release import load_json

__all__ = ["Unit", "ledger_path", "plan_path", "read_plan", "state_dir", "unit_id"]


@dataclass(frozen=True)
class Unit:
    """One unit of work: a stage applied to a capture or a take."""

    stage: str
    name: str
    """Capture name (``sync``) or take name (``takes``)."""
    raw: Path
    """The capture's raw folder."""
    out: Path
    config: BuildConfig
    key: str = ""
    """Ledger key (stage version, unit and settings)."""

    @property
    def id(self) -> str:
        """``stage:name``, the ledger's unit name."""
        return unit_id(self.stage, self.name)


def unit_id(stage: str, name: str) -> str:
    """The ledger's name of the unit of ``stage`` for capture or take ``name``."""
    return f"{stage}:{name}"


def ledger_path(out: Path) -> Path:
    """The build's ledger of ``out`` (:class:`~egoexo_kit.builder._ledger.Ledger`)."""
    return out / ".egoexo-kit" / "build" / "ledger.jsonl"


def state_dir(out: Path, capture: str) -> Path:
    """Where the build keeps a capture's plan and sync report (a rebuildable cache, DESIGN §1)."""
    return out / ".egoexo-kit" / "build" / capture


def plan_path(out: Path, capture: str) -> Path:
    """The capture's cut plan (take windows) written by its sync unit."""
    return state_dir(out, capture) / "plan.json"


def read_plan(out: Path, capture: str) -> dict[str, Any]:
    """The cut plan of ``capture``.

    Raises:
        FormatError: the sync stage has not run for it.
    """
    path = plan_path(out, capture)
    if not path.is_file():
        raise FormatError(f"capture {capture} has no sync yet: run the sync stage first", path=path)
    return load_json(path)
