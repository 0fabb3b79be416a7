"""Helpers for tests that read or age the real snapshot file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

TRUE = shutil.which("true") or "/bin/true"
# The hot path as a subprocess whose refresher is `true`: the spawn marker shows a refresh was asked for
# without a refresher running per fuzzed example.
HOT = f"import sys; sys.executable = {TRUE!r}; from tokseg.entry import main; sys.exit(main(sys.argv[1:]))"
BOUND_S = 10.0


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


def hot_call(home: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    """One segment call on `home` with `config`, asserted to end within BOUND_S."""
    env = {**os.environ, "TOKSEG_HOME": str(home), "TOKSEG_CONFIG": str(config)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", HOT, *args], env=env, capture_output=True, text=True,
                          timeout=BOUND_S)
    assert time.monotonic() - started < BOUND_S
    return done
