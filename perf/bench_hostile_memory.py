"""Peak memory of hostile inputs stays flat: each next to a benign input of the same reader (issue 19 item 3).

Each case runs in a fresh interpreter that first warms its reader up (imports, one tiny call), then
reads one file; the peak RSS growth of that read is the peak after minus the RSS before (on Linux
the peak is reset first through ``/proc/self/clear_refs``; elsewhere ``ru_maxrss``, which the
import-time peak can hide). A hostile
input must not grow the peak by more than its benign twin plus ``--margin`` MB: a refused input
costs what checking it costs, not what it claims.

Cases: a mask claiming 10⁵ × 10⁵ pixels, an LZString bomb and a string of millions of zero-length
runs (against a real-size 1408 × 1408 mask), JSON nested 10⁵ deep and a 5,000-digit integer
(against a flat file of the same size), a ``takes.json`` window claiming 10¹⁵ frames (against the
same release unedited), YAML nested 10⁵ deep (against the real ``config.yaml``). The overlay
request 4K wide belongs to the viewer's own benchmark.

Run: ``nice python perf/bench_hostile_memory.py [--margin 32]``; exits 1 if a hostile case is over.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "fixtures" / "real_release"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from egoexo_kit.errors import EgoExoKitError
case, folder = sys.argv[1], Path(sys.argv[2])

def run_mask(name):
    from egoexo_kit.release import decode_mask
    doc = json.loads((folder / name).read_text())
    return lambda: decode_mask(doc["encodedMask"], height=doc["height"], width=doc["width"])

def run_json(name):
    from egoexo_kit.release import load_json
    return lambda: load_json(folder / name)

def run_release(name):
    from egoexo_kit import open_release
    def read():
        release = open_release(folder / name)
        release.warnings
        for take in release.takes:
            take.timeline.rows
    return read

def run_yaml(name):
    from egoexo_kit.features import read_config
    return lambda: read_config(folder / name)

kind, name = case.split(":", 1)
read = {"mask": run_mask, "json": run_json, "release": run_release, "yaml": run_yaml}[kind](name)
warm = {"mask": "mask_warm.json", "json": "warm.json", "release": "release_warm", "yaml": "yaml_warm"}[kind]
try:
    {"mask": run_mask, "json": run_json, "release": run_release, "yaml": run_yaml}[kind](warm)()
except EgoExoKitError:
    pass
import gc
gc.collect()

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])

try:  # Linux >= 4.0: reset the peak to the current RSS, so the read's own peak is measured
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before, peak = status("VmRSS"), lambda: status("VmHWM")
except OSError:  # elsewhere the import-time peak hides reads smaller than it (growth reads 0)
    def peak():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    before = peak()
t0 = time.perf_counter()
try:
    read()
    outcome = "ok"
except EgoExoKitError as e:
    outcome = type(e).__name__
print(json.dumps({"growth_kb": peak() - before, "outcome": outcome, "s": time.perf_counter() - t0}))
"""


def _mask_doc(encoded: str, h: int, w: int) -> str:
    return json.dumps({"height": h, "width": w, "encodedMask": encoded})


def write_inputs(folder: Path) -> list[tuple[str, str, str]]:
    """Write every input; return ``(case, benign, hostile)`` triples of ``kind:file`` names."""
    import lzstring
    import numpy as np

    from egoexo_kit.release import encode_mask

    lz = lzstring.LZString()
    m = np.zeros((1408, 1408), dtype=bool)
    m[300:900, 400:1100] = True
    m[1000:1300, 100:300] = True
    real = encode_mask(m)
    (folder / "mask_warm.json").write_text(
        _mask_doc(encode_mask(np.ones((4, 4), bool)), 4, 4), encoding="utf-8"
    )
    (folder / "mask_ok.json").write_text(_mask_doc(real, 1408, 1408), encoding="utf-8")
    (folder / "mask_huge.json").write_text(_mask_doc(real, 100_000, 100_000), encoding="utf-8")
    bomb = lz.compressToEncodedURIComponent("0" * 50_000_000)  # a few KB that expand 10⁴-fold
    (folder / "mask_bomb.json").write_text(_mask_doc(bomb, 1408, 1408), encoding="utf-8")
    many = lz.compressToEncodedURIComponent("".join(chr(48 + (i * 7919) % 64) for i in range(3_000_000)))
    (folder / "mask_runs.json").write_text(_mask_doc(many, 1408, 1408), encoding="utf-8")

    deep = b"[" * 100_000 + b"]" * 100_000
    (folder / "warm.json").write_bytes(b"[1]")
    (folder / "flat.json").write_bytes(b"[" + b"0," * (len(deep) // 2 - 1) + b"0]")
    (folder / "deep.json").write_bytes(deep)
    (folder / "int_ok.json").write_bytes(b"[" + b"1," * 2500 + b"1]")
    (folder / "int_huge.json").write_bytes(b"[" + b"9" * 5000 + b"]")

    for name, end in (("release_warm", None), ("release_ok", None), ("release_frames", 10**15)):
        root = folder / name
        shutil.copytree(REAL, root)
        if end is not None:
            takes = json.loads((root / "takes.json").read_text(encoding="utf-8"))
            takes[0]["timesync_end_idx"] = end
            (root / "takes.json").write_text(json.dumps(takes), encoding="utf-8")

    config = (REAL / "features" / "omnivore_video" / "config.yaml").read_text(encoding="utf-8")
    for name, extra in (
        ("yaml_warm", ""),
        ("yaml_ok", ""),
        ("yaml_deep", "x: " + "[" * 100_000 + "]" * 100_000),
    ):
        (folder / name).mkdir()
        (folder / name / "config.yaml").write_text(config + extra + "\n", encoding="utf-8")
    return [
        ("mask 10⁵ × 10⁵ pixels", "mask:mask_ok.json", "mask:mask_huge.json"),
        ("mask LZString bomb", "mask:mask_ok.json", "mask:mask_bomb.json"),
        ("mask 3·10⁶ runs", "mask:mask_ok.json", "mask:mask_runs.json"),
        ("JSON nested 10⁵ deep", "json:flat.json", "json:deep.json"),
        ("JSON 5,000-digit integer", "json:int_ok.json", "json:int_huge.json"),
        ("takes.json 10¹⁵ frames", "release:release_ok", "release:release_frames"),
        ("YAML nested 10⁵ deep", "yaml:yaml_ok", "yaml:yaml_deep"),
    ]


def measure(case: str, folder: Path) -> dict:
    """Run one case in a fresh interpreter; its peak RSS growth (KB), outcome and seconds."""
    res = subprocess.run(
        [sys.executable, "-c", CHILD, case, str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if res.returncode != 0:
        return {
            "growth_kb": float("inf"),
            "outcome": f"crash rc={res.returncode}: {res.stderr.strip()[-200:]}",
            "s": 0,
        }
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--margin", type=float, default=32.0, help="MB a hostile case may grow past its benign twin"
    )
    args = ap.parse_args()
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        cases = write_inputs(folder)
        print(
            f"{'case':28s} {'benign MB':>10s} {'hostile MB':>11s} {'hostile outcome':>16s} {'s':>6s}  verdict"
        )
        for name, benign, hostile in cases:
            b, h = measure(benign, folder), measure(hostile, folder)
            over = h["growth_kb"] > b["growth_kb"] + args.margin * 1024
            failed += over
            print(
                f"{name:28s} {b['growth_kb'] / 1024:10.1f} {h['growth_kb'] / 1024:11.1f} {h['outcome']:>16s} "
                f"{h['s']:6.2f}  {'OVER' if over else 'flat'}"
            )
    print(f"\n{failed} hostile case(s) over benign + {args.margin:g} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
