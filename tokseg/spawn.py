"""Start the refresher detached, at most once per cooldown, without importing subprocess.

Many callers can see the same stale snapshot in the same second (tmux
clients, one waybar per monitor, every open prompt). An O_EXCL marker file
holding a timestamp lets exactly one of them spawn; an expired marker (a
crashed refresher) is renamed away by one winner so it never blocks for
good. The refresher's own lock is the second line of defence.

The child gets /dev/null on stdin, stdout and stderr and its own session:
a host reads our stdout until every holder closes it, so an inherited pipe
would stall starship, waybar or i3blocks for as long as the refresh runs.
"""

from __future__ import annotations

import os
import sys

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
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if attempt or not _expired(marker, now, cooldown, changed_at):
                return False
            try:  # only one caller wins the rename of an expired marker
                os.rename(marker, f"{marker}.{os.getpid()}.expired")
                os.unlink(f"{marker}.{os.getpid()}.expired")
            except FileNotFoundError:
                pass
            continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(marker), mode=0o700, exist_ok=True)
            continue
        try:
            os.write(fd, repr(now).encode())
        finally:
            os.close(fd)
        return True
    return False


def _expired(marker: str, now: float, cooldown: float, changed_at: float | None) -> bool:
    try:
        with open(marker, "rb") as fh:
            stamp = float(fh.read(64) or b"0")
    except (OSError, ValueError):
        try:
            stamp = os.stat(marker).st_mtime
        except OSError:
            return True
    if changed_at is not None and stamp < changed_at:
        return True
    return not (now - cooldown <= stamp <= now + 5.0)


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
