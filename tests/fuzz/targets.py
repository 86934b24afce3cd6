"""What the fuzz harness reads: one :class:`Target` per parser, its seeds and how to read a file completely.

Seeds are the real-release excerpts of ``tests/fixtures/real_release`` (see its SOURCES.md), plus a
few hand-written files, in the release's own layout, for the formats the excerpt lacks (open-loop
trajectory, semidense points and observations, a small mask). Each ``read`` parses one file
completely: lazy CSV columns forced, every mask decoded, a video's first and last frame decoded.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from egoexo_kit.errors import EgoExoKitError

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / "tests" / "fixtures" / "real_release"
"""The real-release excerpts every seed comes from (tests/fixtures/real_release/SOURCES.md)."""

# Seeds the real excerpt lacks, written as the release writes them (FORMAT §6.2, §6.4).

_OPEN_LOOP = (
    "tracking_timestamp_us,utc_timestamp_ns,session_uid,tx_odometry_device,ty_odometry_device,"
    "tz_odometry_device,qx_odometry_device,qy_odometry_device,qz_odometry_device,qw_odometry_device,"
    "device_linear_velocity_x_odometry,device_linear_velocity_y_odometry,device_linear_velocity_z_odometry,"
    "angular_velocity_x_device,angular_velocity_y_device,angular_velocity_z_device,gravity_x_odometry,"
    "gravity_y_odometry,gravity_z_odometry,quality_score\n"
    "149202610,1680000000000000000,a1b2,0.1,0.2,0.3,0,0,0,1,0.01,0.02,0.03,0.1,0.2,0.3,0,0,-9.81,1\n"
    "149203610,1680000000001000000,a1b2,0.11,0.21,0.31,0,0,0.1,0.995,0.01,0.02,0.03,0.1,0.2,0.3,0,0,-9.81,1\n"
)
_POINTS = (
    "uid,graph_uid,px_world,py_world,pz_world,inv_dist_std,dist_std\n"
    "1,ea7288b8,0.5,0.25,1.5,0.001,0.002\n"
    "2,ea7288b8,-0.5,1.25,2.5,0.003,0.004\n"
)
_OBSERVATIONS = (
    "uid,frame_tracking_timestamp_us,camera_serial,u,v\n"
    "1,149202610,1WM103600M1292,320.5,240.25\n"
    "2,149202610,1WM103600M1292,100.0,50.5\n"
)
_MASK = {"height": 6, "width": 5, "encodedMask": ""}  # encodedMask filled in at import (see _mask_seed)


def _mask_seed() -> bytes:
    import numpy as np

    from egoexo_kit.release import encode_mask

    m = np.zeros((6, 5), dtype=bool)
    m[1:4, 2:5] = True
    return json.dumps({**_MASK, "encodedMask": encode_mask(m)}).encode()


def _wav_seed() -> bytes:
    """A short 7-channel 16-bit WAV as the Aria audio of a take is written (FORMAT §7.10)."""
    import tempfile

    import numpy as np

    from egoexo_kit.release.writers import write_pcm_wav

    samples = np.sin(np.linspace(0, 20, 480 * 7)).reshape(480, 7).astype(np.float32) * 0.5
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "aria01.wav"
        write_pcm_wav(path, samples)
        return path.read_bytes()


def _gz(text: str) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(text.encode())
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------
# Readers: each parses one file completely.


def _touch_all(obj: Any) -> None:
    """Read every public attribute of a reader's result (forces lazily parsed columns)."""
    for name in dir(obj):
        if not name.startswith("_"):
            with contextlib.suppress(AttributeError):
                getattr(obj, name)


def _read_release(root: Path) -> None:
    """Open leniently (bad optional files become warnings), then strictly (the first one raises)."""
    from egoexo_kit.release import ReleaseIndex, take_record

    for strict in (False, True):
        release = ReleaseIndex.open(root, strict=strict)
        release.warnings  # noqa: B018 - reads every metadata file
        for take in release.takes:
            take_record(take)
            for view in take.views:
                view.path  # noqa: B018
        release.tasks  # noqa: B018


def _read_timesync(path: Path) -> None:
    from egoexo_kit.release import read_timesync

    ts = read_timesync(path)
    for device in ts.devices:
        for kind in ("global_time", "pts", "frame_number", "capture_timestamp_ns"):
            with contextlib.suppress(EgoExoKitError):
                ts.column_name(device, kind)
                ts.table[ts.column_name(device, kind)]
    len(ts)


def _csv_reader(name: str) -> Callable[[Path], None]:
    def read(path: Path) -> None:
        import egoexo_kit.release as release

        _touch_all(getattr(release, name)(path))

    read.__name__ = f"read_{name}"
    return read


def _read_relations(path: Path) -> None:
    from egoexo_kit.annotations import read_relations

    for rel in read_relations(path).values():
        for cams in rel.tracks.values():
            for track in cams.values():
                for frame in track.annotated_frames:
                    with contextlib.suppress(KeyError):  # KeyError: documented for "never visible"
                        track.mask(frame)


def _read_mask(path: Path) -> None:
    from egoexo_kit.release import decode_mask

    doc = json.loads(path.read_bytes().decode("utf-8", "replace"))
    if isinstance(doc, dict):
        decode_mask(doc.get("encodedMask"), height=doc.get("height"), width=doc.get("width"))


def _annotation_reader(name: str, **kw: Any) -> Callable[[Path], None]:
    def read(path: Path) -> None:
        import egoexo_kit.annotations as annotations

        out = getattr(annotations, name)(path, **kw)
        items = out.values() if isinstance(out, dict) else out if isinstance(out, list | tuple) else [out]
        for item in items:
            repr(item)

    read.__name__ = name
    return read


def _read_commentary_folder(path: Path) -> None:
    from egoexo_kit.annotations import read_commentary_folder

    read_commentary_folder(path.parent)


def _read_manifest(path: Path) -> None:
    from egoexo_kit.download import parse_manifest

    parse_manifest(path.read_bytes(), source=str(path))


def _read_feature_config(path: Path) -> None:
    from egoexo_kit.features import FeatureSet

    repr(FeatureSet(path.parent).config)


def _read_feature_tensor(path: Path) -> None:
    from egoexo_kit.features import load_tensor

    load_tensor(path)


def _read_audio(path: Path) -> None:
    from egoexo_kit.sensors import read_audio

    read_audio(path)


def _read_video(path: Path) -> None:
    from egoexo_kit.video import VideoReader, probe_video

    probe_video(path)
    with VideoReader(path) as video:
        video[0]
        video[-1]


def _read_mp4_tables(path: Path) -> None:
    """The MP4 sample-table reader alone: a table, ``None`` (counted as refused) or an EgoExoKitError."""
    from egoexo_kit.errors import FormatError
    from egoexo_kit.video._mp4 import read_mp4_pts_table

    with open(path, "rb") as f:
        size = path.stat().st_size
        if read_mp4_pts_table(f, stream_index=0, track_id=None, time_base=None, file_size=size) is None:
            raise FormatError("not read from the sample tables (the scan would take over)", path=path)


def _mp4_seed(**options: str) -> bytes:
    """A tiny B-frame MP4 written with PyAV (``movflags`` as given): small, so mutations reach its moov."""
    import tempfile
    from fractions import Fraction

    import av
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed.mp4"
        with av.open(str(path), "w", options=options) as c:
            s = c.add_stream("libx264", rate=30)
            s.width, s.height, s.pix_fmt, s.time_base = 32, 32, "yuv420p", Fraction(1, 30)
            s.options = {"x264-params": "bframes=2:keyint=6:threads=1"}
            rng = np.random.default_rng(0)
            for i in range(12):
                frame = av.VideoFrame.from_ndarray(
                    rng.integers(0, 255, (32, 32, 3), dtype=np.uint8), format="rgb24"
                )
                frame.pts = i
                c.mux(s.encode(frame))
            c.mux(s.encode(None))
        return path.read_bytes()


# ------------------------------------------------------------------------------------------------
# Targets


@dataclass(frozen=True)
class Target:
    """One parser under fuzz: where its file goes, the seeds, and how to read it completely."""

    name: str
    """Short name, shown in reports (``takes.json``, ``timesync``, ``relations`` …)."""
    rel: str
    """Where the mutated file is written, relative to a scratch copy of the real excerpt."""
    seeds: tuple[str | bytes, ...]
    """Seed contents: a path relative to :data:`REAL`, or the bytes themselves."""
    read: Callable[[Path], None]
    """Parses the file at the given path (or the release it is in) completely."""
    kind: str = "bytes"
    """Which structural mutations apply: ``json``, ``jsonl``, ``csv``, ``yaml`` or ``bytes``."""
    whole_release: bool = False
    """``read`` gets the scratch release root instead of the file."""
    gzip: bool = False
    """The file is gzip-compressed: structural mutations apply to its content, then it is recompressed."""

    def seed_bytes(self) -> list[bytes]:
        """The seeds' contents."""
        return [s if isinstance(s, bytes) else (REAL / s).read_bytes() for s in self.seeds]


_A = "annotations/"
_POSE = _A + "ego_pose/train/"
_TAKE = "takes/cmu_bike01_2/"
_UID = "13f01c79-5bfd-42f5-90ce-ee350aa1c3ad"

TARGETS: tuple[Target, ...] = (
    Target("takes.json", "takes.json", ("takes.json",), _read_release, "json", whole_release=True),
    Target("captures.json", "captures.json", ("captures.json",), _read_release, "json", whole_release=True),
    Target("participants.json", "participants.json", ("participants.json",), _read_release, "json", True),
    Target("metadata.json", "metadata.json", ("metadata.json",), _read_release, "json", True),
    Target("splits.json", _A + "splits.json", (_A + "splits.json",), _read_release, "json", True),
    Target(
        "keystep",
        _A + "keystep_train.json",
        (_A + "keystep_train.json",),
        _annotation_reader("read_keystep"),
        "json",
    ),
    Target(
        "keystep_benchmark",
        _A + "keystep_benchmark/keystep_segment_train.json",
        (_A + "keystep_benchmark/keystep_segment_train.json",),
        _annotation_reader("read_keystep_benchmark"),
        "json",
    ),
    Target(
        "label_mapping",
        _A + "keystep_benchmark/label_mapping.csv",
        (_A + "keystep_benchmark/label_mapping.csv",),
        _annotation_reader("read_label_mapping"),
        "csv",
    ),
    Target(
        "procedure",
        _A + "procedure_understanding_train.json",
        (_A + "procedure_understanding_train.json",),
        _annotation_reader("read_procedure"),
        "json",
    ),
    Target(
        "atomic_descriptions",
        _A + "atomic_descriptions_train.json",
        (_A + "atomic_descriptions_train.json",),
        _annotation_reader("read_atomic_descriptions"),
        "json",
    ),
    Target(
        "expert_commentary",
        _A + "expert_commentary_train.json",
        (_A + "expert_commentary_train.json",),
        _annotation_reader("read_expert_commentary"),
        "json",
    ),
    Target(
        "commentary_folder",
        _A + "expert_commentary/cmu_bike01_2/qfbn5o/data.json",
        (_A + "expert_commentary/cmu_bike01_2/qfbn5o/data.json",),
        _read_commentary_folder,
        "json",
    ),
    Target(
        "commentary_transcriptions",
        _A + "expert_commentary/cmu_bike01_2/qfbn5o/transcriptions.json",
        (_A + "expert_commentary/cmu_bike01_2/qfbn5o/transcriptions.json",),
        _read_commentary_folder,
        "json",
    ),
    Target(
        "proficiency_demonstrator",
        _A + "proficiency_demonstrator_val.json",
        (_A + "proficiency_demonstrator_val.json",),
        _annotation_reader("read_proficiency_demonstrator"),
        "json",
    ),
    Target(
        "proficiency_demonstration",
        _A + "proficiency_demonstration_train.json",
        (_A + "proficiency_demonstration_train.json",),
        _annotation_reader("read_proficiency_demonstration"),
        "json",
    ),
    Target(
        "relations",
        _A + "relations_train.json",
        (_A + "relations_train.json",),
        _read_relations,
        "json",
    ),
    Target("mask", "mask.json", (_mask_seed(),), _read_mask, "mask"),
    Target(
        "body_pose",
        _POSE + f"body/annotation/{_UID}.json",
        (_POSE + f"body/annotation/{_UID}.json", _POSE + f"body/automatic/{_UID}.json"),
        _annotation_reader("read_keypoints", part="body"),
        "json",
    ),
    Target(
        "hand_pose",
        _POSE + f"hand/annotation/{_UID}.json",
        (_POSE + f"hand/annotation/{_UID}.json", _POSE + f"hand/automatic/{_UID}.json"),
        _annotation_reader("read_keypoints", part="hand"),
        "json",
    ),
    Target(
        "camera_pose",
        _POSE + f"camera_pose/{_UID}.json",
        (_POSE + f"camera_pose/{_UID}.json",),
        _annotation_reader("read_camera_pose"),
        "json",
    ),
    Target(
        "narration",
        _TAKE + "audio/aria01_transcriptions.json",
        (_TAKE + "audio/aria01_transcriptions.json",),
        _annotation_reader("read_transcription"),
        "json",
    ),
    Target(
        "timesync",
        "captures/cmu_bike01/timesync.csv",
        ("captures/cmu_bike01/timesync.csv", "captures/uniandes_bouldering_028/timesync.csv"),
        _read_timesync,
        "csv",
    ),
    Target(
        "closed_loop_trajectory",
        _TAKE + "trajectory/closed_loop_trajectory.csv",
        (_TAKE + "trajectory/closed_loop_trajectory.csv",),
        _csv_reader("read_closed_loop_trajectory"),
        "csv",
    ),
    Target(
        "open_loop_trajectory",
        _TAKE + "trajectory/open_loop_trajectory.csv",
        (_OPEN_LOOP.encode(),),
        _csv_reader("read_open_loop_trajectory"),
        "csv",
    ),
    Target(
        "gopro_calibs",
        _TAKE + "trajectory/gopro_calibs.csv",
        (_TAKE + "trajectory/gopro_calibs.csv",),
        _csv_reader("read_gopro_calibs"),
        "csv",
    ),
    Target(
        "eye_gaze",
        _TAKE + "eye_gaze/general_eye_gaze.csv",
        (_TAKE + "eye_gaze/general_eye_gaze.csv",),
        _csv_reader("read_eye_gaze"),
        "csv",
    ),
    Target(
        "eye_gaze_2d",
        _TAKE + "eye_gaze/general_eye_gaze_2d.csv",
        (_TAKE + "eye_gaze/general_eye_gaze_2d.csv",),
        _csv_reader("read_eye_gaze_2d"),
        "csv",
    ),
    Target(
        "semidense_points",
        _TAKE + "trajectory/semidense_points.csv.gz",
        (_gz(_POINTS),),
        _csv_reader("read_semidense_points"),
        "csv",
        gzip=True,
    ),
    Target(
        "semidense_observations",
        _TAKE + "trajectory/semidense_observations.csv.gz",
        (_gz(_OBSERVATIONS),),
        _csv_reader("read_semidense_observations"),
        "csv",
        gzip=True,
    ),
    Target(
        "online_calibration",
        _TAKE + "trajectory/online_calibration.jsonl",
        (_TAKE + "trajectory/online_calibration.jsonl",),
        _csv_reader("read_online_calibration"),
        "jsonl",
    ),
    Target(
        "manifest",
        "takes/manifest.json",
        ("takes/manifest.json", "metadata/manifest.json", "annotations/manifest.json"),
        _read_manifest,
        "json",
    ),
    Target(
        "feature_config",
        "features/omnivore_video/config.yaml",
        ("features/omnivore_video/config.yaml",),
        _read_feature_config,
        "yaml",
    ),
    Target(
        "feature_tensor",
        f"features/omnivore_video/{_UID}_aria01_rgb.pt",
        (f"features/omnivore_video/{_UID}_aria01_rgb.pt",),
        _read_feature_tensor,
    ),
    Target("wav", _TAKE + "audio/aria01.wav", (_wav_seed(),), _read_audio),
    Target(
        "mp4",
        _TAKE + "frame_aligned_videos/cam01.mp4",
        (_TAKE + "frame_aligned_videos/cam01.mp4", _TAKE + "frame_aligned_videos/aria01_214-1.mp4"),
        _read_video,
    ),
    Target(
        "mp4_tables",
        _TAKE + "frame_aligned_videos/cam01.mp4",
        (
            _TAKE + "frame_aligned_videos/cam01.mp4",
            _mp4_seed(),
            _mp4_seed(movflags="faststart+negative_cts_offsets"),
        ),
        _read_mp4_tables,
    ),
)
"""Every parser under fuzz, by the file it reads."""

BY_NAME = {t.name: t for t in TARGETS}


_SEEDS: dict[str, list[bytes]] = {}


def seeds(target: Target) -> list[bytes]:
    """``target``'s seed contents, read once."""
    if target.name not in _SEEDS:
        _SEEDS[target.name] = target.seed_bytes()
    return _SEEDS[target.name]
