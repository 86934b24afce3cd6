"""validate never raises on a damaged release: every problem is a reported Problem (issue 19 item 6).

A seeded, bounded run: each case copies the tiny release, damages three of its files (JSON leaves
set to hostile values, CSV cells, row widths, bytes of MP4s and other binaries) and validates it,
deep or not. Anything escaping ``validate_release`` fails the test with the seed.
"""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.validate import validate_release

CASES = 24
HOSTILE: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    -1,
    0,
    "x",
    None,
    [],
    {},
    1e308,
    10**30,
    True,
    "",
    "../..",
]
CELLS = ["x", "nan", "inf", "-1", "", "1e400", "9" * 30, "1.5", "\x00"]


def _leaves(x: Any, at: tuple = ()) -> list[tuple]:
    out = [at] if at else []
    if isinstance(x, dict):
        for k, v in x.items():
            out += _leaves(v, (*at, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _leaves(v, (*at, i))
    return out


def _damage_json(path: Path, rng: random.Random) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    leaves = _leaves(data)
    for at in rng.sample(leaves, min(3, len(leaves))):
        obj = data
        try:
            for k in at[:-1]:
                obj = obj[k]
            obj[at[-1]] = rng.choice(HOSTILE)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent
    path.write_text(json.dumps(data), encoding="utf-8")


def _damage_csv(path: Path, rng: random.Random) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        roll = rng.random()
        if roll < 0.6:
            cells[rng.randrange(len(cells))] = rng.choice(CELLS)
        elif roll < 0.8:
            cells = cells[: rng.randrange(len(cells))]
        else:
            cells.append("1")
        lines[i] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _damage_bytes(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    if data and rng.random() < 0.3:
        data = data[: rng.randrange(len(data))]
    for _ in range(rng.randint(1, 50) if data else 0):
        data[rng.randrange(len(data))] = rng.randrange(256)
    path.write_bytes(bytes(data))


def damage(root: Path, seed: int) -> list[str]:
    """Damage three files of ``root`` (chosen by ``seed``); return them, relative to ``root``."""
    rng = random.Random(seed)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    chosen = rng.sample(files, 3)
    for path in chosen:
        {".json": _damage_json, ".csv": _damage_csv}.get(path.suffix, _damage_bytes)(path, rng)
    return [p.relative_to(root).as_posix() for p in chosen]


@pytest.mark.parametrize("seed", range(CASES))
def test_damaged_release_never_raises(tiny_release_ro, tmp_path, seed):
    root = Path(shutil.copytree(tiny_release_ro, tmp_path / "release"))
    damaged = damage(root, seed)
    try:
        report = validate_release(root, deep=seed % 3 == 0)
    except Exception as e:
        pytest.fail(f"seed {seed} (damaged {damaged}): {type(e).__name__}: {e}")
    assert all(p.path is not None and p.message for p in report.errors + report.warnings)


def test_cli_on_a_damaged_release_ends_in_a_report(tiny_release, tmp_path):
    for seed in range(3):
        damage(tiny_release, 1000 + seed)
    res = CliRunner().invoke(app, ["validate", str(tiny_release), "--json", "--deep"])
    assert res.exit_code in (0, 1), res.output
    assert "internal error" not in res.output
    assert set(json.loads(res.stdout)) == {"ok", "errors", "warnings"}


def test_mp4_with_non_utf8_tags_is_one_located_error(tiny_release):
    """PyAV decodes container tags as UTF-8 and raised UnicodeDecodeError out of validate."""
    rel = "takes/cmu_bike01_1/frame_aligned_videos/cam01.mp4"
    path = tiny_release / rel
    data = path.read_bytes()
    assert b"VideoHandler" in data  # the handler name x264/libavformat writes
    path.write_bytes(data.replace(b"VideoHandler", b"Vid\xff\xfeoHandle"))
    errs = [e for e in validate_release(tiny_release).errors if e.path == rel]
    assert len(errs) == 1, errs  # whoever words it (this check or a hardened reader), one located error


def test_a_loader_that_raises_a_foreign_exception_gives_the_file_an_error(tiny_release, edit_json):
    """Found by the fuzz run: ``task_id: Infinity`` made a loader raise OverflowError out of validate."""
    rel = "annotations/proficiency_demonstrator_train.json"
    edit_json(tiny_release / rel, lambda data: data["annotations"][0].update(task_id=math.inf))
    errs = validate_release(tiny_release, check_videos=False).errors
    assert [e.path for e in errs] == [rel], errs
