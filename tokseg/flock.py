"""An exclusive lock on a file with `fcntl.flock`, for the refresher's own locks (refresh and snapshot writes).

`filelock` costs ~20 ms to import, a third of what an idle refresh may cost in
all. Its Unix lock is this same `flock` on the same file, so a lock taken here
and one taken with `filelock` (older tokseg, tests, `tokseg demo`) exclude each
other. On a filesystem without `flock` this hands over to `filelock`, whose
soft lock covers that case.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from types import TracebackType
from typing import Any

POLL_S = 0.05
_UNSUPPORTED = (errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOLCK)


class Timeout(Exception):
    """The lock was held by another process (or thread) for longer than the timeout."""


class Lock:
    """An exclusive lock on `path` (created with `mode`), acquired within `timeout` seconds or not at all."""

    def __init__(self, path: str, timeout: float = -1, mode: int = 0o600) -> None:
        self.path, self.timeout, self.mode = path, timeout, mode
        self._fd: int | None = None
        self._fallback: Any = None

    def acquire(self, timeout: float | None = None) -> None:
        """Raises Timeout after `timeout` seconds (0: try once; negative: wait for good)."""
        wait = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), self.mode)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    self._fd, fd = fd, -1
                    return
                except BlockingIOError:
                    if wait >= 0 and time.monotonic() >= deadline:
                        raise Timeout(self.path) from None
                    time.sleep(POLL_S)
                except OSError as exc:
                    if exc.errno not in _UNSUPPORTED:
                        raise
                    os.close(fd)
                    fd = -1
                    self._soft(wait)
                    return
        finally:
            if fd >= 0:
                os.close(fd)

    def _soft(self, wait: float) -> None:
        import filelock

        self._fallback = filelock.FileLock(self.path, mode=self.mode)
        try:
            self._fallback.acquire(timeout=wait)
        except filelock.Timeout:
            self._fallback = None
            raise Timeout(self.path) from None

    def release(self) -> None:
        if self._fallback is not None:
            self._fallback.release()
            self._fallback = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.release()
