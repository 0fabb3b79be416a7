"""What an interactive command says when the file system or the history database fails it.

One line naming the path and the fix, instead of a traceback: a file where
tokseg needs a folder, a folder it may not write, a full disk, a symlink
loop, a history database that cannot be written.
"""

from __future__ import annotations

import errno
import os
import sqlite3

FIXES: dict[int, str] = {
    errno.EACCES: "permission denied; make it writable by you, or set TOKSEG_HOME to a folder you own",
    errno.EPERM: "operation not permitted; make it writable by you (check `lsattr`), "
                 "or set TOKSEG_HOME to a folder you own",
    errno.ENOSPC: "no space left on the device; free some space and run the command again",
    errno.EDQUOT: "disk quota exceeded; free some space and run the command again",
    errno.EROFS: "read-only file system; set TOKSEG_HOME to a writable folder",
    errno.ELOOP: "a symlink loop; point the link at a real file or remove it",
    errno.EISDIR: "is a folder where tokseg needs a file; move it away",
    errno.EEXIST: "is in the way of a folder tokseg needs; move it away, or set TOKSEG_HOME to a folder",
}


def describe(exc: BaseException) -> str | None:
    """One line for an OSError or sqlite3 error; None for anything else (a bug, which keeps its traceback)."""
    if isinstance(exc, sqlite3.Error):
        from tokseg import history

        return history.problem(exc)
    if not isinstance(exc, OSError):
        return None
    path = exc.filename
    if path is None:
        return f"{exc.strerror or exc}; check the disk and the folders under TOKSEG_HOME"
    if exc.errno == errno.ENOTDIR:
        blocker = _file_in_the_way(str(path))
        return (f"{blocker} is a file where tokseg needs a folder (for {path}); "
                "move it away, or set TOKSEG_HOME to a folder")
    fix = FIXES.get(exc.errno or 0, f"{exc.strerror or 'cannot use it'}; check the path and its permissions")
    return f"{path}: {fix}"


def _file_in_the_way(path: str) -> str:
    """The nearest existing ancestor of `path` that is not a folder."""
    current = os.path.abspath(path)
    while True:
        parent = os.path.dirname(current)
        if os.path.exists(current) and not os.path.isdir(current):
            return current
        if parent == current:
            return path
        current = parent
