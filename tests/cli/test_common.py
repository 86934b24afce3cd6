"""Shared CLI plumbing: one list parser for every list option, escaped error messages."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from egoexo_kit.cli._common import CliGroup, split_list


def test_split_list_takes_repeated_and_comma_separated_values():
    assert split_list(["a,b", " c ", "", "d,,e"]) == ["a", "b", "c", "d", "e"]
    assert split_list([]) == []


def test_list_options_take_space_separated_values_as_the_official_cli():
    app = typer.Typer(cls=CliGroup)

    @app.callback()
    def root() -> None:
        """A group, as the egoexo-kit app is (a lone command would run without the group)."""

    @app.command()
    def cmd(
        root: str,
        parts: list[str] = typer.Option([], "--parts"),  # noqa: B008 - typer's declaration style
        n: int = typer.Option(0, "-n"),
    ) -> None:
        typer.echo(f"{root}|{split_list(parts)}|{n}")

    args = ["cmd", "out", "--parts", "metadata", "takes,annotations", "--parts", "x", "-n", "-3"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    assert res.output.strip() == "out|['metadata', 'takes', 'annotations', 'x']|-3"


def test_the_old_build_package_name_still_imports_with_a_warning():
    import importlib
    import sys
    import warnings

    sys.modules.pop("egoexo_kit.build", None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        old = importlib.import_module("egoexo_kit.build")
    from egoexo_kit.builder import build

    assert old.build is build
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


def test_print_json_writes_strict_json_with_numpy_scalars_as_numbers(capsys):
    import json

    import numpy as np

    from egoexo_kit.cli._common import print_json

    print_json({"n": np.int64(3), "x": np.float32(0.5), "bad": [float("nan"), np.float64("inf")], 1: "k"})
    assert json.loads(capsys.readouterr().out) == {"n": 3, "x": 0.5, "bad": [None, None], "1": "k"}


def test_an_unexpected_exception_is_one_internal_error_line_and_exit_2():
    from egoexo_kit.cli._common import handle_errors

    app = typer.Typer(cls=CliGroup)

    @app.callback()
    def root() -> None:
        """A group."""

    @app.command()
    @handle_errors
    def boom() -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    res = CliRunner().invoke(app, ["boom"])
    assert res.exit_code == 2
    lines = [x for x in res.output.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in res.output
    assert lines[0].startswith("error: internal error: ZeroDivisionError: division by zero second line")
    assert "--debug" in lines[0]


def test_exit_and_usage_exceptions_pass_through_handle_errors():
    from egoexo_kit.cli._common import handle_errors

    app = typer.Typer(cls=CliGroup)

    @app.callback()
    def root() -> None:
        """A group."""

    @app.command()
    @handle_errors
    def done(code: int) -> None:
        if code == 9:
            raise typer.BadParameter("nine is not allowed")
        raise typer.Exit(code)

    assert CliRunner().invoke(app, ["done", "0"]).exit_code == 0
    assert CliRunner().invoke(app, ["done", "3"]).exit_code == 3
    res = CliRunner().invoke(app, ["done", "9"])
    assert res.exit_code == 2 and "internal error" not in res.output


def test_a_name_that_is_not_utf8_is_printed_escaped(tiny_release_ro, tmp_path):
    """A surrogate-escaped path printed to stdout raised UnicodeEncodeError (stdout is strict UTF-8,
    stderr escapes), and rich kept the failed text, so every later print in the process failed too."""
    import os

    from egoexo_kit.cli import app as real_app

    out = os.fsdecode(bytes(tmp_path) + b"/n\xffutf8.json")
    runner = CliRunner()
    for _ in range(2):  # the second run proves no broken state was left behind
        res = runner.invoke(
            real_app, ["benchmark", "gt", str(tiny_release_ro), "body-pose", "--split", "train", "--out", out]
        )
        assert res.exit_code == 0, res.output
        assert "n\\udcffutf8.json" in res.stdout.replace("\n", "")  # rich may wrap a long path
