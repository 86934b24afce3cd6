"""The real release's irregularities, edited into a finished synthetic release unless ``SynthConfig.clean``.

``_irregular`` holds the registry (:data:`IRREGULARITIES`, :func:`apply_irregularities`,
:func:`record`); each ``_irr_*`` module registers its steps on import, and ``_irregular_steps``
imports them in the order they run. The steps edit files on disk, so this package imports no other
synth stage (only ``synth._config``).

Re-exports the registry; the steps stay in their modules.
"""

from __future__ import annotations

from egoexo_kit.synth.irregular._irr_registry import IRREGULARITIES as IRREGULARITIES
from egoexo_kit.synth.irregular._irr_registry import IrregularRelease as IrregularRelease
from egoexo_kit.synth.irregular._irregular import apply_irregularities as apply_irregularities
from egoexo_kit.synth.irregular._irregular import record as record

__all__ = ["IRREGULARITIES", "IrregularRelease", "apply_irregularities", "record"]
