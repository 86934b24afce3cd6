"""Extras: ``require()``'s one message, the CLI shows its brackets, and the lean core stays lean.

The core (``pyproject.toml`` ``dependencies``) is what reading a release needs; every other package
is an extra, imported only where it is used, through :func:`egoexo_kit.extras.require`, so that a user
without it gets one line naming the ``pip install`` that fixes it.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.errors import MissingExtraError
from egoexo_kit.extras import EXTRAS, META_EXTRAS, installed_extras, require

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "egoexo_kit"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
GUARDED_MODULES = {
    # imported only through the guard of their package, which names the extra:
    "torch/_clips.py": "egoexo_kit.torch.__init__ raises MissingExtraError('torch') before importing it",
    "torch/_samplers.py": "egoexo_kit.torch.__init__ raises MissingExtraError('torch') before importing it",
    "features/_extract.py": "features.__getattr__ turns its ImportError of torch into MissingExtraError",
    "features/_backbones.py": "imported only by features/_extract.py (same guard)",
}
"""Source files allowed a module-level import of an extra's package, and the guard that covers them."""


def test_require_returns_the_module():
    import json

    assert require("json", extra="x", what="y") is json


def test_require_names_the_extra_and_the_module(monkeypatch):
    monkeypatch.setitem(sys.modules, "rerun", None)  # as if not installed
    msg = r"export-rerun needs rerun-sdk: pip install 'egoexo-kit\[viz\]'"
    with pytest.raises(MissingExtraError, match=msg) as e:
        require("rerun", extra="viz", what="export-rerun")
    assert isinstance(e.value, ImportError) and e.value.name == "rerun" and e.value.extra == "viz"


def _dist_name(requirement: str) -> str:
    """``"scikit-learn>=1.4"`` → ``"scikit_learn"`` (the normalized distribution name)."""
    return re.sub(r"[-_.]+", "_", re.match(r"[A-Za-z0-9._-]+", requirement).group()).lower()


def _self_extras(requirement: str) -> set[str]:
    """The extras a self-reference ``egoexo-kit[a,b]`` bundles (empty for another package)."""
    m = re.fullmatch(r"egoexo-kit\[([a-z0-9,]+)\]", requirement.strip())
    return set(m.group(1).split(",")) if m else set()


@functools.cache
def _providers(module: str) -> frozenset[str]:
    """Normalized names of the installed distributions that provide the top-level ``module``."""
    return frozenset(_dist_name(d) for d in _installed().get(module, []))


@functools.cache
def _installed() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()  # slow (reads every installed RECORD): once


CORE = {_dist_name(r) for r in PYPROJECT["dependencies"]}
OPTIONAL: dict[str, list[str]] = PYPROJECT["optional-dependencies"]


def test_installed_extras_lists_every_extra():
    assert set(installed_extras()) == set(EXTRAS)
    assert installed_extras()["catalog"] is (importlib.util.find_spec("duckdb") is not None)


def test_extras_agree_with_pyproject():
    # one entry per capability extra, and the module that marks it installed comes from that extra
    assert set(OPTIONAL) - META_EXTRAS == set(EXTRAS)
    assert META_EXTRAS <= set(OPTIONAL)
    for extra, module in EXTRAS.items():
        providers = _providers(module)
        if providers:  # installed here: check it is one of the extra's own distributions
            assert providers & {_dist_name(r) for r in OPTIONAL[extra]}, (extra, module, providers)
    # the bundles: [all] is every capability; [demo] and [dev] bundle capabilities too
    assert _self_extras(OPTIONAL["all"][0]) == set(EXTRAS) and len(OPTIONAL["all"]) == 1
    assert _self_extras(OPTIONAL["demo"][0]) <= set(EXTRAS)
    dev = set().union(*(_self_extras(r) for r in OPTIONAL["dev"]))
    # aria: --no-deps by the Makefile; torch: pinned below; gpu: torchcodec needs a system FFmpeg
    assert set(EXTRAS) - dev == {"aria", "torch", "gpu"}


def test_torch_extra_never_pins_a_minor_version():
    # a user's own torch is never replaced; only the test stack pins CI's CPU wheel
    (torch,) = OPTIONAL["torch"]
    assert re.fullmatch(r"torch>=[0-9.]+", torch), torch
    assert "torch==2.13.0" in OPTIONAL["dev"]


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        yield path.relative_to(SRC).as_posix(), ast.parse(path.read_text(encoding="utf-8"))


def test_every_require_names_a_known_extra():
    seen = set()
    for rel, tree in _sources():
        if rel == "extras.py":  # where require passes its argument on
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"require", "missing_extra"}:
                (extra,) = [k.value.value for k in node.keywords if k.arg == "extra"]
                assert extra in EXTRAS, f"{rel}:{node.lineno} names the unknown extra {extra!r}"
                seen.add(extra)
    assert {"catalog", "eval", "build"} <= seen


def _module_level_imports(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Import statements run by importing the module: not in functions, not under TYPE_CHECKING,
    not in a ``try`` that handles ImportError (a guard that reports the extra or falls back)."""
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                yield from _module_level_imports(node.body)
            yield from _module_level_imports(node.orelse)
        elif isinstance(node, ast.Try):
            caught = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not caught & {"ImportError", "ModuleNotFoundError"}:
                yield from _module_level_imports(node.body)
            for part in (node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                yield from _module_level_imports(part)
        elif isinstance(node, ast.ClassDef | ast.With):
            yield from _module_level_imports(node.body)


def _top_modules(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [] if node.level else [node.module.split(".")[0]]
    return [a.name.split(".")[0] for a in node.names]


def test_no_module_level_import_outside_the_core():
    # the lean install: `import egoexo_kit` and every command's module import with the core only
    bad = []
    for rel, tree in _sources():
        if rel in GUARDED_MODULES:
            continue
        for node in _module_level_imports(tree.body):
            for mod in _top_modules(node):
                if mod in sys.stdlib_module_names or mod in {"egoexo_kit", "__future__"}:
                    continue
                if not _providers(mod) & CORE:
                    bad.append(f"{rel}:{node.lineno} imports {mod}")
    assert not bad, "import these through extras.require(...) where they are used:\n" + "\n".join(bad)


def test_the_scan_sees_a_module_level_import():
    tree = ast.parse(
        "import duckdb\nif TYPE_CHECKING:\n    import scipy\ntry:\n    import torch\n"
        "except ImportError:\n    torch = None\ndef f():\n    import sklearn\n"
    )
    assert [m for n in _module_level_imports(tree.body) for m in _top_modules(n)] == ["duckdb"]


def _keystep_classifier() -> object:
    from egoexo_kit.benchmarks._source import linear_classifier

    return linear_classifier(c=1.0)


def _translation_png(tmp: Path) -> object:
    from egoexo_kit.benchmarks.translation.gt import write_mask_png

    return write_mask_png(tmp / "m.png", np.zeros((4, 4), dtype=bool))


def _pose_smoothing(tmp: Path) -> object:
    from egoexo_kit.pose import reconstruct_pose  # noqa: F401 - the package imports without SciPy
    from egoexo_kit.pose._skeleton import smooth

    return smooth(np.zeros((12, 2, 3)))


def _clock_sync(tmp: Path) -> object:
    from egoexo_kit.builder._sync import find_chirps

    return find_chirps(np.zeros(48_000), rate=48_000)


@pytest.mark.parametrize(
    ("blocked", "extra", "call"),
    [
        ("sklearn", "eval", lambda tmp: _keystep_classifier()),
        ("PIL", "eval", _translation_png),
        ("scipy", "build", _pose_smoothing),
        ("scipy", "build", _clock_sync),
    ],
    ids=["keystep-baseline", "translation-gt", "pose", "build-sync"],
)
def test_each_capability_names_its_extra_when_missing(
    monkeypatch, tmp_path, blocked: str, extra: str, call: Callable[[Path], object]
):
    for name in [m for m in sys.modules if m == blocked or m.startswith(blocked + ".")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if not installed
    monkeypatch.setitem(sys.modules, blocked, None)
    with pytest.raises(MissingExtraError, match=re.escape(f"pip install 'egoexo-kit[{extra}]'")) as e:
        call(tmp_path)
    assert e.value.extra == extra and e.value.name == blocked


def test_query_without_duckdb_is_one_line_naming_catalog(monkeypatch, tiny_release):
    for name in [m for m in sys.modules if m == "duckdb" or m.startswith("duckdb.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "duckdb", None)
    res = CliRunner().invoke(app, ["query", str(tiny_release), "SELECT 1"])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert lines == [
        "error: the annotation catalog (query, search) needs DuckDB: pip install 'egoexo-kit[catalog]'"
    ]


def test_cli_renders_the_brackets_of_the_install_line(monkeypatch, tmp_path):
    # rich read ``[web]`` as a markup tag and printed ``pip install 'egoexo-kit'`` (issue 17)
    monkeypatch.setitem(sys.modules, "fastapi", None)
    monkeypatch.delitem(sys.modules, "egoexo_kit.viz.web", raising=False)
    res = CliRunner().invoke(app, ["serve", str(tmp_path)])
    assert res.exit_code == 2
    assert "pip install 'egoexo-kit[web]'" in res.output
