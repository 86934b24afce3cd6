"""The PTS table of an MP4/MOV video track, read from its sample tables instead of demuxing every packet.

A long 4K file holds gigabytes of samples, but its ``moov`` box (a few hundred kilobytes) already says
when every sample is decoded (``stts``), how far its presentation is offset (``ctts``), which samples
are sync samples (``stss``), how big each one is (``stsz``) and which part of the media is shown
(``edts/elst``). This module reads only the top-level box headers and the ``moov`` box, wherever it
sits, and rebuilds the table :func:`~egoexo_kit.video._meta.scan_pts_table` would get from PyAV's
packets: the same pts after FFmpeg's edit-list handling, the same packets left out (marked discard by
the edit list, or empty), the same keyframe flags and the same last-frame duration.

FFmpeg's mov demuxer, which PyAV uses, is the reference: with an edit list it keeps the samples from
the last keyframe at or before the edit's start, marks those presented before the start (or after its
end) as discard, stops after the keyframe that follows the edit's end (one more with ``ctts``), numbers
the kept samples' dts consecutively from the edit's start and finally shifts everything so the first
presented frame starts at 0. Only the shapes this module can reproduce exactly are accepted: at most
one non-empty edit (after at most one empty edit) at rate 1, one sample description, per-sample sizes,
no fragments, no partial-sync or random-access sample groups. Anything else, or any box that is
truncated, inconsistent or over a sanity cap, gives ``None`` and the caller scans the packets instead
(which reports a broken file with the usual error).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import numpy as np

from egoexo_kit.limits import FRAME_COUNT
from egoexo_kit.video._table import PtsTable

__all__ = ["Mp4Track", "read_mp4_pts_table"]

MAX_MOOV_BYTES = 256 * 2**20
"""A ``moov`` box larger than this is not read (the caller scans instead); a week of 30 fps video
needs about 100 MB of sample tables."""
MAX_TOP_BOXES = 100_000
"""Top-level boxes walked before giving up (a plain MP4 has a handful)."""
_CTTS_SANE = 1 << 28
"""FFmpeg drops a ``ctts`` whose offsets reach this magnitude; such a file is left to the scan."""


@dataclass(frozen=True)
class Mp4Track:
    """The sample tables of one track, as read from its ``trak`` box (counts already checked)."""

    track_id: int
    """``tkhd`` track id (FFmpeg's ``AVStream.id``)."""
    handler: bytes
    """``hdlr`` handler type, ``b"vide"`` for video."""
    timescale: int
    """``mdhd`` units per second: the stream's time base is ``1 / timescale``."""
    deltas: np.ndarray
    """``(N,)`` int64 decode-time step of each sample (``stts``), in decode order."""
    offsets: np.ndarray
    """``(N,)`` int64 composition offset of each sample (``ctts``; zeros without one)."""
    has_ctts: bool
    """Whether the track has a ``ctts`` box."""
    dts_shift: int
    """How far FFmpeg moves dts back so that dts never passes pts (from negative ``ctts`` offsets)."""
    sizes: np.ndarray
    """``(N,)`` int64 byte size of each sample (``stsz``)."""
    sync: np.ndarray
    """``(N,)`` bool: the sample is a sync sample (``stss``; all of them without one)."""
    edits: list[tuple[int, int]]
    """``(media_time, duration)`` of each edit, duration in media timescale units; ``[]`` without one."""


class _Unsupported(Exception):
    """A box this module does not reproduce exactly: the caller falls back to the packet scan."""


def read_mp4_pts_table(
    source: BinaryIO,
    *,
    stream_index: int,
    track_id: int | None,
    time_base: Fraction | None,
    file_size: int,
    path: Path | None = None,
) -> PtsTable | None:
    """The PTS table of PyAV stream ``stream_index`` read from the MP4 sample tables, or ``None``.

    Args:
        source: the file, opened for binary reading (only box headers and the ``moov`` box are read).
        stream_index: PyAV's ``stream.index``: the ``trak`` at that position in the ``moov`` box.
        track_id: PyAV's ``stream.id`` (the ``tkhd`` track id), checked against the ``trak`` when given.
        time_base: PyAV's ``stream.time_base``, checked against the ``mdhd`` timescale when given.
        file_size: the file's size in bytes (boxes must fit in it; samples must lie inside it).
        path: the file, only to locate a :class:`~egoexo_kit.errors.LimitError`.

    Returns:
        The table, or ``None`` when the file is not a plain (non-fragmented) MP4/MOV whose tables this
        module reproduces exactly; the caller then scans the packets.

    Raises:
        LimitError: the track claims more samples than ``limits.FRAME_COUNT``.
    """
    try:
        moov = _read_moov(source, file_size)
        if moov is None:
            return None
        track = _find_track(moov, stream_index, file_size=file_size, path=path)
        if track.handler != b"vide" or (track_id is not None and track.track_id != track_id):
            return None
        if time_base is not None and time_base != Fraction(1, track.timescale):
            return None
        pts, keep, key, dur = _presentation(track)
    except (_Unsupported, struct.error, ValueError, IndexError, OverflowError):
        return None
    pts, key, dur = pts[keep], key[keep], dur[keep]
    if len(pts) == 0:
        return None
    order = np.argsort(pts, kind="stable")
    pts = pts[order]
    if np.any(np.diff(pts) <= 0):
        return None  # two packets share a pts: the scan reports it
    last = int(dur[order][-1])
    if last <= 0:
        last = int(np.median(np.diff(pts))) if len(pts) > 1 else 1
    keyframes = np.flatnonzero(key[order]).astype(np.int64)
    return PtsTable(pts=pts, keyframes=keyframes, last_duration=last)


# ------------------------------------------------------------------------------------------ boxes
def _read_moov(source: BinaryIO, file_size: int) -> memoryview | None:
    """The ``moov`` payload, reading only top-level box headers; ``None`` for fragmented/odd files."""
    pos, moov, count = 0, None, 0
    while pos < file_size:
        count += 1
        if count > MAX_TOP_BOXES:
            raise _Unsupported("too many top-level boxes")
        source.seek(pos)
        head = source.read(8)
        if len(head) < 8:
            raise _Unsupported("truncated box header")
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            ext = source.read(8)
            if len(ext) < 8:
                raise _Unsupported("truncated box header")
            size, header = struct.unpack(">Q", ext)[0], 16
        elif size == 0:
            size = file_size - pos
        if size < header or pos + size > file_size:
            raise _Unsupported("box outside the file")
        if kind in (b"moof", b"mfra", b"sidx"):
            raise _Unsupported("fragmented MP4")
        if kind == b"moov":
            if moov is not None:
                raise _Unsupported("two moov boxes")
            if size - header > MAX_MOOV_BYTES:
                raise _Unsupported("moov box over the sanity cap")
            data = source.read(size - header)
            if len(data) != size - header:
                raise _Unsupported("truncated moov box")
            moov = memoryview(data)
        pos += size
    return moov


def _children(buf: memoryview) -> dict[bytes, list[memoryview]]:
    """The boxes directly inside ``buf``, by type, in order."""
    out: dict[bytes, list[memoryview]] = {}
    pos, end = 0, len(buf)
    while pos < end:
        if end - pos < 8:
            if not any(buf[pos:end]):  # some writers pad a container with zero bytes
                break
            raise _Unsupported("truncated box header")
        size, kind = struct.unpack_from(">I4s", buf, pos)
        header = 8
        if size == 1:
            if end - pos < 16:
                raise _Unsupported("truncated box header")
            size, header = struct.unpack_from(">Q", buf, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise _Unsupported("box outside its parent")
        out.setdefault(bytes(kind), []).append(buf[pos + header : pos + size])
        pos += size
    return out


def _one(boxes: dict[bytes, list[memoryview]], kind: bytes, *, required: bool = True) -> memoryview | None:
    """The single box of ``kind`` (``None`` when absent and optional); two of them are not supported."""
    found = boxes.get(kind, [])
    if len(found) > 1:
        raise _Unsupported(f"two {kind!r} boxes")
    if not found:
        if required:
            raise _Unsupported(f"no {kind!r} box")
        return None
    return found[0]


def _table(box: memoryview, dtype: str, columns: int, *, skip: int = 4, path: Path | None) -> np.ndarray:
    """The ``(entries, columns)`` int64 table after ``skip`` header bytes and a 32-bit entry count.

    The entry count is checked against the box size (and ``limits.FRAME_COUNT``) before anything is
    allocated.
    """
    if len(box) < skip + 4:
        raise _Unsupported("truncated table box")
    (count,) = struct.unpack_from(">I", box, skip)
    item = np.dtype(dtype)
    if count * columns * item.itemsize > len(box) - skip - 4:
        raise _Unsupported("table entry count larger than its box")
    FRAME_COUNT.check(count, path=path)
    arr = np.frombuffer(box, dtype=item, count=count * columns, offset=skip + 4)
    return arr.reshape(count, columns).astype(np.int64)


def _find_track(moov: memoryview, stream_index: int, *, file_size: int, path: Path | None) -> Mp4Track:
    """The sample tables of the ``stream_index``-th ``trak`` of ``moov`` (file order, as FFmpeg numbers)."""
    boxes = _children(moov)
    if b"mvex" in boxes:
        raise _Unsupported("fragmented MP4 (mvex)")
    traks = boxes.get(b"trak", [])
    if not 0 <= stream_index < len(traks):
        raise _Unsupported("no trak for that stream")
    mvhd = _one(boxes, b"mvhd")
    movie_scale = struct.unpack_from(">I", mvhd, 20 if mvhd[0] == 1 else 12)[0]
    return _parse_trak(traks[stream_index], movie_scale, file_size=file_size, path=path)


def _parse_trak(trak: memoryview, movie_scale: int, *, file_size: int, path: Path | None) -> Mp4Track:
    """The sample tables of one ``trak`` box (see :class:`Mp4Track`)."""
    t = _children(trak)
    tkhd = _one(t, b"tkhd")
    track_id = struct.unpack_from(">I", tkhd, 20 if tkhd[0] == 1 else 12)[0]
    mdia = _children(_one(t, b"mdia"))
    mdhd = _one(mdia, b"mdhd")
    if mdhd[0] == 1:
        timescale, media_duration = struct.unpack_from(">IQ", mdhd, 20)
    else:
        timescale, media_duration = struct.unpack_from(">II", mdhd, 12)
    if timescale <= 0 or media_duration in (0, 0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF):
        raise _Unsupported("mdhd without a usable timescale/duration")
    handler = bytes(_one(mdia, b"hdlr")[8:12])
    stbl = _children(_one(_children(_one(mdia, b"minf")), b"stbl"))
    for kind in (b"stps", b"stz2"):
        if kind in stbl:
            raise _Unsupported(f"{kind!r} box")
    for group in stbl.get(b"sbgp", []) + stbl.get(b"sgpd", []):
        if bytes(group[4:8]) in (b"rap ", b"sync"):
            raise _Unsupported("random-access sample groups")
    stsd = _one(stbl, b"stsd")
    if struct.unpack_from(">I", stsd, 4)[0] != 1:
        raise _Unsupported("several sample descriptions")

    # sample sizes: per-sample only (a constant size goes through FFmpeg's chunk-size checks)
    stsz = _one(stbl, b"stsz")
    if len(stsz) < 8 or struct.unpack_from(">I", stsz, 4)[0] != 0:
        raise _Unsupported("constant sample size")
    sizes = _table(stsz, ">u4", 1, skip=8, path=path)[:, 0]
    n = len(sizes)
    if n == 0 or np.any(sizes > 0x3FFFFFFF):
        raise _Unsupported("no samples, or a sample FFmpeg refuses")

    stts = _table(_one(stbl, b"stts"), ">u4", 2, path=path)
    counts, durations = stts[:, 0], stts[:, 1]
    if np.any(counts == 0) or int(counts.sum()) != n or np.any((durations == 0) | (durations >= 1 << 31)):
        raise _Unsupported("stts does not map one positive step to each sample")
    deltas = np.repeat(durations, counts)

    offsets, dts_shift, has_ctts = np.zeros(n, dtype=np.int64), 0, False
    ctts_box = _one(stbl, b"ctts", required=False)
    if ctts_box is not None:
        ctts = _table(ctts_box, ">i4", 2, path=path)  # FFmpeg reads both versions as signed
        if len(ctts):
            has_ctts = True
            c_counts, c_offsets = ctts[:, 0], ctts[:, 1]
            if np.any(np.abs(c_offsets) >= _CTTS_SANE):
                raise _Unsupported("ctts offset FFmpeg would drop")
            used = c_counts > 0  # FFmpeg skips entries whose count is not positive
            if int(c_counts[used].sum()) != n:
                raise _Unsupported("ctts does not cover every sample once")
            offsets = np.repeat(c_offsets[used], c_counts[used])
            # FFmpeg derives the dts shift from every entry but the last two (as read, skipped ones too)
            body = np.flatnonzero(used[: max(len(ctts) - 2, 0)])
            if len(body):
                dts_shift = max(0, int(-c_offsets[body].min()))

    sync = np.ones(n, dtype=bool)
    stss_box = _one(stbl, b"stss", required=False)
    if stss_box is not None:
        stss = _table(stss_box, ">u4", 1, path=path)[:, 0]
        if len(stss) == 0 or stss[0] < 1 or np.any(np.diff(stss) <= 0) or stss[-1] > n:
            raise _Unsupported("stss FFmpeg reads differently (empty, 0-based, unsorted, out of range)")
        sync[:] = False
        sync[stss - 1] = True

    _check_chunks(stbl, sizes, file_size=file_size, path=path)
    edits = _edits(t, movie_scale, timescale)
    return Mp4Track(
        track_id=track_id,
        handler=handler,
        timescale=timescale,
        deltas=deltas,
        offsets=offsets,
        has_ctts=has_ctts,
        dts_shift=dts_shift,
        sizes=sizes,
        sync=sync,
        edits=edits,
    )


def _check_chunks(
    stbl: dict[bytes, list[memoryview]], sizes: np.ndarray, *, file_size: int, path: Path | None
) -> None:
    """Check that ``stsc`` and ``stco``/``co64`` place every sample once, inside the file.

    FFmpeg indexes samples chunk by chunk, and a truncated file is the scan's to report.
    """
    stsc = _table(_one(stbl, b"stsc"), ">u4", 3, path=path)
    co = [k for k in (b"stco", b"co64") if k in stbl]
    if len(co) != 1:
        raise _Unsupported("no single chunk offset table")
    wide = co[0] == b"co64"
    chunks = _table(_one(stbl, co[0]), ">u8" if wide else ">u4", 1, path=path)[:, 0]
    if len(stsc) == 0 or len(chunks) == 0:
        raise _Unsupported("empty stsc/stco")
    first, per_chunk, desc = stsc[:, 0], stsc[:, 1], stsc[:, 2]
    if first[0] != 1 or np.any(np.diff(first) <= 0) or first[-1] > len(chunks):
        raise _Unsupported("stsc chunk runs FFmpeg would repair")
    if np.any(per_chunk == 0) or np.any(desc != 1):
        raise _Unsupported("stsc with empty chunks or another sample description")
    runs = np.diff(np.append(first, len(chunks) + 1))
    samples_per_chunk = np.repeat(per_chunk, runs)
    if int(samples_per_chunk.sum()) != len(sizes):
        raise _Unsupported("chunks and sample count disagree")
    first_sample = np.concatenate(([0], np.cumsum(samples_per_chunk)[:-1]))
    chunk_bytes = np.add.reduceat(sizes, first_sample)
    if int((chunks + chunk_bytes).max()) > file_size:
        raise _Unsupported("samples beyond the end of the file (truncated)")


def _edits(t: dict[bytes, list[memoryview]], movie_scale: int, timescale: int) -> list[tuple[int, int]]:
    """The edit list as ``(media_time, duration in media units)``; only shapes reproduced exactly."""
    edts = _one(t, b"edts", required=False)
    if edts is None:
        return []
    elst_box = _one(_children(edts), b"elst", required=False)
    if elst_box is None:
        return []
    version = elst_box[0]
    if version > 1:
        raise _Unsupported("elst version")
    fmt = ">QqhH" if version == 1 else ">IihH"
    width = struct.calcsize(fmt)
    (count,) = struct.unpack_from(">I", elst_box, 4)
    if count * width > len(elst_box) - 8 or count > 2:
        raise _Unsupported("elst with several edits (or truncated)")
    if movie_scale <= 0:
        raise _Unsupported("mvhd timescale 0 with an edit list")
    edits = []
    for i in range(count):
        duration, media_time, rate, rate_frac = struct.unpack_from(fmt, elst_box, 8 + i * width)
        if rate != 1 or rate_frac != 0:
            raise _Unsupported("edit rate other than 1")
        edits.append((media_time, _rescale(duration, timescale, movie_scale)))
    if not edits:
        return []
    if len(edits) == 2 and edits[0][0] != -1:
        raise _Unsupported("two non-empty edits")
    if edits[-1][0] < 0 or edits[-1][1] <= 0:
        raise _Unsupported("edit list without a media edit")
    return edits


def _rescale(a: int, b: int, c: int) -> int:
    """``a * b / c`` rounded to nearest, halves away from zero (FFmpeg's ``av_rescale``), for a, b >= 0."""
    return (a * b + c // 2) // c


# ------------------------------------------------------------------------------------ presentation
def _presentation(track: Mp4Track) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per demuxed packet, in decode order: pts, whether the scan keeps it, keyframe flag, duration.

    Without an edit list every sample is a packet with ``pts = decode time + ctts``. With one, the
    packets are the samples FFmpeg's edit-list pass keeps (see the module docstring).
    """
    n = len(track.deltas)
    dts0 = np.concatenate(([0], np.cumsum(track.deltas)[:-1]))  # decode times from 0
    cts = dts0 + track.offsets  # presentation times before any edit
    nonempty = track.sizes > 0
    if not track.edits:
        return cts, nonempty, track.sync, track.deltas
    empty = track.edits[0][1] if len(track.edits) == 2 else 0
    media_time, span = track.edits[-1]
    shift = track.dts_shift

    # where FFmpeg starts: the last keyframe at or before the edit start (by decode time, then pts)
    last_before = int(np.searchsorted(dts0, media_time, side="right")) - 1
    start = -1
    for k in range(last_before, -1, -1):
        if track.sync[k] and (not track.has_ctts or cts[k] <= media_time):
            start = k
            break
    if start < 0:
        start = 0 if track.has_ctts else max(last_before, 0)

    # walk the samples from there, as FFmpeg's edit pass does
    stamps = np.zeros(n, dtype=np.int64)
    discard = np.zeros(n, dtype=bool)
    counter = empty - shift
    end = media_time + span
    started, after_key, stop = False, False, n
    pending: list[int] = []  # discarded samples before the start, re-stamped backwards once it is found
    min_pts = -1  # FFmpeg's "not set yet" is any negative value
    for k in range(start, n):
        step = int(track.deltas[k]) if k + 1 < n else span
        c = int(cts[k])
        if c < media_time or c >= end:
            discard[k] = True
            if not started:
                pending.append(k)
        else:
            value = counter + int(track.offsets[k]) + shift
            min_pts = value if min_pts < 0 else min(min_pts, value)
            if not started:
                started = True
                back = counter
                for j in reversed(pending):
                    back -= int(track.deltas[j])
                    stamps[j] = back
        if started:  # samples discarded before the start got their stamps above
            stamps[k] = counter
            counter += step
        if c + step >= end and track.sync[k]:
            if track.has_ctts and not after_key:
                after_key = True
                continue
            stop = k + 1
            break
    if not started:
        raise _Unsupported("the edit shows no sample")
    min_pts -= empty
    if min_pts > 0:
        stamps -= min_pts
    kept = slice(start, stop)
    pts = stamps[kept] + shift + track.offsets[kept]
    keep = ~discard[kept] & nonempty[kept]
    return pts, keep, track.sync[kept], track.deltas[kept]
