"""``EgoExoClips``: synchronized multi-view clips of a release as a PyTorch ``Dataset``.

Picklable and safe with ``DataLoader(num_workers > 0)``: it holds only the release path and a clip
index; each worker opens the release and its decoders lazily, on first use. Prefer
``multiprocessing_context="spawn"`` when the parent process has decoded video itself: forking a
process whose FFmpeg or Arrow threads hold a lock can hang the workers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from torch.utils.data import Dataset

import egoexo_kit
import torch
from egoexo_kit.annotations import IGNORE_INDEX, KeystepLabelMap, LabelSource
from egoexo_kit.errors import NotFoundError
from egoexo_kit.facade import Release, clip_times
from egoexo_kit.vocab import BODY_JOINTS, is_empty_pose_frame

__all__ = ["IGNORE_INDEX", "ClipRef", "EgoExoClips"]


@dataclass(frozen=True)
class ClipRef:
    """One item of the dataset: a take and a window of take time."""

    take_uid: str
    t0: float
    t1: float


class EgoExoClips(Dataset):
    """Clips of ``clip_seconds`` sampled at ``fps`` from every selected view, with the take's labels.

    Each item is ``{"video": {view: uint8 tensor (T, 3, H, W)}, "take_uid", "take_name", "t0", "t1",
    "keystep": int, "keystep_id": int, "keystep_name": str}``: ``keystep_id`` is the
    ``step_unique_id`` of the keystep segment at the clip centre (-1 if none); ``keystep`` is the same
    raw id by default, or its class index ``0..K-1`` under ``label_map`` (:data:`IGNORE_INDEX` -1 for
    no segment or a step outside the map: ``CrossEntropyLoss(ignore_index=-1)``). With
    ``with_annotations`` also ``"body_3d"`` (17, 3) float tensor of the manual EgoPose annotation
    nearest the clip centre inside the clip (NaN when there is none) and ``"body_3d_frame"`` (-1 then).

    Transforms run in the worker that loads the item, in this order: ``video_transform`` on each
    view's ``(T, 3, H, W)`` uint8 tensor (a torchvision-style video transform; its output replaces the
    tensor), then ``transform`` on the whole item dict; what it returns is the item the ``DataLoader``
    collates (usually the dict, cropped alike in every view or with fields added; or a tuple such as
    ``operator.itemgetter("video", "keystep")``). With ``DataLoader(num_workers > 0)`` both must be
    picklable: module-level functions, ``functools.partial`` of them, or instances of module-level
    classes; not lambdas nor local functions.

    Args:
        release: a release path or an opened release.
        views: view names (``aria01_214-1``, ``cam01`` …); default: the Aria RGB and every exo view.
        clip_seconds: clip length (s).
        fps: frames per second inside a clip.
        sampler: ``"uniform"`` (back-to-back windows over each take) or ``"random"`` (one window per take
            at a start drawn from ``seed`` and the item index).
        split: keep takes of this split (``train``/``val``/``test``).
        takes: keep only these take names or uids.
        with_annotations: add the EgoPose body keypoints.
        resolution: ``"full"`` or ``"448"``.
        seed: seed of the random sampler.
        transform: ``item -> what the loader gets``, applied last.
        video_transform: ``tensor -> tensor``, applied to each view's clip.
        label_map: ``None`` (``keystep`` is the raw ``step_unique_id``), ``"taxonomy"`` or
            ``"benchmark"`` (contiguous classes from :func:`egoexo_kit.annotations.keystep_label_map`;
            their names are :attr:`class_names`), or a mapping ``step_unique_id -> class index``.
    """

    def __init__(
        self,
        release: str | Path | Release,
        *,
        views: Sequence[str] | None = None,
        clip_seconds: float = 1.0,
        fps: float = 10.0,
        sampler: Literal["uniform", "random"] = "uniform",
        split: str | None = None,
        takes: Sequence[str] | None = None,
        with_annotations: bool = True,
        resolution: Literal["full", "448"] = "full",
        seed: int = 0,
        transform: Callable[[dict[str, Any]], Any] | None = None,
        video_transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
        label_map: LabelSource | Mapping[int, int] | None = None,
    ) -> None:
        clip_times(0.0, clip_seconds, fps=fps)  # positive, and under the clip_fps/clip_frames caps
        if sampler not in ("uniform", "random"):
            raise ValueError(f"sampler must be 'uniform' or 'random', got {sampler!r}")
        for name, fn in (("transform", transform), ("video_transform", video_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
        rel = release if isinstance(release, Release) else egoexo_kit.open_release(release)
        self.root = rel.root
        self.views = list(views) if views is not None else None
        self.clip_seconds, self.fps, self.sampler, self.seed = clip_seconds, fps, sampler, seed
        self.with_annotations, self.resolution = with_annotations, resolution
        self.transform, self.video_transform = transform, video_transform
        self.label_map = _resolve_label_map(rel, label_map)
        """``step_unique_id`` → class index, or ``None`` (raw ids)."""
        chosen = rel.takes.filter(split=split) if split else rel.takes
        if takes is not None:
            wanted = set(takes)
            chosen = [t for t in chosen if t.name in wanted or t.uid in wanted]
        self.clips: list[ClipRef] = []
        for take in chosen:
            duration = take.n_frames / 30.0 if take.n_frames else 0.0
            if duration < clip_seconds:
                continue
            if sampler == "uniform":
                starts = np.arange(0.0, duration - clip_seconds + 1e-9, clip_seconds)
            else:
                starts = np.array([0.0])  # drawn per item in __getitem__
            self.clips += [ClipRef(take.uid, float(s), float(s) + clip_seconds) for s in starts]
        self._release: Release | None = None
        self._labels: dict[str, dict[str, Any]] = {}

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """Step name of each class index under a ``"taxonomy"``/``"benchmark"`` label map, else ``None``."""
        return self.label_map.names if isinstance(self.label_map, KeystepLabelMap) else None

    @property
    def num_classes(self) -> int | None:
        """Number of keystep classes under ``label_map`` (size of a classifier head), else ``None``."""
        return None if self.label_map is None else max(self.label_map.values(), default=-1) + 1

    def __len__(self) -> int:
        return len(self.clips)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_release"], state["_labels"] = None, {}  # reopened lazily in each worker
        return state

    def _rel(self) -> Release:
        if self._release is None:
            self._release = egoexo_kit.open_release(self.root)
        return self._release

    def window(self, i: int) -> tuple[egoexo_kit.Take, float, float]:
        """The take and the ``[t0, t1)`` take-time window of item ``i`` (the random start drawn here)."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"clip index {i} out of range for {len(self)} clips")
        ref = self.clips[i]
        take = self._rel().take(ref.take_uid)
        t0, t1 = ref.t0, ref.t1
        if self.sampler == "random":
            rng = np.random.default_rng([self.seed, i % len(self)])
            t0 = float(rng.uniform(0, take.n_frames / 30.0 - self.clip_seconds))
            t1 = t0 + self.clip_seconds
        return take, t0, t1

    def __getitem__(self, i: int) -> Any:
        take, t0, t1 = self.window(i)
        clip = take.clip(t0, t1, fps=self.fps, views=self.views, resolution=self.resolution)
        return self._item((take, t0, t1), clip)

    def __getitems__(self, indices: Sequence[int]) -> list[Any]:
        """A whole batch at once (``DataLoader`` calls this in the worker instead of ``__getitem__``).

        The clips of one take are decoded by one :meth:`~egoexo_kit.Take.frames_at` call per view, so
        each group of pictures is decoded once for every clip of the batch that falls in it (see
        :class:`GopBatchSampler` for batches built to share them). Items are those ``__getitem__``
        gives, in the order of ``indices``.
        """
        windows = [self.window(i) for i in indices]
        frames = [take.clip_frames(t0, t1, fps=self.fps) for take, t0, t1 in windows]
        clips: list[dict[str, np.ndarray]] = [{} for _ in windows]
        by_take: dict[str, list[int]] = {}
        for k, (take, _, _) in enumerate(windows):
            by_take.setdefault(take.uid, []).append(k)
        for ks in by_take.values():
            take = windows[ks[0]][0]
            wanted = np.concatenate([frames[k] for k in ks])
            pictures = take.frames_at(frames=wanted, views=self.views, resolution=self.resolution)
            bounds = np.cumsum([len(frames[k]) for k in ks])[:-1]
            for view, stack in pictures.items():
                for k, part in zip(ks, np.split(stack, bounds), strict=True):
                    clips[k][view] = part
        return [self._item((take, t0, t1), clip) for (take, t0, t1), clip in zip(windows, clips, strict=True)]

    def _item(self, window: tuple[egoexo_kit.Take, float, float], clip: dict[str, np.ndarray]) -> Any:
        """The item of one window (:meth:`window`) from its decoded clip: tensors, labels, transforms."""
        take, t0, t1 = window
        item: dict[str, Any] = {
            "video": {
                v: torch.from_numpy(np.ascontiguousarray(a.transpose(0, 3, 1, 2))) for v, a in clip.items()
            },
            "take_uid": take.uid,
            "take_name": take.name,
            "t0": t0,
            "t1": t1,
        }
        if self.video_transform is not None:
            item["video"] = {v: self.video_transform(x) for v, x in item["video"].items()}
        centre = (t0 + t1) / 2
        step = next((s for s in take.annotations.keysteps if s.start_s <= centre < s.end_s), None)
        step_id = step.step_unique_id if step is not None else None
        item["keystep_id"] = IGNORE_INDEX if step_id is None else int(step_id)
        if self.label_map is None:
            item["keystep"] = item["keystep_id"]
        else:
            item["keystep"] = IGNORE_INDEX if step_id is None else self.label_map.get(step_id, IGNORE_INDEX)
        item["keystep_name"] = (step.step_name or "") if step is not None else ""
        if self.with_annotations:
            body, frame = _nearest_pose(
                self._take_body(take), lo=int(t0 * 30), hi=int(np.ceil(t1 * 30)), centre=centre
            )
            item["body_3d"], item["body_3d_frame"] = torch.from_numpy(body), frame
        return self.transform(item) if self.transform is not None else item

    def _take_body(self, take: egoexo_kit.Take) -> dict[str, Any]:
        """The take's manual EgoPose body file as raw JSON (``{}`` without one), read once per worker."""
        if take.uid not in self._labels:
            split = take.split or "train"
            path = self.root / "annotations" / "ego_pose" / split / "body" / "annotation" / f"{take.uid}.json"
            self._labels[take.uid] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return self._labels[take.uid]


def _resolve_label_map(
    release: Release, label_map: LabelSource | Mapping[int, int] | None
) -> Mapping[int, int] | None:
    """``None``, a user mapping (copied to a dict), or the release's named label map (never empty)."""
    if label_map is None:
        return None
    if isinstance(label_map, str):
        labels = release.keystep_labels(source=label_map)  # type: ignore[arg-type]
        if not labels:
            where = "keystep_{train,val}.json" if label_map == "taxonomy" else "keystep_benchmark/"
            raise NotFoundError(f"label_map={label_map!r}: the release has no keystep classes ({where})")
        return labels
    if not isinstance(label_map, Mapping):
        raise TypeError(f"label_map must be 'taxonomy', 'benchmark', a mapping or None: {label_map!r:.60}")
    return {int(k): int(v) for k, v in label_map.items()}


def _nearest_pose(body: dict[str, Any], *, lo: int, hi: int, centre: float) -> tuple[np.ndarray, int]:
    """The manual 3D body annotation nearest ``centre`` among frames in ``[lo, hi)`` (NaN, -1 if none)."""
    frames = sorted(int(k) for k, v in body.items() if lo <= int(k) < hi and not is_empty_pose_frame(v))
    out = np.full((len(BODY_JOINTS), 3), np.nan, np.float32)
    if not frames:
        return out, -1
    f = min(frames, key=lambda k: abs(k / 30 - centre))
    entry = body[str(f)]
    entry = entry[0] if isinstance(entry, list) else entry
    for j, name in enumerate(BODY_JOINTS):
        p = entry.get("annotation3D", {}).get(name)
        if p is not None:
            out[j] = (p["x"], p["y"], p["z"])
    return out, f
