"""Read a model folder ``features/<name>/``: its config, its files, and rows aligned to take time."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

import numpy as np

from egoexo_kit.errors import FormatError, NotFoundError
from egoexo_kit.extras import require
from egoexo_kit.features._layout import (
    CONFIG_NAME,
    FeatureConfig,
    FeatureKey,
    feature_path,
    num_windows,
    parse_feature_name,
    read_config,
    window_starts,
)
from egoexo_kit.release import Problem, check_file

__all__ = ["FeatureRows", "FeatureSet", "load_tensor"]


def load_tensor(path: str | Path) -> np.ndarray:
    """The ``(N, D)`` float32 rows of one ``.pt`` file (any float dtype is accepted and cast).

    The released files are ``(N, 1, D)``: the official extractor runs with ``batch_size: 1`` and
    stacks one ``(1, D)`` output per window (facebookresearch/Ego4d: ego4d/features/extract_features.py,
    configs/egoexo_omnivore.yaml); the singleton axis is squeezed here, as the official HDF5 helper does.

    Raises:
        MissingExtraError: torch is not installed (``.pt`` files are torch pickles).
        FormatError: the file is missing, unreadable, not a single tensor, or not float ``(N, D)`` /
            ``(N, 1, D)``.
    """
    torch = require("torch", extra="torch", what="reading .pt features")
    path = check_file(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise FormatError(f"cannot load the feature tensor ({type(e).__name__}: {e})", path=path) from e
    if not isinstance(obj, torch.Tensor):
        raise FormatError(f"feature file must hold one tensor, got {type(obj).__name__}", path=path)
    if obj.ndim == 3 and obj.shape[1] == 1:
        obj = obj[:, 0]
    if obj.ndim != 2 or not obj.is_floating_point():
        raise FormatError(
            "feature tensor must be 2-D float (rows, dim) or (rows, 1, dim), "
            f"got {tuple(obj.shape)} {obj.dtype}",
            path=path,
        )
    return obj.float().numpy()


@dataclass(frozen=True, repr=False)
class FeatureRows:
    """Feature rows with the take time each window covers: ``[t0_s[i], t1_s[i])`` seconds from take start."""

    data: np.ndarray
    """``(n, D)`` float32."""
    rows: np.ndarray
    """``(n,)`` int64 row numbers in the file."""
    t0_s: np.ndarray
    """``(n,)`` float64 window starts (s from take start)."""
    t1_s: np.ndarray
    """``(n,)`` float64 window ends (exclusive)."""
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    """Irregular but usable things found reading the file (e.g. a row count off the window formula),
    each located (file relative to the release root, and where in it)."""

    def __post_init__(self) -> None:
        n = len(self.data)
        if self.data.ndim != 2:
            raise ValueError(f"data must be (n, D), got {self.data.shape}")
        for name in ("rows", "t0_s", "t1_s"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got {getattr(self, name).shape}")

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        span = f", t=[{self.t0_s[0]:.3f}, {self.t1_s[-1]:.3f}) s" if len(self) else ""
        return f"FeatureRows({len(self)} rows × {self.data.shape[1]}{span})"

    def between(
        self, t0: float, t1: float, *, match: Literal["overlap", "center"] = "overlap"
    ) -> FeatureRows:
        """Rows whose window overlaps ``[t0, t1)`` (``match="overlap"``) or whose centre lies in it.

        Raises:
            ValueError: ``t1 <= t0`` or an unknown ``match``.
        """
        if not t1 > t0:
            raise ValueError(f"need t1 > t0, got [{t0}, {t1})")
        if match == "overlap":
            keep = (self.t1_s > t0) & (self.t0_s < t1)
        elif match == "center":
            mid = (self.t0_s + self.t1_s) / 2
            keep = (mid >= t0) & (mid < t1)
        else:
            raise ValueError(f"unknown match {match!r}; use overlap or center")
        return FeatureRows(
            data=self.data[keep],
            rows=self.rows[keep],
            t0_s=self.t0_s[keep],
            t1_s=self.t1_s[keep],
            warnings=self.warnings,
        )


def row_times(n_rows: int, config: FeatureConfig, *, n_frames: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Start and end seconds of each row: window ``k`` covers ``[start_k, start_k + W) / fps``.

    With ``n_frames`` known and ``n_rows`` within one of the formula (FORMAT §8) the starts follow
    the extractor (the last window back-padded to end at the last frame), the extra or missing row
    taken at the end. A count further off (the official configs set ``check_fv_count: false``
    "due to variable frame rate": the sampler follows the container's duration, not the take's
    frame count) has every row at ``k * stride``. Times are clipped to ``[0, take end]``, so a row
    past the end of the take gets an empty window at the end.
    """
    w, s = config.window, config.stride
    starts = np.arange(n_rows, dtype=np.int64) * s
    if n_frames is not None:
        exact = window_starts(n_frames, window=w, stride=s)
        if abs(n_rows - len(exact)) <= 1:
            k = min(n_rows, len(exact))
            starts[:k] = exact[:k]
    t0 = starts / config.fps
    t1 = (starts + w) / config.fps
    if n_frames is not None:
        end = n_frames / config.fps
        t0, t1 = np.minimum(t0, end), np.minimum(t1, end)
    return t0.astype(np.float64), t1.astype(np.float64)


class FeatureSet:
    """One model folder ``features/<name>/`` of a release (FORMAT §8).

    Example:
        >>> fs = FeatureSet("release/features/omnivore_video")  # doctest: +SKIP
        >>> fs.window_s, fs.stride_s  # (1.0667, 0.5333)
        >>> rows = fs.load(take.uid, "cam01", "0", n_frames=take.timeline.n_frames).between(2.0, 4.0)

    Raises:
        NotFoundError: the folder does not exist.
        FormatError: its ``config.yaml`` is malformed.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise NotFoundError("feature folder does not exist (part 'features/<name>')", path=self.folder)
        self.name = self.folder.name

    @classmethod
    def of_release(cls, root: str | Path, name: str) -> FeatureSet:
        """``<root>/features/<name>``."""
        return cls(Path(root) / "features" / name)

    def __repr__(self) -> str:
        return f"FeatureSet({str(self.folder)!r}, window={self.config.window}, stride={self.config.stride})"

    @cached_property
    def config(self) -> FeatureConfig:
        """The folder's ``config.yaml`` (published defaults for an official folder without one)."""
        return read_config(self.folder)

    @property
    def window_s(self) -> float:
        """Window length in seconds."""
        return self.config.window_s

    @property
    def stride_s(self) -> float:
        """Seconds between window starts."""
        return self.config.stride_s

    def keys(self) -> list[FeatureKey]:
        """Every ``.pt`` file of the folder, parsed (``config.yaml`` and temporary files skipped)."""
        return [
            parse_feature_name(p)
            for p in sorted(self.folder.glob("*.pt"))
            if p.name != CONFIG_NAME and not p.name.startswith(".")
        ]

    def path(self, key: FeatureKey) -> Path:
        """The file of ``key``."""
        return feature_path(self.folder, key)

    def load(self, key: FeatureKey, *, n_frames: int | None = None) -> FeatureRows:
        """Every row of one file with its window times.

        Args:
            key: which take, camera and stream.
            n_frames: frames of the take's aligned videos, if known: places the back-padded last
                window exactly and checks the row count. One row more or less is normal (FORMAT §8);
                further off is a located warning on the result (:attr:`FeatureRows.warnings`), the
                rows still timed from the config's window and stride and clipped to the take.

        Raises:
            NotFoundError: no file for ``key``.
            FormatError: the file is corrupt, or its rows are not as long as ``config.yaml`` says.
        """
        path = self.path(key)
        if not path.is_file():
            raise NotFoundError(f"no features for {key.take_uid} {key.cam_id}/{key.stream}", path=path)
        data = load_tensor(path)
        cfg = self.config
        if cfg.dim is not None and data.shape[1] != cfg.dim:
            raise FormatError(f"rows have {data.shape[1]} values, config.yaml says dim {cfg.dim}", path=path)
        warnings: list[Problem] = []
        if n_frames is not None:
            expected = num_windows(n_frames, window=cfg.window, stride=cfg.stride)
            if abs(len(data) - expected) > 1:
                warnings.append(
                    Problem(
                        self._display(path),
                        "dim 0",
                        f"{len(data)} rows, but {n_frames} frames with window {cfg.window} and stride "
                        f"{cfg.stride} give {expected} (±1 expected; the official extractor does not "
                        "check, check_fv_count: false): rows timed at k * stride, clipped to the take",
                    )
                )
        t0, t1 = row_times(len(data), cfg, n_frames=n_frames)
        rows = np.arange(len(data), dtype=np.int64)
        return FeatureRows(data=data, rows=rows, t0_s=t0, t1_s=t1, warnings=tuple(warnings))

    def _display(self, path: Path) -> str:
        """``features/<name>/<file>`` inside a release (as validation reports name files), else the path."""
        if self.folder.parent.name == "features":
            return f"features/{self.name}/{path.name}"
        return str(path)
