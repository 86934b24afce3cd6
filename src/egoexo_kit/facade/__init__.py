"""The one public facade: :func:`open_release`, :class:`Release` and :class:`Take` (DESIGN §1).

Why a package of its own: the facade composes every layer below it — ``release`` (metadata entry
and paths), ``timeline``, ``video`` (synced decoding), ``geometry`` (cameras), ``sensors``,
``features`` and ``annotations`` — so it must sit above all of them and below the consumers
(``benchmarks``, ``viz``, ``torch``, ``cli``). A named, public package makes that place visible and
checkable (nothing under ``release`` … ``annotations`` may import ``egoexo_kit.facade``), where a
subclass injected into ``release`` hid it. ``egoexo_kit`` re-exports the three names; import them
from there.

May import: ``release``, ``timeline``, ``video``, ``sensors``, ``geometry``, ``features``,
``annotations``. Not re-exported: the decoder cache (``_decoders``). ``detect_row_offset`` measures
which timesync row is a take's frame 0 from its trajectory and EgoPose camera poses (FORMAT §11 C1).
"""

from __future__ import annotations

from egoexo_kit.facade._release import Release as Release
from egoexo_kit.facade._release import open_release as open_release
from egoexo_kit.facade._row_offset import detect_row_offset as detect_row_offset
from egoexo_kit.facade._take import Orientation as Orientation
from egoexo_kit.facade._take import Resolution as Resolution
from egoexo_kit.facade._take import Take as Take
from egoexo_kit.facade._take import clip_times as clip_times

__all__ = ["Orientation", "Release", "Resolution", "Take", "clip_times", "detect_row_offset", "open_release"]
