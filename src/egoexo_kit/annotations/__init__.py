"""Every Ego-Exo4D annotation family, typed and aligned in time, plus a DuckDB catalog and text search.

One module per family (FORMAT §7): :mod:`.keystep` (keysteps, taxonomy, benchmark, procedure) and
:mod:`.labels` (contiguous keystep class indices for training),
:mod:`.atomic`, :mod:`.commentary`, :mod:`.narration`, :mod:`.proficiency`, :mod:`.relations` (mask
tracks, decoded on demand), :mod:`.pose` (body/hand keypoints and camera poses). ``take.annotations``
(:class:`TakeAnnotations`) gives one take's records; :func:`catalog` builds Parquet tables under
``<release>/.egoexo-kit/catalog/`` and returns a sandboxed DuckDB connection (it reads the catalog's
tables and nothing else); :func:`run_query` runs user SQL on it (read statements only, a refusal is
one :class:`~egoexo_kit.errors.QueryRefusedError`); :func:`search` ranks texts (BM25).

Layering: imports ``release``, ``timeline``, ``errors``, ``extras``, ``limits`` and the foundation
helpers ``_io``, ``_lock``, ``_parallel`` only (DESIGN §1).
"""

from __future__ import annotations

from egoexo_kit.annotations._catalog import CATALOG_DIR as CATALOG_DIR
from egoexo_kit.annotations._catalog import CATALOG_WAIT_S as CATALOG_WAIT_S
from egoexo_kit.annotations._catalog import BuildStats as BuildStats
from egoexo_kit.annotations._catalog import build_catalog as build_catalog
from egoexo_kit.annotations._catalog import catalog as catalog
from egoexo_kit.annotations._catalog import connect_catalog as connect_catalog
from egoexo_kit.annotations._common import EMPTY_POSE_FRAME as EMPTY_POSE_FRAME
from egoexo_kit.annotations._common import unknown_take as unknown_take
from egoexo_kit.annotations._files import AnnotationFile as AnnotationFile
from egoexo_kit.annotations._files import discover as discover
from egoexo_kit.annotations._search import SEARCH_FAMILIES as SEARCH_FAMILIES
from egoexo_kit.annotations._search import SearchHit as SearchHit
from egoexo_kit.annotations._search import search as search
from egoexo_kit.annotations._search import tokenize as tokenize
from egoexo_kit.annotations._semantic import EMBED_MODEL_ENV as EMBED_MODEL_ENV
from egoexo_kit.annotations._semantic import load_embedder as load_embedder
from egoexo_kit.annotations._semantic import semantic_search as semantic_search
from egoexo_kit.annotations._sql import READ_STATEMENTS as READ_STATEMENTS
from egoexo_kit.annotations._sql import run_query as run_query
from egoexo_kit.annotations._tables import SCHEMAS as SCHEMAS
from egoexo_kit.annotations._take import FAMILIES as FAMILIES
from egoexo_kit.annotations._take import ReleaseAnnotations as ReleaseAnnotations
from egoexo_kit.annotations._take import TakeAnnotations as TakeAnnotations
from egoexo_kit.annotations._take import release_annotations as release_annotations
from egoexo_kit.annotations.atomic import AtomicDescription as AtomicDescription
from egoexo_kit.annotations.atomic import read_atomic_descriptions as read_atomic_descriptions
from egoexo_kit.annotations.commentary import ExpertComment as ExpertComment
from egoexo_kit.annotations.commentary import ExpertRating as ExpertRating
from egoexo_kit.annotations.commentary import read_commentary_folder as read_commentary_folder
from egoexo_kit.annotations.commentary import read_expert_commentary as read_expert_commentary
from egoexo_kit.annotations.keystep import KeystepBenchmarkSegment as KeystepBenchmarkSegment
from egoexo_kit.annotations.keystep import KeystepClip as KeystepClip
from egoexo_kit.annotations.keystep import KeystepClips as KeystepClips
from egoexo_kit.annotations.keystep import KeystepFile as KeystepFile
from egoexo_kit.annotations.keystep import KeystepLabel as KeystepLabel
from egoexo_kit.annotations.keystep import KeystepSegment as KeystepSegment
from egoexo_kit.annotations.keystep import Taxonomy as Taxonomy
from egoexo_kit.annotations.keystep import TaxonomyNode as TaxonomyNode
from egoexo_kit.annotations.keystep import keystep_clips as keystep_clips
from egoexo_kit.annotations.keystep import read_keystep as read_keystep
from egoexo_kit.annotations.keystep import read_keystep_benchmark as read_keystep_benchmark
from egoexo_kit.annotations.keystep import read_label_mapping as read_label_mapping
from egoexo_kit.annotations.keystep import read_procedure as read_procedure
from egoexo_kit.annotations.labels import IGNORE_INDEX as IGNORE_INDEX
from egoexo_kit.annotations.labels import KeystepLabelMap as KeystepLabelMap
from egoexo_kit.annotations.labels import LabelSource as LabelSource
from egoexo_kit.annotations.labels import keystep_label_map as keystep_label_map
from egoexo_kit.annotations.narration import Narration as Narration
from egoexo_kit.annotations.narration import read_transcription as read_transcription
from egoexo_kit.annotations.pose import CameraPose as CameraPose
from egoexo_kit.annotations.pose import CameraPoseEntry as CameraPoseEntry
from egoexo_kit.annotations.pose import PoseAnnotation as PoseAnnotation
from egoexo_kit.annotations.pose import PoseFrameSummary as PoseFrameSummary
from egoexo_kit.annotations.pose import read_camera_pose as read_camera_pose
from egoexo_kit.annotations.pose import read_keypoints as read_keypoints
from egoexo_kit.annotations.pose import summarize_keypoints as summarize_keypoints
from egoexo_kit.annotations.proficiency import ProficiencyDemonstration as ProficiencyDemonstration
from egoexo_kit.annotations.proficiency import ProficiencyDemonstrator as ProficiencyDemonstrator
from egoexo_kit.annotations.proficiency import ProficiencyMoment as ProficiencyMoment
from egoexo_kit.annotations.proficiency import (
    read_proficiency_demonstration as read_proficiency_demonstration,
)
from egoexo_kit.annotations.proficiency import read_proficiency_demonstrator as read_proficiency_demonstrator
from egoexo_kit.annotations.relations import MaskFrame as MaskFrame
from egoexo_kit.annotations.relations import MaskTrack as MaskTrack
from egoexo_kit.annotations.relations import TakeRelations as TakeRelations
from egoexo_kit.annotations.relations import mask_track as mask_track
from egoexo_kit.annotations.relations import read_relations as read_relations

__all__ = [
    "CATALOG_DIR",
    "CATALOG_WAIT_S",
    "EMPTY_POSE_FRAME",
    "EMBED_MODEL_ENV",
    "IGNORE_INDEX",
    "FAMILIES",
    "READ_STATEMENTS",
    "SCHEMAS",
    "SEARCH_FAMILIES",
    "AnnotationFile",
    "AtomicDescription",
    "BuildStats",
    "CameraPose",
    "CameraPoseEntry",
    "ExpertComment",
    "ExpertRating",
    "KeystepBenchmarkSegment",
    "KeystepClip",
    "KeystepClips",
    "KeystepFile",
    "KeystepLabel",
    "KeystepLabelMap",
    "KeystepSegment",
    "LabelSource",
    "MaskFrame",
    "MaskTrack",
    "Narration",
    "PoseAnnotation",
    "PoseFrameSummary",
    "ProficiencyDemonstration",
    "ProficiencyDemonstrator",
    "ProficiencyMoment",
    "ReleaseAnnotations",
    "SearchHit",
    "TakeAnnotations",
    "TakeRelations",
    "Taxonomy",
    "TaxonomyNode",
    "build_catalog",
    "catalog",
    "connect_catalog",
    "discover",
    "keystep_clips",
    "keystep_label_map",
    "load_embedder",
    "mask_track",
    "read_atomic_descriptions",
    "read_camera_pose",
    "read_commentary_folder",
    "read_expert_commentary",
    "read_keypoints",
    "read_keystep",
    "read_keystep_benchmark",
    "read_label_mapping",
    "read_procedure",
    "read_proficiency_demonstration",
    "read_proficiency_demonstrator",
    "read_relations",
    "read_transcription",
    "run_query",
    "release_annotations",
    "search",
    "semantic_search",
    "summarize_keypoints",
    "tokenize",
    "unknown_take",
]
