"""Narrate-and-Act and take-audio transcriptions (FORMAT §7.10): Whisper output per Aria recording.

``takes/<take>/audio/<aria>_transcriptions.json``; only ``start``, ``end`` and ``text`` of each
segment are required. Times are seconds from the start of the take's audio, read as take time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from egoexo_kit.annotations._common import SpanFrames, as_float, as_list, load_object, opt_int
from egoexo_kit.errors import FormatError
from egoexo_kit.vocab import pointer

__all__ = ["Narration", "read_transcription"]


@dataclass(frozen=True, slots=True)
class Narration(SpanFrames):
    """One transcribed speech segment of a take."""

    take_uid: str | None
    source: str
    """The transcription file name (``aria01_transcriptions.json``)."""
    segment_id: int
    start_s: float
    end_s: float
    text: str
    language: str | None
    n_words: int


def read_transcription(path: str | Path, *, take_uid: str | None = None) -> list[Narration]:
    """Parse one Whisper transcription file into its segments, in file order."""
    path = Path(path)
    data = load_object(path)
    segs = data.get("segments") or []
    if not isinstance(segs, list):
        raise FormatError("segments must be a list", path=path, pointer="/segments")
    out = []
    for j, s in enumerate(segs):
        at = pointer("segments", j)
        if not isinstance(s, dict) or not isinstance(s.get("text"), str):
            raise FormatError("expected a segment with start, end and text", path=path, pointer=at)
        seg_id = opt_int(s.get("id"), path=path, pointer=at + "/id")
        out.append(
            Narration(
                take_uid=take_uid,
                source=path.name,
                segment_id=j if seg_id is None else seg_id,
                start_s=as_float(s.get("start"), path=path, pointer=at + "/start"),
                end_s=as_float(s.get("end"), path=path, pointer=at + "/end"),
                text=s["text"].strip(),
                language=data.get("language") if isinstance(data.get("language"), str) else None,
                n_words=len(as_list(s.get("words"), path=path, pointer=at + "/words")),
            )
        )
    return out
