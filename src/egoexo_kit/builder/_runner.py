"""Run a stage's independent units: a local process pool (default) or a Ray cluster, same results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from egoexo_kit._parallel import pool_map, ray_map

__all__ = ["RUNNERS", "run_units"]

RUNNERS = ("local", "ray")


def run_units(
    fn: Callable[[Any], Any],
    items: list,
    *,
    runner: str = "local",
    workers: int = 1,
    address: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list:
    """``[fn(x) for x in items]`` on ``runner`` with ``workers`` parallel workers.

    Args:
        fn: a picklable function of one unit.
        items: the units.
        runner: ``local`` (forked processes) or ``ray`` (``ray.init(address=...)``, or a local Ray
            with ``workers`` CPUs when no address is given).
        workers: parallel workers (local runner, and a local Ray's CPUs).
        address: a Ray cluster address (``auto``, ``ray://host:10001``).
        on_done: called with the number of finished units after each one.
    """
    if runner == "local":
        return pool_map(fn, items, workers=workers, on_done=on_done)
    if runner == "ray":
        return ray_map(fn, items, address=address, num_cpus=workers, on_done=on_done)
    raise ValueError(f"unknown runner {runner!r}; choose one of {RUNNERS}")
