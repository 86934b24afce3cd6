"""Deprecated alias of :mod:`egoexo_kit.builder` (renamed in issue 17: tools skip folders named ``build``).

``from egoexo_kit.build import build, BuildConfig`` keeps working with a ``DeprecationWarning``;
write ``from egoexo_kit.builder import ...``.
"""

from __future__ import annotations

import warnings

from egoexo_kit.builder import *  # noqa: F403 - the whole public surface, re-exported
from egoexo_kit.builder import __all__ as __all__

warnings.warn(
    "egoexo_kit.build is now egoexo_kit.builder; the old name will be removed",
    DeprecationWarning,
    stacklevel=2,
)
