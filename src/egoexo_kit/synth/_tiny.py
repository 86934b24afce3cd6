"""A tiny, hand-laid release in the official layout: two captures, three takes, every file family.

It mirrors the examples of docs/format.md (``cmu_bike…`` with ``cam0N``, ``upenn_…`` with ``gp0N`` and an
``aria02`` headset) at toy resolutions, so the reader, the validator, ``info`` and the demo have a
real release to work on in about a second. The full synthetic world (issue 3) supersedes it for
everything that needs physically consistent ground truth.
"""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from egoexo_kit._io import atomic_path, write_json, write_text
from egoexo_kit.geometry import Camera, look_at
from egoexo_kit.geometry.calibration import aria_factory_camera
from egoexo_kit.release import encode_mask
from egoexo_kit.synth._metadata import UidSource, capture_record, take_record
from egoexo_kit.synth.capture import GOPRO_KB3, ExoCamera, csv_text, write_gopro_calibs
from egoexo_kit.synth.sensors import RATE as AUDIO_RATE
from egoexo_kit.synth.sensors import write_pcm_wav
from egoexo_kit.video import encode_video
from egoexo_kit.vocab import FPS

__all__ = ["TINY_SIZES", "write_tiny_release"]

TINY_SIZES = {
    "rgb": (64, 64),
    "slam-left": (48, 64),
    "slam-right": (48, 64),
    "et": (64, 24),
    "exo": (128, 72),
}
"""(width, height) of each stream in the tiny release."""
NS_PER_FRAME = 33_333_333


@dataclass(frozen=True)
class _CaptureSpec:
    name: str
    university: str
    aria: str
    exo: tuple[str, ...]
    task_id: int
    task_name: str
    parent_name: str
    n_takes: int
    narrated: bool
    participant_uid: int
    setting_uid: int


CAPTURES = (
    _CaptureSpec(
        "cmu_bike01",
        "cmu",
        "aria01",
        ("cam01", "cam02"),
        4001,
        "Remove a Wheel",
        "Bike Repair",
        2,
        False,
        657,
        97,
    ),
    _CaptureSpec(
        "upenn_0710_Guitar_1",
        "upenn",
        "aria02",
        ("gp01", "gp02"),
        5001,
        "Play a Song",
        "Music",
        1,
        True,
        658,
        98,
    ),
)


def _frames(n: int, size: tuple[int, int], seed: int) -> list[np.ndarray]:
    """A moving square on a per-camera gradient: cheap to encode, easy to check by eye."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack(
        [(xx * 255 // max(w - 1, 1)), (yy * 255 // max(h - 1, 1)), np.full_like(xx, (seed * 53) % 256)],
        axis=-1,
    ).astype(np.uint8)
    out = []
    s = max(4, min(w, h) // 4)
    for i in range(n):
        f = base.copy()
        x0, y0 = (i * 2) % max(w - s, 1), (i * 3) % max(h - s, 1)
        f[y0 : y0 + s, x0 : x0 + s] = 255
        out.append(f)
    return out


def _quat_yaw(yaw: np.ndarray) -> np.ndarray:
    """Unit quaternions (x, y, z, w) of a rotation about world z."""
    return np.stack([np.zeros_like(yaw), np.zeros_like(yaw), np.sin(yaw / 2), np.cos(yaw / 2)], axis=-1)


def _encoded_mask(h: int, w: int, box: tuple[int, int, int, int]) -> str:
    """A rectangle mask in the release codec (FORMAT §7.6)."""
    m = np.zeros((h, w), bool)
    x0, y0, x1, y1 = box
    m[y0:y1, x0:x1] = True
    return encode_mask(m)


def write_tiny_release(out: str | Path, *, seconds: float = 1.0, seed: int = 0) -> Path:
    """Write the tiny release to ``out`` (created if needed) and return its path.

    Args:
        out: the release root to write.
        seconds: length of every take (frames = ``round(seconds * 30)``).
        seed: seeds uids and pixel patterns; the same seed writes the same files.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    uid = UidSource(seed)
    n = max(2, round(seconds * FPS))
    takes: list[dict] = []
    captures: list[dict] = []
    object_uid = uid()
    for ci, spec in enumerate(CAPTURES):
        cap, cap_takes = _write_capture(out, spec, n=n, uid=uid, seed=seed + ci)
        captures.append(cap)
        for t in cap_takes:
            t["objects"] = (
                [{"object_uid": object_uid, "name": "wheel"}] if spec.parent_name == "Bike Repair" else []
            )
        takes.extend(cap_takes)
    for k, take in enumerate(takes):
        _write_take_files(out, take, seed=seed + 10 * k)
    write_json(out / "takes.json", takes)
    write_json(out / "captures.json", captures)
    write_json(
        out / "participants.json",
        [
            {
                "participant_uid": s.participant_uid,
                "university_name": s.university,
                "collection_date": "2023-07-19",
                "metadata": json.dumps({"age_range": "25-30", "synthetic": True}),
            }
            for s in CAPTURES
        ],
    )
    write_json(out / "physical_setting.json", [{"physical_setting_uid": s.setting_uid} for s in CAPTURES])
    write_json(out / "visual_objects.json", [{"object_uid": object_uid, "name": "wheel"}])
    write_json(out / "metadata.json", {"tasks": {str(s.task_id): s.task_name for s in CAPTURES}})
    _write_annotations(out, takes, uid)
    return out


def _write_capture(
    out: Path, spec: _CaptureSpec, *, n: int, uid: UidSource, seed: int
) -> tuple[dict, list[dict]]:
    """Write ``timesync.csv`` and capture trajectory files; return the capture and its take records."""
    capture = capture_record(
        uid=uid,
        capture_name=spec.name,
        university=spec.university,
        aria_id=spec.aria,
        exo_ids=list(spec.exo),
        setting_uid=spec.setting_uid,
    )
    gap = 10
    windows = [(gap + k * (n + 1 + gap), gap + k * (n + 1 + gap) + n + 1) for k in range(spec.n_takes)]
    rows = windows[-1][1] + gap
    header: list[str] = []
    cols: list[list[Any]] = []
    r = np.arange(rows)
    aria_ns = 1_152_023_000_000 + seed * 7_000_000_000 + r * NS_PER_FRAME
    for stream in ("214-1", "1201-1", "1201-2"):
        header += [
            f"{spec.aria}_{stream}_{k}" for k in ("global_time", "capture_timestamp_ns", "frame_number")
        ]
        cols += [[f"{100 + i / FPS:.6f}" for i in r], [int(v) for v in aria_ns], [int(i) for i in r]]
    for j, cam in enumerate(spec.exo):
        header += [f"{cam}_{k}" for k in ("global_time", "pts", "frame_number")]
        fn = 2 * r + 7 * (j + 1)
        alive = r >= 3  # the GoPros start recording a moment after the Aria: empty cells
        cols += [
            [f"{100 + i / FPS:.6f}" if a else "" for i, a in zip(r, alive, strict=True)],
            [int(f * 1001) if a else "" for f, a in zip(fn, alive, strict=True)],
            [int(f) if a else "" for f, a in zip(fn, alive, strict=True)],
        ]
    write_text(
        out / capture["root_dir"] / "timesync.csv",
        csv_text(header, [list(x) for x in zip(*cols, strict=True)]),
    )
    take_records = []
    for k, (start, end) in enumerate(windows):
        record = take_record(
            uid=uid,
            capture=capture,
            take_idx=k + 1,
            window=(start, end),
            task=(spec.task_id, spec.task_name, spec.parent_name),
            participant_uid=spec.participant_uid,
            best_exo=spec.exo[0],
            task_window=(0.1, (end - start) / FPS - 0.1),
            narrated=spec.narrated,
            objects=[],
            exo_ids=list(spec.exo),
            aria_id=spec.aria,
        )
        record["_tiny"] = {
            "aria_ns": [int(aria_ns[start + 1]), int(aria_ns[end - 1])],
            "exo": list(spec.exo),
            "aria": spec.aria,
        }
        take_records.append(record)
    _write_trajectory(
        out / capture["root_dir"] / "trajectory",
        spec.exo,
        (int(aria_ns[0]) // 1000, int(aria_ns[-1]) // 1000),
        seed=seed,
    )
    return capture, take_records


def _write_trajectory(folder: Path, exo: tuple[str, ...], span_us: tuple[int, int], *, seed: int) -> None:
    """Closed/open-loop trajectory, GoPro calibration, online calibration, point cloud (FORMAT §6)."""
    graph = str(uuid.UUID(int=seed + 1, version=4))
    ts = np.arange(span_us[0], span_us[1] + 1, 1000, dtype=np.int64)  # 1 kHz
    ph = (ts - ts[0]) / 1e6
    pos = np.stack([0.3 * np.cos(ph), 0.3 * np.sin(ph), np.full_like(ph, 1.6)], axis=-1)
    q = _quat_yaw(ph + np.pi / 2)
    vel = np.stack([-0.3 * np.sin(ph), 0.3 * np.cos(ph), np.zeros_like(ph)], axis=-1)
    header = [
        "graph_uid",
        "tracking_timestamp_us",
        "utc_timestamp_ns",
        "tx_world_device",
        "ty_world_device",
        "tz_world_device",
        "qx_world_device",
        "qy_world_device",
        "qz_world_device",
        "qw_world_device",
        "device_linear_velocity_x_device",
        "device_linear_velocity_y_device",
        "device_linear_velocity_z_device",
        "angular_velocity_x_device",
        "angular_velocity_y_device",
        "angular_velocity_z_device",
        "gravity_x_world",
        "gravity_y_world",
        "gravity_z_world",
        "quality_score",
    ]
    rows = [
        [
            graph,
            int(t),
            -1,
            *(f"{v:.6f}" for v in p),
            *(f"{v:.9f}" for v in qq),
            *(f"{v:.6f}" for v in vv),
            "0.000000",
            "0.000000",
            "1.000000",
            "0.000000",
            "0.000000",
            "-9.810000",
            "1.0",
        ]
        for t, p, qq, vv in zip(ts, pos, q, vel, strict=True)
    ]
    write_text(folder / "closed_loop_trajectory.csv", csv_text(header, rows))
    ol_header = [
        "tracking_timestamp_us",
        "utc_timestamp_ns",
        "session_uid",
        *(f"{a}_odometry_device" for a in ("tx", "ty", "tz", "qx", "qy", "qz", "qw")),
        *(f"device_linear_velocity_{a}_odometry" for a in "xyz"),
        *(f"angular_velocity_{a}_device" for a in "xyz"),
        *(f"gravity_{a}_odometry" for a in "xyz"),
        "quality_score",
    ]
    ol_rows = [[r[1], -1, graph, *r[3:16], "0.000000", "0.000000", "-9.810000", "1.0"] for r in rows[::10]]
    write_text(folder / "open_loop_trajectory.csv", csv_text(ol_header, ol_rows))
    w, h = TINY_SIZES["exo"]
    cams = []
    for j, cam in enumerate(exo):
        a = 2 * np.pi * j / len(exo) + 0.3
        eye = np.array([3.0 * np.cos(a), 3.0 * np.sin(a), 1.8])
        intrinsics = [0.46 * w, 0.46 * w, w / 2, h / 2, *GOPRO_KB3]
        cams.append(ExoCamera(cam, Camera("kb3", intrinsics, w, h), look_at(eye, np.zeros(3))))
    write_gopro_calibs(folder / "gopro_calibs.csv", cams, graph_uid=graph)
    calib = {
        "utc_timestamp_ns": -1,
        "tracking_timestamp_us": int(ts[0]),
        "ImuCalibrations": [],
        "CameraCalibrations": [
            {
                "Label": "camera-rgb",
                "Projection": {"Name": "FisheyeRadTanThinPrism", "Params": _tiny_rgb_params()},
            }
        ],
    }
    lines = [json.dumps({**calib, "tracking_timestamp_us": int(t)}) for t in ts[:: max(1, len(ts) // 3)]]
    write_text(folder / "online_calibration.jsonl", "\n".join(lines) + "\n")
    rng = np.random.default_rng(seed)
    pts = rng.uniform([-3, -3, 0], [3, 3, 2.5], size=(200, 3))
    pc_rows = [
        [
            i,
            graph,
            *(f"{v:.6f}" for v in p),
            f"{rng.uniform(0.001, 0.01):.6f}",
            f"{rng.uniform(0.001, 0.02):.6f}",
        ]
        for i, p in enumerate(pts)
    ]
    text = csv_text(
        ["uid", "graph_uid", "px_world", "py_world", "pz_world", "inv_dist_std", "dist_std"], pc_rows
    )
    with atomic_path(folder / "semidense_points.csv.gz") as tmp:
        tmp.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def _write_take_files(out: Path, take: dict, *, seed: int) -> None:
    """Videos, trajectory copies, eye gaze and audio of one take."""
    tiny = take["_tiny"]
    n = take["timesync_end_idx"] - take["timesync_start_idx"] - 1
    root = out / take["root_dir"]
    for cam_id, streams in take["frame_aligned_videos"].items():
        for key, entry in streams.items():
            if entry["relative_path"] is None:
                continue
            size = TINY_SIZES.get(key if cam_id == tiny["aria"] else "exo", TINY_SIZES["exo"])
            if cam_id == "collage":
                size = (2 * TINY_SIZES["exo"][0], TINY_SIZES["exo"][1])
            encode_video(root / entry["relative_path"], _frames(n, size, seed + len(cam_id) + len(key)))
    cap_traj = out / take["capture"]["root_dir"] / "trajectory"
    t0, t1 = (v // 1000 for v in tiny["aria_ns"])
    for name in ("gopro_calibs.csv", "online_calibration.jsonl"):
        write_text(root / "trajectory" / name, (cap_traj / name).read_text(encoding="utf-8"))
    for name in ("closed_loop_trajectory.csv", "open_loop_trajectory.csv"):
        lines = (cap_traj / name).read_text(encoding="utf-8").splitlines()
        col = lines[0].split(",").index("tracking_timestamp_us")
        keep = [ln for ln in lines[1:] if t0 <= int(ln.split(",")[col]) <= t1]
        write_text(root / "trajectory" / name, "\n".join([lines[0], *keep]) + "\n")
    with atomic_path(root / "trajectory" / "semidense_points.csv.gz") as tmp:
        tmp.write_bytes((cap_traj / "semidense_points.csv.gz").read_bytes())
    gaze_ts = np.arange(t0, t1 + 1, 100_000, dtype=np.int64)  # 10 Hz
    yaw = 0.1 * np.sin(np.arange(len(gaze_ts)) / 5)
    b_header = [
        "tracking_timestamp_us",
        "left_yaw_rads_cpf",
        "right_yaw_rads_cpf",
        "pitch_rads_cpf",
        "depth_m",
        "left_yaw_low_rads_cpf",
        "right_yaw_low_rads_cpf",
        "pitch_low_rads_cpf",
        "left_yaw_high_rads_cpf",
        "right_yaw_high_rads_cpf",
        "pitch_high_rads_cpf",
        "tx_left_eye_cpf",
        "ty_left_eye_cpf",
        "tz_left_eye_cpf",
        "tx_right_eye_cpf",
        "ty_right_eye_cpf",
        "tz_right_eye_cpf",
        "session_uid",
    ]
    session = str(uuid.UUID(int=seed + 7, version=4))
    b_rows = [
        [
            int(t),
            f"{y + 0.02:.6f}",
            f"{y - 0.02:.6f}",
            "-0.100000",
            "0.800000",
            f"{y:.6f}",
            f"{y - 0.04:.6f}",
            "-0.150000",
            f"{y + 0.04:.6f}",
            f"{y:.6f}",
            "-0.050000",
            "0.0315",
            "0.0",
            "0.0",
            "-0.0315",
            "0.0",
            "0.0",
            session,
        ]
        for t, y in zip(gaze_ts, yaw, strict=True)
    ]
    write_text(root / "eye_gaze" / "general_eye_gaze.csv", csv_text(b_header, b_rows))
    w = TINY_SIZES["rgb"][0]
    g2 = [
        [int(t), 3 * i, f"{w / 2 + 40 * y:.3f}", f"{w / 2:.3f}"]
        for i, (t, y) in enumerate(zip(gaze_ts, yaw, strict=True))
    ]
    write_text(
        root / "eye_gaze" / "general_eye_gaze_2d.csv",
        csv_text(["tracking_timestamp_us", "frame_num", "x", "y"], g2),
    )
    write_json(
        root / "eye_gaze" / "summary.json",
        {"GazeInference": {"status": "SUCCESS", "message": ""}, "version": "1.2.3"},
    )
    _write_audio(root / "audio" / f"{tiny['aria']}.wav", n / FPS, seed=seed)
    if take["is_narrated"]:
        write_json(
            root / "audio" / f"{tiny['aria']}_transcriptions.json",
            {
                "text": " Now I tune the guitar.",
                "language": "en",
                "segments": [
                    {
                        "id": 0,
                        "seek": 0,
                        "start": 0.0,
                        "end": round(n / FPS, 3),
                        "text": " Now I tune the guitar.",
                        "tokens": [50364, 2],
                        "temperature": 0.0,
                        "avg_logprob": -0.2,
                        "compression_ratio": 1.1,
                        "no_speech_prob": 0.01,
                        "words": [{"word": " Now", "start": 0.0, "end": 0.2, "probability": 0.98}],
                    }
                ],
            },
            indent=2,
        )
    del take["_tiny"]


def _write_audio(path: Path, seconds: float, *, seed: int) -> None:
    """7-channel 48 kHz 16-bit WAV (FORMAT §7.10): a quiet tone per microphone."""
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    write_pcm_wav(
        path, np.stack([0.05 * np.sin(2 * np.pi * (220 + 30 * c + seed) * t) for c in range(7)], axis=1)
    )


def _write_annotations(out: Path, takes: list[dict], uid: UidSource) -> None:
    """splits, keystep, relations, atomic descriptions, proficiency, expert commentary, ego pose."""
    ann = out / "annotations"
    split_of = {t["take_uid"]: s for t, s in zip(takes, ("train", "val", "test"), strict=False)}
    bench = {
        t["take_uid"]: ["keystep", "ego_pose", "body_pose", "correspondence", "proficiency_demonstrator"]
        for t in takes
    }
    write_json(
        ann / "splits.json",
        {
            "split_to_take_uids": {
                s: [u for u, x in split_of.items() if x == s] for s in ("train", "val", "test")
            },
            "take_uid_to_split": split_of,
            "take_uid_to_benchmark": bench,
        },
    )
    for split in ("train", "val"):
        mine = [t for t in takes if split_of.get(t["take_uid"]) == split]
        _write_split_annotations(ann, split, takes=mine, uid=uid)
    write_json(ann / "relations_test.json", {"annotations": {}})
    for t in takes:
        if split_of.get(t["take_uid"]) == "test":
            write_json(ann / "ego_pose" / "test" / "camera_pose" / f"{t['take_uid']}.json", _camera_pose(t))


def _write_split_annotations(ann: Path, split: str, *, takes: list[dict], uid: UidSource) -> None:
    taxonomy = {
        t["task_name"]: {
            "0": {
                "id": 0,
                "is_leafnode": False,
                "name": t["task_name"],
                "parent_id": None,
                "parent_name": None,
            },
            "1": {
                "id": 1,
                "is_leafnode": True,
                "name": "Loosen the bolt",
                "parent_id": 0,
                "parent_name": t["task_name"],
                "unique_id": 801,
            },
        }
        for t in takes
    }
    keystep = {
        t["take_uid"]: {
            "take_uid": t["take_uid"],
            "take_name": t["take_name"],
            "scenario": t["task_name"],
            "annotation_meta": {
                "annotation_uid": uid(),
                "annotator_id": 5792777457490871,
                "response_time": 1695039187,
                "job_id": 6534429029945912,
                "response_id": 825514846028714,
            },
            "segments": [
                {
                    "start_time": t["task_start_sec"],
                    "end_time": t["task_end_sec"],
                    "step_id": 1,
                    "step_name": "Loosen the bolt",
                    "step_description": "Loosen the axle bolt",
                    "is_essential": True,
                    "step_unique_id": 801,
                }
            ],
        }
        for t in takes
    }
    write_json(
        ann / f"keystep_{split}.json",
        {"annotations": keystep, "taxonomy": taxonomy, "vocabulary": {"801": "Loosen the bolt"}},
    )
    w, h = TINY_SIZES["rgb"]
    ew, eh = TINY_SIZES["exo"]
    relations = {}
    for t in takes:
        aria = next(k for k, v in t["frame_aligned_videos"].items() if "rgb" in v)
        exo = next(k for k in t["frame_aligned_videos"] if k not in (aria, "collage", "best_exo"))
        meta = {
            "annotation_uid": uid(),
            "annotator_id": "5268381253249404",
            "response_time": 1687015784,
            "job_id": "1",
            "response_id": "1",
        }
        relations[t["take_uid"]] = {
            "scenario": t["task_name"],
            "take_name": t["take_name"],
            "object_names": {
                "annotation": [
                    {
                        "x": 10.0,
                        "y": 12.0,
                        "width": 20.0,
                        "height": 16.0,
                        "rotation": 0,
                        "original_width": w,
                        "original_height": h,
                        "frameNumber": 0,
                        "endInterpolation": True,
                        "interpolated": False,
                        "track_id": "wheel_0",
                        "milo_type": "NONE",
                    }
                ],
                "annotation_metadata": meta,
                "annotation_fps": 30,
            },
            "object_masks": {
                "wheel_0": {
                    f"{aria}_214-1": {
                        "annotation": {
                            "0": {
                                "width": w,
                                "height": h,
                                "encodedMask": _encoded_mask(h, w, (10, 12, 30, 28)),
                                "intSegClicks": {
                                    "positive": [],
                                    "negative": [],
                                    "upperLeft": [],
                                    "bottomRight": [],
                                    "unlabeled": [],
                                },
                            }
                        },
                        "annotation_metadata": meta,
                        "annotation_fps": 1,
                        "annotated_frames": [0],
                    },
                    exo: {
                        "annotation": {
                            "0": {
                                "width": ew,
                                "height": eh,
                                "encodedMask": _encoded_mask(eh, ew, (40, 20, 70, 50)),
                                "intSegClicks": {
                                    "positive": [],
                                    "negative": [],
                                    "upperLeft": [],
                                    "bottomRight": [],
                                    "unlabeled": [],
                                },
                            }
                        },
                        "annotation_metadata": meta,
                        "annotation_fps": 1,
                        "annotated_frames": [0],
                    },
                }
            },
        }
    write_json(ann / f"relations_{split}.json", {"annotations": relations})
    write_json(
        ann / f"atomic_descriptions_{split}.json",
        {
            "annotations": {
                t["take_uid"]: [
                    {
                        "annotation_uid": uid(),
                        "annotator_id": "5284063695022975",
                        "rejected": False,
                        "reject_reason": None,
                        "descriptions": [
                            {
                                "text": "C picks up the wrench with the right hand.",
                                "timestamp": 0.2,
                                "narration_subject": "C",
                                "ego_visible": True,
                                "best_exo": {"raw_cam_id": "1", "cam_id": t["best_exo"]},
                                "unsure": False,
                            }
                        ],
                    }
                ]
                for t in takes
            }
        },
    )
    prof = []
    for t in takes:
        aria = next(k for k, v in t["frame_aligned_videos"].items() if "rgb" in v)
        exos = [k for k in t["frame_aligned_videos"] if k not in (aria, "collage", "best_exo")]
        paths = {"ego": f"{t['root_dir']}/frame_aligned_videos/{aria}_214-1.mp4"}
        paths |= {f"exo{i + 1}": f"{t['root_dir']}/frame_aligned_videos/{c}.mp4" for i, c in enumerate(exos)}
        prof.append(
            {
                "take_uid": t["take_uid"],
                "task_id": t["task_id"],
                "task_name": t["task_name"],
                "scenario_name": t["parent_task_name"],
                "university_id": t["university_id"],
                "origin_participant_id": str(t["participant_uid"]),
                "video_paths": paths,
                "proficiency_score": "Intermediate Expert",
            }
        )
    write_json(ann / f"proficiency_demonstrator_{split}.json", {"annotations": prof})
    write_json(
        ann / f"expert_commentary_{split}.json",
        {
            "ds": "20240324_12:00:00",
            "annotations": {
                t["take_uid"]: [
                    {
                        "take_name": t["take_name"],
                        "take_uid": t["take_uid"],
                        "task_id": t["task_id"],
                        "task_name": t["task_name"],
                        "commentary": f"{t['take_name']}/qfbn5o",
                        "commentary_data": [
                            {
                                "recording": "0.webm",
                                "video_time": 0.5,
                                "text": " Good grip.",
                                "error": False,
                                "_error_desc": None,
                                "duration_approx": 2.0,
                            }
                        ],
                        "_debug_commentary_name": f"qfbn5o_{t['take_name']}_0",
                    }
                ]
                for t in takes
            },
        },
        indent=2,
    )
    for t in takes:
        base = ann / "ego_pose" / split
        write_json(base / "camera_pose" / f"{t['take_uid']}.json", _camera_pose(t))
        write_json(
            base / "body" / "annotation" / f"{t['take_uid']}.json",
            {
                "0": [
                    {
                        "annotation3D": {"nose": {"x": 0.0, "y": 0.1, "z": 1.6, "num_views_for_3d": 2}},
                        "annotation2D": {
                            c: {"nose": {"x": 60.0, "y": 30.0, "placement": "manual"}}
                            for c in t["frame_aligned_videos"]
                            if c.startswith(("cam", "gp"))
                        },
                    }
                ]
            },
        )


def _camera_pose(t: dict) -> dict:
    """EgoPose ``camera_pose`` in the code layout (FORMAT §7.9): Aria per frame, exo static."""
    aria = next(k for k, v in t["frame_aligned_videos"].items() if "rgb" in v)
    eye = [[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]
    out: dict[str, Any] = {
        "metadata": {"take_uid": t["take_uid"], "take_name": t["take_name"]},
        aria: {
            "camera_intrinsics": [[150.0, 0.0, 255.5], [0.0, 150.0, 255.5], [0.0, 0.0, 1.0]],
            "camera_extrinsics": {"0": eye},
        },
    }
    for c in t["frame_aligned_videos"]:
        if c.startswith(("cam", "gp")):
            out[c] = {
                "camera_intrinsics": [[50.0, 0.0, 64.0], [0.0, 50.0, 36.0], [0.0, 0.0, 1.0]],
                "camera_extrinsics": eye,
            }
    return out


def _tiny_rgb_params() -> list[float]:
    """Factory (2880²) Fisheye624 params whose recorded image is the tiny ego MP4 (f = 30, centred)."""
    side = TINY_SIZES["rgb"][0]
    cam = Camera("fisheye624", [30.0, (side - 1) / 2, (side - 1) / 2] + [0.0] * 12, side, side)
    return aria_factory_camera(cam, "camera-rgb").params.tolist()
