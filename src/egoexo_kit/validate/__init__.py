"""Whole-release checks: every problem of a release folder against docs/format.md, located, in one run.

:func:`validate_release` returns a :class:`Report` of :class:`Problem` errors and warnings; it never
stops at the first and never raises on bad data (a reader's unexpected exception becomes the file's
error). The checks are built on the readers below them: metadata through ``release`` (lenient
opening) plus semantic ranges (durations, times, ``best_exo``), MP4s through ``video``
(:class:`~egoexo_kit.video.VideoReader`'s PTS table, then decoding: the start of the first and last
GOP, or every packet with ``deep=True``), timesync windows and MPS files through ``release``'s CSV
readers (every bad row of a refused ``timesync.csv``, not the first), annotation files through
``annotations``' loaders, and files against their ``<part>/manifest.json`` (size; hash when deep).
Per-row, per-frame and per-packet problems are listed up to :data:`LISTED_PER_FILE` per file, then
counted in one line.

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
