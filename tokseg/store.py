"""The snapshot's write side: lock, read-merge, write a temp file, fsync, rename.

Readers never lock (see `snapshot.py`); writers serialise on a filelock so
two writers cannot lose each other's merge. The temp file lives in the same
folder so `os.replace` is atomic; a writer killed before the rename leaves
the previous snapshot whole, and its orphan temp file is swept next time.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from collections.abc import Callable

from filelock import FileLock

from tokseg import dirs, locations, snapshot

LOCK_FILE = "snapshot.lock"
TEMP_PREFIX = ".snapshot."
ORPHAN_AGE_S = 60.0


def snapshot_path() -> Path:
    return dirs.cache_dir() / locations.SNAPSHOT_FILE


def update(mutate: Callable[[dict], None], path: Path | None = None) -> dict:
    """Apply `mutate` to the current snapshot (or a fresh one) and write it back atomically."""
    path = path or snapshot_path()
    dirs.ensure_private(path.parent)
    with FileLock(str(path.parent / LOCK_FILE), timeout=10, mode=0o600):
        data = snapshot.read(str(path)) or snapshot.empty()
        mutate(data)
        data["written_at"] = time.time()
        write_atomic(path, data)
    return data


def write_atomic(path: Path, data: dict) -> None:
    """Write `data` as JSON to `path` so a reader sees either the old file or the new one."""
    _sweep_orphans(path.parent)
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    tmp = path.parent / f"{TEMP_PREFIX}{os.getpid()}.{time.monotonic_ns()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sweep_orphans(folder: Path) -> None:
    """Remove temp files left by writers that died before their rename."""
    cutoff = time.time() - ORPHAN_AGE_S
    for leftover in folder.glob(f"{TEMP_PREFIX}*.tmp"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except FileNotFoundError:
            pass
