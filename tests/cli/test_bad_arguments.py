"""Every command, every kind of bad argument: one ``error:`` line on stderr, exit 2, nothing written.

The commands are enumerated from the app (a new command is covered without touching this file);
each gets the bad-argument cases that apply to its parameters: nothing at all, an unknown option,
a release folder that does not exist or is a file, a take that does not exist, and out-of-range
numbers for the options that have them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from egoexo_kit.cli import app
from egoexo_kit.cli._common import CliGroup
from egoexo_kit.cli.reference import walk_commands

TAKE = "cmu_bike01_1"
RELEASE_ARGS = ("path", "release", "release_dir")
"""Argument names that hold an existing release folder (an output folder is named ``out``)."""

BAD_NUMBERS = {
    "--t": "-5",
    "--frame": "-1",
    "--fps": "0",
    "--seconds": "1",
    "--captures": "0",
    "--takes-per-capture": "0",
    "--ego-size": "0",
    "--exo-size": "0x0",
    "--tile": "0x0",
    "--limit": "0",
    "--window-s": "0",
    "--stride-s": "0",
    "--batch-size": "0",
    "--size": "0",
    "--workers": "-1",
    "--num-workers": "0",
    "--threshold": "-1",
    "--min-clip-len": "-1",
    "--retries": "-1",
    "--timeout": "0",
    "--port": "-1",
}
"""Out-of-range values, by option name: any command with such an option must refuse it."""

BAD_SPANS = (("--t0", "3", "--t1", "1"), ("--t0", "-2", "--t1", "1"))


def _commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    """``(path, click command)`` of every leaf command, through the generic click group API."""
    for path, command in walk_commands(typer.main.get_command(app)):
        yield tuple(path.split()), command


def _filler(name: str, release: Path, scratch: Path) -> str:
    """A plausible value for a required parameter, so only the one bad argument is wrong."""
    if name in RELEASE_ARGS:
        return str(release)
    return {
        "take": TAKE,
        "task": "body-pose",
        "sql": "SELECT 1",
        "text": "bike",
        "out": str(scratch / "out"),
        "raw": str(scratch / "raw"),
        "view": "cam01",
        "to": str(scratch / "mirror"),
        "t0": "0.1",
        "t1": "0.3",
    }.get(name, "x")


def _base(cmd: Any, release: Path, scratch: Path, replace: dict[str, str] | None = None) -> list[str]:
    """Required arguments (positional, then required options), each filled or replaced by name."""
    args: list[str] = []
    replace = replace or {}
    for p in cmd.params:
        if not p.required and p.name not in replace:
            continue
        value = replace.get(p.name, _filler(p.name, release, scratch))
        args += [value] if p.param_type_name == "argument" else [p.opts[0], value]
    return args


def _cases(
    cmd: Any, release: Path, scratch: Path, missing: Path, a_file: Path
) -> Iterator[tuple[str, list[str]]]:
    names = {p.name for p in cmd.params}
    opts = {o for p in cmd.params if p.param_type_name == "option" for o in p.opts}
    if any(p.required for p in cmd.params):
        yield "nothing", []
    yield "unknown option", [*_base(cmd, release, scratch), "--no-such-option"]
    for arg in RELEASE_ARGS:
        if any(p.name == arg and p.param_type_name == "argument" for p in cmd.params):
            yield "missing release", _base(cmd, release, scratch, {arg: str(missing)})
            yield "release is a file", _base(cmd, release, scratch, {arg: str(a_file)})
    if "take" in names:
        yield "bogus take", _base(cmd, release, scratch, {"take": "no_such_take"})
    for opt, value in BAD_NUMBERS.items():
        if opt in opts:
            yield f"{opt} {value}", [*_base(cmd, release, scratch), opt, value]
    if {"--t0", "--t1"} <= opts:
        for span in BAD_SPANS:
            yield " ".join(span), [*_base(cmd, release, scratch, {"t0": span[1], "t1": span[3]}), *span]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_the_app_and_its_groups_are_cli_groups():
    """CliGroup is what gives every command one-line usage errors and space-separated lists."""
    root = typer.main.get_command(app)
    assert isinstance(root, CliGroup)
    ctx = root.context_class(root, info_name="egoexo-kit")
    groups = [root.get_command(ctx, n) for n in root.list_commands(ctx)]
    assert all(isinstance(g, CliGroup) for g in groups if hasattr(g, "list_commands"))


def test_every_command_refuses_bad_arguments_in_one_line(tiny_release_ro, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("EGOEXO_KIT_DEBUG", raising=False)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("not a release\n", encoding="utf-8")
    missing = tmp_path / "no_such_release"
    runner = CliRunner()
    before = _tree(tmp_path)
    failures: list[str] = []
    n = 0
    for path, cmd in _commands():
        for what, args in _cases(cmd, tiny_release_ro, scratch, missing, a_file):
            n += 1
            res = runner.invoke(app, [*path, *args], env={"COLUMNS": "80"})
            lines = [line for line in res.stderr.splitlines() if line.strip()]
            where = f"{' '.join(path)} [{what}] {' '.join(args)}"
            if res.exit_code != 2:
                failures.append(f"{where}: exit {res.exit_code} {res.exception!r} {res.output[-300:]}")
            elif len(lines) != 1 or not lines[0].startswith("error:") or "Traceback" in res.output:
                failures.append(f"{where}: stderr {res.stderr!r}")
            after = _tree(tmp_path)
            if after != before:
                failures.append(f"{where}: left {sorted(after - before)}")
                for extra in sorted(after - before, key=len, reverse=True):
                    p = tmp_path / extra
                    p.unlink() if p.is_file() else os.rmdir(p)
    assert n > 60  # every command contributed cases
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frames"], "error: Missing argument 'path'. (see `egoexo-kit frames --help`)"),
        (
            ["benchmark", "gt", "x", "body-pose"],
            "error: Missing option '--out'. (see `egoexo-kit benchmark gt --help`)",
        ),
        (["no-such-command"], "error: No such command 'no-such-command'. (see `egoexo-kit --help`)"),
    ],
)
def test_usage_errors_name_the_command_whose_help_explains_them(args, message):
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert res.stderr.strip() == message
