"""Renders of the web viewer: a few threads beside the server, each render with a deadline.

No lock is held across renders: decoders have their own locks (``facade``), the rest of a render
only reads. A small pool bounds how many renders run at once (each may hold a large picture), and
the server's event loop never waits on one, so the take list, JSON and files answer while frames
are being drawn.

A render gets a :class:`Deadline`. The request waits at most that long, then answers a one-line
503 (the render never started: every renderer was busy) or 504 (it ran too long) and cancels the
deadline; the render stops at its next :meth:`Deadline.check` (routes call it between decoding,
gathering, drawing and encoding), so the thread and what it held (a decoder's lock, the picture)
are let go within one step. A step cannot be interrupted halfway; the size caps of
:mod:`egoexo_kit.limits` keep each one short.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

from egoexo_kit.errors import EgoExoKitError

__all__ = ["Deadline", "RenderPool", "RenderTimeout"]

T = TypeVar("T")


class RenderTimeout(EgoExoKitError, TimeoutError):
    """A render ran out of time (``started``) or never got a free renderer before its deadline."""

    def __init__(self, message: str, *, started: bool) -> None:
        super().__init__(message)
        self.started = started


@dataclass(eq=False)
class Deadline:
    """When a render must be done by; :meth:`check` raises :class:`RenderTimeout` once it is over."""

    seconds: float
    """The time allowed, from creation."""
    start: float = field(default_factory=time.monotonic)
    _cancelled: threading.Event = field(default_factory=threading.Event, repr=False)

    def remaining(self) -> float:
        """Seconds left (0 once over)."""
        return max(0.0, self.start + self.seconds - time.monotonic())

    def cancel(self) -> None:
        """Give up: the next :meth:`check` raises, whatever time is left."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        """Whether the render was given up (its request already answered)."""
        return self._cancelled.is_set()

    def check(self) -> None:
        """Raise :class:`RenderTimeout` if the render was given up or its time is over."""
        if self.cancelled or self.remaining() <= 0:
            raise RenderTimeout(f"render given up after {self.seconds:g} s", started=True)


class RenderPool:
    """At most ``workers`` renders at once, each answered within ``timeout_s`` seconds (see the module).

    Args:
        workers: Renders that run at the same time; more wait for a free renderer.
        timeout_s: The deadline of each render, counted from the request (waiting included).
    """

    def __init__(self, *, workers: int = 4, timeout_s: float = 30.0) -> None:
        if workers < 1 or not timeout_s > 0:
            raise ValueError(f"need workers >= 1 and timeout_s > 0, got {workers} and {timeout_s}")
        self.workers = workers
        self.timeout_s = timeout_s
        self._executor: ThreadPoolExecutor | None = None
        self._running: set[Deadline] = set()
        self._lock = threading.Lock()

    @property
    def active(self) -> int:
        """Renders running now (a given-up render counts until it reaches its next check)."""
        with self._lock:
            return len(self._running)

    def _submit(self, fn: Callable[[Deadline], T], deadline: Deadline) -> Future[T]:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="egoexo-kit-render")
            return self._executor.submit(self._call, fn, deadline)

    def _call(self, fn: Callable[[Deadline], T], deadline: Deadline) -> T:
        with self._lock:
            self._running.add(deadline)
        try:
            deadline.check()  # waited in the queue past its deadline: never start
            return fn(deadline)
        finally:
            with self._lock:
                self._running.discard(deadline)

    async def run(self, fn: Callable[[Deadline], T]) -> T:
        """``fn(deadline)`` on a renderer thread; its result, or :class:`RenderTimeout` at the deadline."""
        deadline = Deadline(self.timeout_s)
        future = self._submit(fn, deadline)
        waiter = asyncio.wrap_future(future)
        try:
            return await asyncio.wait_for(asyncio.shield(waiter), deadline.remaining())
        except BaseException as e:  # timed out, or the request itself was cancelled
            deadline.cancel()
            started = not future.cancel()
            waiter.add_done_callback(_consume)
            if not isinstance(e, TimeoutError):
                raise
            if not started:
                raise RenderTimeout(
                    f"the viewer is busy: no renderer came free within {self.timeout_s:g} s "
                    f"({self.workers} renders at a time); try again",
                    started=False,
                ) from None
            raise RenderTimeout(
                f"render took longer than {self.timeout_s:g} s and was stopped "
                "(serve --render-timeout sets the limit)",
                started=True,
            ) from None

    def close(self) -> None:
        """Give up every running render and stop the threads (a later :meth:`run` starts new ones)."""
        with self._lock:
            for deadline in self._running:
                deadline.cancel()
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


def _consume(waiter: asyncio.Future[object]) -> None:
    """Retrieve the outcome of a given-up render, so asyncio does not log it as never retrieved."""
    if not waiter.cancelled():
        waiter.exception()
