"""``GopBatchSampler``: DataLoader batches whose clips share groups of pictures.

Exact random access decodes from the keyframe at or before a clip to the clip (on average half a
group of pictures, GOP: about 4 s with x264's default keyframe interval). Clips drawn from the same
GOP of the same take and decoded together (``EgoExoClips.__getitems__``) cost one decode of that GOP
instead of one each. This sampler builds such batches while still visiting every clip of the
dataset exactly once per epoch, in an order drawn from ``seed`` and the epoch.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from torch.utils.data import Sampler

from egoexo_kit.torch._clips import EgoExoClips

__all__ = ["GopBatchSampler"]


class GopBatchSampler(Sampler[list[int]]):
    """Batches of ``EgoExoClips`` indices in groups of ``clips_per_group`` clips from one GOP of one take.

    Pass it as ``DataLoader(dataset, batch_sampler=GopBatchSampler(dataset, batch_size=8))``. Clips
    are bucketed by take and by the group of pictures (of the first selected view's video) their
    first frame falls in; each epoch shuffles every bucket, cuts it into groups, shuffles the groups
    and cuts the sequence into batches. Larger groups decode less per clip but make a batch less
    diverse (fewer takes and moments per batch); ``clips_per_group=1`` is plain shuffling.

    Args:
        dataset: an :class:`EgoExoClips` with ``sampler="uniform"`` (fixed windows: a random sampler
            draws each window's start when the item is read, so it cannot be grouped in advance).
        batch_size: indices per batch.
        clips_per_group: clips drawn together from one group of pictures.
        seed: seed of the shuffles (the epoch is mixed in; see :meth:`set_epoch`).
        drop_last: drop the last batch when it is smaller than ``batch_size``.

    Raises:
        ValueError: a random-sampler dataset, or a size that is not a positive integer.
    """

    def __init__(
        self,
        dataset: EgoExoClips,
        batch_size: int,
        *,
        clips_per_group: int = 4,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if dataset.sampler != "uniform":
            raise ValueError(
                "GopBatchSampler needs EgoExoClips(sampler='uniform'): random windows cannot be grouped"
            )
        for name, value in (("batch_size", batch_size), ("clips_per_group", clips_per_group)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.batch_size, self.clips_per_group, self.seed, self.drop_last = (
            batch_size,
            clips_per_group,
            seed,
            drop_last,
        )
        self.epoch = 0
        self.buckets = gop_buckets(dataset)
        """Dataset indices grouped by (take, group of pictures), each bucket in dataset order."""
        self._n = len(dataset)

    def set_epoch(self, epoch: int) -> None:
        """Use the order of ``epoch`` next (as ``DistributedSampler`` does); each pass advances it."""
        self.epoch = epoch

    def __len__(self) -> int:
        full, rest = divmod(self._n, self.batch_size)
        return full if self.drop_last or rest == 0 else full + 1

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        g = self.clips_per_group
        groups = [
            part
            for bucket in self.buckets
            for part in np.array_split(rng.permutation(bucket), -(-len(bucket) // g))
        ]
        order = (
            np.concatenate([groups[j] for j in rng.permutation(len(groups))]) if groups else np.zeros(0, int)
        )
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size].tolist()
            if len(batch) == self.batch_size or not self.drop_last:
                yield batch


def gop_buckets(dataset: EgoExoClips) -> list[np.ndarray]:
    """Dataset indices grouped by take and by the group of pictures their first frame falls in.

    The keyframes are those of the first view the dataset reads (its PTS table; nothing is decoded).
    """
    keys: dict[tuple[str, int], list[int]] = {}
    keyframes: dict[str, np.ndarray] = {}
    for i, ref in enumerate(dataset.clips):
        take = dataset._rel().take(ref.take_uid)
        if ref.take_uid not in keyframes:
            keyframes[ref.take_uid] = take.keyframes(
                take.select_views(dataset.views)[0], resolution=dataset.resolution
            )
        start = int(take.clip_frames(ref.t0, ref.t1, fps=dataset.fps)[0])
        gop = int(np.searchsorted(keyframes[ref.take_uid], start, side="right"))
        keys.setdefault((ref.take_uid, gop), []).append(i)
    return [np.asarray(v, dtype=np.int64) for v in keys.values()]
