"""Helpers for tests that read or age the real snapshot file."""

from __future__ import annotations

import json
from pathlib import Path


def snapshot_file(home: Path) -> Path:
    return home / "cache" / "snapshot.json"


def load(home: Path) -> dict:
    return json.loads(snapshot_file(home).read_text())


def age(home: Path, seconds: float) -> dict:
    """Move every fetch `seconds` into the past, as if the refresher had not run since."""
    data = load(home)
    for entry in data["accounts"].values():
        for key in ("fetched_at", "next_due", "last_attempt"):
            if entry.get(key):
                entry[key] -= seconds
    snapshot_file(home).write_text(json.dumps(data))
    return data


def refresher_log(home: Path) -> list[str]:
    path = home / "cache" / "refresher.log"
    return path.read_text().splitlines() if path.exists() else []
