"""egoexo-kit: get, read, train on, benchmark, build and see Ego-Exo4D releases.

Start with :func:`open_release`; every command of the ``egoexo-kit`` CLI is a thin shell over a
public function of this package.

The public names below are imported on first use (PEP 562), so ``import egoexo_kit`` stays cheap:
the heavy stack (PyAV, pyarrow, scipy, DuckDB …) loads when a release is opened, not before.
"""

from __future__ import annotations

TYPE_CHECKING = False  # what ``typing.TYPE_CHECKING`` is at run time, without importing typing (~7 ms)
if TYPE_CHECKING:
    from typing import Any

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

_LAZY: dict[str, str] = {
    "EgoExoKitError": "egoexo_kit.errors",
    "FormatError": "egoexo_kit.errors",
    "Release": "egoexo_kit.facade",
    "Take": "egoexo_kit.facade",
    "detect_row_offset": "egoexo_kit.facade",
    "open_release": "egoexo_kit.facade",
    "validate_release": "egoexo_kit.validate",
}
"""Public name → the module that defines it, imported when the name is first used."""


def __getattr__(name: str) -> Any:
    """Import a public name's module on first access and keep the name (PEP 562)."""
    import importlib

    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's names, the not-yet-imported public ones included."""
    return sorted({*globals(), *__all__})
