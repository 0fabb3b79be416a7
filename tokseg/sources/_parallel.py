"""Read an index's inputs, the never-read log files in worker processes when there are many bytes of them.

A first scan of a few hundred MB is almost all JSON parsing, which one Python
process does on one core. Workers forked from the refresher only read and
parse (a row source's `read` touches no index); the parent applies each
input's update in the inputs' own order, as a sequential scan would, so the
winner among copies of equal score is the same. At most `WINDOW` files per
worker are read ahead, so the rows waiting in the parent stay few whatever
the logs' size. Workers are forked (they inherit the parsers; only an input's
number goes out and its rows come back); where fork is not offered, or
another scan in this process is using the workers, the scan stays sequential.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tokseg.sources._index import RowSource, ScanStats, Stamp, Update

MIN_BYTES = 16 << 20  # below this a first scan takes well under a second on one core
WINDOW = 4  # files read ahead per worker (while the parent writes, or loads the price table)
MAX_WORKERS = 8

Input = tuple["RowSource", str, "Stamp | None"]  # a source, one of its paths, and the stamp its reader may use
_busy = threading.Lock()
_scan: dict[str, Any] = {}  # the scan under way (inputs, stats type, errors), inherited by the forked workers


def read_all(inputs: Sequence[Input], stats: ScanStats,
             errors: tuple[type[BaseException], ...]) -> Iterator[Update | BaseException | None]:
    """Each input's update (None when unchanged, the exception when it could not be read), in order."""
    chosen = _worth_forking(inputs)
    if not chosen or not _busy.acquire(blocking=False):
        yield from (_read(source, path, stamp, stats, errors) for source, path, stamp in inputs)
        return
    try:
        yield from _forked(inputs, chosen, stats, errors)
    finally:
        _busy.release()


def _read(source: RowSource, path: str, stamp: Stamp | None, stats: ScanStats,
          errors: tuple[type[BaseException], ...]) -> Update | BaseException | None:
    try:
        return source.read(path, stamp, stats)
    except errors as exc:
        return exc


def _worth_forking(inputs: Sequence[Input]) -> set[int]:
    """The never-read inputs of sources that allow it, if they hold MIN_BYTES or more and there are cores."""
    if (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return set()
    chosen, size = set(), 0
    for i, (source, path, stamp) in enumerate(inputs):
        if stamp is None and getattr(source, "parallel", False):
            try:
                size += os.stat(path).st_size
            except OSError:
                continue  # the reader says why, in order
            chosen.add(i)
    return chosen if size >= MIN_BYTES else set()


def _forked(inputs: Sequence[Input], chosen: set[int], stats: ScanStats,
            errors: tuple[type[BaseException], ...]) -> Iterator[Update | BaseException | None]:
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    _scan.update(inputs=inputs, stats_type=type(stats), errors=errors)
    workers = min(MAX_WORKERS, os.cpu_count() or 1, len(chosen))
    order = deque(sorted(chosen))
    ahead: deque[Future] = deque()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        try:
            for i, (source, path, stamp) in enumerate(inputs):
                if i not in chosen:
                    yield _read(source, path, stamp, stats, errors)
                    continue
                while order and len(ahead) < workers * WINDOW:
                    ahead.append(pool.submit(_work, order.popleft()))
                outcome, theirs = ahead.popleft().result()
                _merge(stats, theirs)
                yield outcome
        finally:
            for future in ahead:
                future.cancel()
            _scan.clear()


def _work(i: int) -> tuple[Update | BaseException | None, ScanStats]:
    """In a worker: read one input with stats of its own."""
    source, path, stamp = _scan["inputs"][i]
    stats = _scan["stats_type"]()
    return _read(source, path, stamp, stats, _scan["errors"]), stats


def _merge(stats: ScanStats, theirs: ScanStats) -> None:
    stats.files_read += theirs.files_read
    stats.rescanned.extend(theirs.rescanned)
    stats.bytes_read += theirs.bytes_read
    stats.check_bytes += theirs.check_bytes
    stats.fetched += theirs.fetched
    stats.rows += theirs.rows
    stats.errors.extend(theirs.errors)
