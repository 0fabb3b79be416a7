"""Where the snapshot lives, decided from the environment alone (hot path).

This mirrors platformdirs' rule (see `dirs.py`, which the slow path uses and
a test compares with this one) without importing it: `TOKSEG_HOME` wins,
then a non-blank `XDG_CACHE_HOME`, then the platform default.
"""

from __future__ import annotations

import os
import sys

APP = "tokseg"
SNAPSHOT_FILE = "snapshot.json"


def _env_dir(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def home_override() -> str | None:
    """`TOKSEG_HOME` puts cache, config and state under one folder (tests, demo)."""
    return _env_dir("TOKSEG_HOME")


def cache_dir() -> str:
    """The folder holding the snapshot, locks, spawn marker and rendered segments."""
    home = home_override()
    if home:
        return os.path.join(home, "cache")
    xdg = _env_dir("XDG_CACHE_HOME")
    if xdg:
        return os.path.join(xdg, APP)
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", APP)
    return os.path.join(os.path.expanduser("~"), ".cache", APP)


def snapshot_path() -> str:
    return os.path.join(cache_dir(), SNAPSHOT_FILE)
