"""egoexo-kit: get, read, train on, benchmark, build and see Ego-Exo4D releases.

Start with :func:`open_release`; every command of the ``egoexo-kit`` CLI is a thin shell over a
public function of this package.
"""

from __future__ import annotations

from egoexo_kit.errors import EgoExoKitError as EgoExoKitError
from egoexo_kit.errors import FormatError as FormatError
from egoexo_kit.facade import Release as Release
from egoexo_kit.facade import Take as Take
from egoexo_kit.facade import detect_row_offset as detect_row_offset
from egoexo_kit.facade import open_release as open_release
from egoexo_kit.validate import validate_release as validate_release

__version__ = "0.1.0"
__all__ = [
    "EgoExoKitError",
    "FormatError",
    "Release",
    "Take",
    "__version__",
    "detect_row_offset",
    "open_release",
    "validate_release",
]
