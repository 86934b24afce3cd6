"""Which optional extras are installed (``pip install 'egoexo-kit[aria]'`` …), without importing them."""

from __future__ import annotations

import importlib.util

__all__ = ["EXTRAS", "installed_extras"]

EXTRAS: dict[str, str] = {
    "aria": "projectaria_tools",
    "torch": "torch",
    "viz": "rerun",
    "web": "fastapi",
    "dist": "ray",
    "s3": "boto3",
}
"""Extra name → the module whose presence means it is installed."""


def installed_extras() -> dict[str, bool]:
    """Extra name → whether its module can be imported (found on the path; nothing is imported)."""
    return {extra: importlib.util.find_spec(module) is not None for extra, module in EXTRAS.items()}
