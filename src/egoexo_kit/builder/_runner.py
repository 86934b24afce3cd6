"""Run a stage's independent units: a local process pool (default) or a Ray cluster, same results.

The runner itself lives in :mod:`egoexo_kit._parallel` (``optimize`` runs its files on it too).
"""

from __future__ import annotations

from egoexo_kit._parallel import RUNNERS, run_units

__all__ = ["RUNNERS", "run_units"]
