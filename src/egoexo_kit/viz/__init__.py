"""See a take: overlays drawn on frames, rerun recordings and a read-only web viewer.

:mod:`._overlay` draws skeletons, masks and gaze with OpenCV (used by ``frames --overlay``, the demo
and the web viewer's layers); :mod:`.rerun` writes ``.rrd`` recordings (extra ``[viz]``);
:mod:`.web` is the FastAPI app of ``egoexo-kit serve`` (extra ``[web]``), :func:`check_bind` its
refusal to bind beyond loopback without ``--public``. Importing this package pulls in neither rerun
nor FastAPI.

Layering: the top layer; imports ``release``, ``timeline``, ``video``, ``sensors``, ``geometry`` and
``annotations`` (DESIGN §1).
"""

from __future__ import annotations

from egoexo_kit.viz._guard import check_bind as check_bind
from egoexo_kit.viz._overlay import BONES as BONES
from egoexo_kit.viz._overlay import LAYERS as LAYERS
from egoexo_kit.viz._overlay import POSE_SOURCES as POSE_SOURCES
from egoexo_kit.viz._overlay import PoseTrack as PoseTrack
from egoexo_kit.viz._overlay import ViewOverlay as ViewOverlay
from egoexo_kit.viz._overlay import composite as composite
from egoexo_kit.viz._overlay import draw_overlay as draw_overlay
from egoexo_kit.viz._overlay import overlay_frames as overlay_frames
from egoexo_kit.viz._overlay import overlay_layer as overlay_layer
from egoexo_kit.viz._overlay import parse_layers as parse_layers
from egoexo_kit.viz._overlay import pose_tracks as pose_tracks
from egoexo_kit.viz._overlay import view_overlay as view_overlay
from egoexo_kit.viz._rerun import export_rerun as export_rerun

__all__ = [
    "BONES",
    "LAYERS",
    "POSE_SOURCES",
    "PoseTrack",
    "ViewOverlay",
    "check_bind",
    "composite",
    "draw_overlay",
    "export_rerun",
    "overlay_frames",
    "overlay_layer",
    "parse_layers",
    "pose_tracks",
    "view_overlay",
]
