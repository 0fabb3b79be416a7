"""Read one value from a VS Code-style app's state database (state.vscdb), never writing it.

Cursor and Antigravity are VS Code forks: each keeps its login in the
`ItemTable(key, value)` of `User/globalStorage/state.vscdb` under its
Electron user-data folder. The app may be running and writing it, so the
file is opened read-only (immutable when it has no WAL file, so no -wal or
-shm file is created beside it) and a lock is waited on only a moment.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from collections.abc import Mapping
from urllib.parse import quote

from tokseg.errors import BadResponse
from tokseg.providers._subscription import user_home
from tokseg.safe_text import line as printable

LOCK_TIMEOUT_S = 1.0  # a database busy for longer is read again at the next refresh


def default_db(env: Mapping[str, str], app: str) -> str:
    """The app's global state database in its Electron user-data folder (the Linux one is UNCONFIRMED)."""
    home = user_home(env)
    if sys.platform == "darwin":
        root = os.path.join(home, "Library", "Application Support")
    elif sys.platform == "win32":
        root = env.get("APPDATA") or os.path.join(home, "AppData", "Roaming")
    else:
        root = env.get("XDG_CONFIG_HOME", "").strip() or os.path.join(home, ".config")
    return os.path.join(root, app, "User", "globalStorage", "state.vscdb")


def read_item(path: str, key: str, what: str) -> str | None:
    """The text stored under `key`; None when there is no database, no table or no such row.

    `what` names the value in the message of a database that cannot be read ("Cursor's login")."""
    if not os.path.isfile(path):
        return None
    try:
        db = sqlite3.connect(_uri(path), uri=True, timeout=LOCK_TIMEOUT_S, isolation_level=None)
        try:
            row = db.execute("SELECT value FROM ItemTable WHERE key = ?", (key,)).fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        if "no such table" in str(exc):
            return None
        raise BadResponse(f"could not read {what} from {path} ({printable(str(exc), 80)}); "
                          "trying again at the next refresh") from None
    value = row[0] if row else None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value if isinstance(value, str) else None


def _uri(path: str) -> str:
    """Read-only; immutable too when a WAL database has no -wal file (the app is closed), as a read-only
    reader would otherwise create the -wal and -shm files beside it."""
    uri = f"file:{quote(os.path.abspath(path))}?mode=ro"
    return uri + "&immutable=1" if _wal_mode(path) and not os.path.exists(path + "-wal") else uri


def _wal_mode(path: str) -> bool:
    """Whether the database file's header says WAL (read version 2)."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    return len(header) == 20 and header.startswith(b"SQLite format 3\x00") and header[18] == 2
