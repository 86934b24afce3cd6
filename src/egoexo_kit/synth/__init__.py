"""Synthetic releases in the official layout; for now the tiny hand-laid release used by demo and tests.

May import every other layer (DESIGN §1).
"""

from __future__ import annotations

from egoexo_kit.synth._tiny import write_tiny_release as write_tiny_release

__all__ = ["write_tiny_release"]
