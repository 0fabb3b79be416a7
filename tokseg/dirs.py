"""Folders for the slow path, from platformdirs; `locations.py` mirrors the cache rule."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from tokseg import locations

CONFIG_FILE = "config.toml"


def _under_home(kind: str) -> Path | None:
    home = locations.home_override()
    return Path(home) / kind if home else None


def cache_dir() -> Path:
    return _under_home("cache") or Path(platformdirs.user_cache_dir(locations.APP, appauthor=False))


def config_dir() -> Path:
    return _under_home("config") or Path(platformdirs.user_config_dir(locations.APP, appauthor=False))


def state_dir() -> Path:
    return _under_home("state") or Path(platformdirs.user_state_dir(locations.APP, appauthor=False))


def config_path() -> Path:
    """`TOKSEG_CONFIG` names a config file explicitly; otherwise config.toml in the config folder."""
    explicit = os.environ.get("TOKSEG_CONFIG", "").strip()
    return Path(explicit) if explicit else config_dir() / CONFIG_FILE


def ensure_private(folder: Path) -> Path:
    """Create the folder (and any missing parents, all 0700) and make it 0700: it holds account data."""
    locations.make_private(str(folder))
    return folder
