"""The snapshot's write side: lock, read-merge, write a temp file, fsync, rename.

Readers never lock (see `snapshot.py`); writers serialise on a file lock (`flock`) so
two writers cannot lose each other's merge. The temp file lives in the same
folder so `os.replace` is atomic; a writer killed before the rename leaves
the previous snapshot whole, and its orphan temp file is swept next time.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from tokseg import atomic, dirs, locations, snapshot
from tokseg.flock import Lock

if TYPE_CHECKING:
    from tokseg.schema import Snapshot

LOCK_FILE = "snapshot.lock"
TEMP_PREFIX = f".{locations.SNAPSHOT_FILE}."
ORPHAN_AGE_S = 60.0


def snapshot_path() -> Path:
    return dirs.cache_dir() / locations.SNAPSHOT_FILE


def update(mutate: Callable[[Snapshot], None], path: Path | None = None) -> Snapshot:
    """Apply `mutate` to the current snapshot (or a fresh one) and write it back atomically."""
    path = path or snapshot_path()
    dirs.ensure_private(path.parent)
    with Lock(str(path.parent / LOCK_FILE), timeout=10, mode=0o600):
        data = snapshot.read(str(path)) or snapshot.empty()
        mutate(data)
        data["written_at"] = time.time()
        write_atomic(path, data)
    return data


def write_atomic(path: Path, data: Mapping[str, object]) -> None:
    """Write `data` as JSON to `path` so a reader sees either the old file or the new one."""
    _sweep_orphans(path.parent)
    atomic.replace_file(str(path), _encode(data))
    _fsync_dir(path.parent)


def _encode(data: Mapping[str, object]) -> bytes:
    """Strict JSON: a NaN or infinity (which `json` would write as `NaN`/`Infinity`) is written as null."""
    try:
        text = json.dumps(data, separators=(",", ":"), sort_keys=True, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(data), separators=(",", ":"), sort_keys=True, allow_nan=False)
    return text.encode()


def _finite(value: object) -> object:
    """`value` with every non-finite float replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value


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
