"""``egoexo-kit serve`` and ``export-rerun``: see a take in the browser or in the rerun viewer.

Needs the extras ``[web]`` (serve: FastAPI + uvicorn) and ``[viz]`` (export-rerun: rerun-sdk).

Examples:
    egoexo-kit serve ./egoexo --port 8000
    egoexo-kit serve ./egoexo --host 0.0.0.0 --public --allow-host mybox.lan
    egoexo-kit serve s3://my-bucket/egoexo/v2 --s3-profile egoexo
    egoexo-kit export-rerun ./egoexo cmu_bike_01_2 --out take.rrd --t0 1 --t1 3
    egoexo-kit export-rerun s3://my-bucket/egoexo/v2 cmu_bike_01_2 --out take.rrd --t0 1 --t1 3
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from egoexo_kit.cli._common import (
    ENDPOINT_OPTION,
    NO_SIGN_OPTION,
    PROFILE_OPTION,
    RELEASE_ARG_HELP,
    console,
    err_console,
    handle_errors,
    open_any,
    split_list,
)

if TYPE_CHECKING:
    pass

__all__ = ["export_rerun", "serve"]


@handle_errors
def serve(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (default: this machine only)."),
    public: bool = typer.Option(
        False,
        "--public",
        help="Allow a --host beyond loopback (0.0.0.0, a LAN address): anyone reaching it reads the "
        "release, there is no authentication.",
    ),
    allow_host: list[str] = typer.Option(
        [],
        "--allow-host",
        help="Host name clients may use besides localhost, 127.0.0.1, [::1] and --host (repeatable); "
        "other Host headers are refused (DNS rebinding).",
    ),
    render_timeout: float = typer.Option(
        30.0, "--render-timeout", min=0.1, help="Seconds one frame/overlay/scene request may take (then 504)."
    ),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """A read-only web viewer: take list, every view in lockstep, overlays, annotation timeline, 3D.

    Example: egoexo-kit serve ./egoexo --port 8000
    """
    from egoexo_kit.viz import check_bind

    warning = check_bind(host, public=public)  # refused here, before the release or the extra is loaded
    from egoexo_kit.viz.web import serve as run

    release = open_any(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    )
    if warning:
        err_console.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)
    shown = f"[{host}]" if ":" in host else host
    console.print(
        escape(f"serving {path} read-only at http://{shown}:{port}/ (Ctrl-C to stop)"), highlight=False
    )
    run(
        release,
        host=host,
        port=port,
        public=public,
        allow_hosts=split_list(allow_host),
        render_timeout_s=render_timeout,
    )


@handle_errors
def export_rerun(
    path: str = typer.Argument(..., help=RELEASE_ARG_HELP),
    take: str = typer.Argument(..., help="Take name or uid."),
    out: Path = typer.Option(..., "--out", help="The .rrd file to write."),
    t0: float | None = typer.Option(None, "--t0", help="Start, seconds from take start."),
    t1: float | None = typer.Option(None, "--t1", help="End (exclusive), seconds from take start."),
    views: list[str] = typer.Option(
        [], "--views", help="Views (space/comma-separated or repeated); default Aria RGB + exo."
    ),
    pose_file: Path | None = typer.Option(
        None, "--pose-file", help="Predicted keypoints of the take, in the EgoPose annotation format."
    ),
    pose_part: str = typer.Option("body", "--pose-part", help="What --pose-file holds: body or hand."),
    endpoint_url: str | None = ENDPOINT_OPTION,
    s3_profile: str | None = PROFILE_OPTION,
    no_sign_request: bool = NO_SIGN_OPTION,
) -> None:
    """A rerun recording of a take: cameras, videos, trajectory, gaze, points, skeletons, masks, texts.

    Each video is embedded as the groups of pictures covering --t0..--t1 only (copied, not re-encoded);
    on a mirror URL only those byte ranges of the videos are fetched.

    Example: egoexo-kit export-rerun ./egoexo cmu_bike_01_2 --out take.rrd --t0 1 --t1 3
    """
    from egoexo_kit.annotations import read_keypoints
    from egoexo_kit.viz import export_rerun as export

    release = open_any(
        path, endpoint_url=endpoint_url, s3_profile=s3_profile, no_sign_request=no_sign_request
    )
    tk = release.take(take)
    if pose_part not in ("body", "hand"):
        raise typer.BadParameter(f"--pose-part must be body or hand, got {pose_part!r}")
    preds = [] if pose_file is None else [read_keypoints(pose_file, part=pose_part, source="automatic")]  # type: ignore[arg-type]
    chosen = split_list(views) or None
    written = export(tk, out, t0=t0, t1=t1, views=chosen, poses=preds)
    console.print(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB); open it with: rerun {written}")
