"""Read a raw capture folder (the layout ``egoexo-kit synth --raw`` writes; see docs/design.md).

``<raw>/<capture_name>/`` holds ``manifest.json`` (devices, files, rates), one continuous recording per
device on its own clock (the Aria as MP4 + timestamps CSV, or a ``.vrs`` read through projectaria-tools)
and, optionally, ``takes.json`` (the operator's take log: approximate start/end
on the Aria clock in device nanoseconds; without it the takes are found from the sync events, see
:func:`egoexo_kit.builder._cut.detect_takes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egoexo_kit.builder._vrs import VrsFrames, vrs_timestamps_ns
from egoexo_kit.errors import FormatError
from egoexo_kit.release import load_json, read_csv
from egoexo_kit.video import VideoReader
from egoexo_kit.vocab import ARIA_STREAMS, ARIA_SYNC_STREAMS, RGB_STREAM_ID

__all__ = [
    "ARIA_STREAM_IDS",
    "TIMESYNC_STREAM_IDS",
    "RawCapture",
    "RawDevice",
    "RawStream",
    "RawTake",
    "find_captures",
    "read_raw_capture",
]

ARIA_STREAM_IDS = tuple(sid for sid in ARIA_STREAMS.values() if sid != RGB_STREAM_ID)
"""Aria streams besides the RGB a capture may carry: SLAM left, SLAM right, eye tracking."""
TIMESYNC_STREAM_IDS = tuple(sid for sid in ARIA_SYNC_STREAMS if sid != RGB_STREAM_ID)
"""Streams of :data:`ARIA_STREAM_IDS` that get ``timesync.csv`` columns beside the RGB (FORMAT §3.1 Write:
``214-1``, ``1201-1``, ``1201-2``; ``211-1`` is left out, its columns are unknown)."""


@dataclass(frozen=True)
class RawStream:
    """One more stream of the Aria (SLAM or eye tracking): its video and device-clock frame times."""

    stream_id: str
    """``1201-1``, ``1201-2`` or ``211-1``."""
    video: Path
    frame_ns: np.ndarray
    """(frames,) device-clock ns of every frame."""

    @property
    def rotated(self) -> bool:
        """Whether the release shows it turned 90° clockwise like the RGB (SLAM yes, eye tracking no)."""
        return self.stream_id.startswith("1201")

    def open_frames(self) -> VideoReader:
        """The stream's frames by index."""
        return VideoReader(self.video)


@dataclass(frozen=True)
class RawDevice:
    """One device's continuous recording."""

    device: str
    """``cam01`` (GoPro) or ``aria01``."""
    kind: str
    """``gopro`` or ``aria``."""
    video: Path
    fps: float
    """Native frame rate."""
    frames: int
    audio: Path
    """The WAV (Aria) or the MP4 carrying the audio track (GoPro)."""
    frame_ns: np.ndarray | None = None
    """Aria only: (frames,) device-clock ns of every frame."""
    audio_start_ns: int | None = None
    """Aria only: device-clock ns of the first audio sample."""
    streams: tuple[RawStream, ...] = ()
    """Aria only: the SLAM / eye-tracking streams recorded beside the RGB (manifest ``streams``)."""

    @property
    def is_ego(self) -> bool:
        """An Aria headset."""
        return self.kind == "aria"

    @property
    def is_vrs(self) -> bool:
        """An Aria recorded as VRS (read through projectaria-tools)."""
        return self.video.suffix.lower() == ".vrs"

    @property
    def rotated(self) -> bool:
        """Whether the release shows it turned 90° clockwise (the Aria RGB: FORMAT §4.1)."""
        return self.is_ego

    def open_frames(self) -> VideoReader | VrsFrames:
        """The recording's frames by index (a VRS's RGB stream, else the MP4)."""
        return VrsFrames(self.video) if self.is_vrs else VideoReader(self.video)

    @property
    def audio_offset_s(self) -> float:
        """Seconds from the device's frame 0 to its first audio sample (0 for GoPro MP4s)."""
        if self.frame_ns is None or self.audio_start_ns is None:
            return 0.0
        return (self.audio_start_ns - int(self.frame_ns[0])) / 1e9

    def frame_time(self, k: np.ndarray) -> np.ndarray:
        """Device-clock seconds from frame 0 of native frames ``k``."""
        k = np.asarray(k, dtype=np.int64)
        if self.frame_ns is not None:
            return (self.frame_ns[k] - self.frame_ns[0]) / 1e9
        return k / self.fps


@dataclass(frozen=True)
class RawTake:
    """A take of the operator's log."""

    take_name: str
    approx_start_ns: int
    approx_end_ns: int


@dataclass(frozen=True)
class RawCapture:
    """A raw capture folder, read."""

    root: Path
    capture_name: str
    devices: tuple[RawDevice, ...]
    takes: tuple[RawTake, ...]
    """The operator's take log (empty without ``takes.json``)."""
    take_log: bool = True
    """Whether the capture has ``takes.json``; without it the build detects the takes."""

    @property
    def aria(self) -> RawDevice:
        """The capture's Aria (the reference clock)."""
        return next(d for d in self.devices if d.is_ego)

    def device(self, name: str) -> RawDevice:
        """The device called ``name``."""
        return next(d for d in self.devices if d.device == name)


def _read_timestamps(path: Path) -> np.ndarray:
    table = read_csv(path, required=("capture_timestamp_ns",), int_columns=("capture_timestamp_ns",))
    ns = np.asarray(table["capture_timestamp_ns"], dtype=np.int64)
    if ns.size == 0 or np.any(np.diff(ns) <= 0):
        raise FormatError("capture_timestamp_ns must be non-empty and increasing", path=path)
    return ns


def _device(root: Path, entry: dict, *, manifest: Path, i: int) -> RawDevice:
    pointer = f"/devices/{i}"
    vrs = entry.get("kind") == "aria" and "vrs" in entry
    for key in ("device", "kind", "fps") + (("vrs",) if vrs else ("file", "frames")):
        if key not in entry:
            raise FormatError(f"device entry lacks {key!r}", path=manifest, pointer=pointer)
    kind = entry["kind"]
    if kind not in ("gopro", "aria"):
        raise FormatError(f"kind must be 'gopro' or 'aria', got {kind!r}", path=manifest, pointer=pointer)
    video = root / entry["vrs" if vrs else "file"]
    if not video.is_file():
        raise FormatError(f"recording {video.name} is missing", path=video)
    if kind == "gopro":
        return RawDevice(entry["device"], kind, video, float(entry["fps"]), int(entry["frames"]), video)
    for key in ("audio", "audio_first_sample_device_ns") + (() if vrs else ("timestamps",)):
        if key not in entry:
            raise FormatError(f"aria entry lacks {key!r}", path=manifest, pointer=pointer)
    ns = vrs_timestamps_ns(video) if vrs else _read_timestamps(root / entry["timestamps"])
    if vrs and (ns.size == 0 or np.any(np.diff(ns) <= 0)):
        raise FormatError("the VRS RGB timestamps must be non-empty and increasing", path=video)
    return RawDevice(
        entry["device"],
        kind,
        video,
        float(entry["fps"]),
        len(ns),
        root / entry["audio"],
        frame_ns=ns,
        audio_start_ns=int(entry["audio_first_sample_device_ns"]),
        streams=_streams(root, entry.get("streams", []), manifest=manifest, pointer=f"{pointer}/streams"),
    )


def _streams(root: Path, entries: list, *, manifest: Path, pointer: str) -> tuple[RawStream, ...]:
    """The Aria's extra streams of the manifest, each checked: known id, files present, times increasing."""
    if not isinstance(entries, list):
        raise FormatError("streams must be a list", path=manifest, pointer=pointer)
    out = []
    for j, e in enumerate(entries):
        where = f"{pointer}/{j}"
        for key in ("stream_id", "file", "timestamps"):
            if not isinstance(e, dict) or key not in e:
                raise FormatError(f"stream entry lacks {key!r}", path=manifest, pointer=where)
        if e["stream_id"] not in ARIA_STREAM_IDS or e["stream_id"] in {x.stream_id for x in out}:
            raise FormatError(
                f"stream_id must be one of {list(ARIA_STREAM_IDS)}, once each; got {e['stream_id']!r}",
                path=manifest,
                pointer=where,
            )
        video = root / e["file"]
        if not video.is_file():
            raise FormatError(f"recording {video.name} is missing", path=video)
        out.append(RawStream(e["stream_id"], video, _read_timestamps(root / e["timestamps"])))
    return tuple(out)


def read_raw_capture(root: str | Path) -> RawCapture:
    """Read ``manifest.json`` and (when present) ``takes.json`` of one raw capture folder.

    Raises:
        FormatError: a missing file or key, with its location.
    """
    root = Path(root)
    manifest = root / "manifest.json"
    data = load_json(manifest)
    devices = tuple(_device(root, e, manifest=manifest, i=i) for i, e in enumerate(data.get("devices", [])))
    if sum(d.is_ego for d in devices) != 1:
        raise FormatError("a raw capture needs exactly one aria device", path=manifest, pointer="/devices")
    has_log = (root / "takes.json").is_file()
    log = load_json(root / "takes.json") if has_log else []
    takes = []
    for i, t in enumerate(log):
        try:
            takes.append(
                RawTake(t["take_name"], int(t["approx_start_device_ns"]), int(t["approx_end_device_ns"]))
            )
        except (KeyError, TypeError, ValueError) as e:
            raise FormatError(f"bad take entry: {e}", path=root / "takes.json", pointer=f"/{i}") from e
    return RawCapture(root, str(data.get("capture_name", root.name)), devices, tuple(takes), take_log=has_log)


def find_captures(raw: str | Path) -> list[Path]:
    """Capture folders (with ``manifest.json``) at ``raw``: itself, its children, or its ``raw/``'s."""
    raw = Path(raw)
    if (raw / "manifest.json").is_file():
        return [raw]
    base = raw / "raw" if (raw / "raw").is_dir() else raw
    found = sorted(p.parent for p in base.glob("*/manifest.json"))
    if not found:
        raise FormatError("no raw capture (a folder with manifest.json) found", path=raw)
    return found
