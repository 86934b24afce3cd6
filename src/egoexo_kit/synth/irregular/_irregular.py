"""The real release's irregularities, applied to a generated release unless ``SynthConfig.clean``.

Real Ego-Exo4D downloads carry things our generator would never write on its own: empty timesync
cells inside take windows, annotation files naming redacted takes, empty EgoPose frames,
``(N, 1, D)`` feature tensors, non-canonical mask RLEs (see the "Real data" section of docs/design.md for
each one's source). A default synthetic release reproduces them so every test meets them; each
step below edits the finished release in place and returns records of what it changed, which
:func:`apply_irregularities` writes to ``.synth/irregularities.json``.

Irregularities that must exist while rendering (portrait GoPros for climbing) are made by the
generator itself when ``not config.clean`` and report here through :func:`record`, so one file
lists them all. Parts that real releases simply have (the keystep benchmark's trimmed clips) are
not irregularities: the generator writes them with or without ``clean``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import write_json
from egoexo_kit.synth._config import SynthConfig
from egoexo_kit.synth.irregular._irr_registry import IRREGULARITIES, IrregularRelease

__all__ = ["IRREGULARITIES", "IrregularRelease", "apply_irregularities", "record"]

IRREGULARITIES_FILE = Path(".synth") / "irregularities.json"


def record(root: Path, name: str, records: list[dict[str, Any]]) -> None:
    """Add ``records`` under ``name`` to ``.synth/irregularities.json`` (for steps run while generating)."""
    path = root / IRREGULARITIES_FILE
    data = json.loads(path.read_text()) if path.is_file() else {}
    data.setdefault(name, []).extend(records)
    write_json(path, data, indent=1)


def _load_steps() -> None:
    """Import the step modules (they register on import; kept here so the registry is complete)."""
    from egoexo_kit.synth.irregular import _irregular_steps  # noqa: F401


def apply_irregularities(root: str | Path, config: SynthConfig) -> dict[str, list[dict[str, Any]]]:
    """Apply every registered step to the release at ``root`` (nothing with ``config.clean``).

    Returns ``{step name: records}`` as also written to ``.synth/irregularities.json`` (the file
    is written even for a clean release, with no records, so a reader can tell which it is).
    """
    root = Path(root)
    _load_steps()
    path = root / IRREGULARITIES_FILE
    done: dict[str, list[dict[str, Any]]] = json.loads(path.read_text()) if path.is_file() else {}
    if not config.clean:
        takes_path = root / "takes.json"
        takes = json.loads(takes_path.read_text()) if takes_path.is_file() else []
        for i, (name, step) in enumerate(IRREGULARITIES.items()):
            rng = np.random.default_rng([config.seed, 1606, i])
            out = step(IrregularRelease(root=root, config=config, rng=rng, takes=takes))
            if out:
                done.setdefault(name, []).extend(out)
    write_json(path, {"clean": config.clean, **{k: v for k, v in done.items() if k != "clean"}}, indent=1)
    return {k: v for k, v in done.items() if k != "clean"}
