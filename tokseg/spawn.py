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
TOKEN_TTL_S = 10.0  # a take-over token older than this was left by a crashed caller
GONE = object()  # what `_expired` returns for a marker that vanished while it looked
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
    for _ in range(3):
        try:
            if _publish(marker, now):
                return True
            seen = _expired(marker, now, cooldown, changed_at)
            if seen is None:
                return False
            if seen is not GONE:
                return _take_over(marker, seen, now)  # type: ignore[arg-type]
        except FileNotFoundError:
            locations.make_private(os.path.dirname(marker))
        except OSError:  # a folder we cannot write: no refresh from here, and no traceback
            return False
    return False


def _publish(marker: str, now: float) -> bool:
    """Put a marker holding `now` in place, whole or not at all; False when one is there already.

    The time is written to a private temp file first and hard-linked to the marker name,
    which fails if that name exists: no caller ever sees a marker without its time.
    """
    tmp = _stamped(marker, now)
    try:
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


def _stamped(marker: str, now: float) -> str:
    """A private temp file beside the marker holding `now`."""
    tmp = f"{marker}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, repr(now).encode())
    finally:
        os.close(fd)
    return tmp


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


def _expired(marker: str, now: float, cooldown: float, changed_at: float | None) -> object:
    """The marker's stat when it is older than the cooldown or the config change, from the future,
    or not a plain file; None while it holds; GONE when it vanished meanwhile."""
    try:
        info = os.lstat(marker)
    except FileNotFoundError:
        return GONE
    if not stat.S_ISREG(info.st_mode):
        return info
    try:
        fd = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            stamp = float(os.read(fd, 64))
        finally:
            os.close(fd)
    except (OSError, ValueError):  # unreadable or no time in it: its own mtime says when it was made
        stamp = info.st_mtime
    if (changed_at is not None and stamp < changed_at) or not (now - cooldown <= stamp <= now + 5.0):
        return info
    return None


def _take_over(marker: str, seen: os.stat_result, now: float) -> bool:
    """Replace the expired marker `seen`, if this caller is the one that creates its `.retiring` token
    and finds `seen` still in place: a marker someone just put there is never replaced again."""
    token = f"{marker}.{seen.st_ino}-{seen.st_mtime_ns}.retiring"
    try:
        os.close(os.open(token, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another caller is replacing it; a token left by a crash is cleared
        if time.time() - os.lstat(token).st_mtime > TOKEN_TTL_S:
            os.unlink(token)
        return False
    try:
        now_there = os.lstat(marker)
        if (now_there.st_ino, now_there.st_mtime_ns) != (seen.st_ino, seen.st_mtime_ns):
            return False
        if not stat.S_ISREG(seen.st_mode):  # a folder, fifo or symlink: move it aside, then publish
            aside = f"{marker}.{os.getpid()}.expired"
            os.rename(marker, aside)
            _remove(aside, depth=8)
            return _publish(marker, now)
        tmp = _stamped(marker, now)
        try:
            os.rename(tmp, marker)  # the name never goes missing, so no caller can slip in between
        except OSError:
            _remove(tmp, depth=0)
            raise
        return True
    finally:
        _remove(token, depth=0)


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
