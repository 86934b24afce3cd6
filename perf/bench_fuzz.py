"""Long fuzz run over every file reader: outcome counts per parser, and exit 1 on any foreign exception.

The harness of ``tests/fuzz`` (real-release seeds, seeded mutations) on many more inputs. Each
input's outcome is ``ok``, the ``EgoExoKitError`` subclass it raised, or ``FOREIGN:<class>`` for
anything else; the issue's bar is 0 foreign outcomes in at least 10⁵ inputs.

Run: ``nice python perf/bench_fuzz.py [--n 100000] [--seed 1] [--only relations mask ...] [--jobs 2]``
(``--n`` is the total, spread evenly over the parsers; ``--jobs`` runs parsers in parallel processes).
Foreign inputs are written to ``--keep`` (default ``fuzz-foreign/``) for replay.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives in tests/fuzz

from tests.fuzz.harness import BY_NAME, TARGETS, Foreign, Scratch, run


def _one(name: str, seed: int, n: int) -> tuple[str, Counter[str], list[Foreign], float]:
    """Fuzz one parser in its own scratch copy of the real excerpt."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as d:
        counts, foreign = run(BY_NAME[name], seed=seed, n=n, scratch=Scratch(Path(d)))
    return name, counts, foreign, time.perf_counter() - t0


def _table(results: list[tuple[str, Counter[str], list[Foreign], float]]) -> str:
    classes = sorted(
        {k for _, c, _, _ in results for k in c}, key=lambda k: (k.startswith("FOREIGN"), k != "ok", k)
    )
    head = ["parser", "inputs", *classes, "s"]
    rows = [
        [name, str(sum(c.values())), *(str(c.get(k, 0)) for k in classes), f"{dt:.0f}"]
        for name, c, _, dt in results
    ]
    total = Counter()
    for _, c, _, _ in results:
        total.update(c)
    rows.append(["TOTAL", str(sum(total.values())), *(str(total.get(k, 0)) for k in classes), ""])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [
        "  ".join(x.rjust(w) if i else x.ljust(w) for i, (x, w) in enumerate(zip(r, widths, strict=True)))
        for r in [head, *rows]
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(-1, "-" * len(lines[0]))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="total inputs, spread over the parsers")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", nargs="*", default=None, help="parser names (default: all)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--keep", type=Path, default=Path("fuzz-foreign"), help="where foreign inputs are written"
    )
    args = ap.parse_args()
    names = args.only or [t.name for t in TARGETS]
    per = max(1, args.n // len(names))
    print(f"fuzzing {len(names)} parsers x {per} inputs (seed {args.seed}, {args.jobs} jobs)", flush=True)
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(_one, names, [args.seed] * len(names), [per] * len(names)))
    print(_table(results))
    foreign = [f for _, _, fs, _ in results for f in fs]
    print(
        f"\n{sum(sum(c.values()) for _, c, _, _ in results)} inputs in {time.perf_counter() - t0:.0f} s; "
        f"{len(foreign)} foreign"
    )
    if foreign:
        args.keep.mkdir(parents=True, exist_ok=True)
        for f in foreign:
            (args.keep / f"{f.target}.{f.seed}.{f.index}.bin").write_bytes(f.data)
        seen: set[str] = set()
        for f in foreign:
            key = f"{f.target}:{f.error.split(':')[0]}"
            if key not in seen:
                seen.add(key)
                print(f)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
