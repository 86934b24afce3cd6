"""The metadata record builders moved to :mod:`egoexo_kit.release.writers` (shared with ``builder``)."""

from __future__ import annotations

from egoexo_kit.release.writers import UidSource, capture_record, take_record, video_entries
from egoexo_kit.vocab import ARIA_STREAMS

__all__ = ["ARIA_STREAMS", "UidSource", "capture_record", "take_record", "video_entries"]
