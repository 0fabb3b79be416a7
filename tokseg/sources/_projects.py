"""Which project a logged working directory belongs to, and its name (refresher only).

An agent logs the folder it ran in, which may be anywhere inside a repo.
The project is the repo's top level - the nearest folder above with a `.git`
(a folder, or the file a worktree or submodule has) - named by that folder;
a folder in no repo, or gone since, is a project of its own. The repo's
origin (host/owner/repo) is read from its git config without running git,
for `[settings] project_names = "remote"`. Lookups are cached per refresh:
a month of logs names a few dozen folders, each looked up once.
"""

from __future__ import annotations

import configparser
import os
import re
from functools import lru_cache
from typing import NamedTuple

NO_FOLDER = "(no folder)"  # the name of requests whose log names no working directory
MAX_DEPTH = 64
# scp-like `git@host:owner/repo.git` or a URL `https://user@host:port/owner/repo.git`
SCP_RE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")
URL_RE = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^@/]+@)?([^/:]+)(?::\d+)?/(.+)$", re.IGNORECASE)


class Project(NamedTuple):
    root: str  # the repo's top level, or the folder itself; "" when the log named none
    name: str
    remote: str  # host/owner/repo of the origin remote, "" when none


def resolve(cwd: str) -> Project:
    """The project of a logged working directory."""
    if not cwd or not os.path.isabs(cwd):
        return Project("", NO_FOLDER, "")
    return _resolve(os.path.normpath(cwd))


@lru_cache(maxsize=4096)
def _resolve(cwd: str) -> Project:
    folder = cwd
    for _ in range(MAX_DEPTH):
        dot_git = os.path.join(folder, ".git")
        if os.path.exists(dot_git):
            return Project(folder, _name(folder), remote(dot_git))
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    return Project(cwd, _name(cwd), "")


def _name(folder: str) -> str:
    return os.path.basename(folder) or folder


def remote(dot_git: str) -> str:
    """host/owner/repo of the `origin` remote (else the first one) in a repo's git config; "" when none."""
    config = _config_path(dot_git)
    parser = configparser.RawConfigParser(strict=False)
    try:
        with open(config, encoding="utf-8", errors="replace") as fh:
            parser.read_file(fh)
    except (OSError, configparser.Error, UnicodeError):
        return ""
    sections = [s for s in parser.sections() if s.startswith('remote "')]
    sections.sort(key=lambda s: s != 'remote "origin"')
    for section in sections:
        url = parser.get(section, "url", fallback="").strip()
        if url:
            return normalise_remote(url)
    return ""


def _config_path(dot_git: str) -> str:
    """A worktree's `.git` is a file naming its git dir, whose `commondir` leads to the shared config."""
    if not os.path.isfile(dot_git):
        return os.path.join(dot_git, "config")
    try:
        with open(dot_git, encoding="utf-8", errors="replace") as fh:
            line = fh.readline().strip()
    except OSError:
        return ""
    if not line.startswith("gitdir:"):
        return ""
    gitdir = os.path.join(os.path.dirname(dot_git), line.split(":", 1)[1].strip())
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8", errors="replace") as fh:
            gitdir = os.path.join(gitdir, fh.readline().strip())
    except OSError:
        pass
    return os.path.join(gitdir, "config")


def normalise_remote(url: str) -> str:
    """`git@github.com:me/shop.git`, `https://tok@github.com/me/shop` → `github.com/me/shop`; a
    local path → its last two parts. Credentials in a URL are dropped: they never reach a snapshot."""
    match = URL_RE.match(url) or (SCP_RE.match(url) if "://" not in url else None)
    if match:
        host, path = match.group(1), match.group(2)
    else:
        host, path = "", url
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    if not host:
        parts = parts[-2:]
    return "/".join([host, *parts] if host else parts)
