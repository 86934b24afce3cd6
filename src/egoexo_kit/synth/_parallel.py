"""Run independent jobs (views, devices, files) in forked worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

__all__ = ["pool_map"]


def pool_map(fn: Callable[[Any], Any], items: list, *, workers: int) -> list:
    """``[fn(x) for x in items]``, in ``workers`` forked processes when more than one is asked for."""
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        return list(pool.map(fn, items))
