"""Whole-release checks: every problem of a release folder against docs/format.md, located, in one run.

:func:`validate_release` returns a :class:`Report` of :class:`Problem` errors and warnings; it never
stops at the first and never raises on bad data. The checks are built on the readers below them:
metadata through ``release`` (lenient opening), MP4s through ``video``
(:func:`~egoexo_kit.video.probe_video`), timesync windows and MPS files through ``release``'s CSV
readers, annotation files through ``annotations``' loaders.

Layering: sits above ``release``, ``timeline``, ``video`` and ``annotations`` (DESIGN §1); only
``cli``, the facade and the top-level package import it.
"""

from __future__ import annotations

from egoexo_kit.errors import Problem as Problem
from egoexo_kit.validate._context import Progress as Progress
from egoexo_kit.validate._report import LISTED_PER_FILE as LISTED_PER_FILE
from egoexo_kit.validate._report import Report as Report
from egoexo_kit.validate._validate import validate_release as validate_release

__all__ = ["LISTED_PER_FILE", "Problem", "Progress", "Report", "validate_release"]
