"""The config file as a file: found, readable, small, and (when asked) valid TOML.

Hot-path safe (os and stat only), because the segment itself looks at the
config right after an edit: a deleted or broken config is marked at the next
segment call, not only after the refresher has run. Reading and the TOML
check are shared with `config.load`, so both say the same thing.
"""

from __future__ import annotations

import os
import stat

from tokseg.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024  # a hand-written config is a few KiB; more is the wrong file (or /dev/zero)


def read(path: str) -> tuple[str, float] | None:
    """The config's text and mtime; None only when there is no file and no symlink on the way to it.

    A dangling symlink, a symlink loop or a file where a folder should be is
    a ConfigError naming the path (the refresher then keeps the last figures
    and marks them `!cfg` instead of dropping every account), and so is a
    folder, device, pipe or a file too large to be a config.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError as exc:
        link = _dangling_link(path)
        if link is None:
            return None
        raise ConfigError(f"{path}: {link} is a symlink to {os.readlink(link)}, which does not exist; "
                          "point it at your config or remove it") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc.__class__.__name__}); "
                          "fix the path (a symlink loop, or a file where a folder should be?)") from exc
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"{path}: not a regular file (a folder, device or pipe); "
                          "point TOKSEG_CONFIG at a config file, or unset it")
    if info.st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: {info.st_size} bytes, more than a config can be ({MAX_CONFIG_BYTES}); "
                          "is it the right file?")
    try:
        with open(path, "rb") as handle:
            text = handle.read(MAX_CONFIG_BYTES + 1).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc.__class__.__name__}); "
                          "check its permissions and encoding") from exc
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: grew past {MAX_CONFIG_BYTES} bytes while being read; is it the right file?")
    return text, info.st_mtime


def toml_error(path: object, exc: Exception) -> ConfigError:
    return ConfigError(f"{path}: not valid TOML: {exc}; fix the syntax or run `tokseg config edit`")


def edit_problem(path: str) -> str | None:
    """What is wrong with the config the user has just changed, as far as a quick look can tell; None if nothing.

    Only the segment call right after an edit pays for this (the TOML parser
    is the one heavy import); the refresher it starts checks everything else.
    """
    try:
        found = read(path)
    except ConfigError as exc:
        return str(exc)
    if found is None:
        return (f"{path}: the config file is gone; its accounts leave the bar at the next refresh "
                "(restore it to keep them)")
    from tokseg._toml import tomllib

    try:
        tomllib.loads(found[0])
    except tomllib.TOMLDecodeError as exc:
        return str(toml_error(path, exc))
    return None


def _dangling_link(path: str) -> str | None:
    """The symlink, at `path` or one of its folders, whose target is missing; None if there is none."""
    candidate = os.path.abspath(path)
    while True:
        if os.path.islink(candidate) and not os.path.exists(candidate):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return None
        candidate = parent
