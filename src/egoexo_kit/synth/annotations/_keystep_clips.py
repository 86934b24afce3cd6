"""The part ``keystep_benchmark/clips_448p``: every benchmark segment cut from the take's 448p videos.

Real releases publish these trimmed clips as their own download part (EGO4D/Ego-Exo4D-docs:
docs/benchmarks/keystep/keystep_recoginition.md, ``--parts keystep_benchmark/clips_448p``), one MP4
per name of a segment's ``segment_name_list`` (``<split>/<take_name>/start<s>_end<e>_<cam>.mp4``,
``<cam>`` being ``<aria>_214-1`` for the ego clip and the cam id for an exo one). A clip holds the
aligned frames ``i`` with ``start <= i / 30 < end`` of the take's ``downscaled/448/<cam>.mp4``. It is a
part, not an irregularity: ``--clean`` keeps it; it needs the 448p variants.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from egoexo_kit._parallel import pool_map
from egoexo_kit.annotations import KeystepClip, keystep_clips
from egoexo_kit.release import FPS
from egoexo_kit.video import VideoReader, encode_video

__all__ = ["clip_frames", "write_keystep_clips"]

CLIP_PRESET = "veryfast"
"""x264 preset of the synthetic clips (speed over size; the real encoder settings are not published)."""
_CHUNK = 32
DOWNSCALED_448 = Path("frame_aligned_videos") / "downscaled" / "448"


def clip_frames(start_s: float, end_s: float, n_frames: int) -> range:
    """Aligned frames ``i`` with ``start_s <= i / 30 < end_s``, within the video (at least one frame)."""
    first = min(max(0, math.ceil(start_s * FPS - 1e-6)), n_frames - 1)
    stop = min(max(first + 1, math.ceil(end_s * FPS - 1e-6)), n_frames)
    return range(first, stop)


def _frames(reader: VideoReader, frames: range) -> Iterator[np.ndarray]:
    for a in range(frames.start, frames.stop, _CHUNK):
        yield from reader.get_frames_at(list(range(a, min(a + _CHUNK, frames.stop)))).data


def _cut(job: tuple[Path, list[KeystepClip]]) -> int:
    """Cut every clip of one (take, camera) from its 448p video; returns the clips written."""
    source, clips = job
    with VideoReader(source) as reader:
        for clip in clips:
            frames = clip_frames(clip.segment.start_s, clip.segment.end_s, len(reader))
            encode_video(clip.path, _frames(reader, frames), crf=23, preset=CLIP_PRESET)
    return len(clips)


def write_keystep_clips(root: str | Path, *, workers: int = 1) -> int:
    """Write the clips every keystep benchmark segment names, from ``takes/<take_name>/.../448/<cam>.mp4``.

    Clips whose take or 448p video is absent are skipped (a redacted take has no video). Returns the
    number of clips written.
    """
    root = Path(root)
    jobs: dict[Path, list[KeystepClip]] = defaultdict(list)
    for clip in keystep_clips(root):
        take_name = clip.segment.take_name
        if not take_name or not clip.cam:
            continue
        source = (
            root / "takes" / take_name / "frame_aligned_videos" / "downscaled" / "448" / f"{clip.cam}.mp4"
        )
        if source.is_file():
            jobs[source].append(clip)
    done = pool_map(_cut, sorted(jobs.items()), workers=workers)
    return sum(done)
