"""Opening a video file with PyAV behind the project's error boundary (DESIGN §6, issue 19).

A truncated or bit-flipped MP4, a zero-length file, other bytes named ``.mp4``, a folder or a link
loop must each end in one located :class:`~egoexo_kit.errors.FormatError`, never in a PyAV
exception (``av.error.InvalidDataError`` …) or the ``UnicodeDecodeError`` PyAV raises for container
tags that are not UTF-8 (the release's MP4s, written by FFmpeg, carry ASCII tags; ``validate``
reports such a file as damaged).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import av

from egoexo_kit.errors import FormatError
from egoexo_kit.release import check_file

__all__ = ["AV_ERRORS", "Opener", "open_video"]

Opener = Callable[[], BinaryIO]
"""Makes a fresh seekable binary file object over a video that is not a local file (a remote MP4)."""

AV_ERRORS: tuple[type[BaseException], ...] = (av.FFmpegError, UnicodeDecodeError)
"""What PyAV raises on a corrupt file (its FFmpeg errors, and tags that are not UTF-8)."""


def open_video(path: str | Path, *, opener: Opener | None = None) -> av.container.InputContainer:
    """Open ``path`` for demuxing and decoding; the caller closes the container.

    ``opener``: read the video from the file object it returns instead (``path`` then only names the
    video in messages); PyAV reads a file object through its ``read``/``seek``/``tell``.

    Raises:
        FormatError: the file does not exist, is not a regular file, or PyAV cannot open it.
    """
    path = Path(path) if opener is not None else check_file(path)
    try:
        return av.open(opener() if opener is not None else str(path))
    except UnicodeDecodeError as e:
        raise FormatError(f"cannot read video: container tags are not UTF-8 ({e.reason})", path=path) from e
    except AV_ERRORS as e:
        raise FormatError(f"cannot read video: {e}", path=path) from e
