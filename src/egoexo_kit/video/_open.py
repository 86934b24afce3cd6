"""Opening a video file with PyAV behind the project's error boundary (DESIGN §6, issue 19).

A truncated or bit-flipped MP4, a zero-length file, other bytes named ``.mp4``, a folder or a link
loop must each end in one located :class:`~egoexo_kit.errors.FormatError`, never in a PyAV
exception (``av.error.InvalidDataError`` …) or the ``UnicodeDecodeError`` PyAV raises for container
tags that are not UTF-8 (the release's MP4s, written by FFmpeg, carry ASCII tags; ``validate``
reports such a file as damaged).
"""

from __future__ import annotations

from pathlib import Path

import av

from egoexo_kit.errors import FormatError
from egoexo_kit.release import check_file

__all__ = ["AV_ERRORS", "open_video"]

AV_ERRORS: tuple[type[BaseException], ...] = (av.FFmpegError, UnicodeDecodeError)
"""What PyAV raises on a corrupt file (its FFmpeg errors, and tags that are not UTF-8)."""


def open_video(path: str | Path) -> av.container.InputContainer:
    """Open ``path`` for demuxing and decoding; the caller closes the container.

    Raises:
        FormatError: the file does not exist, is not a regular file, or PyAV cannot open it.
    """
    path = check_file(path)
    try:
        return av.open(str(path))
    except UnicodeDecodeError as e:
        raise FormatError(f"cannot read video: container tags are not UTF-8 ({e.reason})", path=path) from e
    except AV_ERRORS as e:
        raise FormatError(f"cannot read video: {e}", path=path) from e
