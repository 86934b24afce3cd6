"""Start-up stays light: ``import egoexo_kit`` and ``egoexo-kit --help``/``--version`` load no heavy stack.

Each check runs in a fresh interpreter (this test process has long imported everything) and reads
``sys.modules`` afterwards. Timings are measured by ``perf/bench_startup.py``, not asserted here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import egoexo_kit

HEAVY = ("scipy", "torch", "duckdb", "pyarrow", "av", "cv2", "ray", "rerun", "fastapi")
"""Never imported by start-up (issue 18)."""

ALSO_LIGHT = ("pydantic", "pandas", "PIL", "sklearn", "numpy", "yaml")
"""Not needed by start-up either; kept out so it stays fast."""

SRC = str(Path(egoexo_kit.__file__).resolve().parents[1])

PROBE = """
import json, sys
{code}
print(json.dumps(sorted({{name.split(".")[0] for name in sys.modules}})))
"""

CLI = """
from egoexo_kit.cli import main
sys.argv = ["egoexo-kit", *{args!r}]
try:
    main()
except SystemExit as e:
    assert e.code in (0, None), e.code
"""


def loaded_after(code: str) -> set[str]:
    """Top-level modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])}
    res = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code)], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(res.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "code",
    [
        "import egoexo_kit",
        "import egoexo_kit.errors, egoexo_kit.extras",
        CLI.format(args=["--help"]),
        CLI.format(args=["--version"]),
    ],
    ids=["import", "errors+extras", "--help", "--version"],
)
def test_start_up_imports_no_heavy_module(code):
    loaded = loaded_after(code)
    assert "egoexo_kit" in loaded
    assert not loaded & {*HEAVY, *ALSO_LIGHT}, sorted(loaded & {*HEAVY, *ALSO_LIGHT})


def test_the_probe_sees_the_heavy_stack_once_a_release_is_opened():
    loaded = loaded_after("from egoexo_kit import open_release")
    assert {"pyarrow", "av"} <= loaded


def test_public_names_resolve_lazily_and_are_listed():
    assert set(egoexo_kit.__all__) <= set(dir(egoexo_kit))
    for name in egoexo_kit.__all__:
        assert getattr(egoexo_kit, name) is not None, name
    from egoexo_kit.facade import open_release

    assert egoexo_kit.open_release is open_release
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = egoexo_kit.no_such_name
