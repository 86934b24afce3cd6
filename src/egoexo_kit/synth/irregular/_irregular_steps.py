"""Imports every irregularity step module so that each registers itself in ``_irr_registry.IRREGULARITIES``.

Order of the imports is the order the steps run in.
"""

from __future__ import annotations

from egoexo_kit.synth.irregular import (
    _irr_annotations,  # noqa: F401  (redacted takes, empty pose frames)
    _irr_features,  # noqa: F401
    _irr_masks,  # noqa: F401
    _irr_timesync,  # noqa: F401
)
