"""Get the data: a selective, verified, resumable downloader, and a publisher for your own releases.

Reads and writes the official per-part manifests (FORMAT §9) from an S3 bucket, an HTTPS mirror or a
folder. Sits beside ``release`` (imports only ``release``, ``errors``, ``_io`` and ``_lock``); boto3 is
imported only when an ``s3://`` source or target is used (extra ``[s3]``).
"""

from __future__ import annotations

from egoexo_kit.download._download import LOCK_WHAT as LOCK_WHAT
from egoexo_kit.download._download import DownloadReport as DownloadReport
from egoexo_kit.download._download import DownloadStopped as DownloadStopped
from egoexo_kit.download._download import download as download
from egoexo_kit.download._download import lock_root as lock_root
from egoexo_kit.download._download import stale_files as stale_files
from egoexo_kit.download._manifest import DEFAULT_PARTS as DEFAULT_PARTS
from egoexo_kit.download._manifest import Checksum as Checksum
from egoexo_kit.download._manifest import ManifestEntry as ManifestEntry
from egoexo_kit.download._manifest import PathSpec as PathSpec
from egoexo_kit.download._manifest import dump_manifest as dump_manifest
from egoexo_kit.download._manifest import expand_parts as expand_parts
from egoexo_kit.download._manifest import parse_checksum as parse_checksum
from egoexo_kit.download._manifest import parse_manifest as parse_manifest
from egoexo_kit.download._manifest import unknown_parts as unknown_parts
from egoexo_kit.download._plan import PartSize as PartSize
from egoexo_kit.download._plan import Plan as Plan
from egoexo_kit.download._plan import PlannedFile as PlannedFile
from egoexo_kit.download._plan import plan_download as plan_download
from egoexo_kit.download._publish import PublishReport as PublishReport
from egoexo_kit.download._publish import build_manifests as build_manifests
from egoexo_kit.download._publish import publish as publish
from egoexo_kit.download._redact import redact_url as redact_url
from egoexo_kit.download._reuse import BlockReuse as BlockReuse
from egoexo_kit.download._reuse import CachedObject as CachedObject
from egoexo_kit.download._select import Selection as Selection
from egoexo_kit.download._sources import OFFICIAL_SOURCE as OFFICIAL_SOURCE
from egoexo_kit.download._sources import MissingObject as MissingObject
from egoexo_kit.download._sources import ObjectInfo as ObjectInfo
from egoexo_kit.download._sources import PermanentError as PermanentError
from egoexo_kit.download._sources import Source as Source
from egoexo_kit.download._sources import TransientError as TransientError
from egoexo_kit.download._sources import open_source as open_source
from egoexo_kit.download._state import STATE_FILE as STATE_FILE
from egoexo_kit.download._transfer import FileJob as FileJob
from egoexo_kit.download._transfer import FileResult as FileResult
from egoexo_kit.download._transfer import TransferPolicy as TransferPolicy
from egoexo_kit.download._transfer import fetch_file as fetch_file
from egoexo_kit.download._transfer import retrying as retrying

__all__ = [
    "DEFAULT_PARTS",
    "OFFICIAL_SOURCE",
    "STATE_FILE",
    "BlockReuse",
    "CachedObject",
    "Checksum",
    "DownloadReport",
    "DownloadStopped",
    "FileJob",
    "FileResult",
    "LOCK_WHAT",
    "ManifestEntry",
    "MissingObject",
    "ObjectInfo",
    "PartSize",
    "PathSpec",
    "PermanentError",
    "Plan",
    "PlannedFile",
    "PublishReport",
    "TransferPolicy",
    "TransientError",
    "Selection",
    "Source",
    "build_manifests",
    "download",
    "dump_manifest",
    "expand_parts",
    "fetch_file",
    "lock_root",
    "open_source",
    "parse_checksum",
    "parse_manifest",
    "plan_download",
    "publish",
    "retrying",
    "redact_url",
    "stale_files",
    "unknown_parts",
]
