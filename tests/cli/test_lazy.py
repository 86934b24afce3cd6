"""The lazy command table: it matches the real commands, and every command still runs and helps."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from egoexo_kit.cli import COMMANDS, app
from egoexo_kit.cli._lazy import LazyCommand, LazyGroup, load_command, short_help

runner = CliRunner()


def flat(text: str) -> str:
    """Rich wraps at the terminal width: compare with whitespace folded."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_table_help_is_the_commands_own_first_help_paragraph(name):
    command = load_command(name, COMMANDS[name])
    assert COMMANDS[name].help == short_help(command), (
        f"COMMANDS[{name!r}].help has drifted from the command's docstring: set it to {short_help(command)!r}"
    )


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_help_works(name):
    res = runner.invoke(app, [name, "--help"])
    assert res.exit_code == 0, res.output
    assert f"egoexo-kit {name}" in flat(res.output)
    assert flat(COMMANDS[name].help) in flat(res.output)


@pytest.mark.parametrize("sub", ["gt", "leaderboard"])
def test_the_benchmark_group_keeps_its_subcommands(sub):
    res = runner.invoke(app, ["benchmark", sub, "--help"])
    assert res.exit_code == 0, res.output
    assert f"egoexo-kit benchmark {sub}" in flat(res.output)


def test_the_root_help_lists_every_command_without_loading_any(capsys):
    group = typer.main.get_command(app)
    group.get_help(typer.Context(group, info_name="egoexo-kit"))  # rich prints the help itself
    out = flat(capsys.readouterr().out)
    for name, entry in COMMANDS.items():
        assert f"{name} {entry.help}" in out, name
    assert "--debug" in out and "--version" in out
    assert not group.commands.loaded  # type: ignore[attr-defined]
    assert group.get_command(typer.Context(group), "frames").params  # running one loads it


def test_unknown_commands_are_refused_with_a_suggestion_from_the_table():
    res = runner.invoke(app, ["frmes"])
    assert res.exit_code == 2
    assert "Did you mean 'frames'" in flat(res.output)


def test_the_version_option_still_answers():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.output.startswith("egoexo-kit ")


def test_a_new_command_is_one_table_line():
    class Group(LazyGroup):
        table = {"clips-only": LazyCommand("frames:clips", COMMANDS["clips"].help)}

    small = typer.Typer(cls=Group, add_completion=False)

    @small.callback()
    def _root() -> None:
        """A root with one lazily loaded command."""

    res = runner.invoke(small, ["--help"])
    assert res.exit_code == 0 and "clips-only" in res.output
    res = runner.invoke(small, ["clips-only", "--help"])
    assert res.exit_code == 0 and "--t0" in res.output
