"""The CLI reference (``docs/cli.md``), generated from the commands themselves so it cannot drift.

Run ``python -m egoexo_kit.cli.reference > docs/cli.md`` after changing a command;
``tests/test_docs.py`` regenerates the page and fails when the committed copy is stale, and runs
every ``Example:`` line of it like any other command of the docs.

The page walks the click command tree behind the ``egoexo-kit`` app (sub-groups such as
``benchmark`` included) through click's public ``list_commands``/``get_command``, so a lazily
loaded command table works the same as an eager one. For each command it prints the usage line,
the help text, the ``Example:`` lines as a ``console`` block and a table of arguments and options.
"""

from __future__ import annotations

import inspect
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["render_reference", "walk_commands"]

HEADER = """# CLI reference

Every `egoexo-kit` command with its arguments, options and examples. This page is generated from the
commands themselves (`python -m egoexo_kit.cli.reference > docs/cli.md`; a test fails when it is
stale), and every example on it is run by the documentation tests on a small synthetic release.
`egoexo-kit COMMAND --help` prints the same help in the terminal.

Conventions: the release folder comes first, then the take, both positional; options that take a
list accept spaces (`--views cam01 aria01`), commas (`--views cam01,aria01`) or repeated flags;
errors are one line on stderr with exit code 2 (`--debug` shows the traceback).
"""


def _is_group(command: Any) -> bool:
    return hasattr(command, "list_commands") and hasattr(command, "get_command")


def _is_argument(param: Any) -> bool:
    return param.param_type_name == "argument"


def walk_commands(group: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Yield ``("benchmark gt", command)`` for every leaf command under ``group``, in listing order.

    ``group`` is a click group (typer ships its own click, so commands are recognised by their
    methods, not their classes). Hidden commands are left out, as ``--help`` leaves them out.
    """
    ctx = group.context_class(group, info_name=" ".join(("egoexo-kit", *prefix)))
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = (*prefix, name)
        if _is_group(command):
            yield from walk_commands(command, path)
        else:
            yield " ".join(path), command


def _split_help(text: str) -> tuple[str, list[str]]:
    """The help text without its ``Example:`` lines, and those examples (commands without the label)."""
    body: list[str] = []
    examples: list[str] = []
    in_block = False
    for line in inspect.cleandoc(text).splitlines():
        stripped = line.strip()
        head, label, rest = stripped.partition("Example:")
        if not label:
            head, label, rest = stripped.partition("Examples:")
        if label:
            if head.strip():
                body.append(head.rstrip())
            if rest.strip():
                examples.append(rest.strip())
            in_block = not rest.strip()
            continue
        if in_block and stripped.startswith("egoexo-kit "):
            examples.append(stripped)
            continue
        in_block = False
        body.append("" if stripped == "\b" else line)
    return "\n".join(body).strip(), examples


def _usage(path: str, command: Any) -> str:
    pieces = ["egoexo-kit", path]
    if any(not _is_argument(p) and not getattr(p, "hidden", False) for p in command.params):
        pieces.append("[OPTIONS]")
    for param in command.params:
        if _is_argument(param):
            name = (param.name or "").upper()
            name = f"{name}..." if param.nargs == -1 else name
            pieces.append(name if param.required else f"[{name}]")
    return " ".join(pieces)


def _cell(text: object) -> str:
    """One Markdown table cell: a single line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _default(param: Any) -> str:
    default = param.default
    empty = default is None or default is False or (isinstance(default, (str, list, tuple)) and not default)
    if empty or callable(default) or getattr(param, "show_default", True) is False:
        return ""
    if isinstance(default, (list, tuple)):
        default = ",".join(str(d) for d in default)
    return f"`{default}`"


def _type_name(param: Any) -> str:
    """``int``, ``float``, ``path``, ``list[str]`` …: the value type of an option, from its annotation.

    Typer keeps the annotation on the parameter (``type_descriptor``); a plain click option has ``type``.
    """
    ann = getattr(getattr(param, "type_descriptor", None), "annotation", None)
    if ann is None:
        click_type = getattr(param, "type", None)
        return getattr(click_type, "name", "") or ""
    args = [a for a in typing.get_args(ann) if a is not type(None)]
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType) and len(args) == 1:
        return _type_name_of(args[0])
    return _type_name_of(ann)


def _type_name_of(ann: Any) -> str:
    if ann is Path or (isinstance(ann, type) and issubclass(ann, Path)):
        return "path"
    if typing.get_origin(ann) in (list, tuple):
        return str(ann).replace("typing.", "").replace("pathlib.", "")
    return getattr(ann, "__name__", str(ann))


def _params_table(command: Any) -> list[str]:
    rows = []
    for param in command.params:
        if getattr(param, "hidden", False) or (param.name == "help"):
            continue
        if _is_argument(param):
            names = f"`{(param.name or '').upper()}`"
            kind = "argument" + ("" if param.required else " (optional)")
        else:
            names = ", ".join(f"`{o}`" for o in (*param.opts, *param.secondary_opts))
            kind = "flag" if param.is_flag else _type_name(param)
            if getattr(param, "required", False):
                kind += " (required)"
        meaning = _cell(getattr(param, "help", "") or "")
        rows.append(f"| {names} | {_cell(kind)} | {_cell(_default(param))} | {meaning} |")
    if not rows:
        return []
    return ["| argument / option | type | default | meaning |", "|---|---|---|---|", *rows, ""]


def render_command(path: str, command: Any) -> str:
    """The Markdown section of one command: usage, help, examples, parameter table."""
    body, examples = _split_help(command.help or "")
    lines = [f"## `egoexo-kit {path}`", "", "```text", _usage(path, command), "```", "", body, ""]
    if examples:
        lines += ["```console", *(f"$ {e}" for e in examples), "```", ""]
    lines += _params_table(command)
    return "\n".join(lines)


def render_reference(app: Any = None) -> str:
    """The whole ``docs/cli.md`` page for ``app``, a click group (default: the ``egoexo-kit`` app)."""
    if app is None:
        import typer

        from egoexo_kit.cli import app as typer_app

        app = typer.main.get_command(typer_app)
    commands = list(walk_commands(app))
    index = ", ".join(f"[`{path}`](#egoexo-kit-{path.replace(' ', '-')})" for path, _ in commands)
    sections = [render_command(path, command) for path, command in commands]
    return "\n".join([HEADER, f"Commands: {index}.", "", *sections]).rstrip() + "\n"


if __name__ == "__main__":  # pragma: no cover - exercised through tests/test_docs.py's staleness check
    sys.stdout.write(render_reference())
