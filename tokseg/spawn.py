"""Start the refresher detached, at most once per cooldown, without importing subprocess.

Many callers can see the same stale snapshot in the same second (tmux
clients, one waybar per monitor, every open prompt). A marker file holding a
timestamp, published whole by a hard link that fails when the name exists,
lets exactly one of them spawn; an expired marker (a crashed refresher), or
anything that is not a plain file in its place, is renamed away by one
winner and removed, so it never blocks for good. The refresher's own lock is the second line of defence.

The child gets /dev/null on stdin, stdout and stderr and its own session:
a host reads our stdout until every holder closes it, so an inherited pipe
would stall starship, waybar or i3blocks for as long as the refresh runs.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import time

from tokseg import locations

MARKER_FILE = "spawn.marker"
REFRESH_ARGV = ("-m", "tokseg", "refresh", "--detached")


def request_refresh(cache_dir: str, now: float, cooldown: float, changed_at: float | None = None) -> bool:
    """Spawn a detached refresher unless one was spawned within `cooldown` seconds.

    `changed_at` (the config file's mtime) lets an edit trigger a refresh at once:
    a marker older than the change no longer counts.
    """
    if not _claim(os.path.join(cache_dir, MARKER_FILE), now, cooldown, changed_at):
        return False
    spawn_detached([sys.executable, *REFRESH_ARGV])
    return True


def _claim(marker: str, now: float, cooldown: float, changed_at: float | None) -> bool:
    for attempt in range(3):
        try:
            if _publish(marker, now):
                return True
        except FileNotFoundError:
            locations.make_private(os.path.dirname(marker))
            continue
        except OSError:  # a folder we cannot write: no refresh from here, and no traceback
            return False
        if attempt or not _expired(marker, now, cooldown, changed_at):
            return False
        _retire(marker)
    return False


def _publish(marker: str, now: float) -> bool:
    """Put a marker holding `now` in place, whole or not at all; False when one is there already.

    The time is written to a private temp file first and hard-linked to the marker name,
    which fails if that name exists: no caller ever sees a marker without its time.
    """
    tmp = f"{marker}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(fd, repr(now).encode())
        finally:
            os.close(fd)
        os.link(tmp, marker)
        return True
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV):
            raise
        return _create(marker, now)  # a filesystem without hard links
    finally:
        _remove(tmp, depth=0)


def _create(marker: str, now: float) -> bool:
    """The plain O_EXCL marker, for filesystems without hard links; until its time is in,
    `_expired` goes by its mtime, which is now."""
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    try:
        os.write(fd, repr(now).encode())
    finally:
        os.close(fd)
    return True


def _expired(marker: str, now: float, cooldown: float, changed_at: float | None) -> bool:
    """True for a marker older than the cooldown or the config change, from the future, or not a plain file."""
    try:
        info = os.lstat(marker)
    except FileNotFoundError:
        return True
    if not stat.S_ISREG(info.st_mode):
        return True
    try:
        fd = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            stamp = float(os.read(fd, 64))
        finally:
            os.close(fd)
    except (OSError, ValueError):  # unreadable or no time in it: its own mtime says when it was made
        stamp = info.st_mtime
    if changed_at is not None and stamp < changed_at:
        return True
    return not (now - cooldown <= stamp <= now + 5.0)


def _retire(marker: str) -> None:
    """Move an expired marker aside (one caller wins the rename) and remove it, whatever it is."""
    aside = f"{marker}.{os.getpid()}.expired"
    try:
        os.rename(marker, aside)
    except OSError:
        return
    _remove(aside, depth=8)


def _remove(path: str, depth: int) -> None:
    """Remove a file, symlink or folder tree (not following links); what cannot go stays."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
            return
        if depth:
            for name in os.listdir(path):
                _remove(os.path.join(path, name), depth - 1)
        os.rmdir(path)
    except OSError:
        pass


def spawn_detached(argv: list[str]) -> int:
    """posix_spawn `argv` in a new session with stdio on /dev/null; returns the pid."""
    actions: list[tuple] = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    actions += [(os.POSIX_SPAWN_CLOSE, fd) for fd in _inheritable_fds()]
    try:
        return os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions, setsid=True)
    except NotImplementedError:  # no POSIX_SPAWN_SETSID in this libc
        return _fork_detached(argv)


def _fork_detached(argv: list[str]) -> int:
    pid = os.fork()
    if pid:
        return pid
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, 1 << 16)
        os.execv(argv[0], argv)
    finally:
        os._exit(127)


def _inheritable_fds() -> list[int]:
    """Descriptors above 2 the host left inheritable; the child must not hold them either."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return []
    fds = []
    for name in names:
        fd = int(name)
        try:
            if fd > 2 and os.get_inheritable(fd):
                fds.append(fd)
        except OSError:
            pass
    return fds
