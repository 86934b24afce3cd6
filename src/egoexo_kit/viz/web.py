"""The read-only web viewer of ``egoexo-kit serve`` (extra ``[web]``: FastAPI + uvicorn).

The backend serves the release's files (HTTP range requests, so videos seek; a remote release's
videos are relayed from its mirror range by range through the block cache), a JSON API of takes,
timelines and 3D scenes, and overlay layers drawn by :mod:`egoexo_kit.viz._overlay`; the front-end
is plain ES modules in ``viz/static/``.

Safety (DESIGN §6, issue 19):

- only GET/HEAD, only regular files whose resolved path lies inside the release (no traversal, no
  symlink escape, no hidden folders such as ``.synth``);
- bound to 127.0.0.1 unless told otherwise, and beyond loopback only with ``public=True``; only
  loopback names, the bound address and ``allow_hosts`` are answered; security headers on every
  response (:mod:`._guard`);
- every picture size is checked against :data:`~egoexo_kit.limits.IMAGE_SIDE` and
  :data:`~egoexo_kit.limits.IMAGE_PIXELS` before anything is allocated (400);
- frames, overlays and scenes are drawn by a few renderer threads with a per-request deadline
  (503/504 when over it) and no lock shared across renders (:mod:`._render`);
- a malformed annotation file is skipped by the annotation readers; the pages say so (``notes`` in
  the take list, take and scene JSON); every error is one line of JSON ``{"detail": ...}``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import cv2
import numpy as np

from egoexo_kit.annotations import release_annotations
from egoexo_kit.errors import ArgumentError, EgoExoKitError, FrameIndexError, LimitError, NotFoundError
from egoexo_kit.extras import missing_extra, require
from egoexo_kit.facade import Release, Take, open_release
from egoexo_kit.viz._guard import GuardMiddleware, check_bind
from egoexo_kit.viz._overlay import (
    LAYERS,
    POSE_SOURCES,
    check_image_size,
    composite,
    draw_overlay,
    overlay_layer,
    parse_layers,
    pose_tracks,
    view_overlay,
)
from egoexo_kit.viz._render import Deadline, RenderPool, RenderTimeout

try:
    from fastapi import FastAPI, HTTPException, Query, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import FileResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise missing_extra("fastapi", extra="web", what="the web viewer") from e

__all__ = ["RENDER_TIMEOUT_S", "RENDER_WORKERS", "STATIC", "check_bind", "create_app", "safe_path", "serve"]

STATIC = Path(__file__).with_name("static")
"""The front-end files (index.html, app.js, style.css)."""
TIMELINE_FAMILIES = ("keystep", "atomic_descriptions", "expert_commentary", "proficiency")
"""Annotation families shown on the take page's timeline."""
RENDER_TIMEOUT_S = 30.0
"""Default deadline of one frame, overlay or scene request (``serve --render-timeout``)."""
RENDER_WORKERS = 4
"""Renders drawn at the same time; more wait for a free renderer within their deadline."""


def _refused(rel: str) -> bool:
    """Whether a requested release path is empty, absolute, climbs (``..``) or has a hidden component."""
    parts = Path(rel).parts
    return not rel or Path(rel).is_absolute() or any(p in ("..", "") or p.startswith(".") for p in parts)


def safe_path(root: Path, rel: str) -> Path:
    """The regular file ``root/rel`` resolved, or :class:`NotFoundError` if it escapes ``root``.

    Refuses absolute paths, ``..``, hidden components (``.synth``, ``.egoexo-kit``) and symlinks that
    resolve outside the release.
    """
    if _refused(rel):
        raise NotFoundError(f"refused path {rel!r}")
    base = root.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise NotFoundError(f"no file {rel!r} in the release")
    return path


RELAY_MAX = 8 << 20
"""Most bytes one response relays from a mirror: an open range (``bytes=0-``, what a browser's video
element asks first) gets this much; the player asks for the rest as it needs it."""


def _remote_video(release: Release, rel: str) -> bool:
    """Whether ``rel`` is a safe release-relative path to an MP4 the release's mirror lists."""
    if _refused(rel):
        return False
    return rel.lower().endswith(".mp4") and release.remote is not None and release.remote.exists(rel)


def _relay(f: Any, request: Request) -> Response:
    """Bytes of a remote file for a ``Range`` request (206; at most :data:`RELAY_MAX`), or its start (200).

    ``f`` is a :class:`~egoexo_kit.remote.RemoteFile`; a range past the end is a 416.
    """
    size = f.size
    headers = {"Accept-Ranges": "bytes", "Content-Type": "video/mp4"}
    spec = request.headers.get("range", "")
    if not spec.startswith("bytes=") or "," in spec:
        start, stop, status = 0, min(size, RELAY_MAX), 200 if size <= RELAY_MAX else 206
    else:
        first, _, last = spec[6:].strip().partition("-")
        try:
            if first:
                start = int(first)
                stop = min(size, int(last) + 1 if last else start + RELAY_MAX, start + RELAY_MAX)
            else:
                start, stop = max(0, size - int(last)), size
        except ValueError:
            raise HTTPException(416, f"bad range {spec!r}") from None
        if start >= size or stop <= start:
            return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})
        status = 206
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    body = b"" if request.method == "HEAD" else f.pread(start, stop)
    headers["Content-Length"] = str(stop - start)
    return Response(body, status_code=status, headers=headers)


def _png(image: np.ndarray) -> Response:
    channels = image.shape[2]
    bgr = image[..., [2, 1, 0, 3]] if channels == 4 else image[..., ::-1]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(bgr))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        raise HTTPException(500, "could not encode PNG")
    return Response(buf.tobytes(), media_type="image/png", headers={"Cache-Control": "max-age=3600"})


def _status(e: EgoExoKitError) -> int:
    """The HTTP status of a library error from a route: the client's fault, absent, slow, or the data's."""
    if isinstance(e, RenderTimeout):
        return 504 if e.started else 503
    if isinstance(e, (LimitError, ArgumentError)):
        return 400
    if isinstance(e, (NotFoundError, FrameIndexError)):
        return 404
    return 422  # the release's data cannot be shown (an unreadable video, calibration …)


def _families(take: Take) -> list[str]:
    a = take.annotations
    present = {
        "keystep": bool(a.keysteps),
        "atomic": bool(a.atomic_descriptions),
        "commentary": bool(a.expert_commentary),
        "proficiency": a.proficiency_demonstration is not None,
        "relations": a.relations is not None,
        "pose": a.pose("body") is not None or a.pose("hand") is not None,
    }
    return [k for k, v in present.items() if v]


def _summary(take: Take) -> dict[str, Any]:
    return {
        "name": take.name,
        "uid": take.uid,
        "scenario": take.scenario,
        "split": take.split,
        "n_frames": take.n_frames,
        "duration_s": take.duration_s,
        "annotations": _families(take),
    }


class _Viewer:
    """The release and the per-take caches the routes share (takes are opened once)."""

    def __init__(self, release: Release) -> None:
        self.release = release

    @lru_cache(maxsize=4096)  # noqa: B019 - one viewer per app, lives as long as the app
    def take(self, name: str) -> Take:
        try:
            return self.release.take(name)
        except EgoExoKitError as e:
            raise HTTPException(404, str(e)) from e

    @lru_cache(maxsize=1)  # noqa: B019
    def summaries(self) -> list[dict[str, Any]]:
        return [_summary(t) for t in self.release.takes]

    @cached_property
    def _take_keys(self) -> dict[str, str]:
        """Every take's uid and name → its uid (to tell a take's own annotation files)."""
        return {k: t.uid for t in self.release.index.takes for k in (t.uid, t.name)}

    def notes(self, take: Take | None = None) -> list[str]:
        """Annotation files skipped as malformed so far, one line each (issue 19).

        The annotation readers leave such a file out (its takes read as if it were absent) and list
        it; the pages show the list. For a take: the files naming it and the release-wide ones.
        """
        out = []
        for p in release_annotations(self.release.index).errors:
            path = PurePosixPath(p.path)  # a take's files are named or foldered by its uid or name
            owners = {self._take_keys[k] for k in {*path.parts, path.stem} if k in self._take_keys}
            if take is None or not owners or take.uid in owners:
                where = ": ".join(x for x in (p.path, p.where) if x)
                out.append(f"skipped malformed file {where}: {' '.join(p.message.split())}")
        return out

    def views(self, take: Take) -> list[dict[str, Any]]:
        out = []
        remote = self.release.remote
        for v in take.select_views():
            if v.path is None or not (v.path.is_file() or (remote is not None and remote.exists(v.path))):
                continue
            rel = v.path.resolve().relative_to(self.release.root.resolve()).as_posix()
            out.append({"name": v.key, "kind": v.kind, "url": f"/files/{rel}"})
        return out

    def scene(self, take: Take, frame: int, *, pose_source: str | None, deadline: Deadline) -> dict[str, Any]:
        """Camera centres and viewing directions plus 3D skeletons at ``frame`` (world metres).

        Skeletons come from :func:`~egoexo_kit.viz.pose_tracks` (``pose_source`` is its ``source``).
        """
        cams = []
        for v in take.select_views():
            try:
                cam = take.camera(v.key, frame=frame)
            except EgoExoKitError:
                continue
            T = cam.T_world_cam
            cams.append({"name": v.key, "center": T[:3, 3].tolist(), "forward": T[:3, 2].tolist()})
        deadline.check()
        skel: dict[str, Any] = {}
        tracks = pose_tracks(take, source=pose_source)  # as the overlays: no flicker between frames
        for part, track in tracks.items():
            pts = track.points_3d(frame)
            if pts is not None:
                skel[part] = [None if not np.isfinite(q).all() else q.tolist() for q in pts]
        return {
            "frame": frame,
            "cameras": cams,
            "skeletons": skel,
            "bones": {k: [list(b) for b in tracks[k].bones] for k in skel},
            "notes": self.notes(take),
        }


def _pose_source(value: str) -> str | None:
    """The ``pose_source`` query parameter: empty for the default track, else a known source (or 400)."""
    if value and value not in POSE_SOURCES:
        raise HTTPException(400, f"unknown pose source {value!r}; known sources: {', '.join(POSE_SOURCES)}")
    return value or None


def _layers(layers: str) -> tuple[str, ...]:
    try:
        return parse_layers(layers)
    except ValueError as e:
        raise HTTPException(400, str(e)) from e


def _requested_size(width: int, height: int) -> tuple[int, int] | None:
    """``(width, height)`` asked for, checked against the caps before anything runs; None: the video's own."""
    if width and height:
        return check_image_size(width, height)
    check_image_size(width or 1, height or 1)  # one side given: still refuse a huge one
    return None


def _video_size(take: Take, view: str) -> tuple[int, int]:
    """The view's MP4 size (from the container, before decoding), checked against the caps."""
    size = take.geometry.mp4_size(take.view(view))
    if size is None:
        raise NotFoundError(f"view {view} has no video in the release")
    return check_image_size(*size)


def _errors(app: FastAPI) -> None:
    """Every error as one line of JSON ``{"detail": ...}`` with a status that says whose fault it is."""

    @app.exception_handler(EgoExoKitError)
    async def library_error(request: Request, e: EgoExoKitError) -> JSONResponse:
        return JSONResponse({"detail": " ".join(str(e).split())}, status_code=_status(e))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = " ".join(str(x) for x in first.get("loc", ()))
        return JSONResponse(
            {"detail": f"{where}: {first.get('msg', 'invalid')}".strip(": ")}, status_code=400
        )


def create_app(
    release: str | Path | Release,
    *,
    allow_hosts: Sequence[str] = (),
    render_timeout_s: float = RENDER_TIMEOUT_S,
    render_workers: int = RENDER_WORKERS,
) -> FastAPI:
    """The FastAPI app serving one release read-only (see the module docstring for the routes).

    Args:
        release: The release folder, or an open :class:`~egoexo_kit.facade.Release`.
        allow_hosts: ``Host`` names answered besides ``localhost``, ``127.0.0.1`` and ``[::1]`` (the
            bound address, names the server is reached by); others get a 400.
        render_timeout_s: Deadline of one frame, overlay or scene request (503/504 when over it).
        render_workers: Renders drawn at the same time.
    """
    rel = release if isinstance(release, Release) else open_release(release)
    viewer = _Viewer(rel)
    renders = RenderPool(workers=render_workers, timeout_s=render_timeout_s)
    root = rel.root

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        renders.close()

    app = FastAPI(
        title="egoexo-kit viewer", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.renders = renders
    app.add_middleware(GuardMiddleware, hosts=allow_hosts)
    _errors(app)

    @app.get("/")
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/api/takes")
    def takes(
        scenario: str | None = None, split: str | None = None, annotation: str | None = None
    ) -> JSONResponse:
        rows = viewer.summaries()
        out = [
            r
            for r in rows
            if (not scenario or r["scenario"] == scenario)
            and (not split or r["split"] == split)
            and (not annotation or annotation in r["annotations"])
        ]
        facets = {
            "scenario": sorted({r["scenario"] for r in rows if r["scenario"]}),
            "split": sorted({r["split"] for r in rows if r["split"]}),
            "annotation": sorted({a for r in rows for a in r["annotations"]}),
        }
        return JSONResponse({"takes": out, "facets": facets, "notes": viewer.notes()})

    @app.get("/api/takes/{name}")
    def take(name: str) -> JSONResponse:
        tk = viewer.take(name)
        rows = tk.annotations.timeline_rows(TIMELINE_FAMILIES)
        return JSONResponse(
            {
                **_summary(tk),
                "fps": tk.timeline.fps,
                "n_frames": tk.timeline.n_frames,
                "views": viewer.views(tk),
                "timeline": rows,
                "layers": list(LAYERS),
                "pose_sources": list(POSE_SOURCES),
                "notes": viewer.notes(tk),
            }
        )

    def _take_frame(name: str, frame: int) -> Take:
        tk = viewer.take(name)
        if not 0 <= frame < tk.timeline.n_frames:
            raise HTTPException(404, f"frame {frame} outside 0..{tk.timeline.n_frames - 1}")
        return tk

    def _frame_view(name: str, view: str, frame: int) -> tuple[Take, str]:
        tk = _take_frame(name, frame)
        try:
            return tk, tk.view(view).key
        except EgoExoKitError as e:
            raise HTTPException(404, str(e)) from e

    @app.get("/api/takes/{name}/scene/{frame}")
    async def scene(name: str, frame: int, pose_source: str = "") -> JSONResponse:
        source = _pose_source(pose_source)

        def render(deadline: Deadline) -> JSONResponse:
            return JSONResponse(
                viewer.scene(_take_frame(name, frame), frame, pose_source=source, deadline=deadline)
            )

        return await renders.run(render)

    @app.get("/api/takes/{name}/overlay/{view}/{frame}.png")
    async def overlay(
        name: str,
        view: str,
        *,
        frame: int,
        layers: str = ",".join(LAYERS),
        width: int = Query(0, ge=0),
        height: int = Query(0, ge=0),
        pose_source: str = "",
    ) -> Response:
        asked = _requested_size(width, height)  # before any file is read or anything allocated
        chosen, source = _layers(layers), _pose_source(pose_source)

        def render(deadline: Deadline) -> Response:
            tk, vn = _frame_view(name, view, frame)
            w, h = asked or _video_size(tk, vn)
            deadline.check()
            ov = view_overlay(tk, vn, frame=frame, layers=chosen, pose_source=source)
            deadline.check()
            layer = draw_overlay(np.zeros((h, w, 4), dtype=np.uint8), ov)
            deadline.check()
            return _png(layer)

        return await renders.run(render)

    @app.get("/api/takes/{name}/preview/{view}/{frame}.png")
    async def preview(
        name: str, view: str, *, frame: int, layers: str = ",".join(LAYERS), pose_source: str = ""
    ) -> Response:
        chosen, source = _layers(layers), _pose_source(pose_source)

        def render(deadline: Deadline) -> Response:
            tk, vn = _frame_view(name, view, frame)
            _video_size(tk, vn)  # a video claiming a huge size is refused before decoding
            deadline.check()
            rgb = tk.frames(frame=frame, views=[vn])[vn]
            deadline.check()
            size = (rgb.shape[1], rgb.shape[0])
            layer = overlay_layer(tk, vn, frame=frame, size=size, layers=chosen, pose_source=source)
            deadline.check()
            return _png(composite(rgb, layer))

        return await renders.run(render)

    @app.api_route("/files/{path:path}", methods=["GET", "HEAD"])
    def files(path: str, request: Request) -> Response:
        try:
            return FileResponse(safe_path(root, path))
        except NotFoundError as e:
            if rel.remote is not None and _remote_video(rel, path):
                return _relay(rel.remote.open_file(path), request)
            raise HTTPException(404, str(e)) from e

    return app


def serve(
    release: str | Path | Release,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    public: bool = False,
    allow_hosts: Sequence[str] = (),
    render_timeout_s: float = RENDER_TIMEOUT_S,
) -> None:
    """Run the viewer with uvicorn until interrupted.

    Binds to 127.0.0.1 unless ``host`` says otherwise; a non-loopback ``host`` is refused
    (:class:`~egoexo_kit.errors.ArgumentError`, see :func:`check_bind`) unless ``public``. The bound
    address and ``allow_hosts`` are the Host names answered besides the loopback ones.
    """
    check_bind(host, public=public)
    uvicorn = require("uvicorn", extra="web", what="egoexo-kit serve")
    app = create_app(release, allow_hosts=[host, *allow_hosts], render_timeout_s=render_timeout_s)
    uvicorn.run(app, host=host, port=port, log_level="warning")
