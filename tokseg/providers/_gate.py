"""A per-token poll gate that outlives the refresher process.

Some vendor endpoints (Claude's OAuth usage above all) answer 429 for hours
once a token polls too often, and the limit is per access token. Each
refresh is a new process, so the memory of "when did this token last poll,
and until when is it blocked" lives in a small JSON file in tokseg's state
folder, keyed by a fingerprint of the token (never the token itself). The
last good body is kept too, so a call inside the minimum interval is served
from it instead of the network. A fresh token gets a fresh entry, which is
right: the vendor's block is per token as well.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from filelock import FileLock

from tokseg import dirs, store

MAX_ENTRIES = 16


class PollGate:
    """Read and update one provider's gate file; every method re-reads it, so processes agree."""

    def __init__(self, name: str, folder: Path | None = None) -> None:
        self.path = (folder or dirs.state_dir()) / f"{name}-gate.json"

    def get(self, key: str) -> dict[str, Any]:
        return dict(self._read().get(key) or {})

    def put(self, key: str, **fields: Any) -> None:
        """Merge `fields` into the entry for `key`, dropping the oldest entries beyond MAX_ENTRIES."""
        dirs.ensure_private(self.path.parent)
        with FileLock(str(self.path) + ".lock", timeout=10):
            data = self._read()
            data[key] = {**(data.get(key) or {}), **fields}
            newest = sorted(data, key=lambda k: float(data[k].get("polled_at") or 0), reverse=True)
            store.write_atomic(self.path, {k: data[k] for k in newest[:MAX_ENTRIES]})

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}
