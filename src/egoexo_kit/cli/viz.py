"""``egoexo-kit serve`` and ``export-rerun``: see a take in the browser or in the rerun viewer.

Needs the extras ``[web]`` (serve: FastAPI + uvicorn) and ``[viz]`` (export-rerun: rerun-sdk).

Examples:
    egoexo-kit serve ./egoexo --port 8000
    egoexo-kit export-rerun ./egoexo cmu_bike01_2 --out take.rrd --t0 5 --t1 15
"""

from __future__ import annotations

from pathlib import Path

import typer

from egoexo_kit.cli._common import console, handle_errors

__all__ = ["serve"]


@handle_errors
def serve(
    path: Path = typer.Argument(..., help="Release folder."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (default: this machine only)."),
) -> None:
    """A read-only web viewer: take list, every view in lockstep, overlays, annotation timeline, 3D.

    Example: egoexo-kit serve ./egoexo --port 8000
    """
    from egoexo_kit.viz.web import serve as run

    console.print(f"serving {path} read-only at http://{host}:{port}/ (Ctrl-C to stop)")
    run(path, host=host, port=port)
