"""Results from many threads, saved as they arrive: one write at a time, later arrivals coalesced.

The refresher's fetch threads finish at different times, and a slow provider
must not hold back the figures of the fast ones. The first result to arrive
is written at once by its own thread; results arriving during that write are
queued and written together when it ends, so a run writes no more often than
results actually come in. `close` ends the run: later arrivals are ignored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Collector(Generic[T]):
    """Collect items from threads and hand them, in batches as they arrive, to `write`."""

    def __init__(self, write: Callable[[list[T]], None]) -> None:
        self._write = write
        self._cond = threading.Condition()
        self._arrived: list[T] = []
        self._pending: list[T] = []
        self._writing = False
        self._closed = False
        self._error: Exception | None = None
        self.writes = 0

    def add(self, item: T) -> None:
        """Record `item`; write it now unless a write is running (which then takes it along)."""
        with self._cond:
            if self._closed:
                return
            self._arrived.append(item)
            self._pending.append(item)
            self._cond.notify_all()
            if self._writing:
                return
            self._writing = True
        self._drain()

    def _drain(self) -> None:
        while True:
            with self._cond:
                batch, self._pending = self._pending, []
                if not batch or self._error is not None:
                    self._writing = False
                    self._cond.notify_all()
                    return
            try:
                self._write(batch)
            except Exception as exc:  # re-raised by `close`, in the thread that runs the run
                with self._cond:
                    self._error = exc
            else:
                with self._cond:
                    self.writes += 1

    def wait(self, count: int, deadline: float) -> None:
        """Until `count` items have arrived or the `time.monotonic()` deadline has passed."""
        with self._cond:
            while len(self._arrived) < count and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)

    def close(self) -> list[T]:
        """Take no more items, let a running write end, and return every item that arrived."""
        with self._cond:
            self._closed = True
            while self._writing:
                self._cond.wait()
            if self._error is not None:
                raise self._error
            return list(self._arrived)

    def finish(self, extra: list[T]) -> None:
        """After `close`: write `extra` if any, or one (empty) write when nothing was written at all."""
        if extra or not self.writes:
            self._write(extra)
            self.writes += 1
