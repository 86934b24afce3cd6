"""Run independent jobs (views, devices, files) in forked worker processes."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

__all__ = ["pool_map"]


def pool_map(
    fn: Callable[[Any], Any],
    items: list,
    *,
    workers: int,
    on_done: Callable[[int], None] | None = None,
    start: str = "fork",
) -> list:
    """``[fn(x) for x in items]``, in ``workers`` processes when more than one is asked for.

    ``on_done(n)`` is called after each item with the number finished so far (for progress bars).
    ``start="spawn"`` starts fresh interpreters instead of forking: slower to start, but safe when
    the caller may hold thread-owning native objects (DuckDB connections, Arrow pools), which a
    forked child can crash on.
    """
    if workers <= 1 or len(items) <= 1:
        out = []
        for x in items:
            out.append(fn(x))
            if on_done:
                on_done(len(out))
        return out
    ctx = multiprocessing.get_context(start)
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = [pool.submit(fn, x) for x in items]
        for n, _ in enumerate(as_completed(futures), start=1):
            if on_done:
                on_done(n)
        return [f.result() for f in futures]
