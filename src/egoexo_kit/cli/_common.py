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

from egoexo_kit._io import json_ready
from egoexo_kit.errors import EgoExoKitError

# click's exception classes, wherever they live (typer >= 0.22 vendors click as ``typer._click``)
_click_errors = sys.modules[typer.BadParameter.__module__]
UsageError: type[Exception] = _click_errors.UsageError
_NoArgsIsHelp: type[Exception] = _click_errors.NoArgsIsHelpError

__all__ = [
    "SEED_MAX",
    "WORKERS_MAX",
    "CliGroup",
    "console",
    "err_console",
    "expand_list_options",
    "handle_errors",
    "print_error",
    "print_json",
    "print_notes",
    "take_from",
    "progress_bar",
    "split_list",
    "stage_progress",
    "usage_error",
]

SEED_MAX = 2**32 - 1
"""Largest ``--seed`` (the generators' random states are seeded with 32-bit values)."""
WORKERS_MAX = 1024
"""Largest ``--workers``: more processes than any machine runs (a huge count overflowed the pool)."""

NOTES_SHOWN = 5
"""Located notes printed before the rest are only counted."""

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


_DEBUG = {"on": False}


def set_debug(on: bool) -> None:
    """Set by the root ``--debug`` option at every invocation."""
    _DEBUG["on"] = on


def escape_undecodable() -> None:
    """Print a file name that is not UTF-8 (held as surrogate escapes) escaped, instead of failing.

    Such a name reaches Python with lone surrogates in it, which a strict UTF-8 stdout cannot
    encode: echoing the path in a message or a table raised ``UnicodeEncodeError``.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):  # a stream that cannot change
            stream.reconfigure(errors="backslashreplace")


def debug_enabled() -> bool:
    """``--debug`` on the command line or ``EGOEXO_KIT_DEBUG=1`` shows tracebacks."""
    return _DEBUG["on"] or os.environ.get("EGOEXO_KIT_DEBUG", "") not in ("", "0")


def handle_errors(fn: F) -> F:
    """Print a library error as one located line on stderr and exit 2 (a traceback only with --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (EgoExoKitError, OSError) as e:
            # OSError: the user's file system said no (permissions, a file where a folder must go)
            if debug_enabled():
                raise
            print_error(str(e))
            raise typer.Exit(2) from None
        except Exception as e:  # a bug: still one line, and the way to the traceback
            if debug_enabled() or type(e).__module__.startswith(("click.", "typer.")):  # Exit, usage errors
                raise
            print_error(
                f"internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]}"
                " (rerun with --debug for the traceback and please report it)"
            )
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def wait_option(writing: str) -> Any:
    """The ``--wait SECONDS`` option of a command that holds a folder's writer lock (``_lock``)."""
    return typer.Option(
        0.0,
        "--wait",
        min=0.0,
        metavar="SECONDS",
        help=f"Wait up to SECONDS for another run writing {writing} to finish; "
        "default: refuse at once, naming it.",
    )


def print_error(message: str, *, hint: str = "") -> None:
    """One ``error: ...`` line on stderr, never wrapped, whatever the terminal width."""
    # escaped: messages hold literal brackets (``egoexo-kit[web]``) that rich would read as markup
    err_console.print(f"[bold red]error:[/] {escape(message)}{escape(hint)}", highlight=False, soft_wrap=True)


def usage_error(e: Any, ctx: typer.Context) -> typer.Exit:
    """Print a click usage error (missing argument, bad value, unknown option …) as one line; exit 2.

    click and typer draw these as a multi-line box; a user (and a script) wants one located line
    and the command whose ``--help`` explains the arguments. ``ctx`` is the group's context: it
    names the command when the error does not (a ``typer.BadParameter`` raised by a command body).
    """
    message = " ".join(e.format_message().split())
    if e.ctx is not None:
        path = e.ctx.command_path
    else:
        path = " ".join(x for x in (ctx.command_path, ctx.invoked_subcommand) if x)
    print_error(message, hint=f" (see `{path} --help`)" if path else "")
    return typer.Exit(2)


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
    """Write JSON to stdout (plain, no colour, so a machine can read it); paths are strings, NaN null."""
    sys.stdout.write(json.dumps(json_ready(obj), indent=2, default=str) + "\n")


TAKE_OPTION = typer.Option(None, "--take", hidden=True, help="Old spelling of the TAKE argument.")
"""The hidden ``--take`` option of commands whose take became positional (old scripts keep running)."""


def human_bytes(n: float, *, digits: int = 2) -> str:
    """Bytes in binary units, as the official CLI prints them (GiB = 1024³), ``digits`` after the point."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.{digits}f} {unit}"
        n /= 1024
    return f"{n:.{digits}f} TiB"


RELEASE_ARG_HELP = "Release folder, or a mirror URL (s3://bucket/prefix/v2, https://host/path/v2)."
"""Help of the release argument of commands that read a remote release too (issue 21)."""

ENDPOINT_OPTION = typer.Option(
    None, "--endpoint-url", help="S3-compatible server of an s3:// release URL (as for download)."
)
PROFILE_OPTION = typer.Option(None, "--s3-profile", "--s3_profile", help="AWS profile of an s3:// release.")
NO_SIGN_OPTION = typer.Option(False, "--no-sign-request", help="Anonymous S3 access to an s3:// release.")


def open_any(
    path: str, *, endpoint_url: str | None, s3_profile: str | None, no_sign_request: bool, **kwargs: Any
) -> Any:
    """``open_release`` of a folder or a release URL, with the credential options ``download`` has."""
    from egoexo_kit import open_release

    return open_release(
        path, endpoint_url=endpoint_url, profile=s3_profile, anonymous=no_sign_request, **kwargs
    )


def take_from(positional: str | None, option: str | None, *, required: bool) -> str | None:
    """The take of a command: the ``TAKE`` argument, or the old ``--take`` option; not both, unless equal."""
    if positional and option and positional != option:
        raise typer.BadParameter(f"two takes given ({positional!r} and --take {option!r}): give one")
    take = positional or option
    if required and not take:
        raise UsageError("Missing argument 'take'.")
    return take


def split_list(values: Iterable[str]) -> list[str]:
    """The items of a list option, given repeated, comma-separated or both: ``["a,b", "c"]`` → ``a b c``.

    Blank items are dropped and order is kept; space-separated values (``--parts metadata takes``)
    reach here as separate values through :class:`CliGroup` (:func:`expand_list_options`).
    """
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def expand_list_options(command: Any, args: list[str]) -> list[str]:
    """Turn ``--opt a b`` into ``--opt a --opt b`` for every multiple-valued option of ``command``.

    Users copy commands from the official docs, which pass lists that way (DESIGN §8); click only
    knows repeated flags, so the arguments are rewritten before parsing. Idempotent.
    """
    flags = {
        name
        for p in command.params
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
    return out


class CliGroup(typer.core.TyperGroup):
    """The class of ``egoexo-kit`` and its sub-groups: what every command gets without asking.

    - list options take space-separated values as well as commas and repeated flags, so no command
      can forget it (:func:`expand_list_options` runs on the arguments of whichever command is picked);
    - usage errors (missing argument, bad value, unknown option or command) are one ``error:`` line
      on stderr and exit 2, like library errors, instead of a multi-line box.
    """

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        """Pick the sub-command, then expand its list options (a sub-group expands its own)."""
        name, cmd, rest = super().resolve_command(ctx, args)
        if cmd is not None and not hasattr(cmd, "list_commands"):
            rest = expand_list_options(cmd, rest)
        return name, cmd, rest

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: typer.Context | None = None,
        **extra: Any,
    ) -> typer.Context:
        """Parse the group's own options; a usage error becomes one line."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except _NoArgsIsHelp:
            raise
        except UsageError as e:
            raise usage_error(e, parent or typer.Context(self, info_name=info_name)) from None

    def invoke(self, ctx: typer.Context) -> Any:
        """Run the picked command; a usage error from it (or from its parsing) becomes one line."""
        try:
            return super().invoke(ctx)
        except _NoArgsIsHelp:
            raise
        except UsageError as e:
            raise usage_error(e, ctx) from None
