"""Where the snapshot lives, decided from the environment alone (hot path).

This mirrors platformdirs' rule (see `dirs.py`, which the slow path uses and
a test compares with this one) without importing it: `TOKSEG_HOME` wins,
then a non-blank `XDG_CACHE_HOME`, then the platform default.
"""

from __future__ import annotations

import errno
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


def make_private(folder: str) -> str:
    """Create `folder` and every missing parent 0700 (each may hold account data), and make `folder` 0700.

    `os.makedirs` gives the parents it creates the default mode, so a fresh
    `TOKSEG_HOME` would be 0755 while its subfolders are 0700.
    """
    parent = os.path.dirname(folder)
    if parent and parent != folder and not os.path.isdir(parent):
        make_private(parent)
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        if not os.path.isdir(folder):  # a file (or a dangling link) where the folder belongs
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), folder) from None
    os.chmod(folder, 0o700)
    return folder
