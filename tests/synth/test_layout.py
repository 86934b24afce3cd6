"""The synth stages import only the stages above them, and only through their public names."""

from __future__ import annotations

import ast
from pathlib import Path

import egoexo_kit.synth

SYNTH = Path(egoexo_kit.synth.__file__).parent

STAGES_ABOVE = {
    "plan": set(),
    "motion": {"plan"},
    "capture": {"plan", "motion"},
    "sensors": {"plan", "motion", "capture"},
    "annotations": {"plan", "motion", "capture"},
    "irregular": set(),
}
"""Stage → the stages it may import (see ``synth/__init__.py``); every stage may use ``_config`` and
``_metadata``."""

SHARED = {"_config", "_metadata"}


def _synth_imports(path: Path) -> list[str]:
    """Every ``egoexo_kit.synth…`` module that ``path`` imports from, function-level imports included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("egoexo_kit.synth."):
            out.append(node.module)
    return out


def test_every_subpackage_is_a_known_stage() -> None:
    found = {p.parent.name for p in SYNTH.glob("*/__init__.py")}
    assert found == set(STAGES_ABOVE)


def test_stages_import_only_earlier_stages_through_their_public_names() -> None:
    bad = []
    for stage, allowed in STAGES_ABOVE.items():
        for path in sorted((SYNTH / stage).glob("*.py")):
            for module in _synth_imports(path):
                parts = module.split(".")[2:]  # [target] or [target, _module]
                target = parts[0]
                if target == stage:
                    continue
                if target in SHARED and len(parts) == 1:
                    continue
                if target not in allowed or len(parts) > 1:
                    bad.append(f"{path.relative_to(SYNTH)}: {module}")
    assert bad == []


def test_top_level_modules_use_stage_public_names() -> None:
    bad = [
        f"{path.name}: {module}"
        for path in sorted(SYNTH.glob("*.py"))
        for module in _synth_imports(path)
        if len(module.split(".")) > 3 and module.split(".")[2] in STAGES_ABOVE
    ]
    assert bad == []
