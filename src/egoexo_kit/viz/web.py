"""The read-only web viewer of ``egoexo-kit serve`` (extra ``[web]``: FastAPI + uvicorn).

The backend serves the release's files (HTTP range requests, so videos seek), a JSON API of takes,
timelines and 3D scenes, and overlay layers drawn by :mod:`egoexo_kit.viz._overlay`; the front-end
is plain ES modules in ``viz/static/``. Safety (DESIGN §6): only GET/HEAD, only regular files whose
resolved path lies inside the release (no traversal, no symlink escape, no hidden folders such as
``.synth``), bound to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from egoexo_kit.errors import EgoExoKitError, NotFoundError
from egoexo_kit.extras import missing_extra, require
from egoexo_kit.facade import Release, Take, open_release
from egoexo_kit.viz._overlay import (
    LAYERS,
    POSE_SOURCES,
    overlay_frames,
    overlay_layer,
    parse_layers,
    pose_tracks,
)

try:
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, JSONResponse, Response
    from fastapi.staticfiles import StaticFiles
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise missing_extra("fastapi", extra="web", what="the web viewer") from e

__all__ = ["STATIC", "create_app", "safe_path", "serve"]

STATIC = Path(__file__).with_name("static")
"""The front-end files (index.html, app.js, style.css)."""
TIMELINE_FAMILIES = ("keystep", "atomic_descriptions", "expert_commentary", "proficiency")
"""Annotation families shown on the take page's timeline."""


def safe_path(root: Path, rel: str) -> Path:
    """The regular file ``root/rel`` resolved, or :class:`NotFoundError` if it escapes ``root``.

    Refuses absolute paths, ``..``, hidden components (``.synth``, ``.egoexo-kit``) and symlinks that
    resolve outside the release.
    """
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or any(p in ("..", "") or p.startswith(".") for p in parts):
        raise NotFoundError(f"refused path {rel!r}")
    base = root.resolve()
    path = (base / rel).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise NotFoundError(f"no file {rel!r} in the release")
    return path


def _png(image: np.ndarray) -> Response:
    channels = image.shape[2]
    bgr = image[..., [2, 1, 0, 3]] if channels == 4 else image[..., ::-1]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(bgr))
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        raise HTTPException(500, "could not encode PNG")
    return Response(buf.tobytes(), media_type="image/png", headers={"Cache-Control": "max-age=3600"})


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
        self.lock = threading.Lock()

    @lru_cache(maxsize=4096)  # noqa: B019 - one viewer per app, lives as long as the app
    def take(self, name: str) -> Take:
        try:
            return self.release.take(name)
        except EgoExoKitError as e:
            raise HTTPException(404, str(e)) from e

    @lru_cache(maxsize=1)  # noqa: B019
    def summaries(self) -> list[dict[str, Any]]:
        return [_summary(t) for t in self.release.takes]

    def views(self, take: Take) -> list[dict[str, Any]]:
        out = []
        for v in take.select_views():
            if v.path is None or not v.path.is_file():
                continue
            rel = v.path.resolve().relative_to(self.release.root.resolve()).as_posix()
            out.append({"name": v.key, "kind": v.kind, "url": f"/files/{rel}"})
        return out

    def scene(self, take: Take, frame: int, pose_source: str | None = None) -> dict[str, Any]:
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
        }


def _pose_source(value: str) -> str | None:
    """The ``pose_source`` query parameter: empty for the default track, else a known source (or 400)."""
    if value and value not in POSE_SOURCES:
        raise HTTPException(400, f"unknown pose source {value!r}; known sources: {', '.join(POSE_SOURCES)}")
    return value or None


def create_app(release: str | Path | Release) -> FastAPI:
    """The FastAPI app serving one release read-only (see the module docstring for the routes)."""
    rel = release if isinstance(release, Release) else open_release(release)
    viewer = _Viewer(rel)
    root = rel.root
    app = FastAPI(title="egoexo-kit viewer", docs_url=None, redoc_url=None, openapi_url=None)

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
        return JSONResponse({"takes": out, "facets": facets})

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
            }
        )

    @app.get("/api/takes/{name}/scene/{frame}")
    def scene(name: str, frame: int, pose_source: str = "") -> JSONResponse:
        tk = viewer.take(name)
        if not 0 <= frame < tk.timeline.n_frames:
            raise HTTPException(404, f"frame {frame} outside 0..{tk.timeline.n_frames - 1}")
        return JSONResponse(viewer.scene(tk, frame, _pose_source(pose_source)))

    def _frame_view(name: str, view: str, frame: int) -> tuple[Take, str]:
        tk = viewer.take(name)
        if not 0 <= frame < tk.timeline.n_frames:
            raise HTTPException(404, f"frame {frame} outside 0..{tk.timeline.n_frames - 1}")
        try:
            return tk, tk.view(view).key
        except EgoExoKitError as e:
            raise HTTPException(404, str(e)) from e

    def _layers(layers: str) -> tuple[str, ...]:
        try:
            return parse_layers(layers)
        except ValueError as e:
            raise HTTPException(400, str(e)) from e

    @app.get("/api/takes/{name}/overlay/{view}/{frame}.png")
    def overlay(
        name: str,
        view: str,
        *,
        frame: int,
        layers: str = ",".join(LAYERS),
        width: int = 0,
        height: int = 0,
        pose_source: str = "",
    ) -> Response:
        tk, vn = _frame_view(name, view, frame)
        source = _pose_source(pose_source)
        if width <= 0 or height <= 0:
            width, height = next(iter(tk.frames(frame=frame, views=[vn]).values())).shape[1::-1]
        with viewer.lock:
            layer = overlay_layer(
                tk, vn, frame=frame, size=(width, height), layers=_layers(layers), pose_source=source
            )
        return _png(layer)

    @app.get("/api/takes/{name}/preview/{view}/{frame}.png")
    def preview(
        name: str, view: str, *, frame: int, layers: str = ",".join(LAYERS), pose_source: str = ""
    ) -> Response:
        tk, vn = _frame_view(name, view, frame)
        source = _pose_source(pose_source)
        with viewer.lock:
            pic = overlay_frames(tk, frame=frame, views=[vn], layers=_layers(layers), pose_source=source)[vn]
        return _png(pic)

    @app.api_route("/files/{path:path}", methods=["GET", "HEAD"])
    def files(path: str) -> FileResponse:
        try:
            return FileResponse(safe_path(root, path))
        except NotFoundError as e:
            raise HTTPException(404, str(e)) from e

    return app


def serve(release: str | Path, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Run the viewer with uvicorn until interrupted (binds to 127.0.0.1 unless ``host`` says otherwise)."""
    uvicorn = require("uvicorn", extra="web", what="egoexo-kit serve")
    uvicorn.run(create_app(release), host=host, port=port, log_level="warning")
