"""The official feature layout (FORMAT §8): file names, window counts and times, and ``config.yaml``.

Nothing here needs torch: names, counts and the config are plain files and arithmetic.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from egoexo_kit._io import write_text
from egoexo_kit.errors import FormatError, LimitError
from egoexo_kit.release import check_depth, read_bytes

__all__ = [
    "CONFIG_NAME",
    "FeatureConfig",
    "FeatureKey",
    "feature_path",
    "num_windows",
    "parse_feature_name",
    "read_config",
    "window_starts",
    "write_config",
]

CONFIG_NAME = "config.yaml"
"""One config per model folder; listings skip it (FORMAT §8)."""

_OFFICIAL = {"omnivore_video": (32, 16), "maws_clip_2b": (1, 1)}
"""Window / stride in frames of the released feature folders, used when their config is absent."""


@dataclass(frozen=True)
class FeatureKey:
    """Which video a feature file belongs to: ``<take_uid>_<cam_id>_<stream>.pt``."""

    take_uid: str
    cam_id: str
    stream: str
    """The ``frame_aligned_videos`` key: ``rgb`` for the Aria, ``0`` for a GoPro."""

    @property
    def filename(self) -> str:
        """``<take_uid>_<cam_id>_<stream>.pt``."""
        return f"{self.take_uid}_{self.cam_id}_{self.stream}.pt"


def feature_path(folder: str | Path, key: FeatureKey) -> Path:
    """The file of ``key`` inside a model folder ``features/<name>/``."""
    return Path(folder) / key.filename


def parse_feature_name(path: str | Path) -> FeatureKey:
    """Split a feature file stem on ``_`` into exactly three parts, as the official readers do.

    Raises:
        FormatError: the name is not ``<take_uid>_<cam_id>_<stream>.pt``.
    """
    p = Path(path)
    parts = p.stem.split("_")
    if p.suffix != ".pt" or len(parts) != 3 or not all(parts):
        raise FormatError(
            "feature file name must be <take_uid>_<cam_id>_<stream>.pt (FORMAT §8), "
            f"got {p.name!r} ({len(parts)} part(s) when split on '_')",
            path=p,
        )
    return FeatureKey(*parts)


def num_windows(n_frames: int, *, window: int, stride: int) -> int:
    """Expected rows for ``n_frames`` frames (``_num_fvs`` of the official extractor, FORMAT §8).

    ``N = 1 if F < W else (F - W) // S + 1 + (1 if (F - W) % S else 0)``: the extra row is the
    back-padded last window.
    """
    if window < 1 or stride < 1:
        raise ValueError(f"window and stride must be >= 1 frame, got window={window}, stride={stride}")
    if n_frames < window:
        return 1
    return (n_frames - window) // stride + 1 + (1 if (n_frames - window) % stride else 0)


def window_starts(n_frames: int, *, window: int, stride: int) -> np.ndarray:
    """``(N,)`` int64 first frame of each window: ``k * stride``, then ``F - W`` for the back-padded last.

    A video shorter than one window has the single window starting at 0 (its missing frames repeat
    the last one when extracting).
    """
    n = num_windows(n_frames, window=window, stride=stride)
    starts = np.arange(n, dtype=np.int64) * stride
    if n_frames >= window and (n_frames - window) % stride:
        starts[-1] = n_frames - window
    return starts


@dataclass(frozen=True)
class FeatureConfig:
    """What a model folder holds: the window, the backbone and its input (``config.yaml``)."""

    window: int
    """Frames per window (``inference_config.frame_window``)."""
    stride: int
    """Frames between window starts (``inference_config.stride``)."""
    fps: float = 30.0
    """Frame rate of the aligned videos the windows count (``inference_config.fps``)."""
    backbone: str | None = None
    """Backbone that produced the rows (``None`` for an official folder without our keys)."""
    input_size: tuple[int, int] | None = None
    """``(height, width)`` of the frames fed to the backbone."""
    dim: int | None = None
    """Length of each row."""
    dtype: str = "float32"
    """Tensor dtype written."""
    device: str = "cpu"
    """Where the backbone ran."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Backbone details (model file, output tensor, normalization) recorded for reproducibility."""
    batch_size: int | None = None
    """``inference_config.batch_size`` of an official config: ``1`` in the Ego-Exo4D configs, which is
    why their files are ``(N, 1, D)`` (facebookresearch/Ego4d: ego4d/features/configs/egoexo_omnivore.yaml,
    egoexo_maws_clip.yaml; the extractor stacks one ``(1, D)`` output per window,
    ego4d/features/extract_features.py). ``None`` when the config does not say."""
    check_fv_count: bool | None = None
    """Top-level ``check_fv_count``: ``false`` in the official configs ("due to variable frame rate"),
    so their row counts may differ from :func:`num_windows` by more than one."""

    @property
    def window_s(self) -> float:
        """Window length in seconds (``window / fps``)."""
        return self.window / self.fps

    @property
    def stride_s(self) -> float:
        """Seconds between window starts (``stride / fps``)."""
        return self.stride / self.fps

    def to_yaml(self) -> str:
        """Official keys (``fps``, ``inference_config``, ``model_config``), ours under ``egoexo_kit``."""
        ours = asdict(self)
        ours["input_size"] = list(self.input_size) if self.input_size else None
        for key in ("batch_size", "check_fv_count"):  # official keys, written where the official ones go
            ours.pop(key)
        inference: dict[str, Any] = {"device": self.device}
        if self.batch_size is not None:
            inference["batch_size"] = self.batch_size
        inference |= {
            "fps": self.fps,
            "frame_window": self.window,
            "stride": self.stride,
            "include_audio": False,
            "include_video": True,
        }
        doc: dict[str, Any] = {
            "fps": self.fps,
            "inference_config": inference,
            "model_config": {"model_name": self.backbone, "input_type": "video"},
        }
        if self.check_fv_count is not None:
            doc["check_fv_count"] = self.check_fv_count
        doc["egoexo_kit"] = ours
        return yaml.safe_dump(doc, sort_keys=False)


def write_config(folder: str | Path, config: FeatureConfig) -> Path:
    """Atomically write ``<folder>/config.yaml``."""
    path = Path(folder) / CONFIG_NAME
    write_text(path, config.to_yaml())
    return path


def _require_int(value: object, *, path: Path, pointer: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FormatError(f"must be an integer >= 1, got {value!r}", path=path, pointer=pointer)
    return value


def _optional(value: object, kind: type, *, path: Path, pointer: str) -> Any:
    """``value`` if it is of ``kind`` (bools are not ints), ``None`` if absent."""
    if value is None:
        return None
    if isinstance(value, bool) is not (kind is bool) or not isinstance(value, kind):
        what = "a boolean" if kind is bool else "an integer"
        raise FormatError(f"must be {what}, got {value!r}", path=path, pointer=pointer)
    return value


def read_config(folder: str | Path) -> FeatureConfig:
    """Read ``<folder>/config.yaml``; an official folder without one gets its published window/stride.

    Both layouts are read: the official extractor's (``fps``, ``io``, ``inference_config`` with
    ``frame_window``/``stride``/``batch_size``, ``model_config.model_name``, ``check_fv_count``;
    facebookresearch/Ego4d: ego4d/features/configs/egoexo_omnivore.yaml, egoexo_maws_clip.yaml) and
    ours (the same keys plus an ``egoexo_kit`` section). Keys neither uses are ignored.

    Raises:
        FormatError: the yaml is malformed (with its line) or lacks ``inference_config.frame_window``
            and ``stride``; or the folder is not an official one and has no config.
    """
    folder = Path(folder)
    path = folder / CONFIG_NAME
    if not path.exists() and not path.is_symlink():
        if folder.name in _OFFICIAL:
            window, stride = _OFFICIAL[folder.name]
            return FeatureConfig(window=window, stride=stride, backbone=folder.name)
        raise FormatError(f"{CONFIG_NAME} is missing: it gives the window and stride (FORMAT §8)", path=path)
    doc = _load_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("inference_config"), dict):
        raise FormatError(
            "config needs an 'inference_config' mapping", path=path, pointer="/inference_config"
        )
    inf = doc["inference_config"]
    window = _require_int(inf.get("frame_window"), path=path, pointer="/inference_config/frame_window")
    stride = _require_int(inf.get("stride"), path=path, pointer="/inference_config/stride")
    fps = inf.get("fps", doc.get("fps", 30))
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not 0 < fps < float("inf"):
        raise FormatError(
            f"must be a positive number, got {fps!r}", path=path, pointer="/inference_config/fps"
        )
    ours = _mapping(doc, "egoexo_kit", path=path)
    model = _mapping(doc, "model_config", path=path)
    size = ours.get("input_size")
    if size is not None and not isinstance(size, list | tuple):
        raise FormatError(f"must be a list, got {size!r:.40}", path=path, pointer="/egoexo_kit/input_size")
    return FeatureConfig(
        window=window,
        stride=stride,
        fps=float(fps),
        backbone=ours.get("backbone") or model.get("model_name"),
        input_size=tuple(size) if size else None,
        dim=ours.get("dim"),
        dtype=ours.get("dtype", "float32"),
        device=inf.get("device", "cpu"),
        extra=ours.get("extra") or {},
        batch_size=_optional(inf.get("batch_size"), int, path=path, pointer="/inference_config/batch_size"),
        check_fv_count=_optional(doc.get("check_fv_count"), bool, path=path, pointer="/check_fv_count"),
    )


def _mapping(doc: dict[str, Any], key: str, *, path: Path) -> dict[str, Any]:
    """``doc[key]`` when it is a mapping, ``{}`` when absent or null; else a located error."""
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise FormatError(f"must be a mapping, got {type(value).__name__}", path=path, pointer=f"/{key}")
    return value


def _load_yaml(path: Path) -> Any:
    """Parse a YAML file; every problem (syntax, not UTF-8, nested too deep, a huge integer) is located.

    PyYAML's composer recurses per nesting level and builds integers with ``int()``, so hostile
    files raise ``RecursionError`` and ``ValueError`` from inside it: both end here as one error.
    """
    data = read_bytes(path)
    check_depth(data, path=path)  # PyYAML recurses per level, slowly: refuse deep flow nesting first
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise FormatError(f"not UTF-8 text: byte 0x{data[e.start]:02x}", path=path, line=line) from None
    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise LimitError("yaml nested deeper than Python can parse", path=path) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        raise FormatError(
            f"invalid yaml: {e.problem}",
            path=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from e
    except yaml.YAMLError as e:
        raise FormatError(f"invalid yaml: {e}", path=path) from e
    except ValueError as e:  # an integer over Python's digit limit
        raise LimitError(f"invalid yaml value: {e}", path=path) from None
