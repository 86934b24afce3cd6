"""PyTorch datasets over a release (optional extra ``[torch]``).

May import every lower layer. ``import egoexo_kit.torch`` raises :class:`MissingExtraError` naming the
extra when torch is not installed.
"""

from __future__ import annotations

try:
    import torch as _torch  # noqa: F401 - only to fail early with a clear message
except ImportError as e:  # pragma: no cover - depends on the environment
    from egoexo_kit.extras import missing_extra

    raise missing_extra("torch", extra="torch", what="egoexo_kit.torch") from e

from egoexo_kit.torch._clips import IGNORE_INDEX as IGNORE_INDEX
from egoexo_kit.torch._clips import ClipRef as ClipRef
from egoexo_kit.torch._clips import EgoExoClips as EgoExoClips
from egoexo_kit.torch._samplers import GopBatchSampler as GopBatchSampler

__all__ = ["IGNORE_INDEX", "ClipRef", "EgoExoClips", "GopBatchSampler"]
