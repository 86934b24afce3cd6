"""Build an Ego-Exo4D-layout release from raw multi-device captures: sync, takes, encoding, metadata.

Named ``builder``, not ``build``: pytest's default ``norecursedirs`` and many ignore templates skip
folders named ``build`` (``egoexo_kit.build`` remains as a deprecated alias). May import every other
layer (DESIGN §1). ``build(raw, out, BuildConfig(...))`` runs the stages
(``sync``, ``takes``, ``metadata``, ``pose``) on a local process pool or on Ray, resumably; the sync
estimator (:func:`sync_capture`), the raw-capture reader and the QA reports (:func:`sync_qa`,
:func:`pose_qa`) are public for inspection. Not
re-exported: the units, ledger and cut helpers.
"""

from __future__ import annotations

from egoexo_kit.builder._build import BuildResult as BuildResult
from egoexo_kit.builder._build import build as build
from egoexo_kit.builder._config import STAGES as STAGES
from egoexo_kit.builder._config import BuildConfig as BuildConfig
from egoexo_kit.builder._qa import pose_qa as pose_qa
from egoexo_kit.builder._qa import sync_qa as sync_qa
from egoexo_kit.builder._raw import RawCapture as RawCapture
from egoexo_kit.builder._raw import read_raw_capture as read_raw_capture
from egoexo_kit.builder._sync import CaptureSync as CaptureSync
from egoexo_kit.builder._sync import DeviceSync as DeviceSync
from egoexo_kit.builder._sync import sync_capture as sync_capture

__all__ = [
    "STAGES",
    "BuildConfig",
    "BuildResult",
    "CaptureSync",
    "DeviceSync",
    "RawCapture",
    "build",
    "pose_qa",
    "read_raw_capture",
    "sync_capture",
    "sync_qa",
]
