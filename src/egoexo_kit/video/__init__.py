"""Video files: reproducible encoding now; exact frame access and clips come with the video issue.

May import: ``release``, ``timeline``.
"""

from __future__ import annotations

from egoexo_kit.video._encode import encode_video as encode_video

__all__ = ["encode_video"]
