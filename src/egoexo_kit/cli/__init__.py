"""The ``egoexo-kit`` command line: one thin module per command, each calling the public library.

Every command has ``--help`` with an example; ``--debug`` (or ``EGOEXO_KIT_DEBUG=1``) shows
tracebacks instead of one-line located errors.
"""

from __future__ import annotations

import typer

from egoexo_kit import __version__
from egoexo_kit.cli._common import CliGroup, set_debug
from egoexo_kit.cli.annotations import annotations
from egoexo_kit.cli.benchmark import baseline, benchmark_app
from egoexo_kit.cli.build import build_cmd
from egoexo_kit.cli.calib import calib
from egoexo_kit.cli.collage import collage
from egoexo_kit.cli.demo import demo
from egoexo_kit.cli.download import download, publish
from egoexo_kit.cli.downscale import downscale
from egoexo_kit.cli.eval import eval_
from egoexo_kit.cli.features import features
from egoexo_kit.cli.frames import clips, frames
from egoexo_kit.cli.info import info
from egoexo_kit.cli.project import project
from egoexo_kit.cli.query import query
from egoexo_kit.cli.search import search
from egoexo_kit.cli.synth import synth
from egoexo_kit.cli.triangulate import triangulate
from egoexo_kit.cli.validate import validate
from egoexo_kit.cli.viz import export_rerun, serve

__all__ = ["app", "main"]

app = typer.Typer(
    name="egoexo-kit",
    cls=CliGroup,
    help="Get, read, benchmark, build and see Ego-Exo4D releases.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"egoexo-kit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    set_debug(debug)


app.command()(demo)
app.command()(synth)
app.command()(validate)
app.command()(info)
app.command()(downscale)
app.command()(collage)
app.command()(frames)
app.command()(clips)
app.command(name="eval")(eval_)
app.command()(download)
app.command()(publish)
app.command()(features)
app.command()(calib)
app.command()(project)
app.command()(triangulate)
app.command()(annotations)
app.add_typer(benchmark_app, name="benchmark")
app.command()(baseline)
app.command()(query)
app.command()(search)
app.command()(serve)
app.command(name="export-rerun")(export_rerun)
app.command(name="build")(build_cmd)


def main() -> None:
    """Console-script entry point."""
    app()
