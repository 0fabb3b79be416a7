"""The snapshot's read side (hot path): schema version, file name, lock-free read.

Writers (`store.py`) replace the file atomically, so a plain read never sees
a torn file. Anything unreadable, truncated, empty, of another schema or the
wrong shape reads as None ("missing"): the caller shows a placeholder and a
refresh rebuilds it.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import Snapshot

SCHEMA = 1


def read(path: str) -> Snapshot | None:
    """The snapshot at `path`, or None when it is missing or unusable."""
    try:
        with open(path, "rb") as fh:
            data: Snapshot = json.load(fh)  # checked below only as far as a reader relies on
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return None
    if not isinstance(data.get("accounts"), dict) or not isinstance(data.get("settings"), dict):
        return None
    return data


def empty() -> Snapshot:
    """A snapshot with no accounts yet: what a writer starts from."""
    return {"schema": SCHEMA, "written_at": None, "settings": {}, "config": {}, "accounts": {}}
