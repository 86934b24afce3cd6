"""Annotation files of a synthetic release (FORMAT §7), derived from each take's ground truth.

``_annotations`` (the entry points and the helpers the families share), one module per family
(``_ann_keystep``, ``_ann_relations``, ``_ann_text``, ``_ann_pose``) and ``_keystep_clips`` (the keystep
benchmark's trimmed clips, a release part). Imports ``synth.plan``, ``synth.motion`` (joint orders) and
``synth.capture`` (:class:`TakeTruth`), among the synth stages. It writes what the reader package
``egoexo_kit.annotations`` reads.

Re-exports what the generator uses; each family's writers stay in their modules.
"""

from __future__ import annotations

from egoexo_kit.synth.annotations._annotations import TakeAnnotationParts as TakeAnnotationParts
from egoexo_kit.synth.annotations._annotations import annotate_take as annotate_take
from egoexo_kit.synth.annotations._annotations import write_annotation_files as write_annotation_files
from egoexo_kit.synth.annotations._annotations import write_annotations as write_annotations
from egoexo_kit.synth.annotations._keystep_clips import write_keystep_clips as write_keystep_clips

__all__ = [
    "TakeAnnotationParts",
    "annotate_take",
    "write_annotation_files",
    "write_annotations",
    "write_keystep_clips",
]
