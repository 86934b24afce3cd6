"""Every command, fed corrupted files and hostile arguments, ends in exit 0 or one ``error:`` line.

The commands come from :func:`egoexo_kit.cli.reference.walk_commands`, so a new command is
covered (and must get a base invocation in :data:`BASE`). Each runs in-process on a copy of the
tiny release with, one at a time:

- a corrupted copy of a file it reads: truncated, bit-flipped, non-UTF-8 bytes, emptied, a JSON
  value replaced by a hostile one (a string, null, 1e308, a 5,000-digit integer, a list…), JSON
  nested 10⁵ deep, a CSV cell replaced, MP4 header bytes overwritten, or the file replaced by a
  folder, a symlink loop or nothing;
- a hostile argument value: NaN, infinities, ±1e308, huge and negative integers, an empty or
  10 kB string, a file where a folder belongs, an output under a file, a symlink loop, a
  non-UTF-8 name.

Every run must end with exit 0 (``validate``: 1 = the release has errors) or exit 2 with exactly
one ``error:`` line, and never a traceback or an ``internal error`` (a bug, however politely
printed). Cases are drawn with a fixed seed and a per-command budget; ``-m slow`` runs many more.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import random
import shutil
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer.main
from typer.testing import CliRunner

from egoexo_kit import open_release
from egoexo_kit.benchmarks import build_gt, run_baseline
from egoexo_kit.cli import app
from egoexo_kit.cli.reference import walk_commands

TAKE = "cmu_bike01_1"
SECONDS_PER_RUN = 60
"""A run that takes longer is reported as hung (the alarm interrupts it)."""

# ---- what each command is run with ------------------------------------------------------------------
BASE: dict[str, tuple[list[str], list[str]] | None] = {
    "demo": ([], ["--tiny", "--out", "{out}/demo"]),
    "synth": (
        ["{out}/synth"],
        ["--seconds", "4", "--exo-size", "64x36", "--ego-size", "32", "--workers", "1"],
    ),
    "validate": (["{rel}"], []),
    "info": (["{rel}", TAKE], []),
    "takes": (["{rel}"], []),
    "downscale": (["{rel}"], ["--takes", TAKE, "--workers", "1"]),
    "optimize": (["{rel}", "{out}/train"], ["--takes", TAKE, "--workers", "1", "--keyint", "10"]),
    "cache": (["trim"], ["--max-size", "1G"]),  # on the test's own cache folder (see _plain)
    "collage": (["{rel}", TAKE], ["--resolution", "full", "--out", "{out}/c.mp4"]),
    "frames": (["{rel}", TAKE], ["--frame", "3", "--out", "{out}/frames"]),
    "clips": (["{rel}", TAKE], ["--t0", "0", "--t1", "0.3", "--out", "{out}/clip.mp4"]),
    "eval": (["body-pose"], ["--gt", "{eval}/body-pose.gt.json", "--pred", "{eval}/body-pose.pred.json"]),
    "download": (["{out}/dl"], ["--source", "{mirror}", "--parts", "metadata", "--retries", "0", "-y"]),
    "publish": (["{rel}"], ["--to", "{out}/mirror"]),
    "features": (["{rel}"], ["--takes", TAKE, "--out", "{out}/feat"]),
    "calib": (["{rel}", "cmu_bike01_2"], []),  # refused: the tiny release's Aria calibration has no pose
    "project": (["{rel}", TAKE], ["--view", "cam01", "--frame", "3", "--xyz", "0,0,1"]),
    "triangulate": (["{rel}", TAKE], ["--out", "{out}/tri.json"]),
    "annotations": (["{rel}", TAKE], []),
    "baseline": (["{rel}", "body-pose"], ["--split", "train", "--out", "{out}/pred.json"]),
    "query": (["{rel}", "SELECT count(*) FROM takes"], []),
    "search": (["{rel}", "bike"], []),
    "serve": None,  # serves until stopped: only arguments it must refuse before listening
    "export-rerun": (["{rel}", TAKE], ["--out", "{out}/x.rrd"]),
    "build": (["{raw}", "{out}/built"], ["--workers", "1"]),
    "benchmark gt": (["{rel}", "body-pose"], ["--split", "train", "--out", "{out}/gt.json"]),
    "benchmark leaderboard": (["{rel}"], ["--split", "train"]),
}
"""A valid invocation of each command on the workspace, ``(positionals, options)``: placeholders are
filled by :meth:`Workspace.fill`."""

REPORTS = {"validate", "download", "demo"}
"""Commands whose exit 1 means "done, and the report lists what failed" (their documented contract)."""

SLOW_TO_ACCEPT = {"demo", "synth", "build", "serve"}
"""Commands that run long (or forever) when an argument is accepted: only refusable cases by default."""

READS: dict[str, tuple[str, ...]] = {
    "validate": ("rel/**/*",),
    "info": ("rel/*.json", "rel/annotations/*.json", "rel/annotations/ego_pose/**/*.json"),
    "takes": ("rel/*.json", "rel/annotations/splits.json"),
    "downscale": ("rel/takes.json", "rel/takes/cmu_bike01_1/frame_aligned_videos/*"),
    "optimize": ("rel/takes.json", "rel/takes/cmu_bike01_1/frame_aligned_videos/*"),
    "collage": ("rel/takes.json", "rel/takes/cmu_bike01_1/frame_aligned_videos/*"),
    "frames": (
        "rel/takes.json",
        "rel/captures.json",
        "rel/captures/cmu_bike01/timesync.csv",
        "rel/takes/cmu_bike01_1/frame_aligned_videos/*",
    ),
    "clips": (
        "rel/takes.json",
        "rel/captures/cmu_bike01/timesync.csv",
        "rel/takes/cmu_bike01_1/frame_aligned_videos/*",
    ),
    "eval": ("eval/*",),
    "download": ("mirror/v2/metadata/*", "mirror/v2/*.json"),
    "publish": ("rel/*.json", "rel/annotations/*.json"),
    "features": ("rel/takes.json", "rel/takes/cmu_bike01_1/frame_aligned_videos/*"),
    "calib": (
        "rel/takes.json",
        "rel/captures.json",
        "rel/captures/cmu_bike01/**/*",
        "rel/takes/cmu_bike01_2/trajectory/*",
    ),
    "project": ("rel/takes.json", "rel/captures/cmu_bike01/**/*", "rel/takes/cmu_bike01_1/trajectory/*"),
    "triangulate": (
        "rel/takes.json",
        "rel/captures/cmu_bike01/**/*",
        "rel/annotations/ego_pose/train/**/*.json",
    ),
    "annotations": ("rel/annotations/**/*.json", "rel/takes.json"),
    "baseline": ("rel/annotations/**/*.json", "rel/takes.json"),
    "query": ("rel/annotations/**/*.json", "rel/*.json"),
    "search": ("rel/annotations/**/*.json", "rel/*.json"),
    "export-rerun": (
        "rel/takes.json",
        "rel/takes/cmu_bike01_1/**/*",
        "rel/annotations/ego_pose/train/**/*.json",
    ),
    "build": ("raw/**/*",),
    "benchmark gt": ("rel/annotations/**/*.json", "rel/takes.json"),
    "benchmark leaderboard": ("rel/annotations/**/*.json", "rel/takes.json"),
}
"""Files (globs under the workspace) each command reads: where its corruptions land."""

# ---- hostile values -----------------------------------------------------------------------------------
HOSTILE_FLOATS = ("nan", "inf", "-inf", "1e308", "-1e308", "-0.0", "1e-320")
HOSTILE_INTS = ("-1", "0", "99999999999999999999999", "2147483648", "-9223372036854775809")
HOSTILE_TEXT = ("", "x" * 10_000, "../../../../etc/passwd", "\udcff\udcfe", "a,b,,c", "-")
HOSTILE_PATHS = ("{a_file}", "{a_file}/under/it", "{a_dir}", "{loop}", "{nonutf8}", "x" * 300, "")
HOSTILE_JSON: tuple[Any, ...] = (
    None,
    "x",
    "",
    -1,
    0,
    1e308,
    -1e308,
    10**80,
    True,
    [],
    {},
    [[[]]],
    {"a": [None]},
)


def _kind(param: Any) -> str:
    """``float``, ``int``, ``path``, ``flag`` or ``text``: which hostile values a parameter gets."""
    if getattr(param, "is_flag", False):
        return "flag"
    annotation = str(param.type_descriptor.annotation)
    for kind in ("float", "int", "Path"):
        if kind in annotation:
            return kind.lower()
    return "text"


# ---- corruptions ---------------------------------------------------------------------------------------
def _json_paths(obj: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for i, (k, v) in enumerate(items):
        if i >= 4:
            break
        yield from _json_paths(v, (*path, k))


def _corrupt_json(data: bytes, rng: random.Random) -> bytes:
    """A hostile value (or a deletion) somewhere in a JSON document; other bytes when it is not JSON."""
    try:
        obj = json.loads(data)
    except ValueError:
        return _flip(data, rng)
    paths = list(_json_paths(obj))
    path = rng.choice(paths[1:] or paths)
    if not path:
        return json.dumps(rng.choice(HOSTILE_JSON)).encode()
    parent = obj
    for k in path[:-1]:
        parent = parent[k]
    if rng.random() < 0.2:
        del parent[path[-1]]
    else:
        parent[path[-1]] = rng.choice(HOSTILE_JSON)
    return json.dumps(obj).encode()


def _corrupt_jsonl(data: bytes, rng: random.Random) -> bytes:
    lines = data.splitlines()
    if not lines:
        return b"{"
    i = rng.randrange(len(lines))
    lines[i] = _corrupt_json(lines[i], rng)
    return b"\n".join(lines) + b"\n"


def _corrupt_csv(data: bytes, rng: random.Random) -> bytes:
    rows = [r.split(b",") for r in data.splitlines()]
    if len(rows) < 2:
        return _flip(data, rng)
    r = rng.randrange(len(rows))
    c = rng.randrange(len(rows[r]))
    choice = rng.random()
    if choice < 0.15:  # a row with a cell too few or too many
        rows[r] = rows[r][:-1] if rng.random() < 0.5 else [*rows[r], b"9"]
    else:
        rows[r][c] = rng.choice([b"", b"nan", b"inf", b"1e308", b"-1", b"x", b"9" * 30, b'"', b"\xff"])
    return b"\n".join(b",".join(row) for row in rows) + b"\n"


def _flip(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data or b"\0")
    for _ in range(rng.randint(1, 8)):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _mp4_header(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 16)):
        buf[rng.randrange(min(len(buf), 256))] = rng.randrange(256)
    return bytes(buf)


BYTES_OPS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": lambda d, r: d[: r.randrange(max(1, len(d)))],
    "flip": _flip,
    "non-utf8": lambda d, r: (lambda i: d[:i] + b"\xff\xfe\xc3(" + d[i:])(r.randrange(len(d) + 1)),
    "empty": lambda d, r: b"",
}
TYPED_OPS: dict[str, dict[str, Callable[[bytes, random.Random], bytes]]] = {
    ".json": {
        "json-value": _corrupt_json,
        "json-value-2": _corrupt_json,
        "json-deep": lambda d, r: b"[" * 100_000 + b"]" * 100_000,
        "json-bigint": lambda d, r: d.replace(b"1", b"9" * 5000, 1) if b"1" in d else b"9" * 5000,
    },
    ".jsonl": {"jsonl-value": _corrupt_jsonl, "jsonl-value-2": _corrupt_jsonl},
    ".csv": {"csv-cell": _corrupt_csv, "csv-cell-2": _corrupt_csv, "csv-cell-3": _corrupt_csv},
    ".mp4": {"mp4-header": _mp4_header, "mp4-header-2": _mp4_header},
}
FS_OPS = ("folder", "symlink-loop", "missing")


def _ops_for(path: Path) -> list[str]:
    suffix = ".csv" if path.name.endswith(".csv.gz") else path.suffix
    return [*BYTES_OPS, *TYPED_OPS.get(suffix, {}), *FS_OPS]


@contextlib.contextmanager
def corrupted(path: Path, op: str, seed: int) -> Iterator[None]:
    """``path`` corrupted by ``op`` for the duration of the block, then restored byte for byte."""
    original = path.read_bytes()
    rng = random.Random(seed)
    try:
        if op in FS_OPS:
            path.unlink()
            if op == "folder":
                path.mkdir()
            elif op == "symlink-loop":
                path.symlink_to(path.name)
        else:
            gz = path.name.endswith(".gz")
            data = gzip.decompress(original) if gz else original
            suffix = ".csv" if path.name.endswith(".csv.gz") else path.suffix
            fn = BYTES_OPS.get(op) or TYPED_OPS[suffix][op]
            out = fn(data, rng)
            path.write_bytes(gzip.compress(out, mtime=0) if gz and op not in ("truncate", "flip") else out)
        yield
    finally:
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        path.write_bytes(original)


# ---- the workspace -------------------------------------------------------------------------------------
RAW_MANIFEST = {
    "capture_name": "cmu_bike_01",
    "university": "cmu",
    "participant_uid": 600,
    "physical_setting_uid": 90,
    "devices": [
        {"device": "cam01", "kind": "gopro", "file": "cam01.mp4", "fps": 60.0, "frames": 40},
        {
            "device": "aria01",
            "kind": "aria",
            "file": "aria01_214-1.mp4",
            "timestamps": "aria01_214-1_timestamps.csv",
            "fps": 30.0,
            "frames": 20,
            "audio": "aria01.wav",
            "audio_first_sample_device_ns": 4138003916000,
            "streams": [],
        },
    ],
}


RELEASE_ENTRIES = {
    "annotations",
    "captures",
    "captures.json",
    "metadata.json",
    "participants.json",
    "physical_setting.json",
    "takes",
    "takes.json",
    "visual_objects.json",
}
"""What the tiny release holds at its top level (:func:`make_workspace` checks it)."""

INPUTS = {"rel", "eval", "mirror", "raw", "a_file.txt", "a_dir", "loop", "points.json", "out"}
"""The workspace's own entries: anything else a run leaves there is removed after it."""


@dataclass
class Workspace:
    """The files every case runs against, the placeholders of :data:`BASE`, and a scratch folder."""

    root: Path

    @property
    def out(self) -> Path:
        return self.root / "out"

    def fill(self, arg: str) -> str:
        """A template argument with its placeholders replaced."""
        names = {
            "rel": "rel",
            "eval": "eval",
            "mirror": "mirror",
            "raw": "raw",
            "a_file": "a_file.txt",
            "a_dir": "a_dir",
            "loop": "loop",
            "nonutf8": os.fsdecode(b"n\xffutf8"),
        }
        for key, rel in names.items():
            arg = arg.replace("{" + key + "}", str(self.root / rel))
        return arg.replace("{out}", str(self.out))

    def reset_outputs(self, *, caches: bool = True) -> None:
        """Remove what a run wrote: its outputs, anything new beside the inputs or in the release.

        ``caches=False`` keeps the release's derived caches (``.egoexo-kit/``: the catalog), which a
        run on unchanged files reuses; after a corrupted file they go, so no run reads a catalog
        built from another run's corruption.
        """
        shutil.rmtree(self.out, ignore_errors=True)
        self.out.mkdir()
        rel = self.root / "rel"
        keep = {*RELEASE_ENTRIES, *(() if caches else (".egoexo-kit",))}
        new = [p for p in self.root.iterdir() if p.name not in INPUTS]
        new += [*(self.root / "a_dir").iterdir(), *(p for p in rel.iterdir() if p.name not in keep)]
        for extra in new:
            extra.unlink() if extra.is_symlink() or extra.is_file() else shutil.rmtree(extra)


def make_workspace(root: Path, release: Path) -> Workspace:
    """Copy the release, write eval inputs, a file mirror, a fake raw capture and the path oddities."""
    ws = Workspace(root)
    # without caches or locks other tests' runs may have left in the shared release
    shutil.copytree(release, root / "rel", symlinks=True, ignore=shutil.ignore_patterns(".egoexo-kit*"))
    assert {p.name for p in (root / "rel").iterdir()} == RELEASE_ENTRIES
    rel = open_release(root / "rel")
    (root / "eval").mkdir()
    for task in (
        "body-pose",
        "correspondence",
        "energy-efficient-keystep",
        "procedure-understanding",
        "proficiency-demonstrator",
    ):
        gt = build_gt(task, rel, split="train")
        pred = run_baseline(task, rel, split="train", method=None)
        (root / "eval" / f"{task}.gt.json").write_text(json.dumps(gt))
        (root / "eval" / f"{task}.pred.json").write_text(json.dumps(pred))
    res = CliRunner().invoke(app, ["publish", str(root / "rel"), "--to", str(root / "mirror")])
    assert res.exit_code == 0, res.output
    capture = root / "raw" / "raw" / "cmu_bike_01"
    capture.mkdir(parents=True)
    (capture / "manifest.json").write_text(json.dumps(RAW_MANIFEST))
    (capture / "aria01_214-1_timestamps.csv").write_text("frame,device_ns\n0,4138003916000\n")
    (root / "a_file.txt").write_text("not a release\n")
    (root / "a_dir").mkdir()
    (root / "loop").symlink_to("loop")
    (root / "points.json").write_text(json.dumps(np.zeros((2, 3)).tolist()))
    ws.out.mkdir()
    return ws


# ---- cases -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One run: a command, its arguments, and the hostile value or the file corrupted meanwhile."""

    command: str
    args: tuple[str, ...]
    what: str
    value: str | None = None
    corrupt: tuple[str, str, int] | None = None  # (workspace-relative path, op, seed)


def _commands() -> dict[str, Any]:
    return dict(walk_commands(typer.main.get_command(app)))


def _base(name: str) -> tuple[list[str], list[str]]:
    return BASE[name] or (["{rel}"], [])


def _with_value(name: str, command: Any, param: Any, value: str) -> list[str]:
    """The base arguments of ``name`` with ``param`` set to ``value`` (a positional replaced or added)."""
    positionals, options = (list(x) for x in _base(name))
    if param.param_type_name == "argument":
        index = [p.name for p in command.params if p.param_type_name == "argument"].index(param.name)
        positionals += ["x"] * (index + 1 - len(positionals))
        positionals[index] = value
    elif any(o in options for o in param.opts):
        i = next(options.index(o) for o in param.opts if o in options)
        options[i + 1] = value
    else:
        options += [param.opts[0], value]
    return [*positionals, *options]


VALUES = {"float": HOSTILE_FLOATS, "int": HOSTILE_INTS, "path": HOSTILE_PATHS, "text": HOSTILE_TEXT}
REFUSABLE = {
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "-1",
    "99999999999999999999999",
    "-9223372036854775809",
    "{a_file}",
    "{a_file}/under/it",
    "{loop}",
}
"""Values a long-running command must refuse before any work starts (out of range, unusable paths)."""


def argument_cases(name: str, command: Any, rng: random.Random, budget: int | None) -> list[Case]:
    """Hostile values for each parameter of ``command`` (all of them, or ``budget`` drawn)."""
    cases = [
        Case(name, tuple(_with_value(name, command, param, value)), f"{param.name}={value[:40]!r}", value)
        for param in command.params
        for value in VALUES.get(_kind(param), ())
        if name not in SLOW_TO_ACCEPT or value in REFUSABLE
        if name != "serve" or param.name in ("path", "port")  # an accepted value would serve
    ]
    rng.shuffle(cases)
    return cases if budget is None else cases[:budget]


def corruption_cases(name: str, ws: Workspace, rng: random.Random, budget: int | None) -> list[Case]:
    """Corrupted copies of the files ``name`` reads, drawn with ``rng``."""
    if BASE[name] is None or name not in READS:
        return []
    args = tuple(x for part in _base(name) for x in part)
    files = sorted(
        {p for pattern in READS[name] for p in ws.root.glob(pattern) if p.is_file() and not p.is_symlink()}
    )
    pairs = [(f, op) for f in files for op in _ops_for(f)]
    rng.shuffle(pairs)
    chosen = [
        (f.relative_to(ws.root), op, rng.randrange(2**31))
        for f, op in (pairs if budget is None else pairs[:budget])
    ]
    return [Case(name, args, f"{op} {f} (seed {seed})", corrupt=(str(f), op, seed)) for f, op, seed in chosen]


# ---- running ---------------------------------------------------------------------------------------------
class Hung(BaseException):
    """Raised by the alarm in a run that takes too long (a BaseException: no command may swallow it)."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hung


def judge(case: Case, exit_code: int, output: str, stderr: str) -> str | None:
    """Why a finished run breaks the rule, or ``None`` when it keeps it."""
    if "Traceback" in output or "internal error" in output:
        return "traceback or internal error"
    if exit_code == 0 or (exit_code == 1 and case.command in REPORTS):
        return None
    if exit_code != 2:
        return f"exit {exit_code}"
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    return None if len(errors) == 1 else f"{len(errors)} error: lines"


def run_cases(ws: Workspace, cases: list[Case]) -> list[str]:
    """Run every case in-process; the failures, one line each (command, case, why, output tail)."""
    runner = CliRunner()
    failures = []
    old = signal.signal(signal.SIGALRM, _on_alarm)
    try:
        for case in cases:
            args = [ws.fill(a) for a in case.args]
            ctx = (
                corrupted(ws.root / case.corrupt[0], case.corrupt[1], case.corrupt[2])
                if case.corrupt
                else contextlib.nullcontext()
            )
            signal.alarm(SECONDS_PER_RUN)
            try:
                with ctx:
                    res = runner.invoke(app, [*case.command.split(), *args], env={"COLUMNS": "200"})
                why = judge(case, res.exit_code, res.output, res.stderr)
                tail = " | ".join(res.output.strip().splitlines()[-3:])[-300:]
            except Hung:
                why, tail = f"still running after {SECONDS_PER_RUN} s", ""
            finally:
                signal.alarm(0)
                ws.reset_outputs(caches=case.corrupt is not None)
            if why:
                failures.append(f"{case.command} [{case.what}]: {why}: {tail}")
    finally:
        signal.signal(signal.SIGALRM, old)
    return failures


@pytest.fixture(scope="module")
def workspace(tiny_release_ro: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("fuzz"), tiny_release_ro)


@pytest.fixture(autouse=True)
def _plain(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EGOEXO_KIT_DEBUG", raising=False)
    monkeypatch.setenv("EGOEXO_KIT_CACHE_DIR", str(tmp_path / "cache"))  # never the user's cache
    monkeypatch.chdir(tmp_path)


def all_cases(ws: Workspace, *, seed: int, arg_budget: int | None, file_budget: int | None) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for name, command in _commands().items():
        cases += argument_cases(name, command, rng, arg_budget)
        cases += corruption_cases(name, ws, rng, file_budget)
    return cases


def test_every_command_has_a_base_invocation():
    """A new command must say how it is run, so the fuzzing covers it."""
    assert set(_commands()) == set(BASE)


def test_base_invocations_succeed(workspace):
    """The uncorrupted runs work, so each corrupted run tests the corruption and not the setup."""
    cases = [
        Case(n, (*a[0], *a[1]), "base") for n, a in BASE.items() if a is not None and n not in SLOW_TO_ACCEPT
    ]
    runner = CliRunner()
    for case in cases:
        res = runner.invoke(app, [*case.command.split(), *(workspace.fill(a) for a in case.args)])
        workspace.reset_outputs()
        ok = res.exit_code == 0 or (case.command == "calib" and "T_Device_Camera" in res.output)
        assert ok, (case.command, res.output[-500:])


def test_fuzz_every_command(workspace):
    cases = all_cases(workspace, seed=19, arg_budget=4, file_budget=4)
    assert len({c.command for c in cases}) == len(BASE)
    failures = run_cases(workspace, cases)
    assert not failures, f"{len(failures)} of {len(cases)} runs broke the rule:\n" + "\n".join(failures)


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("EGOEXO_KIT_LONG_FUZZ"), reason="minutes long: set EGOEXO_KIT_LONG_FUZZ=1 to run it"
)
def test_fuzz_every_command_long(workspace):
    cases = all_cases(workspace, seed=1919, arg_budget=None, file_budget=60)
    failures = run_cases(workspace, cases)
    assert not failures, f"{len(failures)} of {len(cases)} runs broke the rule:\n" + "\n".join(failures)
