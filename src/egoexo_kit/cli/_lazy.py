"""Lazy commands: the root group lists every command from a static table and imports one only to run it.

Why: a command module imports the library stack it drives (video decoding, scipy, DuckDB …), so
importing all of them made ``egoexo-kit --help`` take seconds. The root group here knows each
command's name and one-line help from :class:`LazyCommand` entries; ``egoexo-kit --help`` renders
that table, and ``egoexo-kit NAME …`` (its ``--help`` included) imports only ``NAME``'s module.
``tests/cli/test_lazy.py`` keeps each entry's help equal to the command's real first help paragraph.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand

from egoexo_kit.cli._common import CliGroup

__all__ = ["LazyCommand", "LazyGroup", "load_command", "short_help"]


@dataclass(frozen=True)
class LazyCommand:
    """One entry of the command table: where the command lives and what the root ``--help`` says of it.

    Attributes:
        target: ``"module:attribute"`` relative to ``egoexo_kit.cli``: a function (one command) or a
            ``typer.Typer`` (a command group such as ``benchmark``).
        help: the command's one-line help, exactly its docstring's first paragraph (tested).
    """

    target: str
    help: str


def short_help(command: Any) -> str:
    """A command's one-line help as the root listing shows it: the first paragraph of its help text."""
    text = command.short_help or command.help or ""
    return " ".join(text.strip().split("\n\n")[0].split())


def load_command(name: str, entry: LazyCommand) -> Any:
    """Import ``entry``'s module and turn its function (or sub-app) into the click command ``name``.

    The command is built exactly as ``app.command(name=…)`` / ``app.add_typer(…, name=…)`` on the
    root app would build it, through a one-command Typer app.
    """
    module_name, _, attr = entry.target.partition(":")
    obj = getattr(importlib.import_module(f"egoexo_kit.cli.{module_name}"), attr)
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
    else:
        holder.command(name=name)(obj)
    return typer.main.get_group(holder).commands[name]


class _Commands(MutableMapping[str, Any]):
    """``name → click command`` over the table: keys cost nothing, a value is imported on first access."""

    def __init__(self, table: dict[str, LazyCommand]) -> None:
        self.table = table
        self.loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self.loaded:
            if name not in self.table:
                raise KeyError(name)
            self.loaded[name] = load_command(name, self.table[name])
        return self.loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        self.loaded.pop(name, None)
        self.table = {k: v for k, v in self.table.items() if k != name}

    def __iter__(self) -> Iterator[str]:
        yield from self.table
        yield from (k for k in self.loaded if k not in self.table)

    def __len__(self) -> int:
        return len(set(self.table) | set(self.loaded))

    def placeholder(self, name: str) -> Any:
        """The command if already loaded, else a stand-in carrying only its name and one-line help."""
        if name in self.loaded or name not in self.table:
            return self.get(name)
        return TyperCommand(name=name, short_help=self.table[name].help)


class LazyGroup(CliGroup):
    """A click group over a table of :class:`LazyCommand`: commands imported when run, listed without.

    Use a subclass that sets :attr:`table` as ``typer.Typer(cls=...)`` (``egoexo_kit.cli`` does, with
    its ``COMMANDS``). Commands registered on the Typer app the usual way are kept beside the table.
    """

    table: dict[str, LazyCommand] = {}
    """Command name → entry, in the order the help lists them."""

    def __init__(self, **kwargs: Any) -> None:
        """Build the group; commands registered on the Typer app directly are kept beside the table."""
        super().__init__(**kwargs)
        commands = _Commands(self.table)
        commands.update(self.commands)
        self.commands = commands
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        """The command names in table order, without importing any command."""
        return list(self.commands)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command to run (imported now), or, while the root help is being written, its stand-in."""
        commands: _Commands = self.commands  # type: ignore[assignment]
        return commands.placeholder(cmd_name) if self._listing else commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """Write the root help from the table: no command module is imported for it."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
