"""Start-up time: ``egoexo-kit --help``/``--version`` and ``import egoexo_kit`` vs bare ``python -c pass``.

Run: ``python perf/bench_startup.py [runs]``. Each case runs ``runs`` times (default 15) in a fresh
interpreter, interleaved with the others so machine load hits all alike; prints the median wall and
CPU time (user + system, less sensitive to other processes on a shared machine), each case's excess
over bare Python, and whether issue 18's goals are met (excess wall time: ``--help`` and
``--version`` ≤ 0.25 s, ``import egoexo_kit`` ≤ 0.15 s). typer and rich rows show what the CLI
framework itself costs.
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOALS = {"import egoexo_kit": 0.15, "egoexo-kit --help": 0.25, "egoexo-kit --version": 0.25}
"""Case → the most it may exceed bare Python, in seconds of wall time (issue 18)."""


def cli() -> list[str]:
    """The ``egoexo-kit`` console script beside this interpreter, or the same entry point through ``-c``."""
    script = Path(sys.executable).with_name("egoexo-kit")
    if script.exists():
        return [str(script)]
    found = shutil.which("egoexo-kit")
    return [found] if found else [sys.executable, "-c", "from egoexo_kit.cli import main; main()"]


def cases() -> dict[str, list[str]]:
    """Case name → command line; the first is the baseline."""
    py, egoexo = sys.executable, cli()
    return {
        "python -c pass": [py, "-c", "pass"],
        "import egoexo_kit": [py, "-c", "import egoexo_kit"],
        "egoexo-kit --help": [*egoexo, "--help"],
        "egoexo-kit --version": [*egoexo, "--version"],
        "egoexo-kit frames --help": [*egoexo, "frames", "--help"],
        "import typer": [py, "-c", "import typer"],
        "import typer.rich_utils": [py, "-c", "import typer.rich_utils"],
        "import rich.console": [py, "-c", "import rich.console"],
    }


def run_once(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run of ``cmd`` (which must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    todo = cases()
    wall: dict[str, list[float]] = {name: [] for name in todo}
    cpu: dict[str, list[float]] = {name: [] for name in todo}
    for cmd in todo.values():
        run_once(cmd)  # warm the file cache and .pyc files
    for _ in range(runs):
        for name, cmd in todo.items():
            w, c = run_once(cmd)
            wall[name].append(w)
            cpu[name].append(c)
    med_wall = {name: statistics.median(v) for name, v in wall.items()}
    med_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    base = next(iter(todo))
    print(f"start-up, median of {runs} runs ({' '.join(cli())}), seconds")
    print(f"  {'case':26s} {'wall':>7s} {'excess':>7s} {'cpu':>7s} {'excess':>7s}  goal")
    for name in todo:
        ex_wall, ex_cpu = med_wall[name] - med_wall[base], med_cpu[name] - med_cpu[base]
        goal = GOALS.get(name)
        verdict = "" if goal is None else f"≤ {goal:.2f}: {'met' if ex_wall <= goal else 'NOT met'}"
        print(
            f"  {name:26s} {med_wall[name]:7.3f} {ex_wall:7.3f} {med_cpu[name]:7.3f} {ex_cpu:7.3f}  {verdict}"
        )
    help_cost = med_wall["egoexo-kit --help"] - med_wall[base]
    framework = med_wall["import typer.rich_utils"] - med_wall[base]
    print(f"  typer + its rich help renderer are {framework / help_cost:.0%} of --help's excess")


if __name__ == "__main__":
    main()
