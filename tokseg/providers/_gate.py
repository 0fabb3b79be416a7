"""A per-token poll gate that outlives the refresher process.

Some vendor endpoints (Claude's OAuth usage above all) answer 429 for hours
once a token polls too often, and the limit is per access token. Each
refresh is a new process, so the memory of "when did this token last poll,
and until when is it blocked" lives in the provider's persisted state
(`Ctx.state`), keyed by a fingerprint of the token (never the token itself).
The last good body is kept too, so a call inside the minimum interval is
served from it instead of the network. A fresh token gets a fresh entry,
which is right: the vendor's block is per token as well.
"""

from __future__ import annotations

from typing import Any

from tokseg.providers._base import State

MAX_ENTRIES = 16
SECTION = "gate"


class PollGate:
    """Read and update the gate entries in a provider's state; every call re-reads it, so processes agree."""

    def __init__(self, state: State) -> None:
        self.state = state

    def get(self, key: str) -> dict[str, Any]:
        entries = self.state.read().get(SECTION)
        return dict(entries.get(key) or {}) if isinstance(entries, dict) else {}

    def put(self, key: str, **fields: Any) -> None:
        """Merge `fields` into the entry for `key`, dropping the oldest entries beyond MAX_ENTRIES."""

        def change(data: dict[str, Any]) -> None:
            entries = data.get(SECTION)
            entries = dict(entries) if isinstance(entries, dict) else {}
            entries[key] = {**(entries.get(key) or {}), **fields}
            newest = sorted(entries, key=lambda k: float(entries[k].get("polled_at") or 0), reverse=True)
            data[SECTION] = {k: entries[k] for k in newest[:MAX_ENTRIES]}

        self.state.edit(change)
