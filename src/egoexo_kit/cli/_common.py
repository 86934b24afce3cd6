"""Shared CLI plumbing: the console, error rendering without tracebacks, JSON output, list options."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from egoexo_kit.errors import EgoExoKitError

__all__ = [
    "ListOptionsCommand",
    "console",
    "err_console",
    "handle_errors",
    "print_json",
    "print_notes",
    "progress_bar",
    "split_list",
    "stage_progress",
]

NOTES_SHOWN = 5
"""Located notes printed before the rest are only counted."""

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


_DEBUG = {"on": False}


def set_debug(on: bool) -> None:
    """Set by the root ``--debug`` option at every invocation."""
    _DEBUG["on"] = on


def debug_enabled() -> bool:
    """``--debug`` on the command line or ``EGOEXO_KIT_DEBUG=1`` shows tracebacks."""
    return _DEBUG["on"] or os.environ.get("EGOEXO_KIT_DEBUG", "") not in ("", "0")


def handle_errors(fn: F) -> F:
    """Print a library error as one located line on stderr and exit 2 (a traceback only with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except EgoExoKitError as e:
            if debug_enabled():
                raise
            # escaped: messages hold literal brackets (``egoexo-kit[web]``) that rich would read as markup
            err_console.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _bar(label: str) -> Progress:
    """A transient rich progress display on stderr: label, bar, done/total, elapsed time."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


@contextlib.contextmanager
def progress_bar(description: str = "working") -> Iterator[Callable[[str, int, int], None]]:
    """A transient rich progress bar on stderr; yields ``update(stage, done, total)``."""
    with _bar("{task.description}") as bar:
        task = bar.add_task(description, total=None)

        def update(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        yield update


@contextlib.contextmanager
def stage_progress() -> Iterator[Callable[[str, int, int], None]]:
    """Like :func:`progress_bar`, but one bar per stage, kept on screen while later stages run."""
    with _bar("{task.description:<10}") as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def print_notes(problems: Sequence[Any], *, what: str = "skipped") -> None:
    """Print irregular-but-usable findings (``Problem``: path, where, message) to stderr, a few in full."""
    for p in problems[:NOTES_SHOWN]:
        loc = ":".join(x for x in (p.path, p.where) if x)
        text = escape(f"{loc}: {p.message}")
        err_console.print(f"[yellow]{what}:[/] {text}", highlight=False, soft_wrap=True)
    if len(problems) > NOTES_SHOWN:
        err_console.print(f"[yellow]{what}:[/] … and {len(problems) - NOTES_SHOWN} more", highlight=False)


def print_json(obj: Any) -> None:
    """Write JSON to stdout (plain, no colour, so a machine can read it)."""
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def split_list(values: Iterable[str]) -> list[str]:
    """The items of a list option, given repeated, comma-separated or both: ``["a,b", "c"]`` → ``a b c``.

    Blank items are dropped and order is kept; space-separated values (``--parts metadata takes``)
    reach here as separate values through :class:`ListOptionsCommand`.
    """
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class ListOptionsCommand(typer.core.TyperCommand):
    """A command whose list options also take space-separated values (``--parts metadata takes``).

    Users copy commands from the official docs, which pass lists that way (DESIGN §8); click only
    knows repeated flags, so the arguments are rewritten before parsing.
    """

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        """Turn ``--opt a b`` into ``--opt a --opt b`` for every multiple-valued option."""
        flags = {
            name
            for p in self.params
            if p.param_type_name == "option" and getattr(p, "multiple", False)
            for name in p.opts
        }
        out: list[str] = []
        current: str | None = None
        for arg in args:
            if arg == "--":
                current = None
            elif arg.startswith("-") and not _is_number(arg):
                current = arg if arg in flags else None
            elif current is not None and out and out[-1] != current:
                out.append(current)
            out.append(arg)
        return super().parse_args(ctx, out)
