"""Read a release in the official Ego-Exo4D layout: typed metadata, paths and file readers.

:class:`ReleaseIndex` (the metadata of a release folder) hands out :class:`TakeEntry` objects (one
``takes.json`` record bound to its files); :func:`resolve_view` is the one parser of view names.
Users open releases with ``egoexo_kit.open_release``, whose ``Take`` composes an entry with time,
video, cameras and annotations; this layer reads no media.

The lowest layer: imports nothing else of egoexo-kit but ``errors``, ``vocab`` and ``_io``
(DESIGN §1). File-level readers here only parse; the maths on their arrays lives in ``timeline``,
``sensors`` and ``geometry``. Whole-release checks live one layer up, in :mod:`egoexo_kit.validate`.
The writers of the canonical form (metadata records, WAV), shared by ``synth`` and ``builder``, are
the submodule :mod:`egoexo_kit.release.writers`, not re-exported here.
"""

from __future__ import annotations

from egoexo_kit.errors import Problem as Problem
from egoexo_kit.release._annotation_files import ANNOTATION_FAMILIES as ANNOTATION_FAMILIES
from egoexo_kit.release._annotation_files import annotation_family as annotation_family
from egoexo_kit.release._annotation_files import annotation_split as annotation_split
from egoexo_kit.release._csv import CsvTable as CsvTable
from egoexo_kit.release._csv import read_csv as read_csv
from egoexo_kit.release._entry import FPS as FPS
from egoexo_kit.release._entry import NON_CAMERA_KEYS as NON_CAMERA_KEYS
from egoexo_kit.release._entry import TakeEntry as TakeEntry
from egoexo_kit.release._entry import take_facts as take_facts
from egoexo_kit.release._files import check_file as check_file
from egoexo_kit.release._files import present as present
from egoexo_kit.release._files import read_bytes as read_bytes
from egoexo_kit.release._index import METADATA_FILES as METADATA_FILES
from egoexo_kit.release._index import RECORD_COLUMNS as RECORD_COLUMNS
from egoexo_kit.release._index import ReleaseIndex as ReleaseIndex
from egoexo_kit.release._index import Takes as Takes
from egoexo_kit.release._index import take_record as take_record
from egoexo_kit.release._info import release_summary as release_summary
from egoexo_kit.release._info import take_summary as take_summary
from egoexo_kit.release._json import check_depth as check_depth
from egoexo_kit.release._json import load_json as load_json
from egoexo_kit.release._json import load_records as load_records
from egoexo_kit.release._json import parse_json as parse_json
from egoexo_kit.release._json import parse_record as parse_record
from egoexo_kit.release._json import pointer as pointer
from egoexo_kit.release._json import records_from as records_from
from egoexo_kit.release._masks import decode_mask as decode_mask
from egoexo_kit.release._masks import decompress_counts as decompress_counts
from egoexo_kit.release._masks import encode_mask as encode_mask
from egoexo_kit.release._masks import is_canonical_counts as is_canonical_counts
from egoexo_kit.release._masks import mask_size as mask_size
from egoexo_kit.release._masks import parse_rle_counts as parse_rle_counts
from egoexo_kit.release._masks import rle_run_totals as rle_run_totals
from egoexo_kit.release._mps import ClosedLoopTrajectory as ClosedLoopTrajectory
from egoexo_kit.release._mps import EyeGaze2D as EyeGaze2D
from egoexo_kit.release._mps import EyeGaze3D as EyeGaze3D
from egoexo_kit.release._mps import GoProCalibs as GoProCalibs
from egoexo_kit.release._mps import OnlineCalibration as OnlineCalibration
from egoexo_kit.release._mps import OpenLoopTrajectory as OpenLoopTrajectory
from egoexo_kit.release._mps import SemidenseObservations as SemidenseObservations
from egoexo_kit.release._mps import SemidensePoints as SemidensePoints
from egoexo_kit.release._mps import Timesync as Timesync
from egoexo_kit.release._mps import read_closed_loop_trajectory as read_closed_loop_trajectory
from egoexo_kit.release._mps import read_eye_gaze as read_eye_gaze
from egoexo_kit.release._mps import read_eye_gaze_2d as read_eye_gaze_2d
from egoexo_kit.release._mps import read_gopro_calibs as read_gopro_calibs
from egoexo_kit.release._mps import read_online_calibration as read_online_calibration
from egoexo_kit.release._mps import read_open_loop_trajectory as read_open_loop_trajectory
from egoexo_kit.release._mps import read_semidense_observations as read_semidense_observations
from egoexo_kit.release._mps import read_semidense_points as read_semidense_points
from egoexo_kit.release._mps import read_timesync as read_timesync
from egoexo_kit.release._parts import ALL_PARTS as ALL_PARTS
from egoexo_kit.release._parts import CLIPS_PART as CLIPS_PART
from egoexo_kit.release._parts import KNOWN_PARTS as KNOWN_PARTS
from egoexo_kit.release._parts import PartsOnDisk as PartsOnDisk
from egoexo_kit.release._parts import classify as classify_part
from egoexo_kit.release._parts import scan_parts as scan_parts
from egoexo_kit.release._paths import safe_join as safe_join
from egoexo_kit.release._records import CameraRecord as CameraRecord
from egoexo_kit.release._records import CaptureRecord as CaptureRecord
from egoexo_kit.release._records import ParticipantRecord as ParticipantRecord
from egoexo_kit.release._records import PhysicalSettingRecord as PhysicalSettingRecord
from egoexo_kit.release._records import Splits as Splits
from egoexo_kit.release._records import TakeRecord as TakeRecord
from egoexo_kit.release._records import VideoEntry as VideoEntry
from egoexo_kit.release._records import VisualObjectRecord as VisualObjectRecord
from egoexo_kit.release._timesync import format_ranges as format_ranges
from egoexo_kit.release._view import View as View
from egoexo_kit.release._view import resolve_view as resolve_view

__all__ = [
    "ALL_PARTS",
    "ANNOTATION_FAMILIES",
    "CLIPS_PART",
    "CameraRecord",
    "CaptureRecord",
    "ClosedLoopTrajectory",
    "CsvTable",
    "EyeGaze2D",
    "EyeGaze3D",
    "FPS",
    "GoProCalibs",
    "KNOWN_PARTS",
    "METADATA_FILES",
    "RECORD_COLUMNS",
    "NON_CAMERA_KEYS",
    "OnlineCalibration",
    "OpenLoopTrajectory",
    "ParticipantRecord",
    "PartsOnDisk",
    "PhysicalSettingRecord",
    "Problem",
    "ReleaseIndex",
    "SemidenseObservations",
    "SemidensePoints",
    "Splits",
    "TakeEntry",
    "TakeRecord",
    "Takes",
    "Timesync",
    "VideoEntry",
    "View",
    "VisualObjectRecord",
    "annotation_family",
    "annotation_split",
    "classify_part",
    "check_depth",
    "check_file",
    "decode_mask",
    "decompress_counts",
    "encode_mask",
    "format_ranges",
    "is_canonical_counts",
    "mask_size",
    "load_json",
    "load_records",
    "parse_json",
    "present",
    "read_bytes",
    "parse_record",
    "parse_rle_counts",
    "pointer",
    "read_closed_loop_trajectory",
    "read_csv",
    "read_eye_gaze",
    "read_eye_gaze_2d",
    "read_gopro_calibs",
    "read_online_calibration",
    "read_open_loop_trajectory",
    "read_semidense_observations",
    "read_semidense_points",
    "read_timesync",
    "records_from",
    "release_summary",
    "resolve_view",
    "rle_run_totals",
    "safe_join",
    "scan_parts",
    "take_facts",
    "take_record",
    "take_summary",
]
