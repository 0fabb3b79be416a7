"""The hot path: read the snapshot, print the segment, maybe start a refresh, exit.

This is what a status bar or prompt runs many times a minute, so it reads
one file, stats one more, imports only light stdlib modules (a test checks)
and never waits: stale data is printed marked and a detached refresher is
started. Any failure prints a short marker and exits 0, never a traceback.
"""

from __future__ import annotations

import errno
import os
import sys
import time

from tokseg import defaults, locations, snapshot
from tokseg.render import FORMATS, exit_status, render
from tokseg.render import view as views

TYPE_CHECKING = False
if TYPE_CHECKING:
    from tokseg.schema import Snapshot, View

ERROR_MARK = "tok ?"
VALUE_OPTIONS = ("--format", "--account", "--template", "--max-width")


def parse_args(argv: list[str]) -> dict | None:
    """Segment options, or None when argv is not a segment call (the CLI handles it)."""
    opts: dict = {"format": "plain", "accounts": None, "template": None, "max_width": None}
    items = list(argv)
    while items:
        arg = items.pop(0)
        name, eq, value = arg.partition("=")
        if name == "--json" and not eq:
            opts["format"] = "json"
            continue
        if name not in VALUE_OPTIONS:
            return None
        if not eq:
            if not items:
                return None
            value = items.pop(0)
        if name == "--format":
            if value not in FORMATS:
                return None
            opts["format"] = value
        elif name == "--account":
            opts["accounts"] = (opts["accounts"] or []) + [value]
        elif name == "--template":
            opts["template"] = value
        elif not value.isdigit():
            return None
        else:
            opts["max_width"] = int(value)
    return opts


def refresh_reason(snap: Snapshot | None, view: View, repaired: bool = False) -> tuple[bool, float | None]:
    """Whether to refresh (missing or repaired snapshot, an edited config, an account past next_due),
    and the config's new mtime when an edit is the reason.

    An edited config is looked at here and now (`config_file.edit_problem`):
    a deleted file or a TOML mistake is marked `!cfg` at this very call.
    """
    if snap is None or repaired:
        return True, None
    conf = snap.get("config") or {}
    path = conf.get("path")
    if path:
        try:
            mtime: float | None = os.stat(path).st_mtime
        except (OSError, ValueError):  # ValueError: a NUL in the path
            mtime = None
        if mtime != conf.get("mtime"):
            view["config_error"] = _edit_problem(path) or view.get("config_error")
            return True, mtime
    if conf.get("error"):
        return False, None
    return bool(view["due"]), None


def _edit_problem(path: str) -> str | None:
    try:
        from tokseg import config_file  # only the call right after an edit pays for it

        return config_file.edit_problem(path)
    except Exception:  # a look that fails leaves the check to the refresher it starts
        return None


def _request_refresh(now: float, cooldown: object = None, changed_at: float | None = None) -> bool:
    """Start a refresher unless one was started within the cooldown; never raises."""
    try:
        from tokseg import spawn  # only stale calls pay for it

        seconds = defaults.SPAWN_COOLDOWN_S  # also the most the config compiles: a bigger one is not ours
        if isinstance(cooldown, (int, float)) and 1 <= cooldown < seconds:
            seconds = float(cooldown)
        return spawn.request_refresh(locations.cache_dir(), now, seconds, changed_at)
    except Exception:
        return False


def main(opts: dict) -> int:
    status = 0
    now = time.time()
    try:
        snap, repaired = snapshot.load(locations.snapshot_path())
        view = views.build(snap, now, opts["accounts"])
        view["cwd"] = here()
        due, changed_at = refresh_reason(snap, view, repaired)
        if due:
            view["refreshing"] = _request_refresh(now, view["settings"].get("spawn_cooldown"), changed_at)
            if snap is None and not os.path.isdir(locations.cache_dir()):
                # Nothing to show and no refresher can start: say so rather than `tok …` for ever.
                raise NotADirectoryError(errno.ENOTDIR, "tokseg's cache folder cannot be made", locations.cache_dir())
        out = render(view, opts["format"], opts["template"], opts["max_width"])
        status = exit_status(view, opts["format"])
    except Exception as exc:
        out = _failure(opts["format"], exc)
        _request_refresh(now)  # whatever broke, a refresh may rebuild it
    try:
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        pass
    return status


def here() -> str:
    """The caller's folder as its shell names it ($PWD keeps a symlinked path), else the real one."""
    pwd = os.environ.get("PWD", "")
    if os.path.isabs(pwd):
        return pwd
    try:
        return os.getcwd()
    except OSError:  # the folder was removed under the shell
        return ""


def _failure(fmt: str, exc: Exception) -> str:
    """The error mark, in the format's own shape (`--json` still prints a JSON document)."""
    message = f"cannot show the segment ({type(exc).__name__}: {exc}); run `tokseg doctor`"
    try:
        from tokseg.render import failure

        return failure(fmt, ERROR_MARK, message, time.time())
    except Exception:
        return ERROR_MARK
