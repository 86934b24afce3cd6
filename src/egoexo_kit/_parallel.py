"""Run independent jobs (views, devices, files) in forked worker processes or as Ray tasks."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from egoexo_kit.extras import require

__all__ = ["RUNNERS", "die_with_parent", "pool_map", "ray_map", "ray_session", "run_units"]

RUNNERS = ("local", "ray")
"""Where independent units run: ``local`` (a process pool) or ``ray`` (a Ray cluster); same results."""

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Make this worker process exit when ``parent_pid`` dies, ``kill -9`` of the parent included.

    On Linux the kernel sends ``SIGKILL`` through ``PR_SET_PDEATHSIG``; everywhere a daemon thread
    also checks once a second that the parent is still ours. Called as every pool's initializer,
    so no worker outlives the command that started it.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the call above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="egoexo-kit-parent-watch", daemon=True).start()


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
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
    ) as pool:
        futures = [pool.submit(fn, x) for x in items]
        for n, _ in enumerate(as_completed(futures), start=1):
            if on_done:
                on_done(n)
        return [f.result() for f in futures]


@contextlib.contextmanager
def ray_session(*, address: str | None = None, num_cpus: int | None = None) -> Iterator[None]:
    """Keep one Ray connection for a whole job: ``ray.init`` unless Ray is already up, shut down after.

    Every :func:`ray_map` inside reuses it, so a multi-stage job pays Ray's start-up (seconds) once
    instead of once per stage.

    Raises:
        MissingExtraError: Ray is not installed (extra ``dist``).
    """
    ray = require("ray", extra="dist", what="--runner ray")
    started = not ray.is_initialized()
    if started:
        ray.init(
            address=address,
            num_cpus=None if address else num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    try:
        yield
    finally:
        if started:
            ray.shutdown()


def ray_map(
    fn: Callable[[Any], Any],
    items: list,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    num_gpus: int = 0,
    on_done: Callable[[int], None] | None = None,
) -> list:
    """``[fn(x) for x in items]`` as one Ray task per item (1 CPU, ``num_gpus`` GPUs each).

    Joins the Ray that is already initialized (see :func:`ray_session`), else ``ray.init(address=...)``
    (a local Ray with ``num_cpus`` CPUs when no address is given), shut down again at the end.

    Raises:
        MissingExtraError: Ray is not installed (extra ``dist``).
    """
    with ray_session(address=address, num_cpus=num_cpus):
        import ray  # inside: ray_session reports a missing Ray

        task = ray.remote(num_cpus=1, num_gpus=num_gpus, max_retries=0)(fn)
        refs = [task.remote(x) for x in items]
        pending = list(refs)
        while pending:
            _, pending = ray.wait(pending, num_returns=1)
            if on_done:
                on_done(len(refs) - len(pending))
        return ray.get(refs)


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
