"""Optional extras: which are installed, and :func:`require`, the one way to import one (DESIGN §3).

Low-level and public like :mod:`egoexo_kit.vocab`: it imports nothing of egoexo-kit but ``errors``.
Importing egoexo-kit never fails because an extra is missing; the code that needs one calls
:func:`require` where it needs it, and the user gets a :class:`~egoexo_kit.errors.MissingExtraError`
naming the exact ``pip install`` line.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from egoexo_kit.errors import MissingExtraError

__all__ = ["EXTRAS", "META_EXTRAS", "PACKAGES", "installed_extras", "missing_extra", "require"]

EXTRAS: dict[str, str] = {
    "catalog": "duckdb",
    "eval": "sklearn",
    "build": "scipy",
    "pandas": "pandas",
    "aria": "projectaria_tools",
    "torch": "torch",
    "gpu": "torchcodec",
    "viz": "rerun",
    "web": "fastapi",
    "dist": "ray",
    "s3": "boto3",
    "onnx": "onnxruntime",
    "semantic": "sentence_transformers",
}
"""Extra name → the module whose presence means it is installed (what ``egoexo-kit info`` reports).

One entry per capability extra of ``pyproject.toml``; the bundles ``demo`` and ``all`` and the
developer extras ``dev`` and ``bench`` are not capabilities and are not listed (a test keeps the two
lists in agreement). Everything outside the core is imported through :func:`require`.
"""

META_EXTRAS: frozenset[str] = frozenset({"demo", "all", "dev", "bench"})
"""The ``pyproject.toml`` extras that bundle others or serve development, not one capability."""

PACKAGES: dict[str, str] = {
    "duckdb": "DuckDB",
    "sklearn": "scikit-learn",
    "scipy": "SciPy",
    "PIL": "Pillow",
    "pandas": "pandas",
    "projectaria_tools": "projectaria-tools",
    "torch": "PyTorch",
    "torchcodec": "torchcodec",
    "rerun": "rerun-sdk",
    "fastapi": "FastAPI",
    "uvicorn": "uvicorn",
    "ray": "Ray",
    "boto3": "boto3",
    "onnxruntime": "onnxruntime",
    "onnx": "the onnx package",
    "sentence_transformers": "sentence-transformers",
}
"""Top-level module → the name a message shows for it (the pip distribution or the project's name)."""


def installed_extras() -> dict[str, bool]:
    """Extra name → whether its module can be imported (found on the path; nothing is imported)."""
    return {extra: importlib.util.find_spec(module) is not None for extra, module in EXTRAS.items()}


def missing_extra(module: str, *, extra: str, what: str, hint: str = "") -> MissingExtraError:
    """The error for a missing module: ``"<what> needs <package>: pip install 'egoexo-kit[<extra>]'"``.

    Args:
        module: the top-level module that is missing (``"torch"``, ``"rerun"`` …).
        extra: the egoexo-kit extra that installs it (``"torch"``, ``"viz"`` …).
        what: what needs it, as the start of the message (``"export-rerun"``, ``"reading .pt features"``).
        hint: appended after the install line, e.g. an alternative (``" (or use an https:// mirror)"``).

    Returns:
        A :class:`~egoexo_kit.errors.MissingExtraError` whose ``name`` is ``module`` (as ``ImportError``)
        and whose ``extra`` is ``extra``; raise it ``from`` the original ``ImportError``.
    """
    package = PACKAGES.get(module, module)
    err = MissingExtraError(f"{what} needs {package}: pip install 'egoexo-kit[{extra}]'{hint}")
    err.name = module
    err.extra = extra
    return err


def require(module: str, *, extra: str, what: str, hint: str = "") -> ModuleType:
    """Import and return ``module``, or raise :class:`~egoexo_kit.errors.MissingExtraError` naming ``extra``.

    Example:
        ``rr = require("rerun", extra="viz", what="export-rerun")`` fails with
        ``export-rerun needs rerun-sdk: pip install 'egoexo-kit[viz]'`` when rerun-sdk is absent.

    Args:
        module: the module to import (a dotted name is fine; its top level names the package).
        extra: the egoexo-kit extra that installs it.
        what: what needs it, as the start of the message.
        hint: appended after the install line.

    Raises:
        MissingExtraError: the module (or its top-level package) cannot be imported.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        top = (e.name or module).split(".")[0]
        if top != module.split(".")[0]:
            raise  # the extra is installed but one of its own dependencies is broken: show that
        raise missing_extra(top, extra=extra, what=what, hint=hint) from e
