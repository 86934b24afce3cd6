"""The architecture, checked on the source: no import cycles between files, layers import downwards.

Both checks read every module of ``src/egoexo_kit`` with :mod:`ast` (nothing is imported), so they
see lazy imports inside functions too: a lazy import still ties two files together, it only hides
the cycle until run time. Imports under ``if TYPE_CHECKING:`` are left out (they never run).

1. **No file-level import cycles** (issue 17 item 3): ``from egoexo_kit.x import y`` counts as an
   import of the file ``x/y.py`` when ``y`` is a submodule, else of ``x/__init__.py``.
2. **Layers** (DESIGN §1): a package imports only packages of a lower layer (:data:`LAYER`), plus the
   few same-layer directions in :data:`SIBLINGS`, each with the reason it is allowed.
3. **No private cross-package imports** (issue 17): ``x._y`` is imported only from inside ``x``;
   other packages use the names ``x/__init__.py`` exports.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "egoexo_kit"

LAYER: dict[str, int] = {
    # foundation: used by everyone, imports nothing of egoexo-kit but each other
    "errors": 0,
    "vocab": 0,  # FPS, frame_of, stream ids, joints, JSON pointers: imports nothing
    "_io": 1,
    "_lock": 1,  # one writer per output folder
    "limits": 1,  # documented caps on user- and file-controlled sizes
    "extras": 1,
    "_parallel": 2,  # process pools; needs extras.require for Ray
    # DESIGN §1: release → timeline → video/sensors/geometry → annotations → benchmarks/features/viz
    "release": 2,
    "timeline": 3,
    "download": 3,  # beside release: fetches files into its layout, reads its metadata
    "video": 4,
    "remote": 4,  # a release read in place from a mirror: download sources + block cache (issue 21)
    "sensors": 4,
    "geometry": 4,
    "annotations": 5,
    "pose": 5,  # triangulated keypoints: built on geometry and timeline
    "validate": 6,  # whole-release checks built on release, timeline, video and annotations
    "benchmarks": 6,
    "features": 6,
    # the facade: one open_release / Take composed of everything below it
    "facade": 7,
    PACKAGE: 8,  # the top-level ``egoexo_kit/__init__.py`` re-exports the facade
    "viz": 9,  # draws the facade's takes
    "torch": 9,  # datasets over the facade's takes
    # may use everything (DESIGN §1); the CLI is the thin shell over it all
    "synth": 10,
    "builder": 11,
    "build": 12,  # the deprecated alias of builder
    "demo": 12,  # the demo's steps: synth, builder and everything below
    "cli": 13,
}
"""Package (or top-level module) → layer; an import must go to a strictly lower layer."""

SIBLINGS: dict[tuple[str, str], str] = {
    ("geometry", "video"): "a take's cameras are scaled to its MP4's size (video.probe_video)",
    ("sensors", "geometry"): "trajectory poses are interpolated with geometry.transforms (rigid maths)",
}
"""Same-layer import directions that are allowed, with the reason (the reverse stays forbidden)."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported(module: str, path: Path) -> set[str]:
    """The modules of egoexo_kit that ``module`` imports (anywhere but under ``if TYPE_CHECKING:``)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def resolve(name: str) -> None:
        while name and name not in MODULES:  # ``import egoexo_kit.x.attr`` → the module x
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for stmt in child.orelse:
                    visit_stmt(stmt)
                continue
            visit_stmt(child)

    def visit_stmt(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    resolve(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            if base.split(".")[0] == PACKAGE:
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    resolve(sub if sub in MODULES else base)
        visit(node)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


GRAPH: dict[str, set[str]] = {m: _imported(m, p) for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def _package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def test_the_graph_sees_the_tree():
    """The parser resolves absolute, relative, submodule and lazy imports (guards the checks below)."""
    assert len(MODULES) > 100
    assert "egoexo_kit.release._json" in GRAPH["egoexo_kit.release._index"]
    assert "egoexo_kit.validate._validate" in GRAPH["egoexo_kit.validate"]
    assert "egoexo_kit.release" in GRAPH["egoexo_kit.validate._validate"]
    assert sum(len(v) for v in GRAPH.values()) > 500


def _shortest_cycle(component: list[str]) -> list[str]:
    """One shortest cycle through the first file of a component (breadth-first inside it)."""
    start, members = component[0], set(component)
    parent: dict[str, str] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(GRAPH[node] & members):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [*reversed(path), start]
            if child not in parent:
                parent[child] = node
                queue.append(child)
    return component


def test_no_import_cycles_between_files():
    cycles = _cycles(GRAPH)
    shown = [f"{len(c)} files, e.g. {' -> '.join(_shortest_cycle(c))}" for c in cycles]
    assert not cycles, "import cycles between files:\n" + "\n".join(shown)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_packages_import_only_lower_layers():
    unknown = sorted({_package_of(m) for m in MODULES} - set(LAYER))
    assert not unknown, f"packages without a layer: {unknown}; add each to LAYER (DESIGN §1)"
    wrong: dict[tuple[str, str], list[str]] = defaultdict(list)
    for module, imported in GRAPH.items():
        src = _package_of(module)
        for target in imported:
            dst = _package_of(target)
            if src == dst or LAYER[dst] < LAYER[src] or (src, dst) in SIBLINGS:
                continue
            wrong[src, dst].append(f"{module} -> {target}")
    lines = [
        f"{a} (layer {LAYER[a]}) -> {b} (layer {LAYER[b]}): {', '.join(sorted(v)[:3])}"
        for (a, b), v in sorted(wrong.items())
    ]
    assert not wrong, "imports against the layers of DESIGN §1:\n" + "\n".join(lines)


def test_the_layer_table_has_no_stale_sibling_entries():
    """Every allowed same-layer direction is still used and still same-layer (else delete it)."""
    used = {(_package_of(m), _package_of(t)) for m, ts in GRAPH.items() for t in ts}
    for (a, b), why in SIBLINGS.items():
        assert LAYER[a] == LAYER[b], f"{a} -> {b} is not a same-layer import any more ({why})"
        assert (a, b) in used, f"{a} -> {b} is allowed but no longer imported ({why})"


def _private_owner(module: str) -> str | None:
    """The package whose private module ``module`` is (``a.b._c.d`` → ``a.b``), or ``None`` if public."""
    parts = module.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def private_imports() -> list[str]:
    """Imports of another package's private module (``x._y`` imported from outside ``x``)."""
    found = []
    for module, imported in GRAPH.items():
        for target in imported:
            owner = _private_owner(target)
            if owner is not None and not (module == owner or module.startswith(owner + ".")):
                found.append(f"{module} -> {target}")
    return sorted(found)


def test_no_private_cross_package_imports():
    """Nothing imports another package's private module (issue 17): use the names its ``__init__`` exports."""
    assert private_imports() == []


def test_the_private_import_check_sees_one():
    assert _private_owner("egoexo_kit.release._masks") == "egoexo_kit.release"
    assert _private_owner("egoexo_kit._io") == "egoexo_kit"  # the package's own shared modules
    assert _private_owner("egoexo_kit.release") is None
    GRAPH["egoexo_kit.viz._overlay"].add("egoexo_kit.release._masks")
    try:
        assert "egoexo_kit.viz._overlay -> egoexo_kit.release._masks" in private_imports()
    finally:
        GRAPH["egoexo_kit.viz._overlay"].discard("egoexo_kit.release._masks")
